import { describe, expect, it } from "vitest";
import {
  feedFigures,
  planFeedAlert,
  planItemAlerts,
  planSnoozeExpiry,
  worsening,
  type AlertThresholds,
  type LiveAlert,
  type RiskReading,
} from "../../src/alerts/alert-lifecycle.js";
import { isUrgent, probabilityBand } from "../../src/alerts/alert-policy.js";
import type { AlertFigures, AlertKind } from "../../src/alerts/alert-types.js";

const THRESHOLDS: AlertThresholds = { openAt: 0.6, resolveBelow: 0.45 };

/** Tomatoes 1 kg at store 12, in the week-47 flyer. */
function figures(overrides: Partial<AlertFigures> = {}): AlertFigures {
  return {
    onHand: 12,
    projectedStockoutDate: "2026-11-24",
    probability: 0.62,
    promotionName: "Week 47 flyer",
    promotionEnd: "2026-11-26",
    nextDeliveryDate: "2026-11-27",
    nextDeliveryQuantity: 48,
    suggestedQuantity: 20,
    feedLastSeenAt: null,
    ...overrides,
  };
}

/** A reading whose headline probability and on hand agree with its figures. */
function reading(overrides: { advertised?: boolean; onHand?: number; probability?: number; projectedStockoutDate?: string | null } = {}): RiskReading {
  const onHand = overrides.onHand ?? 12;
  const probability = overrides.probability ?? 0.62;
  const advertised = overrides.advertised ?? true;
  return {
    itemId: 7,
    advertised,
    onHand,
    probability,
    figures: figures({
      onHand,
      probability,
      ...(overrides.projectedStockoutDate !== undefined ? { projectedStockoutDate: overrides.projectedStockoutDate } : {}),
    }),
  };
}

function liveAlert(kind: AlertKind, overrides: Partial<LiveAlert> = {}): LiveAlert {
  return {
    id: 101,
    itemId: kind === "stale_feed" ? null : 7,
    kind,
    state: "open",
    urgent: kind === "promotion_stockout",
    figures: figures(),
    notifiedFigures: figures(),
    snoozedUntil: null,
    ...overrides,
  };
}

describe("isUrgent", () => {
  it.each([
    ["promotion_stockout", true, true],
    ["promotion_stockout", false, true],
    ["stale_feed", false, true],
    ["out_of_stock", true, true],
    ["out_of_stock", false, false],
    ["delivery_stockout", true, false],
    ["delivery_stockout", false, false],
  ] as const)("%s advertised=%s → %s", (kind, advertised, urgent) => {
    expect(isUrgent(kind, advertised)).toBe(urgent);
  });
});

describe("planItemAlerts: opening a predicted alert", () => {
  it("opens an urgent promotion_stockout for an advertised item at exactly openAt", () => {
    const now = reading({ probability: 0.6 });
    expect(planItemAlerts(now, [], THRESHOLDS)).toEqual([
      { type: "open", kind: "promotion_stockout", itemId: 7, urgent: true, figures: now.figures, cause: "60% likely to run out before the promotion ends" },
    ]);
  });

  it("opens a promotion_stockout above openAt", () => {
    const now = reading({ probability: 0.93 });
    expect(planItemAlerts(now, [], THRESHOLDS)).toEqual([
      { type: "open", kind: "promotion_stockout", itemId: 7, urgent: true, figures: now.figures, cause: "93% likely to run out before the promotion ends" },
    ]);
  });

  it("opens nothing just below openAt", () => {
    expect(planItemAlerts(reading({ probability: 0.59 }), [], THRESHOLDS)).toEqual([]);
  });

  it("opens a non-urgent delivery_stockout for an item that is not advertised", () => {
    const now = reading({ advertised: false, probability: 0.7 });
    expect(planItemAlerts(now, [], THRESHOLDS)).toEqual([
      { type: "open", kind: "delivery_stockout", itemId: 7, urgent: false, figures: now.figures, cause: "70% likely to run out before the next delivery" },
    ]);
  });

  it("does not open a second alert of a kind that is already live", () => {
    const alert = liveAlert("promotion_stockout", { figures: figures({ probability: 0.8 }), notifiedFigures: figures({ probability: 0.8 }) });
    expect(planItemAlerts(reading({ probability: 0.8 }), [alert], THRESHOLDS)).toEqual([]);
  });

  it("ignores a stale_feed alert among the live ones", () => {
    const stale = liveAlert("stale_feed", { figures: feedFigures(null), notifiedFigures: feedFigures(null) });
    expect(planItemAlerts(reading({ probability: 0.2 }), [stale], THRESHOLDS)).toEqual([]);
  });
});

