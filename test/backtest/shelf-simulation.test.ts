import { describe, expect, it } from "vitest";
import type { BacktestSeries } from "../../src/backtest/backtest-input.js";
import { scoreWarnings } from "../../src/backtest/backtest-metrics.js";
import { consecutiveDates } from "../../src/backtest/calendar-days.js";
import { generateDemoData } from "../../src/backtest/generate-data.js";
import { normalQuantile } from "../../src/forecast/special-functions.js";
import { alertsAtThreshold, reviewOffset, simulateSeries, type Forecaster, type SimulationParameters } from "../../src/backtest/shelf-simulation.js";
import type { DayRecord, DemandPrior, StockoutRisk } from "../../src/forecast/forecast-types.js";
import { flatForecaster } from "./flat-forecaster.js";

const params: SimulationParameters = {
  reviewDays: 7,
  leadDays: 3,
  serviceLevel: 0.97,
  windowDays: 28,
  minStock: 2,
  warmupDays: 28,
  refitDays: 7,
  threshold: 0.5,
  horizonDays: 14,
  ropServiceLevel: 0.9,
  defaultUplift: 2,
  knownOrders: "none",
};

/** 5 units a day, and 40 a day on the promoted days 70-74 */
function promotedSpike(): { series: BacktestSeries; dates: string[] } {
  const length = 100;
  const demand = new Float64Array(length).fill(5);
  const promoted = new Uint8Array(length);
  for (let d = 70; d < 75; d++) {
    demand[d] = 40;
    promoted[d] = 1;
  }
  return { series: { store: "S01", sku: "100001", demand, promoted }, dates: consecutiveDates("2025-03-01", length) };
}

