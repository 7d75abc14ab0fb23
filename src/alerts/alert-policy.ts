/**
 * When Shelfwatch speaks up: the one alert policy, used by the sweep, the alert lifecycle and the backtest alike. The
 * forecast computes probabilities and knows nothing of this; the store's own thresholds (stores.alert_probability and
 * resolve_probability) are the figures it is applied with.
 */
import type { ShelfRisk } from "../forecast/index.js";
import type { AlertKind } from "./alert-types.js";

/**
 * The probability an alert is judged on: running out before the decision window ends (before the first delivery an
 * order placed today would not beat), or, for an advertised item, before its promotion ends.
 */
export function alertRiskProbability(risk: Pick<ShelfRisk, "probabilityBeforeDecision" | "probabilityBeforePromotionEnd">): number {
  return Math.max(risk.probabilityBeforeDecision, risk.probabilityBeforePromotionEnd ?? 0);
}

/**
 * The last day of the window alertRiskProbability is about: the promotion's end when that probability is the larger,
 * else the decision window's end.
 */
export function alertRiskWindowEnd(
  risk: Pick<ShelfRisk, "probabilityBeforeDecision" | "probabilityBeforePromotionEnd" | "decisionEnd">,
  promotionEnd: string | null,
): string {
  const promotion = risk.probabilityBeforePromotionEnd ?? null;
  return promotion !== null && promotionEnd !== null && promotion > risk.probabilityBeforeDecision ? promotionEnd : risk.decisionEnd;
}

/** From this many days before a promotion starts (and while it runs), its risk alerts at the store's threshold. */
export const PROMOTION_ALERT_WINDOW_DAYS = 4;
/** Earlier than that, only a near-certain run-out alerts. */
export const EARLY_PROMOTION_ALERT_PROBABILITY = 0.9;

/**
 * The probability of running out before the promotion ends at which an advertised item's alert opens, `daysToStart`
 * days before its promotion starts (0 or less once it runs). A promotion alert is urgent and goes out at once, and two
 * weeks ahead the probability rests on orders not yet placed and a fortnight of demand; the item is assessed again
 * every morning, so until the last days before the start, waiting costs nothing unless the run-out is near certain.
 */
export function promotionAlertProbability(threshold: number, daysToStart: number): number {
  return daysToStart > PROMOTION_ALERT_WINDOW_DAYS ? Math.max(threshold, EARLY_PROMOTION_ALERT_PROBABILITY) : threshold;
}

/**
 * The probability at which an item's alert opens: the store's threshold, or for a promotion still more than
 * PROMOTION_ALERT_WINDOW_DAYS away the stricter one. `daysToPromotion` null (or negative in the backtest's arrays): no
 * promotion in view.
 */
export function openingProbability(threshold: number, daysToPromotion: number | null): number {
  return daysToPromotion !== null && daysToPromotion >= 0 ? promotionAlertProbability(threshold, daysToPromotion) : threshold;
}

/** Probability bands: an alert escalates when its probability moves up a band. */
export const PROBABILITY_BANDS = [0.5, 0.7, 0.9] as const;

export function probabilityBand(probability: number | null): number {
  if (probability === null) return 0;
  return PROBABILITY_BANDS.filter((edge) => probability >= edge).length;
}

/** Whether an advertised out-of-stock is urgent, and which kinds are urgent at all: the rest wait for the digest. */
export function isUrgent(kind: AlertKind, advertised: boolean): boolean {
  return kind === "promotion_stockout" || kind === "stale_feed" || (kind === "out_of_stock" && advertised);
}