describe("planItemAlerts: hysteresis between resolveBelow and openAt", () => {
  it("keeps an open alert open and updates its figures when the probability falls between the thresholds", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ probability: 0.5 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([{ type: "update", alert, figures: now.figures }]);
  });

  it("keeps the alert open at exactly resolveBelow", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ probability: 0.45 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([{ type: "update", alert, figures: now.figures }]);
  });

  it("plans nothing when the figures did not change", () => {
    const alert = liveAlert("promotion_stockout");
    expect(planItemAlerts(reading({ probability: 0.62 }), [alert], THRESHOLDS)).toEqual([]);
  });

  it("treats a probability change under one point as no change", () => {
    const alert = liveAlert("promotion_stockout");
    expect(planItemAlerts(reading({ probability: 0.615 }), [alert], THRESHOLDS)).toEqual([]);
  });

  it("updates when only a figure other than the probability changed", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ onHand: 11 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([{ type: "update", alert, figures: now.figures }]);
  });

  it("does not open a new alert between the thresholds", () => {
    expect(planItemAlerts(reading({ probability: 0.5 }), [], THRESHOLDS)).toEqual([]);
  });

  it("resolves once the probability falls below resolveBelow", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ probability: 0.44 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "risk passed: 44% is below 45%" },
    ]);
  });

  it("resolves a delivery_stockout the same way", () => {
    const alert = liveAlert("delivery_stockout");
    const now = reading({ advertised: false, probability: 0.1 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "risk passed: 10% is below 45%" },
    ]);
  });
});

describe("planItemAlerts: escalation", () => {
  it("escalates when the projected stockout is a day earlier than what staff were told", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ projectedStockoutDate: "2026-11-23" });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "runs out 2026-11-23 instead of 2026-11-24", notify: true },
    ]);
  });

  it("escalates across a month boundary", () => {
    const alert = liveAlert("promotion_stockout", { notifiedFigures: figures({ projectedStockoutDate: "2026-12-01" }) });
    const now = reading({ projectedStockoutDate: "2026-11-30" });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "runs out 2026-11-30 instead of 2026-12-01", notify: true },
    ]);
  });

  it("only updates when the projected stockout moves later", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ projectedStockoutDate: "2026-11-25" });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([{ type: "update", alert, figures: now.figures }]);
  });

  it("escalates when a stockout appears within the horizon where there was none", () => {
    const alert = liveAlert("promotion_stockout", { notifiedFigures: figures({ projectedStockoutDate: null }) });
    const now = reading({ projectedStockoutDate: "2026-11-30" });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "runs out 2026-11-30 instead of not within the horizon", notify: true },
    ]);
  });

  it("escalates when the probability moves up a band (0.68 → 0.71)", () => {
    const alert = liveAlert("promotion_stockout", { figures: figures({ probability: 0.68 }), notifiedFigures: figures({ probability: 0.68 }) });
    const now = reading({ probability: 0.71 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "probability up from 68% to 71%", notify: true },
    ]);
  });

  it("escalates at exactly a band edge (0.69 → 0.9 crosses two)", () => {
    const alert = liveAlert("promotion_stockout", { figures: figures({ probability: 0.69 }), notifiedFigures: figures({ probability: 0.69 }) });
    const now = reading({ probability: 0.9 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "probability up from 69% to 90%", notify: true },
    ]);
  });

  it("only updates when the probability wiggles up within a band (0.71 → 0.89)", () => {
    const alert = liveAlert("promotion_stockout", { figures: figures({ probability: 0.71 }), notifiedFigures: figures({ probability: 0.71 }) });
    const now = reading({ probability: 0.89 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([{ type: "update", alert, figures: now.figures }]);
  });

  it("only updates when the probability falls a band", () => {
    const alert = liveAlert("promotion_stockout", { figures: figures({ probability: 0.75 }), notifiedFigures: figures({ probability: 0.75 }) });
    const now = reading({ probability: 0.65 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([{ type: "update", alert, figures: now.figures }]);
  });

  it("gives both reasons when the date is earlier and the band higher", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ probability: 0.72, projectedStockoutDate: "2026-11-22" });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      {
        type: "escalate",
        alert,
        figures: now.figures,
        cause: "runs out 2026-11-22 instead of 2026-11-24; probability up from 62% to 72%",
        notify: true,
      },
    ]);
  });

  it("measures against what staff were told, not the latest silent update", () => {
    // the figures were updated to band 2 without a notice; staff last heard band 1
    const alert = liveAlert("promotion_stockout", { figures: figures({ probability: 0.72 }), notifiedFigures: figures({ probability: 0.62 }) });
    const now = reading({ probability: 0.72 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "probability up from 62% to 72%", notify: true },
    ]);
  });

  it.each(["acknowledged", "snoozed"] as const)("escalates a %s alert without notifying", (state) => {
    const alert = liveAlert("promotion_stockout", {
      state,
      snoozedUntil: state === "snoozed" ? new Date("2026-11-21T08:00:00Z") : null,
    });
    const now = reading({ projectedStockoutDate: "2026-11-23" });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "runs out 2026-11-23 instead of 2026-11-24", notify: false },
    ]);
  });

  it("escalates a delivery_stockout too", () => {
    const alert = liveAlert("delivery_stockout");
    const now = reading({ advertised: false, probability: 0.95 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "escalate", alert, figures: now.figures, cause: "probability up from 62% to 95%", notify: true },
    ]);
  });
});

