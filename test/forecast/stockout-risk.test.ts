import { describe, expect, it } from "vitest";
import { addDays } from "../../src/forecast/calendar.js";
import type { DemandModel, ExpectedDelivery, FutureDay, StockoutRiskInput } from "../../src/forecast/forecast-types.js";
import { assessStockout } from "../../src/forecast/stockout-risk.js";
import { createRandom, sampleNegBinomial } from "./series.js";

const TODAY = "2024-06-03";

/** A model with flat weekdays and no estimation error of its own. */
function flatModel(level: number, size: number, uplift = 2): DemandModel {
  return { method: "smooth", level, weekly: [1, 1, 1, 1, 1, 1, 1], uplift, upliftSource: "default", size, daysUsed: 56 };
}

/** `count` days from today, promoted up to and including day `lastPromoted`. */
function futureDays(count: number, lastPromoted = -1): FutureDay[] {
  return Array.from({ length: count }, (_, day) => ({ date: addDays(TODAY, day), promoted: day <= lastPromoted }));
}

function assess(overrides: Partial<StockoutRiskInput> & Pick<StockoutRiskInput, "model" | "onHand">) {
  return assessStockout({ today: TODAY, days: futureDays(28), deliveries: [], ...overrides });
}

/**
 * P(run out by each day) the slow way: day by day over every count of units sold so far, for days of independent
 * negative binomial demand with one mean. Written apart from the code under test.
 */
function bruteForceRunOut(mean: number, size: number, onHand: number, deliveries: Map<number, number>, days: number): number[] {
  const maxUnits = 400;
  const pmf = [Math.pow(size / (size + mean), size)];
  for (let k = 0; k < maxUnits; k++) pmf.push((pmf[k] ?? 0) * ((k + size) / (k + 1)) * (mean / (size + mean)));
  let alive = new Float64Array(maxUnits + 1);
  alive[0] = 1;
  let stock = onHand;
  const runOut: number[] = [];
  for (let day = 0; day < days; day++) {
    stock += deliveries.get(day) ?? 0;
    const next = new Float64Array(maxUnits + 1);
    for (let sold = 0; sold <= stock; sold++) {
      for (let today = 0; sold + today <= stock; today++) {
        next[sold + today] = (next[sold + today] ?? 0) + (alive[sold] ?? 0) * (pmf[today] ?? 0);
      }
    }
    alive = next;
    runOut.push(1 - alive.reduce((sum, p) => sum + p, 0));
  }
  return runOut;
}

describe("assessStockout: the expected path", () => {
  it("projects the stockout date and days of cover on a constant demand", () => {
    // 3 a day from 10: days 0-2 leave 7, 4, 1; day 3 wants 3 with 1 left
    const risk = assess({ model: flatModel(3, Infinity), onHand: 10, days: futureDays(14) });
    expect(risk.projectedStockoutDate).toBe("2024-06-06");
    expect(risk.daysOfCover).toBeCloseTo(10 / 3, 10);
    expect(risk.projectedStock.slice(0, 5).map((day) => day.expected)).toEqual([7, 4, 1, 0, 0]);
    expect(risk.projectedStock[0]?.date).toBe(TODAY);
    // selling the last unit is not running out: 9 covers days 0-2 exactly, and day 3 finds the shelf empty
    expect(assess({ model: flatModel(3, Infinity), onHand: 9 }).projectedStockoutDate).toBe("2024-06-06");
  });

  it("moves the projected date by a delivery, and not for one that is already overdue", () => {
    const model = flatModel(3, Infinity);
    // +6 on day 3: cumulative demand 18 on day 5 exceeds 16
    const delivered = assess({ model, onHand: 10, deliveries: [{ date: "2024-06-06", quantity: 6 }] });
    expect(delivered.projectedStockoutDate).toBe("2024-06-08");
    const overdue = assess({ model, onHand: 10, deliveries: [{ date: "2024-06-02", quantity: 6 }] });
    expect(overdue.projectedStockoutDate).toBe("2024-06-06");
    expect(overdue.probabilityBeforeNextDelivery).toBeNull();
  });

  it("gives a large finite cover and no date when nothing sells", () => {
    const risk = assess({ model: flatModel(0, 5), onHand: 4 });
    expect(risk).toMatchObject({ daysOfCover: 999, projectedStockoutDate: null, probabilityWithinHorizon: 0 });
  });
});