describe("simulateSeries", () => {
  it("starts the shelf at the order-up-to level and refills it every review, lead days after the order", () => {
    const { series, dates } = promotedSpike();
    const simulation = simulateSeries(series, dates, params, flatForecaster);
    // steady 5 a day with no spread: S = 5 × (7 + 3)
    expect(simulation.onHand[28]).toBe(50);
    const offset = reviewOffset(series.store, series.sku, params.reviewDays);
    for (let t = 28; t < 99; t++) {
      const landed = simulation.onHand[t + 1]! - (simulation.onHand[t]! - simulation.sales[t]!);
      if (landed > 0) expect((t + 1 - params.leadDays) % params.reviewDays).toBe(offset);
      else expect(landed).toBe(0);
    }
  });

  it("caps sales at the stock on hand and records stockout days", () => {
    const { series, dates } = promotedSpike();
    const simulation = simulateSeries(series, dates, params, flatForecaster);
    for (let t = 0; t < 28; t++) {
      expect(simulation.sales[t]).toBe(series.demand[t]);
      expect(simulation.stockout[t]).toBe(0);
    }
    for (let t = 28; t < 100; t++) {
      const onHand = simulation.onHand[t]!;
      expect(simulation.sales[t]).toBe(Math.min(series.demand[t]!, onHand));
      expect(simulation.stockout[t]).toBe(onHand <= 0 || series.demand[t]! > onHand ? 1 : 0);
    }
    // the unannounced promotion empties the shelf; steady days before it do not
    expect(Array.from(simulation.stockout.slice(28, 70)).every((s) => s === 0)).toBe(true);
    expect(Array.from(simulation.stockout.slice(70, 76)).some((s) => s === 1)).toBe(true);
  });

  it("alerts only while there is stock, and Shelfwatch warns of the promotion's stockout ahead", () => {
    const { series, dates } = promotedSpike();
    const simulation = simulateSeries(series, dates, params, flatForecaster);
    for (let t = 0; t < 100; t++) {
      if (simulation.onHand[t]! > 0) continue;
      expect(simulation.alerts.shelfwatch[t]).toBe(0);
      expect(simulation.alerts.reorderPoint[t]).toBe(0);
      expect(simulation.alerts.daysOfCover[t]).toBe(0);
    }
    const score = scoreWarnings({ alerts: simulation.alerts.shelfwatch, stockout: simulation.stockout, promoted: series.promoted, from: 28, horizonDays: 14, minWarningDays: 3 });
    expect(score.advertised.events).toBe(1);
    expect(score.advertised.warned).toBe(1);
  });

  it("records the 7-day-ahead forecasts of the model and of the trailing average", () => {
    const { series, dates } = promotedSpike();
    const simulation = simulateSeries(series, dates, params, flatForecaster);
    expect(simulation.forecast7.shelfwatch[33]).toBeNaN();
    expect(simulation.forecast7.shelfwatch[34]).toBeCloseTo(5);
    expect(simulation.forecast7.trailingAverage[34]).toBeCloseTo(5);
    // the flat model knows the promotion and applies its default uplift
    expect(simulation.forecast7.shelfwatch[70]).toBeCloseTo(10);
    expect(simulation.forecast7.trailingAverage[70]).toBeCloseTo(5);
  });

  it("asks a promotion more than 4 days away for a near-certain run-out, as the sweep does", () => {
    const { series, dates } = promotedSpike();
    /** the flat model, with a fixed chance of running out before the promotion ends */
    const certainTo = (probability: number): Forecaster => ({
      ...flatForecaster,
      assessStockout: (input): StockoutRisk => ({
        ...flatForecaster.assessStockout(input),
        probabilityBeforeNextDelivery: 0,
        probabilityBeforeDecision: 0,
        probabilityBeforePromotionEnd: input.promotionEnd === undefined ? null : probability,
      }),
    });
    const alerted = (probability: number) => {
      const simulation = simulateSeries(series, dates, params, certainTo(probability));
      return Array.from({ length: 100 }, (_, t) => t).filter((t) => simulation.alerts.shelfwatch[t] === 1);
    };
    const onShelf = (from: number, to: number) => {
      const simulation = simulateSeries(series, dates, params, flatForecaster);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((t) => simulation.onHand[t]! > 0);
    };
    // likely, not near certain: from 4 days before the start (day 70) to its end (day 74)
    expect(alerted(0.7)).toEqual(onShelf(66, 74));
    // near certain: as soon as the promotion is within the 14 days the calendar is read ahead
    expect(alerted(0.95)).toEqual(onShelf(57, 74));
  });

  it("records each morning's probability and promotion lead, from which any threshold's alerts follow by the same rule", () => {
    const { series, dates } = promotedSpike();
    const simulation = simulateSeries(series, dates, params, flatForecaster);
    expect(Array.from(alertsAtThreshold(simulation, params.threshold))).toEqual(Array.from(simulation.alerts.shelfwatch));
    expect(simulation.promotionStartsIn[55]).toBe(-1);
    expect(simulation.promotionStartsIn[60]).toBe(10);
    // while it runs (on the mornings there is stock to assess)
    const running = [70, 71, 72, 73, 74].filter((t) => simulation.onHand[t]! > 0);
    expect(running.length).toBeGreaterThan(0);
    for (const t of running) expect(simulation.promotionStartsIn[t]).toBe(0);
    for (const threshold of [0.3, 0.7, 0.95]) {
      const other = simulateSeries(series, dates, { ...params, threshold }, flatForecaster);
      expect(Array.from(alertsAtThreshold(simulation, threshold))).toEqual(Array.from(other.alerts.shelfwatch));
    }
    // nothing is assessed in the warm-up or on an empty shelf, so nothing alerts there at any threshold
    expect(alertsAtThreshold(simulation, 0).slice(0, 28).every((alert) => alert === 0)).toBe(true);
  });

  it("records the window each probability was about: to the day before the first delivery an order placed that morning would not beat, or to the promotion's end", () => {
    const { series, dates } = promotedSpike();
    const simulation = simulateSeries(series, dates, params, flatForecaster);
    const landsOn = (d: number) => simulation.onHand[d]! > simulation.onHand[d - 1]! - simulation.sales[d - 1]!;
    let beforeDelivery = 0;
    let wholeHorizon = 0;
    for (let t = 28; t < 60; t++) {
      if (!(simulation.onHand[t]! > 0)) continue;
      // no promotion in view: the decision window is the one used
      const end = simulation.probabilityWindowEnd[t]!;
      expect(end).toBeGreaterThanOrEqual(t);
      if (end === t + params.horizonDays - 1) {
        // too few receipts yet to know when the next comes: the whole horizon
        wholeHorizon++;
        continue;
      }
      expect(end + 1).toBeGreaterThan(t + params.leadDays);
      expect(landsOn(end + 1)).toBe(true);
      for (let d = t + params.leadDays + 1; d <= end; d++) expect(landsOn(d)).toBe(false);
      beforeDelivery++;
    }
    // three receipts make a pattern: from the third week of the shelf on
    expect(wholeHorizon).toBeGreaterThan(5);
    expect(beforeDelivery).toBeGreaterThan(10);
    expect(Array.from(simulation.probabilityWindowEnd.slice(0, 28)).every((end) => end === -1)).toBe(true);

    // a promotion whose run-out is likelier than the next delivery's: the window runs to its last day (74)
    const promotionFirst: Forecaster = {
      ...flatForecaster,
      assessStockout: (input): StockoutRisk => ({
        ...flatForecaster.assessStockout(input),
        probabilityBeforeNextDelivery: 0.2,
        probabilityBeforeDecision: 0.2,
        probabilityBeforePromotionEnd: input.promotionEnd === undefined ? null : 0.6,
      }),
    };
    const promoted = simulateSeries(series, dates, params, promotionFirst);
    for (let t = 28; t < 75; t++) {
      if (!(promoted.onHand[t]! > 0)) continue;
      if (promoted.promotionStartsIn[t]! >= 0) expect(promoted.probabilityWindowEnd[t]).toBe(74);
      else expect(promoted.probabilityWindowEnd[t]).toBe(simulation.probabilityWindowEnd[t]);
    }
  });

  it("censors in the history the model sees the days the retailer recorded an empty shelf", () => {
    const { series, dates } = promotedSpike();
    const censored = new Uint8Array(dates.length);
    censored[10] = 1;
    censored[40] = 1;
    const histories: DayRecord[][] = [];
    const recording: Forecaster = {
      ...flatForecaster,
      fitDemand: (history, prior) => {
        histories.push(history);
        return flatForecaster.fitDemand(history, prior);
      },
    };
    const plain = simulateSeries(series, dates, params, flatForecaster);
    const simulation = simulateSeries({ ...series, censored }, dates, params, recording);
    const last = histories.at(-1)!;
    expect(last[10]).toMatchObject({ date: dates[10], stockout: true });
    expect(last[40]).toMatchObject({ date: dates[40], stockout: plain.stockout[40] === 1 || true });
    expect(last.filter((day, d) => day.stockout && plain.stockout[d] !== 1).map((day) => day.date)).toEqual([dates[10], dates[40]]);
    // the shelf itself does not change: the record says what the model may trust, not what sold
    expect(Array.from(simulation.sales)).toEqual(Array.from(plain.sales));
  });

  it("fits each refit's model with the uplift its category had learned by then", () => {
    const { series, dates } = promotedSpike();
    const priors: DemandPrior[] = [];
    const recording: Forecaster = {
      ...flatForecaster,
      fitDemand: (history, prior) => {
        priors.push(prior);
        return flatForecaster.fitDemand(history, prior);
      },
    };
    simulateSeries(series, dates, params, recording, [null, { categoryUplift: 2.6, categoryUpliftCv: 0.2 }]);
    expect(priors[0]).toEqual({ defaultUplift: 2 });
    expect(priors[1]).toEqual({ defaultUplift: 2, categoryUplift: 2.6, categoryUpliftCv: 0.2 });
    expect(priors[2]).toEqual({ defaultUplift: 2 });
    expect(priors).toHaveLength(Math.ceil((100 - 28) / params.refitDays));
  });

  it("keeps sales within demand and stock on generated data", () => {
    const data = generateDemoData({ stores: 2, items: 12, days: 200, seed: 5, start: "2025-01-01" });
    let stockoutDays = 0;
    for (const generated of data.series) {
      const series: BacktestSeries = { store: generated.store, sku: generated.sku, demand: Float64Array.from(generated.units), promoted: generated.advertised };
      const simulation = simulateSeries(series, data.dates, params, flatForecaster);
      for (let t = 28; t < 200; t++) {
        expect(simulation.sales[t]).toBeLessThanOrEqual(series.demand[t]!);
        expect(simulation.sales[t]).toBeLessThanOrEqual(simulation.onHand[t]!);
        expect(simulation.onHand[t]).toBeGreaterThanOrEqual(0);
        stockoutDays += simulation.stockout[t]!;
      }
    }
    expect(stockoutDays).toBeGreaterThan(0);
  });
});

describe("normalQuantile and reviewOffset", () => {
  it("inverts the normal distribution", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it("spreads review weekdays over the cycle, the same for the same store and SKU", () => {
    const offsets = new Set(Array.from({ length: 200 }, (_, i) => reviewOffset("S01", String(100_001 + i), 7)));
    expect(offsets.size).toBe(7);
    expect(reviewOffset("S02", "100005", 7)).toBe(reviewOffset("S02", "100005", 7));
  });
});
