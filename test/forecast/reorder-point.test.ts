import { describe, expect, it } from "vitest";
import { reorderPoint, reorderPointAlerts, REORDER_POINT_DAYS, Z_90 } from "../../src/forecast/reorder-point.js";
import { alertRiskWindowEnd } from "../../src/alerts/alert-policy.js";

describe("the reorder-point rule", () => {
  it("is the mean demand over the lead time plus z(0.9)·σ·√lead of the trailing 28 days", () => {
    // 14 days of 4 and 14 of 8: mean 6, sample variance 28·4/27
    const units = [...Array(14).fill(4), ...Array(14).fill(8)];
    const sigma = Math.sqrt((28 * 4) / 27);
    expect(reorderPoint(units, 3)).toBeCloseTo(6 * 3 + 1.2815515655 * sigma * Math.sqrt(3), 9);
    expect(Z_90).toBeCloseTo(1.28155, 5);
  });

  it("looks only at the last 28 days", () => {
    const old = Array(30).fill(100);
    const recent = Array(REORDER_POINT_DAYS).fill(5);
    // constant demand: no safety stock, the point is 5 × 4
    expect(reorderPoint([...old, ...recent], 4)).toBe(20);
  });

  it("reorders at or below the point and not above it", () => {
    const units = Array(28).fill(5);
    expect(reorderPointAlerts({ onHand: 15, dailyUnits: units, leadDays: 3 })).toBe(true);
    expect(reorderPointAlerts({ onHand: 16, dailyUnits: units, leadDays: 3 })).toBe(false);
  });

  it("with no sales history or no lead time, reorders only an empty shelf", () => {
    expect(reorderPointAlerts({ onHand: 1, dailyUnits: [], leadDays: 3 })).toBe(false);
    expect(reorderPointAlerts({ onHand: 0, dailyUnits: [], leadDays: 3 })).toBe(true);
    expect(reorderPointAlerts({ onHand: 1, dailyUnits: [9, 1, 5], leadDays: 0 })).toBe(false);
  });
});

describe("alertRiskWindowEnd", () => {
  const risk = { decisionEnd: "2026-12-06", probabilityBeforeDecision: 0.4 };
  it("is the decision window's end when the item is not advertised", () => {
    expect(alertRiskWindowEnd({ ...risk, probabilityBeforePromotionEnd: null }, null)).toBe("2026-12-06");
  });
  it("is the promotion's end when running out before it is the likelier", () => {
    expect(alertRiskWindowEnd({ ...risk, probabilityBeforePromotionEnd: 0.7 }, "2026-12-10")).toBe("2026-12-10");
    expect(alertRiskWindowEnd({ ...risk, probabilityBeforePromotionEnd: 0.2 }, "2026-12-10")).toBe("2026-12-06");
  });
});
