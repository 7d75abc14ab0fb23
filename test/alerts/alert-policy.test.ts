import { describe, expect, it } from "vitest";
import { EARLY_PROMOTION_ALERT_PROBABILITY, openingProbability, PROMOTION_ALERT_WINDOW_DAYS, promotionAlertProbability } from "../../src/alerts/alert-policy.js";

describe("promotionAlertProbability", () => {
  it("asks a promotion still days away for a near-certain run-out, and the store's threshold from its last days on", () => {
    expect(PROMOTION_ALERT_WINDOW_DAYS).toBe(4);
    expect(promotionAlertProbability(0.5, 13)).toBe(EARLY_PROMOTION_ALERT_PROBABILITY);
    expect(promotionAlertProbability(0.5, PROMOTION_ALERT_WINDOW_DAYS + 1)).toBe(0.9);
    expect(promotionAlertProbability(0.5, PROMOTION_ALERT_WINDOW_DAYS)).toBe(0.5);
    // running
    expect(promotionAlertProbability(0.5, 0)).toBe(0.5);
    expect(promotionAlertProbability(0.5, -3)).toBe(0.5);
    // a store that asks for more than near certainty keeps its own threshold
    expect(promotionAlertProbability(0.95, 10)).toBe(0.95);
  });
});
describe("openingProbability", () => {
  it("is the store's threshold without a promotion in view, and the promotion's rule with one", () => {
    expect(openingProbability(0.6, null)).toBe(0.6);
    // the backtest's arrays mark "no promotion in view" with -1
    expect(openingProbability(0.6, -1)).toBe(0.6);
    expect(openingProbability(0.6, 10)).toBe(EARLY_PROMOTION_ALERT_PROBABILITY);
    expect(openingProbability(0.6, PROMOTION_ALERT_WINDOW_DAYS)).toBe(0.6);
    expect(openingProbability(0.6, 0)).toBe(0.6);
  });
});
