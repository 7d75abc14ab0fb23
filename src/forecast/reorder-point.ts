/**
 * The textbook reorder-point rule the track record compares Shelfwatch with: reorder when on hand is at or below the
 * expected demand over the lead time plus safety stock for a 90% service level,
 *   on hand ≤ mean × lead + z(0.9) · σ · √lead,
 * mean and σ (sample standard deviation) taken over the trailing REORDER_POINT_DAYS days of sales.
 */

/** Days of sales the rule averages over. */
export const REORDER_POINT_DAYS = 28;
/** The standard normal quantile at 0.9. */
export const Z_90 = 1.2815515655446004;

export interface ReorderPointInput {
  onHand: number;
  /** units sold on each of the trailing days, oldest first (only the last REORDER_POINT_DAYS count) */
  dailyUnits: readonly number[];
  leadDays: number;
}

export function reorderPoint(dailyUnits: readonly number[], leadDays: number): number {
  const days = dailyUnits.slice(-REORDER_POINT_DAYS);
  if (days.length === 0) return 0;
  const mean = days.reduce((sum, units) => sum + units, 0) / days.length;
  const variance = days.length > 1 ? days.reduce((sum, units) => sum + (units - mean) ** 2, 0) / (days.length - 1) : 0;
  return mean * leadDays + Z_90 * Math.sqrt(variance) * Math.sqrt(leadDays);
}

/** The rule's verdict: true when it would reorder (warn) this morning. */
export function reorderPointAlerts(input: ReorderPointInput): boolean {
  return input.onHand <= reorderPoint(input.dailyUnits, input.leadDays);
}
