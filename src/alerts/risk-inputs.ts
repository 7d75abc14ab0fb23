import { addDays, daysBetween, fromDayNumber, toDayNumber } from "../forecast/calendar.js";
import type { DayRecord, ExpectedDelivery, FutureDay } from "../forecast/forecast-types.js";

/** A promotion window for one item at one store, store-local dates inclusive. */
export interface PromotionWindow {
  promotionId: number;
  /** the promotion's name, as the ad calls it */
  name?: string;
  startDate: string;
  endDate: string;
  /** the planner's uplift for this item in this promotion (its line's, else the promotion's), when one was given */
  plannedUplift?: number;
}

export { addDays, daysBetween };

function promotedOn(date: string, windows: PromotionWindow[]): boolean {
  for (const w of windows) if (w.startDate <= date && date <= w.endDate) return true;
  return false;
}

/**
 * The daily history of one item at one store from sparse ledger rows, given as columns (day offset from `start`, units,
 * stockout): days without a row sold nothing, starting from the item's first recorded day (before it, the item was not
 * sold here, which is not the same as zero demand). Refunds can make a day negative; demand is never below zero.
 */
export function buildHistory(
  rows: { offsets: ArrayLike<number>; units: ArrayLike<number>; stockouts: ArrayLike<boolean> },
  options: { start: string; days: number; promotions: PromotionWindow[]; outOfStockFrom?: string | null },
): DayRecord[] {
  const count = rows.offsets.length;
  if (count === 0) return [];
  let first = Infinity;
  for (let index = 0; index < count; index++) first = Math.min(first, Number(rows.offsets[index]));
  first = Math.max(0, first);
  const units = new Array<number>(options.days).fill(0);
  const stockout = new Array<boolean>(options.days).fill(false);
  for (let index = 0; index < count; index++) {
    const offset = Number(rows.offsets[index]);
    if (offset < 0 || offset >= options.days) continue;
    units[offset] = Math.max(0, Number(rows.units[index]));
    stockout[offset] = Boolean(rows.stockouts[index]);
  }
  const history: DayRecord[] = [];
  // date strings shared by every item of a store rather than made for each
  const dates = datesFrom(options.start, options.days);
  for (let offset = first; offset < options.days; offset += 1) {
    const date = dates[offset]!;
    // days inside the current out-of-stock spell are censored even without an observation that day
    const inSpell = options.outOfStockFrom != null && date >= options.outOfStockFrom;
    history.push({ date, units: units[offset]!, stockout: stockout[offset]! || inSpell, promoted: promotedOn(date, options.promotions) });
  }
  return history;
}

const recentDates = new Map<string, string[]>();

/**
 * The dates of at least `count` days from `start` on, to index by day offset: a sweep asks for the same few starts
 * (each store's history start and today) for every item, so a few lists are kept.
 */
function datesFrom(start: string, count: number): readonly string[] {
  let dates = recentDates.get(start);
  if (dates === undefined) {
    if (recentDates.size >= 16) recentDates.clear();
    dates = [];
    recentDates.set(start, dates);
  }
  if (dates.length < count) {
    const startDay = toDayNumber(start);
    for (let offset = dates.length; offset < count; offset++) dates.push(fromDayNumber(startDay + offset));
  }
  return dates;
}

/**
 * The days before the recent history that tell what an item's past promotions did: each promotion that started before
 * `before` and ended on or after `from`, widened by `marginDays` either side (the ordinary days its uplift is measured
 * against), clipped to [from, before), overlapping spans merged. Store-local dates inclusive.
 */
export function pastPromotionSpans(windows: PromotionWindow[], options: { from: string; before: string; marginDays: number }): Array<{ from: string; to: string }> {
  const last = addDays(options.before, -1);
  const spans = windows
    .filter((w) => w.startDate < options.before && w.endDate >= options.from)
    .map((w) => {
      const from = addDays(w.startDate, -options.marginDays);
      const to = addDays(w.endDate, options.marginDays);
      return { from: from < options.from ? options.from : from, to: to > last ? last : to };
    })
    .filter((span) => span.from <= span.to)
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const merged: Array<{ from: string; to: string }> = [];
  for (const span of spans) {
    const previous = merged.at(-1);
    if (previous && span.from <= addDays(previous.to, 1)) {
      if (span.to > previous.to) previous.to = span.to;
    } else merged.push({ ...span });
  }
  return merged;
}

/**
 * The days of the spans as history records from sparse ledger rows, for a model fitted with missingDays "unobserved":
 * the days between spans are then unknown, not zero. As in buildHistory, a day without a row sold nothing from the
 * item's first recorded day at the store (`firstRecorded`) on; before it the item may not have been on sale here, so
 * those days are left out. Days inside the current out-of-stock spell are censored.
 */
export function spanHistory(
  spans: Array<{ from: string; to: string }>,
  rows: Array<{ date: string; units: number; stockout: boolean }>,
  options: { firstRecorded: string | null; promotions: PromotionWindow[]; outOfStockFrom?: string | null },
): DayRecord[] {
  if (options.firstRecorded === null) return [];
  const byDate = new Map(rows.map((row) => [row.date, row]));
  const history: DayRecord[] = [];
  for (const span of spans) {
    const from = span.from < options.firstRecorded ? options.firstRecorded : span.from;
    for (let day = toDayNumber(from), last = toDayNumber(span.to); day <= last; day += 1) {
      const date = fromDayNumber(day);
      const row = byDate.get(date);
      const inSpell = options.outOfStockFrom != null && date >= options.outOfStockFrom;
      history.push({ date, units: Math.max(0, row?.units ?? 0), stockout: (row?.stockout ?? false) || inSpell, promoted: promotedOn(date, options.promotions) });
    }
  }
  return history;
}

/** The promotion that makes an item advertised today: running now, or starting within the look-ahead. */
export function currentPromotion(windows: PromotionWindow[], today: string, lookaheadDays: number): PromotionWindow | null {
  const horizon = addDays(today, lookaheadDays);
  let best: PromotionWindow | null = null;
  for (const w of windows) {
    if (w.endDate < today || w.startDate > horizon) continue;
    // of several, the one ending last decides how long stock must last
    if (!best || w.endDate > best.endDate) best = w;
  }
  return best;
}

/** Future days from today far enough to cover the horizon, the promotion's end and the next delivery. */
export function futureDays(today: string, options: { horizonDays: number; until: Array<string | null | undefined>; promotions: PromotionWindow[] }): FutureDay[] {
  let last = addDays(today, options.horizonDays - 1);
  for (const date of options.until) if (date && date > last) last = date;
  const count = Math.min(daysBetween(today, last) + 1, 120);
  const days: FutureDay[] = [];
  const dates = datesFrom(today, count);
  for (let i = 0; i < count; i += 1) {
    const date = dates[i]!;
    days.push({ date, promoted: promotedOn(date, options.promotions) });
  }
  return days;
}

/** Expected deliveries as the model sees them: one already overdue is assumed to land tomorrow. */
export function upcomingDeliveries(rows: Array<{ expectedDate: string; quantity: number }>, today: string): ExpectedDelivery[] {
  const tomorrow = addDays(today, 1);
  return rows
    .map((r) => ({ date: r.expectedDate < today ? tomorrow : r.expectedDate, quantity: r.quantity }))
    .sort((a, b) => a.date.localeCompare(b.date));
}
