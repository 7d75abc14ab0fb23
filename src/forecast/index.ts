/** The forecasting code's public face: pure functions over the shapes in forecast-types.ts. */
export type * from "./forecast-types.js";
export { addDays, dateRange, dayOfWeek, daysBetween, fromDayNumber, toDayNumber } from "./calendar.js";
export {
  BASELINE_HALF_WIDTH_DAYS,
  expectedUnits,
  fitDemand,
  forecastDays,
  poolUplifts,
  predictiveSize,
  UPLIFT_WINDOW_DAYS,
  withUpliftPrior,
  type FitDemandOptions,
} from "./demand-model.js";
export { negBinomialCdf, negBinomialPmf, negBinomialQuantile } from "./negative-binomial.js";
export {
  assessStockout,
  assessStockoutOfDemand,
  type DemandPathInput,
} from "./stockout-risk.js";
export { expectedReceipts, inferReplenishment, REPLENISHMENT_WINDOW_DAYS, type InferredDelivery, type ReceiptRecord, type ReplenishmentPattern } from "./replenishment.js";
export { assessShelfFromLedger, assessShelfRisk, type LedgerShelfInput, type ShelfDelivery, type ShelfRisk, type ShelfRiskInput } from "./shelf-risk.js";
export { REORDER_POINT_DAYS, reorderPoint, reorderPointAlerts, Z_90, type ReorderPointInput } from "./reorder-point.js";