describe("assessStockout: probabilities", () => {
  const promotion = { model: flatModel(5, 10, 2), days: futureDays(28, 6), promotionEnd: "2024-06-09" };

  it("counts an empty shelf as run out today", () => {
    for (const onHand of [0, -3]) {
      const risk = assess({ ...promotion, onHand, deliveries: [{ date: "2024-06-05", quantity: 50 }] });
      expect(risk).toMatchObject({
        projectedStockoutDate: TODAY,
        daysOfCover: 0,
        probabilityWithinHorizon: 1,
        probabilityBeforePromotionEnd: 1,
        probabilityBeforeNextDelivery: 1,
      });
      expect(risk.quantityToLastPromotion).toBeGreaterThanOrEqual(1);
    }
  });

  it("is low when the stock on hand lasts past the promotion", () => {
    // about 10 a day for 7 days: 70 expected, 150 on hand
    const risk = assess({ ...promotion, onHand: 150 });
    expect(risk.probabilityBeforePromotionEnd).toBeLessThan(0.01);
    expect(risk.quantityToLastPromotion).toBe(0);
    expect(risk.probabilityWithinHorizon).toBeGreaterThan(risk.probabilityBeforePromotionEnd ?? 1);
  });

  it("drops when a delivery lands before the promotion ends", () => {
    const without = assess({ ...promotion, onHand: 50 });
    const withDelivery = assess({ ...promotion, onHand: 50, deliveries: [{ date: "2024-06-06", quantity: 40 }] });
    const tooLate = assess({ ...promotion, onHand: 50, deliveries: [{ date: "2024-06-10", quantity: 40 }] });
    expect(without.probabilityBeforePromotionEnd).toBeGreaterThan(0.8);
    expect(withDelivery.probabilityBeforePromotionEnd).toBeLessThan(0.35);
    expect(tooLate.probabilityBeforePromotionEnd).toBeCloseTo(without.probabilityBeforePromotionEnd ?? 0, 12);
    // before that delivery: 3 days at ~10 against 50 on hand
    expect(withDelivery.probabilityBeforeNextDelivery).toBeLessThan(0.01);
    expect(without.probabilityBeforeNextDelivery).toBeNull();
  });

  it("matches a brute-force day-by-day first-passage computation", () => {
    const mean = 2.5;
    const size = 3;
    const deliveries: ExpectedDelivery[] = [
      { date: addDays(TODAY, 4), quantity: 10 },
      { date: addDays(TODAY, 9), quantity: 8 },
    ];
    const byDay = new Map([
      [4, 10],
      [9, 8],
    ]);
    const expected = bruteForceRunOut(mean, size, 12, byDay, 14);
    const risk = assessStockout({
      today: TODAY,
      onHand: 12,
      model: flatModel(mean, size),
      days: futureDays(14, 6),
      deliveries,
      promotionEnd: addDays(TODAY, 6),
    });
    // flat unpromoted days here: with uplift 1 the promoted flag changes nothing
    const unpromoted = assessStockout({
      today: TODAY,
      onHand: 12,
      model: flatModel(mean, size, 1),
      days: futureDays(14, 6),
      deliveries,
      promotionEnd: addDays(TODAY, 6),
    });
    expect(unpromoted.probabilityBeforeNextDelivery).toBeCloseTo(expected[3] ?? -1, 9);
    expect(unpromoted.probabilityBeforePromotionEnd).toBeCloseTo(expected[6] ?? -1, 9);
    expect(unpromoted.probabilityWithinHorizon).toBeCloseTo(expected[13] ?? -1, 9);
    // doubling demand on promoted days only adds risk
    expect(risk.probabilityBeforePromotionEnd).toBeGreaterThan(unpromoted.probabilityBeforePromotionEnd ?? 1);
  });

  it("stays close to a simulation for a fast seller, where vectors give way to the normal approximation", () => {
    // ~160 a day while promoted: stretches of hundreds of units, too long for the exact vectors
    const model = flatModel(80, 10, 2);
    const days = futureDays(21, 9);
    const deliveries: ExpectedDelivery[] = [
      { date: addDays(TODAY, 4), quantity: 700 },
      { date: addDays(TODAY, 11), quantity: 900 },
    ];
    const onHand = 800;
    const risk = assessStockout({ today: TODAY, onHand, model, days, deliveries, promotionEnd: addDays(TODAY, 9) });

    const random = createRandom(61);
    const runs = 20_000;
    let byPromotionEnd = 0;
    let byHorizon = 0;
    for (let run = 0; run < runs; run++) {
      let stock = onHand;
      let ranOutOn = -1;
      for (let day = 0; day < days.length && ranOutOn < 0; day++) {
        stock += day === 4 ? 700 : day === 11 ? 900 : 0;
        stock -= sampleNegBinomial(random, day <= 9 ? 160 : 80, 10);
        if (stock < 0) ranOutOn = day;
      }
      if (ranOutOn >= 0) byHorizon++;
      if (ranOutOn >= 0 && ranOutOn <= 9) byPromotionEnd++;
    }
    // simulation standard error ≤ 0.0035; the approximation is allowed ~0.02 on top
    expect(risk.probabilityBeforePromotionEnd).toBeGreaterThan(0.2);
    expect(risk.probabilityBeforePromotionEnd).toBeLessThan(0.9);
    expect(Math.abs((risk.probabilityBeforePromotionEnd ?? 0) - byPromotionEnd / runs)).toBeLessThan(0.025);
    expect(Math.abs(risk.probabilityWithinHorizon - byHorizon / runs)).toBeLessThan(0.025);
  });

  it("is null where a question does not apply", () => {
    const risk = assess({ model: flatModel(5, 10), onHand: 20 });
    expect(risk).toMatchObject({
      probabilityBeforePromotionEnd: null,
      probabilityBeforeNextDelivery: null,
      quantityToLastPromotion: null,
    });
    const ended = assess({ model: flatModel(5, 10), onHand: 20, promotionEnd: addDays(TODAY, -1) });
    expect(ended.probabilityBeforePromotionEnd).toBeNull();
  });
});

