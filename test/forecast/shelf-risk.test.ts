import { describe, expect, it } from "vitest";
import { addDays } from "../../src/forecast/calendar.js";
import type { DemandModel, FutureDay } from "../../src/forecast/forecast-types.js";
import type { ReplenishmentPattern } from "../../src/forecast/replenishment.js";
import { alertRiskProbability } from "../../src/alerts/alert-policy.js";
import { assessShelfRisk } from "../../src/forecast/shelf-risk.js";
import { assessStockout } from "../../src/forecast/stockout-risk.js";

const model: DemandModel = { method: "smooth", level: 4, weekly: [1, 1, 1, 1, 1, 1, 1], uplift: 2, upliftSource: "default", size: 20, daysUsed: 56 };
const days = (today: string, count: number, promoted: (offset: number) => boolean = () => false): FutureDay[] =>
  Array.from({ length: count }, (_, offset) => ({ date: addDays(today, offset), promoted: promoted(offset) }));

/** weekly top-ups to 40, the last one on 2026-11-30 (a Monday) */
const weekly = (regularity: number): ReplenishmentPattern => ({
  receipts: 8,
  intervalDays: 7,
  regularity,
  sizing: "level",
  typicalUnits: 28,
  targetLevel: 40,
  coverDays: Number.NaN,
  recentDailySales: Number.NaN,
  lastReceipt: "2026-11-30",
});

describe("assessShelfRisk", () => {
  it("counts on the inferred receipts and decides about the days before the first one an order placed now would not beat", () => {
    const today = "2026-12-01";
    const risk = assessShelfRisk({ today, onHand: 30, model, days: days(today, 14), loaded: [], pattern: weekly(1), leadDays: 3 });
    expect(risk.deliveries.map((d) => [d.date, d.source])).toEqual([
      ["2026-12-07", "inferred"],
      ["2026-12-14", "inferred"],
    ]);
    // an order placed today lands on 12-04; the receipt of 12-07 is not placed yet: the decision is about 12-01 … 12-06
    expect(risk.decisionEnd).toBe("2026-12-06");
    const direct = assessStockout({ today, onHand: 30, model, days: days(today, 14), deliveries: risk.deliveries, decisionEnd: "2026-12-06" });
    expect(risk.probabilityBeforeDecision).toBeCloseTo(direct.probabilityBeforeDecision!, 12);
    expect(risk.replenishmentConfidence).toBe(1);
    // 30 units for 6 days at 4 a day: unlikely to run out before the top-up
    expect(risk.probabilityBeforeDecision).toBeLessThan(0.2);
  });

  it("without any pattern or purchase order, decides over all the days given, which for most shelves means a likely run-out", () => {
    const today = "2026-12-01";
    const risk = assessShelfRisk({ today, onHand: 30, model, days: days(today, 14), loaded: [], pattern: null, leadDays: 3 });
    expect(risk.deliveries).toEqual([]);
    expect(risk.decisionEnd).toBe("2026-12-14");
    expect(risk.probabilityBeforeDecision).toBeGreaterThan(0.95);
  });

  it("weighs an unsure pattern: its probabilities lie between trusting the receipts and ignoring them", () => {
    const today = "2026-12-01";
    const input = { today, onHand: 30, model, days: days(today, 14), loaded: [], leadDays: 3 };
    const sure = assessShelfRisk({ ...input, pattern: weekly(1) });
    const unsure = assessShelfRisk({ ...input, pattern: weekly(0.5) });
    const withoutReceipts = assessStockout({ ...input, deliveries: [], decisionEnd: sure.decisionEnd });
    expect(unsure.replenishmentConfidence).toBe(0.5);
    expect(unsure.probabilityBeforeDecision).toBeCloseTo(0.5 * sure.probabilityBeforeDecision + 0.5 * withoutReceipts.probabilityBeforeDecision!, 12);
    expect(unsure.probabilityWithinHorizon).toBeGreaterThan(sure.probabilityWithinHorizon);
  });

  it("puts loaded purchase orders first and judges an advertised item on its promotion's end too", () => {
    const today = "2026-12-01";
    const risk = assessShelfRisk({
      today,
      onHand: 30,
      model,
      // promoted 12-08 … 12-12 at twice the demand
      days: days(today, 14, (offset) => offset >= 7 && offset <= 11),
      loaded: [{ date: "2026-12-03", quantity: 10 }],
      pattern: weekly(1),
      leadDays: 3,
      promotionEnd: "2026-12-12",
    });
    expect(risk.deliveries.map((d) => [d.date, d.source])).toEqual([
      ["2026-12-03", "loaded"],
      ["2026-12-07", "inferred"],
      ["2026-12-14", "inferred"],
    ]);
    expect(risk.decisionEnd).toBe("2026-12-06");
    expect(risk.probabilityBeforePromotionEnd).not.toBeNull();
    expect(alertRiskProbability(risk)).toBe(Math.max(risk.probabilityBeforeDecision, risk.probabilityBeforePromotionEnd!));
  });
});
