/**
 * The simulated shelf of one item at one store, and the alerts each method would raise on it, day by day.
 *
 * Sales files carry no stock, so the backtest replays the demand against a replenishment policy that knows nothing of
 * promotions (what most stores run today):
 * - periodic review every `reviewDays` (on a fixed weekday per item and store), orders landing `leadDays` later,
 *   before the store opens;
 * - order up to S = trailing `windowDays` average daily sales × (review + lead) + z·σ·√(review + lead), σ the standard
 *   deviation of those daily sales and z the normal quantile of `serviceLevel`; at least `minStock` units (the
 *   presentation minimum, so that an item whose shelf was empty for a month is ordered again);
 * - sales are capped at the stock on hand; demand above it is lost, and the day is a stockout day (censored in the
 *   history the forecaster sees). A day that starts with an empty shelf is a stockout day too.
 * The first `windowDays` are history only (sales equal demand, no shelf); the shelf runs from then on, and alerts start
 * after `warmupDays`, by when the ledger shows a few weeks of receipts.
 *
 * Every morning, after the delivery has landed and the order (if it is a review day) is placed, and only while there is
 * stock on the shelf (once it is empty the item is out, not at risk), each method decides whether it alerts:
 * - shelfwatch: the service's own forecast code. The model is refitted every `refitDays` on the history so far
 *   (sales, stockout days marked, promoted days) and reused in between, with the uplift its category had learned at
 *   that refit (`upliftPriors`, pooled over the store's items as the sweep pools them). `assessShelfFromLedger` (the
 *   sweep's call too) gets the on hand, the receipts that landed so far to infer the replenishment from (what the service's ledger shows; the
 *   simulator's orders are never handed over unless `knownOrders` is "placed", and then only those placed and not yet
 *   landed, as a store loading its purchase orders would send them), and the promotion calendar, which stores know
 *   weeks ahead (`promotionEnd` when the item is promoted today or within `horizonDays`). It alerts when the
 *   probability of running out before the decision window ends or before the promotion's end is ≥ `threshold`; for a
 *   promotion that starts more than PROMOTION_ALERT_WINDOW_DAYS ahead, ≥ 0.9 (promotionAlertProbability, as the sweep).
 * - reorderPoint: on hand ≤ ROP = trailing average × lead + z_rop·σ·√lead.
 * - daysOfCover: on hand ÷ trailing average < review + lead.
 */
import type { DayRecord, DemandModel, DemandPrior, ExpectedDelivery, FutureDay, StockoutRisk } from "../forecast/forecast-types.js";
import type { DayForecast, StockoutRiskInput } from "../forecast/forecast-types.js";
import type { BacktestSeries } from "./backtest-input.js";
import { alertRiskProbability, openingProbability } from "../alerts/alert-policy.js";
import { daysBetween } from "../forecast/index.js";
import { inferReplenishment, REPLENISHMENT_SALES_DAYS, REPLENISHMENT_WINDOW_DAYS, SALES_RATE_DAYS, type ReceiptRecord, type ReplenishmentPattern } from "../forecast/replenishment.js";
import { assessShelfRisk } from "../forecast/shelf-risk.js";
import { normalQuantile } from "../forecast/special-functions.js";
import { dateOfDayNumber, dayNumber } from "./calendar-days.js";

export interface Forecaster {
  fitDemand(history: DayRecord[], prior: DemandPrior): DemandModel;
  forecastDays(model: DemandModel, days: FutureDay[]): DayForecast[];
  assessStockout(input: StockoutRiskInput): StockoutRisk;
  /** expected units of each day, where the model's own level and pattern do not give them (the oracle) */
  dailyMeans?(model: DemandModel, days: FutureDay[]): number[];
  /** false: only the fits are wanted (a pass that learns uplifts); no risk is assessed and Shelfwatch never alerts */
  assessesRisk?: false;
}

