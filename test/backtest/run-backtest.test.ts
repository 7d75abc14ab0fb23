import { describe, expect, it } from "vitest";
import type { BacktestSeries } from "../../src/backtest/backtest-input.js";
import { generateDemoData } from "../../src/backtest/generate-data.js";
import { backtestSeries, categoryUpliftPriors, summariseBacktest, upliftEvidenceOf, type BacktestParameters } from "../../src/backtest/run-backtest.js";
import { serviceForecaster } from "../../src/backtest/service-forecaster.js";
import { poolUplifts } from "../../src/forecast/demand-model.js";
import type { UpliftEvidence } from "../../src/forecast/forecast-types.js";
import { flatForecaster } from "./flat-forecaster.js";

const params: BacktestParameters = {
  reviewDays: 7,
  leadDays: 3,
  serviceLevel: 0.97,
  windowDays: 28,
  minStock: 2,
  warmupDays: 56,
  refitDays: 7,
  threshold: 0.5,
  horizonDays: 14,
  ropServiceLevel: 0.9,
  defaultUplift: 1.8,
  knownOrders: "none",
  minWarningDays: 3,
  extendHorizonToPromotionEnd: true,
};

function series(store: string, sku: string, category?: string): BacktestSeries {
  return { store, sku, demand: new Float64Array(0), promoted: new Uint8Array(0), ...(category !== undefined ? { category } : {}) };
}

const evidence = (uplift: number): UpliftEvidence => ({ logUplift: Math.log(uplift), variance: 0.02 });

describe("categoryUpliftPriors", () => {
  it("pools each refit's evidence over the items of one category at one store, and no further", () => {
    const all = [
      series("S01", "1", "snacks"),
      series("S01", "2", "snacks"),
      series("S01", "3", "snacks"),
      series("S01", "4", "dairy"),
      series("S02", "1", "snacks"),
      series("S02", "2", "snacks"),
      series("S02", "3", "snacks"),
    ];
    const learned = [
      // S01 snacks: nothing at the first refit, three items by the second
      [null, evidence(2)],
      [null, evidence(2.4)],
      [evidence(2.2), evidence(2.2)],
      [evidence(1.5), evidence(1.5)],
      // S02 snacks: promotions that did far more
      [evidence(3.5), evidence(3.5)],
      [evidence(3.6), evidence(3.6)],
      [evidence(3.4), evidence(3.4)],
    ];
    const priors = categoryUpliftPriors(all, learned);

    expect(priors[0]).toEqual([null, poolUplifts([evidence(2), evidence(2.4), evidence(2.2)].map((e) => ({ upliftEvidence: e })))]);
    expect(priors[1]).toBe(priors[0]);
    expect(priors[2]).toBe(priors[0]);
    // one dairy item is not a category to learn from
    expect(priors[3]).toEqual([null, null]);
    expect(priors[4]?.[0]?.categoryUplift).toBeGreaterThan(3.4);
    expect(priors[4]?.[0]?.categoryUplift).toBeLessThan(3.6);
    expect(priors[0]?.[1]?.categoryUplift).toBeLessThan(2.4);
  });

  it("pools the items of a store together when no category is known", () => {
    const all = [series("S01", "1"), series("S01", "2"), series("S01", "3"), series("S02", "1")];
    const priors = categoryUpliftPriors(all, [[evidence(2)], [evidence(2.5)], [evidence(3)], [evidence(9)]]);
    expect(priors[0]?.[0]?.categoryUplift).toBeGreaterThan(2);
    expect(priors[0]?.[0]?.categoryUplift).toBeLessThan(3);
    expect(priors[3]).toEqual([null]);
  });
});

describe("upliftEvidenceOf", () => {
  it("records what every refit of the model learned from the item's own promotions, the fits backtestSeries makes", () => {
    const data = generateDemoData({ stores: 1, items: 4, days: 365, seed: 8, start: "2025-01-01" });
    let learnedAny = false;
    for (const generated of data.series) {
      const one: BacktestSeries = { store: generated.store, sku: generated.sku, demand: Float64Array.from(generated.units), promoted: generated.advertised };
      const learned = upliftEvidenceOf(one, data.dates, params, serviceForecaster);
      expect(learned).toHaveLength(backtestSeries(one, data.dates, params, serviceForecaster).fits);
      for (const entry of learned) if (entry !== null) expect(entry.variance).toBeGreaterThan(0);
      learnedAny ||= learned.some((entry) => entry !== null);
    }
    expect(learnedAny).toBe(true);
  });
});

