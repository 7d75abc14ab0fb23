import { describe, expect, it } from "vitest";
import { addDays } from "../../src/forecast/calendar.js";
import { fitDemand } from "../../src/forecast/demand-model.js";
import type { DayRecord, DemandModel, FutureDay } from "../../src/forecast/forecast-types.js";
import { assessStockout } from "../../src/forecast/stockout-risk.js";
import { createRandom, uniform } from "./series.js";

const TODAY = "2026-11-20";

/**
 * Goods sold by weight: each day a handful of customers each take 0.3 to 2.5 lb, recorded to thousandths as a scale
 * prints them. 84 days ending yesterday.
 */
function weighedHistory(seed: number): { history: DayRecord[]; mean: number } {
  const random = createRandom(seed);
  const history: DayRecord[] = [];
  let total = 0;
  for (let daysAgo = 84; daysAgo >= 1; daysAgo--) {
    let units = 0;
    const customers = Math.floor(uniform(random, 2, 9));
    for (let c = 0; c < customers; c++) units += Math.round(uniform(random, 0.3, 2.5) * 1000) / 1000;
    units = Math.round(units * 1000) / 1000;
    total += units;
    history.push({ date: addDays(TODAY, -daysAgo), units, stockout: false, promoted: false });
  }
  return { history, mean: total / history.length };
}

function flatModel(level: number): DemandModel {
  return { method: "smooth", level, weekly: [1, 1, 1, 1, 1, 1, 1], uplift: 1.8, upliftSource: "default", size: 20, daysUsed: 56 };
}

const days: FutureDay[] = Array.from({ length: 28 }, (_, day) => ({ date: addDays(TODAY, day), promoted: false }));

describe("demand in fractions of a unit of measure (goods sold by weight)", () => {
  it("learns the level of pounds a day from fractional days, with a finite dispersion", () => {
    const { history, mean } = weighedHistory(7);
    const model = fitDemand(history, { defaultUplift: 1.8 });
    expect(model.level).toBeGreaterThan(mean * 0.8);
    expect(model.level).toBeLessThan(mean * 1.2);
    expect(Number.isFinite(model.size)).toBe(true);
    expect(model.size).toBeGreaterThan(0);
  });

  it("projects the run-out date from fractional stock exactly, and judges the chance on whole units of the measure", () => {
    const model = flatModel(2.5);
    const at = (onHand: number) => assessStockout({ today: TODAY, days, deliveries: [], model, onHand });
    // 2.5 lb a day: 7.4 lb lasts into the third day, 7.6 lb into the fourth
    expect(at(7.4).projectedStockoutDate).toBe(addDays(TODAY, 2));
    expect(at(7.6).projectedStockoutDate).toBe(addDays(TODAY, 3));
    // the run-out chain counts demand in whole pounds: 7.6 lb is judged as 7, never as more than is there
    const seven = at(7).probabilityWithinHorizon;
    expect(at(7.6).probabilityWithinHorizon).toBe(seven);
    const week = (onHand: number) =>
      assessStockout({ today: TODAY, days: days.slice(0, 4), deliveries: [], model, onHand }).probabilityWithinHorizon;
    expect(week(7.999)).toBe(week(7));
    expect(week(8)).toBeLessThan(week(7.999));
    // a shelf with a fraction of a pound left is not empty, and it runs out today or soon
    expect(at(0.4).daysOfCover).toBeCloseTo(0.16, 2);
    expect(at(0.4).probabilityWithinHorizon).toBeGreaterThan(0.99);
  });
});
