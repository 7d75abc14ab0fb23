import { isUrgent, probabilityBand } from "./alert-policy.js";
import type { AlertFigures, AlertKind, AlertState } from "./alert-types.js";

/** What the sweep knows about one store-item now. */
export interface RiskReading {
  itemId: number;
  advertised: boolean;
  onHand: number;
  /** the headline probability: running out before an order placed today can land, or before the promotion ends (alert-policy) */
  probability: number;
  figures: AlertFigures;
}

/** An alert that is not resolved. */
export interface LiveAlert {
  id: number;
  itemId: number | null;
  kind: AlertKind;
  state: Exclude<AlertState, "resolved">;
  urgent: boolean;
  figures: AlertFigures;
  notifiedFigures: AlertFigures;
  snoozedUntil: Date | null;
}

export interface AlertThresholds {
  /** an item alert opens at this probability... */
  openAt: number;
  /** ...and resolves only once it falls below this one, so that it does not flap around one value */
  resolveBelow: number;
}

export type AlertChange =
  | { type: "open"; kind: AlertKind; itemId: number | null; urgent: boolean; figures: AlertFigures; cause: string }
  /** `notify`: the alert is open (not acknowledged or snoozed), so its recipients hear about it */
  | { type: "escalate"; alert: LiveAlert; figures: AlertFigures; cause: string; notify: boolean }
  | { type: "update"; alert: LiveAlert; figures: AlertFigures }
  | { type: "resolve"; alert: LiveAlert; figures: AlertFigures; cause: string }
  | { type: "unsnooze"; alert: LiveAlert; cause: string };

const percent = (p: number | null) => (p === null ? "n/a" : `${Math.round(p * 100)}%`);

/**
 * Decides what happens to the alerts of one store-item given its latest risk: at most one live alert per kind. An
 * empty shelf is out_of_stock (and supersedes the predictions); otherwise the item is at risk before its promotion
 * ends (advertised) or before its next delivery.
 */
export function planItemAlerts(reading: RiskReading, live: LiveAlert[], thresholds: AlertThresholds): AlertChange[] {
  const changes: AlertChange[] = [];
  const empty = reading.onHand <= 0;
  const predictedKind: AlertKind = reading.advertised ? "promotion_stockout" : "delivery_stockout";
  const byKind = new Map(live.map((alert) => [alert.kind, alert]));

  for (const alert of live) {
    if (alert.kind === "out_of_stock") {
      if (!empty) changes.push({ type: "resolve", alert, figures: reading.figures, cause: `stock received: ${reading.onHand} on hand` });
      else if (figuresChanged(alert.figures, reading.figures)) changes.push({ type: "update", alert, figures: reading.figures });
      continue;
    }
    if (alert.kind !== "promotion_stockout" && alert.kind !== "delivery_stockout") continue;
    const resolveCause = empty
      ? "the shelf is empty: now an out-of-stock alert"
      : alert.kind !== predictedKind
        ? alert.kind === "promotion_stockout"
          ? "the promotion is over"
          : "the item is now advertised: followed as a promotion risk"
        : reading.probability < thresholds.resolveBelow
          ? `risk passed: ${percent(reading.probability)} is below ${percent(thresholds.resolveBelow)}`
          : null;
    if (resolveCause) {
      changes.push({ type: "resolve", alert, figures: reading.figures, cause: resolveCause });
      continue;
    }
    const worse = worsening(alert.notifiedFigures, reading.figures);
    if (worse) changes.push({ type: "escalate", alert, figures: reading.figures, cause: worse, notify: alert.state === "open" });
    else if (figuresChanged(alert.figures, reading.figures)) changes.push({ type: "update", alert, figures: reading.figures });
  }

  if (empty && !byKind.has("out_of_stock")) {
    changes.push({
      type: "open",
      kind: "out_of_stock",
      itemId: reading.itemId,
      urgent: isUrgent("out_of_stock", reading.advertised),
      figures: reading.figures,
      cause: `on hand is ${reading.onHand}`,
    });
  }
  if (!empty && !byKind.has(predictedKind) && reading.probability >= thresholds.openAt) {
    const until = predictedKind === "promotion_stockout" ? "before the promotion ends" : "before the next delivery";
    changes.push({
      type: "open",
      kind: predictedKind,
      itemId: reading.itemId,
      urgent: isUrgent(predictedKind, reading.advertised),
      figures: reading.figures,
      cause: `${percent(reading.probability)} likely to run out ${until}`,
    });
  }
  return changes;
}