describe("planItemAlerts: the promotion starts or ends", () => {
  it("resolves a promotion_stockout when the promotion is over and the risk is low", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ advertised: false, probability: 0.3 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "the promotion is over" },
    ]);
  });

  it("resolves a promotion_stockout even when the probability is still high, and opens a delivery_stockout", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ advertised: false, probability: 0.8 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "the promotion is over" },
      { type: "open", kind: "delivery_stockout", itemId: 7, urgent: false, figures: now.figures, cause: "80% likely to run out before the next delivery" },
    ]);
  });

  it("does not open a delivery_stockout after the promotion when the risk is between the thresholds", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ advertised: false, probability: 0.5 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "the promotion is over" },
    ]);
  });

  it("hands a delivery_stockout over to a promotion_stockout when the item becomes advertised", () => {
    const alert = liveAlert("delivery_stockout");
    const now = reading({ advertised: true, probability: 0.75 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "the item is now advertised: followed as a promotion risk" },
      { type: "open", kind: "promotion_stockout", itemId: 7, urgent: true, figures: now.figures, cause: "75% likely to run out before the promotion ends" },
    ]);
  });
});

describe("planItemAlerts: an empty shelf", () => {
  it("opens an urgent out_of_stock for an advertised item and resolves the promotion_stockout", () => {
    const alert = liveAlert("promotion_stockout");
    const now = reading({ onHand: 0, probability: 1 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "the shelf is empty: now an out-of-stock alert" },
      { type: "open", kind: "out_of_stock", itemId: 7, urgent: true, figures: now.figures, cause: "on hand is 0" },
    ]);
  });

  it("opens a non-urgent out_of_stock for an item that is not advertised, and no prediction", () => {
    const now = reading({ advertised: false, onHand: -2, probability: 1 });
    expect(planItemAlerts(now, [], THRESHOLDS)).toEqual([
      { type: "open", kind: "out_of_stock", itemId: 7, urgent: false, figures: now.figures, cause: "on hand is -2" },
    ]);
  });

  it("resolves a delivery_stockout when the shelf is empty", () => {
    const alert = liveAlert("delivery_stockout");
    const now = reading({ advertised: false, onHand: 0, probability: 1 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "the shelf is empty: now an out-of-stock alert" },
      { type: "open", kind: "out_of_stock", itemId: 7, urgent: false, figures: now.figures, cause: "on hand is 0" },
    ]);
  });

  it("keeps a live out_of_stock without a change while the shelf stays empty", () => {
    const emptyFigures = reading({ onHand: 0, probability: 1 }).figures;
    const alert = liveAlert("out_of_stock", { figures: emptyFigures, notifiedFigures: emptyFigures });
    expect(planItemAlerts(reading({ onHand: 0, probability: 1 }), [alert], THRESHOLDS)).toEqual([]);
  });

  it("updates a live out_of_stock whose figures changed while the shelf stays empty", () => {
    const emptyFigures = reading({ onHand: 0, probability: 1 }).figures;
    const alert = liveAlert("out_of_stock", { figures: emptyFigures, notifiedFigures: emptyFigures });
    const now = reading({ onHand: -1, probability: 1 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([{ type: "update", alert, figures: now.figures }]);
  });

  it("resolves out_of_stock when stock comes back, with nothing else when the risk is low", () => {
    const alert = liveAlert("out_of_stock", { figures: figures({ onHand: 0 }), notifiedFigures: figures({ onHand: 0 }) });
    const now = reading({ onHand: 5, probability: 0.3 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "stock received: 5 on hand" },
    ]);
  });

  it("resolves out_of_stock on one unit back and opens the prediction when the risk is high", () => {
    const alert = liveAlert("out_of_stock", { figures: figures({ onHand: 0 }), notifiedFigures: figures({ onHand: 0 }) });
    const now = reading({ onHand: 1, probability: 0.97 });
    expect(planItemAlerts(now, [alert], THRESHOLDS)).toEqual([
      { type: "resolve", alert, figures: now.figures, cause: "stock received: 1 on hand" },
      { type: "open", kind: "promotion_stockout", itemId: 7, urgent: true, figures: now.figures, cause: "97% likely to run out before the promotion ends" },
    ]);
  });
});

