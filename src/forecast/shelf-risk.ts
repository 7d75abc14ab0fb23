/**
 * The risk of one shelf as the service sees it: the demand model, the stock on hand, the deliveries someone loaded
 * (purchase orders) and the receipts the ledger's own pattern expects. The sweep and the backtest both call this, so the
 * backtest scores exactly what the service would have said with the same ledger.
 */
import { expectedUnits } from "./demand-model.js";
import type { DemandModel, ExpectedDelivery, FutureDay, StockoutRisk, StockoutRiskInput } from "./forecast-types.js";
import { expectedReceipts, inferReplenishment, type ReceiptRecord, type ReplenishmentPattern } from "./replenishment.js";
import { assessStockout } from "./stockout-risk.js";
import { addDays } from "./calendar.js";

export interface ShelfDelivery extends ExpectedDelivery {
  /** loaded: a purchase order someone sent; inferred: the ledger's receipt pattern expects it */
  source: "loaded" | "inferred";
}

export interface ShelfRiskInput {
  /** store-local today (the first of the days) */
  today: string;
  onHand: number;
  model: DemandModel;
  /** consecutive days from today on */
  days: FutureDay[];
  /** deliveries loaded through the API or a CSV, not yet received, dated on or after today */
  loaded: readonly ExpectedDelivery[];
  /** what the store-item's receipts show of its replenishment (null: too few receipts to say) */
  pattern: ReplenishmentPattern | null;
  /** days from an order placed today to the shelf: receipts due by then are already on their way */
  leadDays: number;
  /** last day of the running or upcoming promotion, if the item is advertised */
  promotionEnd?: string;
  /** expected demand of each of the days (default: the model's) */
  dailyDemand?: ArrayLike<number>;
}

export interface ShelfRisk extends StockoutRisk {
  /** the deliveries the risk counted on, in date order */
  deliveries: ShelfDelivery[];
  /**
   * Last day of the window an alert decides about: the day before the first delivery that lands after an order placed
   * today would (that delivery is not on its way yet, so what runs out before it is what acting now can still prevent
   * or soften); the last of the days when none is expected.
   */
  decisionEnd: string;
  /** P(run out on or before decisionEnd) */
  probabilityBeforeDecision: number;
  /** how sure the inferred deliveries are (1 when none was inferred) */
  replenishmentConfidence: number;
}

/**
 * Assess with loaded deliveries first and inferred ones after the last of them. The inferred receipts are only as sure
 * as the pattern's regularity c: the probabilities are c × (with them) + (1 − c) × (without them).
 */
export function assessShelfRisk(input: ShelfRiskInput, assess: (input: StockoutRiskInput) => StockoutRisk = assessStockout): ShelfRisk {
  const { today, model, days } = input;
  const lastDay = days.at(-1)?.date ?? today;
  // only a top-up rule needs the demand before each receipt
  const dailyDemand = input.dailyDemand ?? (input.pattern !== null && input.pattern.sizing !== "quantity" ? days.map((day) => expectedUnits(model, day)) : []);
  const inferred = expectedReceipts(input.pattern, { today, lastDay, onHand: input.onHand, dailyDemand, loaded: input.loaded });
  const deliveries: ShelfDelivery[] = [
    ...input.loaded.map((delivery) => ({ date: delivery.date, quantity: delivery.quantity, source: "loaded" as const })),
    ...inferred.map((delivery) => ({ date: delivery.date, quantity: delivery.quantity, source: "inferred" as const })),
  ].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  const orderLands = addDays(today, input.leadDays);
  const notYetPlaced = deliveries.find((delivery) => delivery.date > orderLands);
  const decisionEnd = notYetPlaced ? addDays(notYetPlaced.date, -1) : lastDay;
  const common = { today, onHand: input.onHand, model, days, decisionEnd, ...(input.promotionEnd !== undefined ? { promotionEnd: input.promotionEnd } : {}) };
  const withAll = assess({ ...common, deliveries });
  const confidence = inferred.length > 0 ? (inferred[0]?.confidence ?? 1) : 1;
  const result: ShelfRisk = {
    ...withAll,
    deliveries,
    decisionEnd,
    probabilityBeforeDecision: withAll.probabilityBeforeDecision ?? withAll.probabilityWithinHorizon,
    replenishmentConfidence: confidence,
  };
  if (confidence >= 1) return result;
  // only its probabilities are mixed in: the quantity to last the promotion is the one counted with every delivery
  const loadedOnly = assess({ ...common, deliveries: [...input.loaded], probabilitiesOnly: true });
  const mix = (sure: number | null | undefined, unsure: number | null | undefined): number | null =>
    sure === null || sure === undefined ? null : confidence * sure + (1 - confidence) * (unsure ?? sure);
  return {
    ...result,
    probabilityBeforeDecision: mix(result.probabilityBeforeDecision, loadedOnly.probabilityBeforeDecision) ?? 0,
    probabilityBeforePromotionEnd: mix(withAll.probabilityBeforePromotionEnd, loadedOnly.probabilityBeforePromotionEnd),
    probabilityWithinHorizon: mix(withAll.probabilityWithinHorizon, loadedOnly.probabilityWithinHorizon) ?? 0,
  };
}

export interface LedgerShelfInput extends Omit<ShelfRiskInput, "pattern"> {
  /** the store-item's receipts up to and including today (older than the learning window is fine: they are skipped) */
  receipts: readonly ReceiptRecord[];
  /** its daily sales before today, for a top-up to days of sales (the last REPLENISHMENT_SALES_DAYS are enough) */
  sales?: ReadonlyArray<{ date: string; units: number }>;
}

/**
 * The shelf's risk from what the ledger shows: the replenishment pattern is learned as of this morning, from the
 * receipts up to and including today and the sales before it, then assessShelfRisk. The sweep comes through here; the
 * backtest calls the same two functions, keeping the pattern between receipts (see simulateSeries).
 */
export function assessShelfFromLedger(
  input: LedgerShelfInput,
  assess: (input: StockoutRiskInput) => StockoutRisk = assessStockout,
): ShelfRisk & { pattern: ReplenishmentPattern | null } {
  const { receipts, sales, ...rest } = input;
  const pattern = inferReplenishment(receipts, input.today, sales !== undefined ? { sales } : {});
  return { ...assessShelfRisk({ ...rest, pattern }, assess), pattern };
}
