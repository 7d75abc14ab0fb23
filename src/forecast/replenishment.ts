/**
 * Replenishment learned from the ledger: when stock arrives at a store-item and how much, inferred from the receipts it
 * already shows (rises of on hand that sales do not explain, or deliveries marked received). Most stores never load
 * their purchase orders, so without this every item would look as if nothing were ever coming.
 *
 * A store's ordering shows in its receipts: a cadence (every 7 days on the same weekday, say) and a sizing rule. An
 * order-up-to policy tops the shelf up to about the same level each time (receipts vary with what sold); a fixed order
 * quantity brings about the same units each time. Whichever of the two varies less across past receipts is the one the
 * store runs. A third rule, common where orders are computed from recent sales: the shelf is topped up to about the same
 * number of days of those sales (the level follows the sales). Pure functions over day numbers; no I/O.
 */
import { fromDayNumber, toDayNumber } from "./calendar.js";
import type { ExpectedDelivery } from "./forecast-types.js";

/** Stock that came in on one store-local day. */
export interface ReceiptRecord {
  date: string;
  units: number;
  /** on hand just after it landed, when known */
  onHandAfter?: number;
}

export interface ReplenishmentPattern {
  /** receipts the pattern was learned from */
  receipts: number;
  /** usual days between receipts (the median interval) */
  intervalDays: number;
  /** share of the intervals within a day of the usual one: how sure the next date is (0 … 1) */
  regularity: number;
  /**
   * "level": receipts top the shelf up to about targetLevel; "quantity": about typicalUnits each time; "cover": up to
   * about coverDays of the sales of the weeks before
   */
  sizing: "level" | "quantity" | "cover";
  /** median units of a receipt */
  typicalUnits: number;
  /** median on hand just after a receipt (NaN when the receipts did not say) */
  targetLevel: number;
  /** median on hand just after a receipt in days of the average sales of the weeks before it (NaN: unknown) */
  coverDays: number;
  /** average daily sales of the weeks before asOf (NaN: no sales history given) */
  recentDailySales: number;
  /** the latest receipt */
  lastReceipt: string;
}

/** A receipt the pattern expects, with how sure the pattern is of it. */
export interface InferredDelivery extends ExpectedDelivery {
  source: "inferred";
  /** the pattern's regularity */
  confidence: number;
}

/** Days of sales whose average the "cover" rule scales with. */
export const SALES_RATE_DAYS = 28;


export interface InferOptions {
  /** the item's daily sales (any order, days without a record sold nothing), for the "cover" rule */
  sales?: ReadonlyArray<{ date: string; units: number }>;
  /** only receipts of the last this many days count, asOf included (default 120) */
  windowDays?: number;
  /** fewest receipts to learn a pattern from (default 3) */
  minReceipts?: number;
}

/** Days of receipts up to asOf that a pattern is learned from, unless told otherwise: what a reader needs to load. */
export const REPLENISHMENT_WINDOW_DAYS = 120;
const DEFAULT_MIN_RECEIPTS = 3;
/** The days of sales inferReplenishment reads at most, with its default window: a caller may pass just these. */
export const REPLENISHMENT_SALES_DAYS = REPLENISHMENT_WINDOW_DAYS + SALES_RATE_DAYS;
/** A pattern whose last receipt is this many intervals old has stopped: nothing is expected from it. */
const STALE_INTERVALS = 2.5;

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  // a typed array sorts numbers without a comparator call per pair (this runs several times per store-item)
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median absolute deviation relative to the median (`centre`, already known): a spread that one odd receipt does not blow up. */
function relativeSpread(values: readonly number[], centre: number): number {
  if (!(centre > 0)) return Infinity;
  return median(values.map((value) => Math.abs(value - centre))) / centre;
}

/**
 * The replenishment pattern of one store-item, as of the morning of `asOf`: from its receipts up to and including
 * that day (any order; two on one day add up) and its sales before it. Null when there are too few receipts to learn from.
 */