describe("worsening", () => {
  it("is null when nothing got worse", () => {
    expect(worsening(figures(), figures())).toBeNull();
  });

  it("is null when the stockout projection disappears", () => {
    expect(worsening(figures(), figures({ projectedStockoutDate: null }))).toBeNull();
  });

  it("is null from and to no probability", () => {
    expect(worsening(figures({ probability: null }), figures({ probability: 0.49 }))).toBeNull();
  });

  it("counts a probability from none to the first band", () => {
    expect(worsening(figures({ probability: null }), figures({ probability: 0.5 }))).toBe("probability up from n/a to 50%");
  });
});

describe("probabilityBand", () => {
  it.each([
    [null, 0],
    [0, 0],
    [0.4999, 0],
    [0.5, 1],
    [0.6999, 1],
    [0.7, 2],
    [0.8999, 2],
    [0.9, 3],
    [1, 3],
  ] as const)("%s → band %i", (probability, band) => {
    expect(probabilityBand(probability)).toBe(band);
  });
});

describe("planFeedAlert", () => {
  const now = new Date("2026-11-20T12:00:00Z");

  it("opens an urgent stale_feed when no data came for longer than the interval", () => {
    const lastSeen = new Date("2026-11-20T10:30:00Z");
    expect(planFeedAlert({ feedLastSeenAt: lastSeen, feedIntervalMinutes: 60 }, null, now)).toEqual({
      stale: true,
      changes: [
        {
          type: "open",
          kind: "stale_feed",
          itemId: null,
          urgent: true,
          figures: { ...feedFigures(null), feedLastSeenAt: "2026-11-20T10:30:00.000Z" },
          cause: "no POS data for 90 minutes (expected every 60)",
        },
      ],
    });
  });

  it("is fresh at exactly the interval", () => {
    expect(planFeedAlert({ feedLastSeenAt: new Date("2026-11-20T11:00:00Z"), feedIntervalMinutes: 60 }, null, now)).toEqual({ stale: false, changes: [] });
  });

  it("is stale one millisecond past the interval", () => {
    const result = planFeedAlert({ feedLastSeenAt: new Date("2026-11-20T10:59:59.999Z"), feedIntervalMinutes: 60 }, null, now);
    expect(result.stale).toBe(true);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ type: "open", kind: "stale_feed", cause: "no POS data for 60 minutes (expected every 60)" });
  });

  it("keeps a live stale_feed without a change while the feed stays stale", () => {
    const live = liveAlert("stale_feed", { figures: feedFigures(null), notifiedFigures: feedFigures(null) });
    expect(planFeedAlert({ feedLastSeenAt: new Date("2026-11-20T09:00:00Z"), feedIntervalMinutes: 60 }, live, now)).toEqual({ stale: true, changes: [] });
  });

  it("resolves a live stale_feed when data arrives", () => {
    const live = liveAlert("stale_feed", { figures: feedFigures(null), notifiedFigures: feedFigures(null) });
    const lastSeen = new Date("2026-11-20T11:55:00Z");
    expect(planFeedAlert({ feedLastSeenAt: lastSeen, feedIntervalMinutes: 60 }, live, now)).toEqual({
      stale: false,
      changes: [
        { type: "resolve", alert: live, figures: { ...feedFigures(null), feedLastSeenAt: "2026-11-20T11:55:00.000Z" }, cause: "POS data arrived again" },
      ],
    });
  });

  it("does nothing for a fresh feed without an alert", () => {
    expect(planFeedAlert({ feedLastSeenAt: new Date("2026-11-20T11:59:00Z"), feedIntervalMinutes: 15 }, null, now)).toEqual({ stale: false, changes: [] });
  });

  it("does not call a store that never sent data stale", () => {
    expect(planFeedAlert({ feedLastSeenAt: null, feedIntervalMinutes: 60 }, null, now)).toEqual({ stale: false, changes: [] });
  });
});

