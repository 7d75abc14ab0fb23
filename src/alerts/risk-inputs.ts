import { addDays, daysBetween, fromDayNumber, toDayNumber } from "../forecast/calendar.js";
import type { DayRecord, ExpectedDelivery, FutureDay } from "../forecast/forecast-types.js";

/** A promotion window for one item at one store, store-local dates inclusive. */
export interface PromotionWindow {
  promotionId: number;
  /** the promotion's name, as the ad calls it */
  name?: string;
  startDate: string;
  endDate: string;
}

export { addDays, daysBetween };

function promotedOn(date: string, windows: PromotionWindow[]): boolean {
  for (const w of windows) if (w.startDate <= date && date <= w.endDate) return true;
  return false;
}

/**
 * The daily history of one item at one store from sparse ledger rows: days without a row sold nothing, starting from
 * the item's first recorded day (before it, the item was not sold here, which is not the same as zero demand).
 * Refunds can make a day negative; demand is never below zero.
 */
export function buildHistory(
  rows: Array<{ offset: number; units: number; stockout: boolean }>,
  options: { start: string; days: number; promotions: PromotionWindow[]; outOfStockFrom?: string | null },
): DayRecord[] {
  if (rows.length === 0) return [];
  const first = Math.min(...rows.map((r) => r.offset));
  const units = new Array<number>(options.days).fill(0);
  const stockout = new Array<boolean>(options.days).fill(false);
  for (const row of rows) {
    if (row.offset < 0 || row.offset >= options.days) continue;
    units[row.offset] = Math.max(0, row.units);
    stockout[row.offset] = row.stockout;
  }
  const history: DayRecord[] = [];
  // day numbers, not Date objects: this runs 84 times per item, for every item of every store
  const startDay = toDayNumber(options.start);
  for (let offset = first; offset < options.days; offset += 1) {
    const date = fromDayNumber(startDay + offset);
    // days inside the current out-of-stock spell are censored even without an observation that day
    const inSpell = options.outOfStockFrom != null && date >= options.outOfStockFrom;
    history.push({ date, units: units[offset]!, stockout: stockout[offset]! || inSpell, promoted: promotedOn(date, options.promotions) });
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
  const todayNumber = toDayNumber(today);
  for (let i = 0; i < count; i += 1) {
    const date = fromDayNumber(todayNumber + i);
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
