import { describe, expect, it } from "vitest";
import { consecutiveDates } from "../../src/backtest/calendar-days.js";
import { createOracleForecaster, truthDayIndex } from "../../src/backtest/oracle-forecaster.js";
import { assessStockout, assessStockoutOfDemand, expectedUnits, fitDemand } from "../../src/forecast/index.js";
import type { DemandModel, FutureDay, StockoutRiskInput } from "../../src/forecast/forecast-types.js";

const dates = consecutiveDates("2025-03-01", 21);
/** a made-up truth: a different mean every day, so that no day can be confused with another */
const means = Float64Array.from(dates, (_, d) => 2 + d * 0.5 + (d % 7 === 3 ? 6 : 0));
const truth = { mean: means, size: 3 };
const oracle = createOracleForecaster(truth, dates);
const futureDays = (from: number, count: number): FutureDay[] => consecutiveDates(dates[0]!, from + count).slice(from).map((date) => ({ date, promoted: false }));

describe("truthDayIndex", () => {
  it("is the day itself within the data, and the same weekday of the last week past its end", () => {
    expect(truthDayIndex(0, 21)).toBe(0);
    expect(truthDayIndex(20, 21)).toBe(20);
    expect(truthDayIndex(21, 21)).toBe(14);
    expect(truthDayIndex(27, 21)).toBe(20);
    expect(truthDayIndex(28, 21)).toBe(14);
    expect(truthDayIndex(30, 5)).toBe(2);
  });
});

describe("the oracle forecaster", () => {
  it("forecasts exactly the given means for the days asked, whatever history it is fitted on", () => {
    const model = oracle.fitDemand([{ date: "2025-02-28", units: 1000, stockout: false, promoted: true }], { defaultUplift: 1.8 });
    const forecast = oracle.forecastDays(model, futureDays(5, 10));
    expect(forecast.map((day) => day.mean)).toEqual(Array.from(means.slice(5, 15)));
    expect(forecast.map((day) => day.date)).toEqual(dates.slice(5, 15));
    for (const day of forecast) {
      expect(day.low).toBeLessThanOrEqual(day.mean);
      expect(day.high).toBeGreaterThanOrEqual(day.mean);
    }
    // past the data's end: the same weekday of the last week
    expect(oracle.forecastDays(model, futureDays(22, 2)).map((day) => day.mean)).toEqual([means[15], means[16]]);
  });

  it("assesses the risk with the service's computation on the true means and size, with no estimation error", () => {
    const input: Omit<StockoutRiskInput, "model"> = {
      today: dates[4]!,
      onHand: 30,
      days: futureDays(4, 12),
      deliveries: [{ date: dates[9]!, quantity: 20 }],
    };
    const risk = oracle.assessStockout({ ...input, model: oracle.fitDemand([], { defaultUplift: 1.8 }) });
    expect(risk).toEqual(assessStockoutOfDemand(input, { means: means.slice(4, 16), size: 3, levelCv: 0, upliftCv: 0 }));
    expect(risk.probabilityBeforeNextDelivery).toBeGreaterThan(0.05);
    expect(risk.probabilityBeforeNextDelivery).toBeLessThan(0.95);
  });

  it("agrees with assessStockout on a model whose forecast is the truth: the same risk code", () => {
    // a flat truth is what a model with no uncertainty, a flat week and this level forecasts
    const flat = createOracleForecaster({ mean: new Float64Array(dates.length).fill(4), size: 5 }, dates);
    const model: DemandModel = { method: "smooth", level: 4, weekly: [1, 1, 1, 1, 1, 1, 1], uplift: 2, upliftSource: "default", size: 5, daysUsed: 100 };
    const input: StockoutRiskInput = { today: dates[2]!, onHand: 25, model, days: futureDays(2, 14), deliveries: [{ date: dates[8]!, quantity: 12 }] };
    expect(flat.assessStockout(input)).toEqual(assessStockout(input));
  });
});

describe("assessStockoutOfDemand", () => {
  it("is what assessStockout computes from a fitted model's means, size and uncertainty", () => {
    const history = dates.map((date, d) => ({ date, units: [3, 5, 2, 6, 4][d % 5]!, stockout: false, promoted: d === 10 || d === 11 }));
    const model = fitDemand(history, { defaultUplift: 1.8 });
    const days = consecutiveDates("2025-03-22", 14).map((date, d) => ({ date, promoted: d >= 5 && d < 9 }));
    const input = { today: days[0]!.date, onHand: 20, days, deliveries: [{ date: days[6]!.date, quantity: 15 }], promotionEnd: days[8]!.date };
    // the refactor must carry the model's uncertainty over, not only its means
    expect(model.levelCv).toBeGreaterThan(0);
    const forecastMeans = days.map((day) => expectedUnits(model, day));
    expect(assessStockout({ ...input, model })).toEqual(
      assessStockoutOfDemand(input, { means: forecastMeans, size: model.size, levelCv: model.levelCv ?? 0, upliftCv: model.upliftCv ?? 0 }),
    );
  });
});