describe("feedFigures", () => {
  it("carries only when the feed was last seen", () => {
    expect(feedFigures(new Date("2026-11-20T10:30:00Z"))).toEqual({
      onHand: null,
      projectedStockoutDate: null,
      probability: null,
      promotionName: null,
      promotionEnd: null,
      nextDeliveryDate: null,
      nextDeliveryQuantity: null,
      suggestedQuantity: null,
      feedLastSeenAt: "2026-11-20T10:30:00.000Z",
    });
  });
});

describe("planSnoozeExpiry", () => {
  const now = new Date("2026-11-21T08:00:00Z");

  it("unsnoozes a snoozed alert whose time is up, at exactly its time", () => {
    const alert = liveAlert("promotion_stockout", { state: "snoozed", snoozedUntil: new Date("2026-11-21T08:00:00Z") });
    expect(planSnoozeExpiry([alert], now)).toEqual([{ type: "unsnooze", alert, cause: "snooze ended" }]);
  });

  it("keeps a snoozed alert snoozed until its time", () => {
    const alert = liveAlert("promotion_stockout", { state: "snoozed", snoozedUntil: new Date("2026-11-21T08:00:00.001Z") });
    expect(planSnoozeExpiry([alert], now)).toEqual([]);
  });

  it("leaves open and acknowledged alerts alone even with a past snooze time, and a snooze without a time", () => {
    const past = new Date("2026-11-20T08:00:00Z");
    const open = liveAlert("promotion_stockout", { id: 1, state: "open", snoozedUntil: past });
    const acknowledged = liveAlert("delivery_stockout", { id: 2, state: "acknowledged", snoozedUntil: past });
    const noTime = liveAlert("out_of_stock", { id: 3, state: "snoozed", snoozedUntil: null });
    expect(planSnoozeExpiry([open, acknowledged, noTime], now)).toEqual([]);
  });

  it("unsnoozes only the expired ones, in order", () => {
    const first = liveAlert("promotion_stockout", { id: 1, state: "snoozed", snoozedUntil: new Date("2026-11-21T07:00:00Z") });
    const later = liveAlert("delivery_stockout", { id: 2, state: "snoozed", snoozedUntil: new Date("2026-11-21T09:00:00Z") });
    const second = liveAlert("out_of_stock", { id: 3, state: "snoozed", snoozedUntil: new Date("2026-11-20T20:00:00Z") });
    expect(planSnoozeExpiry([first, later, second], now)).toEqual([
      { type: "unsnooze", alert: first, cause: "snooze ended" },
      { type: "unsnooze", alert: second, cause: "snooze ended" },
    ]);
  });
});