describe("the oracle and the threshold sweep", () => {
  const data = generateDemoData({ stores: 1, items: 6, days: 240, seed: 4, start: "2025-01-01" });
  const withTruth = data.series.map(
    (generated): BacktestSeries => ({
      store: generated.store,
      sku: generated.sku,
      demand: Float64Array.from(generated.units),
      promoted: generated.advertised,
      truth: { mean: generated.mean, size: generated.size },
    }),
  );
  const swept = { ...params, sweepThresholds: [0.3, 0.5, 0.9] };

  it("scores the oracle on the same shelf, and leaves the other methods' scores as they were", () => {
    for (const series of withTruth) {
      const { truth: _truth, ...plain } = series;
      const without = backtestSeries(plain, data.dates, params, flatForecaster);
      const outcome = backtestSeries(series, data.dates, params, flatForecaster);
      expect(without.oracle).toBeUndefined();
      expect(outcome.scores).toEqual(without.scores);
      expect(outcome.oracle).toBeDefined();
      // the same stockouts: the events the oracle is scored on are Shelfwatch's
      expect(outcome.oracle!.score.events).toBe(outcome.scores.shelfwatch.events);
      expect(outcome.oracle!.score.advertised.events).toBe(outcome.scores.shelfwatch.advertised.events);
      expect(outcome.oracle!.forecastErrors.days).toBe(outcome.forecastErrors.shelfwatch.days);
    }
  });

  it("sweeps thresholds for Shelfwatch and the oracle; the run's threshold gives the run's scores", () => {
    const outcomes = withTruth.map((series) => backtestSeries(series, data.dates, swept, flatForecaster));
    for (const outcome of outcomes) {
      expect(outcome.thresholdSweep?.shelfwatch).toHaveLength(3);
      expect(outcome.thresholdSweep!.shelfwatch[1]).toEqual(outcome.scores.shelfwatch);
      expect(outcome.thresholdSweep!.oracle![1]).toEqual(outcome.oracle!.score);
      // a lower threshold alerts on every morning a higher one does, and more
      expect(outcome.thresholdSweep!.oracle![0]!.warned).toBeGreaterThanOrEqual(outcome.thresholdSweep!.oracle![2]!.warned);
    }
    const report = summariseBacktest(outcomes, 1, swept.sweepThresholds);
    expect(report.methods.oracle).toBeDefined();
    expect(report.thresholdSweep?.map((row) => row.threshold)).toEqual([0.3, 0.5, 0.9]);
    expect(report.thresholdSweep![1]!.shelfwatch.advertised).toEqual(report.methods.shelfwatch.advertised);
    expect(report.thresholdSweep![1]!.oracle!.advertised).toEqual(report.methods.oracle!.advertised);
    expect(report.thresholdSweep![0]!.oracle!.alertsPerStoreDay).toBeGreaterThanOrEqual(report.thresholdSweep![2]!.oracle!.alertsPerStoreDay);
  });

  it("sums each series' calibration counts into the report's bands, the oracle's too", () => {
    const outcomes = withTruth.map((series) => backtestSeries(series, data.dates, params, flatForecaster));
    const report = summariseBacktest(outcomes, 1);
    for (const method of ["shelfwatch", "oracle"] as const) {
      const counts = outcomes.map((o) => (method === "shelfwatch" ? o.calibration : o.oracle!.calibration));
      const bands = report.calibration[method]!;
      expect(bands).toHaveLength(10);
      bands.forEach((band, i) => {
        expect(band.mornings).toBe(counts.reduce((sum, c) => sum + c.mornings[i]!, 0));
        if (band.mornings === 0) return;
        expect(band.meanPredicted).toBeGreaterThanOrEqual(band.low);
        expect(band.meanPredicted).toBeLessThanOrEqual(band.high);
        expect(band.observed).toBeCloseTo(counts.reduce((sum, c) => sum + c.ranOut[i]!, 0) / band.mornings);
      });
    }
    const mornings = report.calibration.shelfwatch.reduce((sum, band) => sum + band.mornings, 0);
    expect(mornings).toBeGreaterThan(0);
    expect(mornings).toBeLessThanOrEqual(outcomes.length * report.scoredDays);
  });

  it("reports no oracle unless every series carried its truth, and no sweep unless asked", () => {
    const outcomes = withTruth.map((series, i) => backtestSeries(i === 0 ? { ...series, truth: undefined } : series, data.dates, params, flatForecaster));
    const report = summariseBacktest(outcomes, 1);
    expect(report.methods.oracle).toBeUndefined();
    expect(report.thresholdSweep).toBeUndefined();
    expect(Object.keys(report.methods)).toEqual(["shelfwatch", "reorderPoint", "daysOfCover"]);
    expect(Object.keys(report.calibration)).toEqual(["shelfwatch"]);
  });
});