describe("assessStockout: quantityToLastPromotion", () => {
  const promotion = { model: flatModel(5, 10, 2), days: futureDays(28, 6), promotionEnd: "2024-06-09" };

  it("is the fewest units that bring the risk to the promotion's end down to 10%", () => {
    const scenarios: Array<{ onHand: number; deliveries: ExpectedDelivery[] }> = [
      { onHand: 40, deliveries: [] },
      { onHand: 25, deliveries: [{ date: "2024-06-06", quantity: 20 }] },
      { onHand: 12, deliveries: [{ date: "2024-06-05", quantity: 10 }, { date: "2024-06-08", quantity: 15 }] },
    ];
    for (const { onHand, deliveries } of scenarios) {
      const risk = assess({ ...promotion, onHand, deliveries });
      const quantity = risk.quantityToLastPromotion ?? -1;
      expect(risk.probabilityBeforePromotionEnd).toBeGreaterThan(0.1);
      expect(quantity).toBeGreaterThan(0);
      const enough = assess({ ...promotion, onHand: onHand + quantity, deliveries });
      const oneShort = assess({ ...promotion, onHand: onHand + quantity - 1, deliveries });
      expect(enough.probabilityBeforePromotionEnd).toBeLessThanOrEqual(0.1);
      expect(oneShort.probabilityBeforePromotionEnd).toBeGreaterThan(0.1);
      expect(enough.quantityToLastPromotion).toBe(0);
    }
  });

  it("is left out when only the probabilities are asked for, which stay the same", () => {
    const deliveries = [{ date: "2024-06-06", quantity: 20 }];
    const full = assess({ ...promotion, onHand: 25, deliveries, decisionEnd: "2024-06-08" });
    const probabilitiesOnly = assess({ ...promotion, onHand: 25, deliveries, decisionEnd: "2024-06-08", probabilitiesOnly: true });
    expect(full.quantityToLastPromotion).toBeGreaterThan(0);
    expect(probabilitiesOnly.quantityToLastPromotion).toBeNull();
    expect({ ...probabilitiesOnly, quantityToLastPromotion: full.quantityToLastPromotion }).toEqual(full);
  });
});