export function inferReplenishment(receipts: readonly ReceiptRecord[], asOf: string, options: InferOptions = {}): ReplenishmentPattern | null {
  const asOfDay = toDayNumber(asOf);
  const windowDays = options.windowDays ?? REPLENISHMENT_WINDOW_DAYS;
  const minReceipts = Math.max(2, options.minReceipts ?? DEFAULT_MIN_RECEIPTS);
  const byDay = new Map<number, { units: number; onHandAfter: number }>();
  for (const receipt of receipts) {
    if (!(receipt.units > 0)) continue;
    const day = toDayNumber(receipt.date);
    if (day > asOfDay || day <= asOfDay - windowDays) continue;
    const seen = byDay.get(day);
    const after = receipt.onHandAfter ?? Number.NaN;
    if (seen) {
      seen.units += receipt.units;
      seen.onHandAfter = Number.isNaN(seen.onHandAfter) ? after : Math.max(seen.onHandAfter, after);
    } else byDay.set(day, { units: receipt.units, onHandAfter: after });
  }
  if (byDay.size < minReceipts) return null;
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const intervals: number[] = [];
  for (let index = 1; index < days.length; index++) intervals.push(days[index]! - days[index - 1]!);
  const intervalDays = Math.max(1, Math.round(median(intervals)));
  const regular = intervals.filter((interval) => Math.abs(interval - intervalDays) <= 1).length;
  const units = days.map((day) => byDay.get(day)!.units);
  const levels = days.map((day) => byDay.get(day)!.onHandAfter).filter((level) => Number.isFinite(level));
  const typicalUnits = median(units);
  const targetLevel = levels.length === days.length ? median(levels) : Number.NaN;
  // the sales rate before each receipt and before asOf, from prefix sums over the days of the sales given
  const rateBefore = salesRates(options.sales, days[0]! - SALES_RATE_DAYS, asOfDay);
  const covers: number[] = [];
  for (const day of days) {
    const rate = rateBefore(day);
    const after = byDay.get(day)!.onHandAfter;
    if (rate > 0 && Number.isFinite(after)) covers.push(after / rate);
  }
  const recentDailySales = rateBefore(asOfDay);
  const coverDays = covers.length === days.length ? median(covers) : Number.NaN;
  const spreads: Array<[ReplenishmentPattern["sizing"], number]> = [
    ["quantity", relativeSpread(units, typicalUnits)],
    ["level", Number.isFinite(targetLevel) ? relativeSpread(levels, targetLevel) : Infinity],
    ["cover", Number.isFinite(coverDays) && recentDailySales > 0 ? relativeSpread(covers, coverDays) : Infinity],
  ];
  let sizing: ReplenishmentPattern["sizing"] = "quantity";
  let smallest = Infinity;
  for (const [rule, spread] of spreads) {
    if (spread < smallest) {
      smallest = spread;
      sizing = rule;
    }
  }
  return {
    receipts: days.length,
    intervalDays,
    regularity: regular / intervals.length,
    sizing,
    typicalUnits,
    targetLevel,
    coverDays,
    recentDailySales,
    lastReceipt: fromDayNumber(days.at(-1)!),
  };
}

/** The average daily sales of the SALES_RATE_DAYS before a day, for days in [from, to]; NaN without sales. */
function salesRates(sales: InferOptions["sales"], from: number, to: number): (day: number) => number {
  if (sales === undefined || !(to > from)) return () => Number.NaN;
  const prefix = new Float64Array(to - from + 2);
  for (const record of sales) {
    const day = toDayNumber(record.date);
    if (day >= from && day <= to && record.units > 0) prefix[day - from + 1]! += record.units;
  }
  for (let index = 1; index < prefix.length; index++) prefix[index]! += prefix[index - 1]!;
  return (day) => {
    const end = Math.min(day, to + 1) - from;
    const start = Math.max(0, end - SALES_RATE_DAYS);
    return end > start ? (prefix[end]! - prefix[start]!) / SALES_RATE_DAYS : Number.NaN;
  };
}

export interface ExpectedReceiptsInput {
  /** store-local today; receipts are expected after it */
  today: string;
  /** the last day to expect receipts on */
  lastDay: string;
  /** on hand now, and the expected demand of each day from today on: what a top-up to the level must replace */
  onHand: number;
  dailyDemand: ArrayLike<number>;
  /** loaded deliveries (purchase orders): they take precedence, so nothing is inferred on or before the last of them */
  loaded?: readonly ExpectedDelivery[];
}

/**
 * The receipts a pattern expects from tomorrow to `lastDay`: every `intervalDays` after the last one seen (a receipt
 * overdue is expected tomorrow), sized by the pattern's rule. None when the pattern has stopped (no receipt for 2.5
 * intervals) or when loaded deliveries reach past lastDay.
 */
export function expectedReceipts(pattern: ReplenishmentPattern | null, input: ExpectedReceiptsInput): InferredDelivery[] {
  if (pattern === null) return [];
  const todayDay = toDayNumber(input.today);
  const lastDay = toDayNumber(input.lastDay);
  const lastReceiptDay = toDayNumber(pattern.lastReceipt);
  const interval = pattern.intervalDays;
  if (todayDay - lastReceiptDay > STALE_INTERVALS * interval) return [];
  let after = todayDay;
  for (const delivery of input.loaded ?? []) after = Math.max(after, toDayNumber(delivery.date));
  // a receipt that was due and has not come is still expected: tomorrow
  const next = Math.max(lastReceiptDay + interval, todayDay + 1);
  const inferred: InferredDelivery[] = [];
  let expectedStock = Math.max(0, input.onHand);
  let demandDay = 0;
  for (let day = next; day <= lastDay; day += interval) {
    // expected stock just before the receipt lands: demand of the days before it
    for (; demandDay < day - todayDay && demandDay < input.dailyDemand.length; demandDay++) {
      expectedStock = Math.max(0, expectedStock - (input.dailyDemand[demandDay] ?? 0));
    }
    if (day <= after) continue;
    const quantity =
      pattern.sizing === "level"
        ? pattern.targetLevel - expectedStock
        : pattern.sizing === "cover"
          ? pattern.coverDays * pattern.recentDailySales - expectedStock
          : pattern.typicalUnits;
    if (!(quantity >= 1)) continue;
    const units = Math.round(quantity);
    expectedStock += units;
    inferred.push({ date: fromDayNumber(day), quantity: units, source: "inferred", confidence: pattern.regularity });
  }
  return inferred;
}