export interface SimulationParameters {
  reviewDays: number;
  leadDays: number;
  /** cycle service level of the replenishment policy, for its safety stock */
  serviceLevel: number;
  /** trailing window of the policy's and the baselines' average and σ */
  windowDays: number;
  /** the policy never orders up to less than this */
  minStock: number;
  warmupDays: number;
  refitDays: number;
  /** Shelfwatch alerts at or above this probability */
  threshold: number;
  horizonDays: number;
  /** service level behind the reorder-point baseline's safety stock */
  ropServiceLevel: number;
  /** DemandPrior.defaultUplift for items without promotion history */
  defaultUplift: number;
  /**
   * What Shelfwatch knows of the shelf's orders. "none" (most stores): only what the ledger shows, the receipts that
   * landed, from which it infers the replenishment as the service does. "placed": the store also loads its purchase
   * orders, so the orders placed and not yet landed are known too.
   */
  knownOrders: "none" | "placed";
}

/** What a category had learned of promotions when a series' model was refitted: added to the model's prior. */
export type UpliftPrior = Pick<DemandPrior, "categoryUplift" | "categoryUpliftCv">;

export const METHODS = ["shelfwatch", "reorderPoint", "daysOfCover"] as const;
export type Method = (typeof METHODS)[number];

export interface SeriesSimulation {
  /** on hand each morning after the delivery (0 before the warm-up ends) */
  onHand: Float64Array;
  sales: Float64Array;
  /** 1 on stockout days */
  stockout: Uint8Array;
  /** 1 on the mornings the method's alert condition holds */
  alerts: Record<Method, Uint8Array>;
  /** Shelfwatch's alert probability each morning (NaN when not assessed: warm-up, empty shelf) */
  probability: Float64Array;
  /**
   * the last day of the window that morning's probability was about: the decision window's end (see assessShelfRisk),
   * or the promotion's last day when that probability was the higher (-1: not assessed)
   */
  probabilityWindowEnd: Int32Array;
  /** days from each assessed morning to the start of the promotion it was judged against (0 while it runs; -1: none) */
  promotionStartsIn: Int16Array;
  /** the demand forecast for each day, made 7 days ahead (on the morning 6 days before); NaN where none was made */
  forecast7: { shelfwatch: Float64Array; trailingAverage: Float64Array };
  /** how many times the model was fitted */
  fits: number;
}

/** the review weekday of an item at a store: stable, spread over the cycle (FNV-1a of store and SKU) */
export function reviewOffset(store: string, sku: string, reviewDays: number): number {
  let hash = 0x811c9dc5;
  const key = `${store}\u0000${sku}`;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % reviewDays;
}

/**
 * Shelfwatch's alerts had it run at another threshold: the same rule on the probabilities the simulation recorded
 * (the shelf does not depend on the alerts, so the mornings and their risks are the same).
 */
export function alertsAtThreshold(simulation: Pick<SeriesSimulation, "probability" | "promotionStartsIn">, threshold: number): Uint8Array {
  const { probability, promotionStartsIn } = simulation;
  const alerts = new Uint8Array(probability.length);
  for (let t = 0; t < probability.length; t++) {
    // NaN (not assessed) compares false
    if (probability[t]! >= openingProbability(threshold, promotionStartsIn[t]!)) alerts[t] = 1;
  }
  return alerts;
}