/** A store's feed is stale when no data arrived for longer than its expected interval (never seen: not stale yet). */
export function isFeedStale(store: { feedLastSeenAt: Date | null; feedIntervalMinutes: number }, now: Date): boolean {
  return store.feedLastSeenAt !== null && now.getTime() - store.feedLastSeenAt.getTime() > store.feedIntervalMinutes * 60_000;
}

/** While a store's feed is stale, item alerts for the store are neither opened nor resolved from old data. */
export function planFeedAlert(
  store: { feedLastSeenAt: Date | null; feedIntervalMinutes: number },
  live: LiveAlert | null,
  now: Date,
): { stale: boolean; changes: AlertChange[] } {
  const lastSeen = store.feedLastSeenAt;
  const stale = isFeedStale(store, now);
  const figures = feedFigures(lastSeen);
  if (stale && lastSeen !== null && !live) {
    const minutes = Math.round((now.getTime() - lastSeen.getTime()) / 60_000);
    return { stale, changes: [{ type: "open", kind: "stale_feed", itemId: null, urgent: true, figures, cause: `no POS data for ${minutes} minutes (expected every ${store.feedIntervalMinutes})` }] };
  }
  if (!stale && live) return { stale, changes: [{ type: "resolve", alert: live, figures, cause: "POS data arrived again" }] };
  return { stale, changes: [] };
}

/** Snoozed alerts whose time is up are open again. */
export function planSnoozeExpiry(live: LiveAlert[], now: Date): Array<Extract<AlertChange, { type: "unsnooze" }>> {
  return live
    .filter((alert) => alert.state === "snoozed" && alert.snoozedUntil !== null && alert.snoozedUntil.getTime() <= now.getTime())
    .map((alert) => ({ type: "unsnooze" as const, alert, cause: "snooze ended" }));
}

/** Why the risk is worse than when staff last heard about it, or null: a stockout a day earlier, or a higher band. */
export function worsening(before: AlertFigures, now: AlertFigures): string | null {
  const reasons: string[] = [];
  if (now.projectedStockoutDate !== null && (before.projectedStockoutDate === null || now.projectedStockoutDate < before.projectedStockoutDate)) {
    reasons.push(`runs out ${now.projectedStockoutDate} instead of ${before.projectedStockoutDate ?? "not within the horizon"}`);
  }
  if (probabilityBand(now.probability) > probabilityBand(before.probability)) {
    reasons.push(`probability up from ${percent(before.probability)} to ${percent(now.probability)}`);
  }
  return reasons.length > 0 ? reasons.join("; ") : null;
}

export function feedFigures(feedLastSeenAt: Date | null): AlertFigures {
  return {
    onHand: null,
    projectedStockoutDate: null,
    probability: null,
    promotionName: null,
    promotionEnd: null,
    nextDeliveryDate: null,
    nextDeliveryQuantity: null,
    suggestedQuantity: null,
    feedLastSeenAt: feedLastSeenAt?.toISOString() ?? null,
  };
}

function figuresChanged(a: AlertFigures, b: AlertFigures): boolean {
  const keys = Object.keys(b) as Array<keyof AlertFigures>;
  return keys.some((key) => (key === "probability" ? Math.abs((a.probability ?? -1) - (b.probability ?? -1)) >= 0.01 : a[key] !== b[key]));
}