/** `upliftPriors[k]`: what the k-th fit of the model (0 = the first, at the end of the warm-up) adds to its prior. */
export function simulateSeries(
  series: BacktestSeries,
  dates: string[],
  params: SimulationParameters,
  forecaster: Forecaster,
  upliftPriors: ReadonlyArray<UpliftPrior | null> = [],
): SeriesSimulation {
  const n = dates.length;
  const { reviewDays, leadDays, windowDays, horizonDays } = params;
  const warmup = Math.min(n, Math.max(params.warmupDays, windowDays));
  const cycle = reviewDays + leadDays;
  const z = normalQuantile(params.serviceLevel);
  const zRop = normalQuantile(params.ropServiceLevel);
  const sqrtCycle = Math.sqrt(cycle);
  const sqrtLead = Math.sqrt(leadDays);
  const offset = reviewOffset(series.store, series.sku, reviewDays);
  const { demand, promoted } = series;

  // the calendar as the forecaster sees it, past the data's end too (no promotions known there)
  const pad = horizonDays + cycle + 1;
  const firstDay = dayNumber(dates[0]!);
  const futureDays: FutureDay[] = new Array(n + pad);
  for (let d = 0; d < n + pad; d++) futureDays[d] = { date: d < n ? dates[d]! : dateOfDayNumber(firstDay + d), promoted: d < n && promoted[d] === 1 };
  // the first promoted day from each day on, and the last day of each promotion run
  const nextPromoted = new Int32Array(n + 1).fill(n);
  const runEnd = new Int32Array(n);
  for (let d = n - 1; d >= 0; d--) {
    nextPromoted[d] = promoted[d] === 1 ? d : nextPromoted[d + 1]!;
    runEnd[d] = promoted[d] === 1 ? (d + 1 < n && promoted[d + 1] === 1 ? runEnd[d + 1]! : d) : -1;
  }

  const onHandByDay = new Float64Array(n);
  const sales = new Float64Array(n);
  const stockout = new Uint8Array(n);
  const alerts = { shelfwatch: new Uint8Array(n), reorderPoint: new Uint8Array(n), daysOfCover: new Uint8Array(n) };
  const probabilityByDay = new Float64Array(n).fill(Number.NaN);
  const probabilityWindowEnd = new Int32Array(n).fill(-1);
  const promotionStartsIn = new Int16Array(n).fill(-1);
  const shelfwatch7 = new Float64Array(n).fill(Number.NaN);
  const trailing7 = new Float64Array(n).fill(Number.NaN);
  const arrivals = new Float64Array(n + leadDays + 1);
  const history: DayRecord[] = [];
  const prior: DemandPrior = { defaultUplift: params.defaultUplift };

  // the shelf opens once a trailing window of sales exists; alerts start after the warm-up, by when the ledger shows
  // some weeks of receipts to learn the replenishment from, as a store's would
  const shelfStart = Math.min(warmup, windowDays);
  for (let t = 0; t < shelfStart; t++) {
    sales[t] = demand[t]!;
    history.push({ date: dates[t]!, units: demand[t]!, stockout: series.censored?.[t] === 1, promoted: promoted[t] === 1 });
  }
  if (warmup >= n) return { onHand: onHandByDay, sales, stockout, alerts, probability: probabilityByDay, probabilityWindowEnd, promotionStartsIn, forecast7: { shelfwatch: shelfwatch7, trailingAverage: trailing7 }, fits: 0 };

  // running sums of the trailing window of sales
  let windowSum = 0;
  let windowSumSq = 0;
  for (let d = shelfStart - windowDays; d < shelfStart; d++) {
    windowSum += sales[d]!;
    windowSumSq += sales[d]! * sales[d]!;
  }
  const orderUpTo = (average: number, sd: number) => Math.max(params.minStock, Math.ceil(average * cycle + z * sd * sqrtCycle - 1e-9));
  const trailingSd = (average: number) => Math.sqrt(Math.max(0, (windowSumSq - windowSum * average) / (windowDays - 1)));

  let onHand = orderUpTo(windowSum / windowDays, trailingSd(windowSum / windowDays));
  let onOrder = 0;
  let model: DemandModel | null = null;
  let fits = 0;
  // what the ledger shows of replenishment: rises of on hand, as the service records them
  const receipts: ReceiptRecord[] = [];
  const receiptDays: number[] = [];
  // the pattern changes only when a receipt lands or leaves its window; in between, only the sales rate it scales with
  let pattern: ReplenishmentPattern | null = null;
  let patternReceipts = -1;
  let patternExpires = 0;
  let rateSum = 0;
  for (let d = Math.max(0, shelfStart - SALES_RATE_DAYS); d < shelfStart; d++) rateSum += sales[d]!;

  for (let t = shelfStart; t < n; t++) {
    const landed = arrivals[t]!;
    onHand += landed;
    onOrder -= landed;
    if (landed > 0) {
      receipts.push({ date: dates[t]!, units: landed, onHandAfter: onHand });
      receiptDays.push(t);
    }
    const average = windowSum / windowDays;
    const sd = trailingSd(average);
    if (t % reviewDays === offset) {
      const quantity = orderUpTo(average, sd) - onHand - onOrder;
      if (quantity > 0) {
        arrivals[t + leadDays]! += quantity;
        onOrder += quantity;
      }
    }
    onHandByDay[t] = onHand;

    if (t >= warmup) {
      if ((t - warmup) % params.refitDays === 0 || model === null) {
        const learned = upliftPriors[fits];
        model = forecaster.fitDemand(history.slice(), learned ? { ...prior, ...learned } : prior);
        fits++;
      }
      if (t + 6 < n) {
        trailing7[t + 6] = average;
        // days are forecast independently, so the seventh alone gives the same mean as the week
        shelfwatch7[t + 6] = forecaster.forecastDays(model, [futureDays[t + 6]!])[0]!.mean;
      }

      if (onHand > 0) {
        if (onHand <= average * leadDays + zRop * sd * sqrtLead) alerts.reorderPoint[t] = 1;
        if (average > 0 && onHand < average * cycle) alerts.daysOfCover[t] = 1;

      }
      if (onHand > 0 && forecaster.assessesRisk !== false) {
        const promotionStart = nextPromoted[t]!;
        const promotionEnd = promotionStart < n && promotionStart < t + horizonDays ? runEnd[promotionStart]! : -1;
        // purchase orders the store loaded: with --known-orders placed, the orders placed and not yet landed
        const loaded: ExpectedDelivery[] = [];
        if (params.knownOrders === "placed") {
          for (let d = t + 1; d <= t + leadDays && d < n; d++) if (arrivals[d]! > 0) loaded.push({ date: dates[d]!, quantity: arrivals[d]! });
        }
        const lastDay = Math.max(t + horizonDays - 1, promotionEnd);
        const days = futureDays.slice(t, lastDay + 1);
        if (receipts.length !== patternReceipts || t >= patternExpires) {
          pattern = inferReplenishment(receipts, dates[t]!, { sales: history.slice(-REPLENISHMENT_SALES_DAYS) });
          patternReceipts = receipts.length;
          const oldest = receiptDays.find((day) => day > t - REPLENISHMENT_WINDOW_DAYS);
          patternExpires = oldest === undefined ? n : oldest + REPLENISHMENT_WINDOW_DAYS;
        } else if (pattern !== null) {
          const learned: ReplenishmentPattern = pattern;
          pattern = { ...learned, recentDailySales: rateSum / SALES_RATE_DAYS };
        }
        const risk = assessShelfRisk(
          {
            today: dates[t]!,
            onHand,
            model,
            days,
            loaded,
            ...(forecaster.dailyMeans ? { dailyDemand: forecaster.dailyMeans(model, days) } : {}),
            pattern,
            leadDays,
            ...(promotionEnd >= 0 ? { promotionEnd: dates[promotionEnd]! } : {}),
          },
          forecaster.assessStockout,
        );
        const probability = alertRiskProbability(risk);
        probabilityByDay[t] = probability;
        // the window the probability was about: the promotion's, when that one decided it
        const beforePromotionEnd = risk.probabilityBeforePromotionEnd ?? -1;
        probabilityWindowEnd[t] = beforePromotionEnd > risk.probabilityBeforeDecision ? promotionEnd : t + daysBetween(dates[t]!, risk.decisionEnd);
        if (promotionEnd >= 0) promotionStartsIn[t] = promotionStart - t;
        // the sweep's rule: a promotion still days away alerts only when its run-out is near certain
        if (probability >= openingProbability(params.threshold, promotionStartsIn[t]!)) alerts.shelfwatch[t] = 1;
      }
    }

    const wanted = demand[t]!;
    const sold = Math.min(wanted, onHand);
    stockout[t] = onHand <= 0 || wanted > onHand ? 1 : 0;
    onHand -= sold;
    sales[t] = sold;
    // the retailer's own record of an empty shelf censors the day too, as it would in the service's ledger
    history.push({ date: dates[t]!, units: sold, stockout: stockout[t] === 1 || series.censored?.[t] === 1, promoted: promoted[t] === 1 });
    rateSum += sold - (t >= SALES_RATE_DAYS ? sales[t - SALES_RATE_DAYS]! : 0);
    const leaving = sales[t - windowDays]!;
    windowSum += sold - leaving;
    windowSumSq += sold * sold - leaving * leaving;
  }

  return { onHand: onHandByDay, sales, stockout, alerts, probability: probabilityByDay, probabilityWindowEnd, promotionStartsIn, forecast7: { shelfwatch: shelfwatch7, trailingAverage: trailing7 }, fits };
}
