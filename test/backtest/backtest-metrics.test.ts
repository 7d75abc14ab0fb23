import { describe, expect, it } from "vitest";
import {
  alertEpisodes,
  alertHorizonEnds,
  calibrationCounts,
  classification,
  forecastErrorSums,
  meanAbsoluteScaledError,
  median,
  scoreWarnings,
  stockoutEvents,
  summariseCalibration,
  summariseMethod,
} from "../../src/backtest/backtest-metrics.js";

/** a 0/1 day array of `length` with ones on the given days */
function days(length: number, ones: number[]): Uint8Array {
  const array = new Uint8Array(length);
  for (const d of ones) array[d] = 1;
  return array;
}

describe("alertEpisodes and stockoutEvents", () => {
  it("starts an episode when the alert starts and ends it when the alert stops or a stockout closes it", () => {
    const alerts = days(12, [1, 2, 3, 4, 5, 6, 7, 8, 10]);
    const stockout = days(12, [5, 9]);
    expect(alertEpisodes(alerts, stockout)).toEqual([
      { start: 1, end: 5 },
      // the shelf was empty on the morning of day 9: the episode still runs to the stockout that closes it
      { start: 6, end: 9 },
      { start: 10, end: 10 },
    ]);
  });

  it("runs an open episode to the stockout day that closes it, even when the shelf was empty that morning", () => {
    expect(alertEpisodes(days(6, [1, 2]), days(6, [3]))).toEqual([{ start: 1, end: 3 }]);
    expect(alertEpisodes(days(6, [1, 2, 3]), days(6, [3]))).toEqual([{ start: 1, end: 3 }]);
  });

  it("counts the first day of each run of stockout days as an event", () => {
    expect(stockoutEvents(days(12, [2, 3, 4, 7, 10, 11]))).toEqual([2, 7, 10]);
    expect(stockoutEvents(days(12, [2, 3, 4, 7, 10, 11]), 3)).toEqual([7, 10]);
  });
});

describe("scoreWarnings", () => {
  // events on days 10 (a two-day run), 20 and 28; a promotion on days 26-29
  const stockout = days(30, [10, 11, 20, 28]);
  const promoted = days(30, [26, 27, 28, 29]);
  // episode A 6-10 (closed by the stockout), B 19-20 (one day before its stockout), C 23-24 (no stockout in 14 days)
  const alerts = days(30, [6, 7, 8, 9, 10, 19, 23, 24]);
  const base = { alerts, stockout, promoted, from: 0, horizonDays: 5, minWarningDays: 2 };

  it("scores recall, precision and lead time with plain horizons", () => {
    const score = scoreWarnings({ ...base, extendToPromotionEnd: false });
    expect(score.episodes).toBe(3);
    // event 10 warned by A (4 days ahead); 20: B started only 1 day before; 28: C's horizon 23-27 ended before it
    expect(score.events).toBe(3);
    expect(score.warned).toBe(1);
    expect(score.leadDays).toEqual([4]);
    // A and B are followed by a stockout within 5 days, C is not
    expect(score.judgedEpisodes).toBe(3);
    expect(score.trueEpisodes).toBe(2);
    const metrics = classification(score);
    expect(metrics.recall).toBeCloseTo(1 / 3);
    expect(metrics.precision).toBeCloseTo(2 / 3);
    expect(metrics.f1).toBeCloseTo(4 / 9);
    // the advertised event (28) was not warned; C's horizon touches the promotion but no stockout followed within it
    expect(score.advertised).toEqual({ events: 1, warned: 0, judgedEpisodes: 1, trueEpisodes: 0 });
    expect(classification(score.advertised)).toEqual({ recall: 0, precision: 0, f1: 0 });
  });

  it("extends a horizon that reaches a promotion to the promotion's last day", () => {
    expect(Array.from(alertHorizonEnds(promoted, 5)).slice(20, 30)).toEqual([24, 25, 29, 29, 29, 29, 30, 31, 32, 33]);
    const score = scoreWarnings(base);
    // C (23) now covers the promotion to day 29: it warned of event 28, 5 days ahead, and was followed by it
    expect(score.warned).toBe(2);
    expect(score.leadDays).toEqual([4, 5]);
    expect(score.trueEpisodes).toBe(3);
    expect(classification(score).f1).toBeCloseTo((2 * (2 / 3) * 1) / (2 / 3 + 1));
    expect(score.advertised).toEqual({ events: 1, warned: 1, judgedEpisodes: 1, trueEpisodes: 1 });
  });

  it("counts an episode still open at the event as a warning, however long ago it started", () => {
    const score = scoreWarnings({
      alerts: days(30, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      stockout: days(30, [12]),
      promoted: days(30, []),
      from: 0,
      horizonDays: 5,
      minWarningDays: 2,
    });
    expect(score.warned).toBe(1);
    expect(score.leadDays).toEqual([12]);
    // but as an alert it was not followed by a stockout within its horizon
    expect(score.trueEpisodes).toBe(0);
  });

  it("does not judge episodes whose horizon runs past the data, nor score events inside the warm-up", () => {
    const score = scoreWarnings({
      alerts: days(20, [1, 17]),
      stockout: days(20, [4, 12]),
      promoted: days(20, []),
      from: 3,
      horizonDays: 5,
      minWarningDays: 2,
    });
    // the episode on day 1 lies in the warm-up; day 4's event is within minWarningDays of its end
    expect(score.episodes).toBe(1);
    expect(score.judgedEpisodes).toBe(0);
    expect(score.events).toBe(1);
  });
});

describe("forecast accuracy", () => {
  it("scales the absolute error by the seasonal naive (lag 7) error", () => {
    const demand = [1, 2, 3, 4, 5, 6, 7, 2, 2, 4, 4, 6, 6, 8];
    const forecast = [...Array(7).fill(Number.NaN), 2, 2, 3, 4, 5, 6, 7];
    const sums = forecastErrorSums(demand, forecast, 0);
    expect(sums).toEqual({ absoluteError: 3, naiveAbsoluteError: 4, days: 7 });
    expect(meanAbsoluteScaledError([sums])).toBeCloseTo(0.75);
    // mean over series, leaving out those whose naive error is zero
    expect(
      meanAbsoluteScaledError([sums, { absoluteError: 1, naiveAbsoluteError: 2, days: 7 }, { absoluteError: 5, naiveAbsoluteError: 0, days: 7 }]),
    ).toBeCloseTo(0.625);
  });

  it("takes the median of odd and even counts", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("summariseMethod", () => {
  it("pools the counts over series and rates the episodes per store-day", () => {
    const one = scoreWarnings({ alerts: days(30, [5, 6]), stockout: days(30, [8]), promoted: days(30, []), from: 0, horizonDays: 5, minWarningDays: 2 });
    const two = scoreWarnings({ alerts: days(30, [2, 12]), stockout: days(30, [20]), promoted: days(30, []), from: 0, horizonDays: 5, minWarningDays: 2 });
    const metrics = summariseMethod([one, two], [{ absoluteError: 1, naiveAbsoluteError: 2, days: 1 }], 2 * 30);
    expect(metrics.recall).toBeCloseTo(1 / 2);
    expect(metrics.precision).toBeCloseTo(1 / 3);
    expect(metrics.medianLeadDays).toBe(3);
    expect(metrics.alertsPerStoreDay).toBeCloseTo(3 / 60);
    expect(metrics.mase).toBeCloseTo(0.5);
  });
});

describe("calibration", () => {
  // days 0-1 are the warm-up; stockouts on days 5 and 9; the data ends at day 12
  const stockout = days(12, [5, 9]);
  const unassessed = Number.NaN;

  it("counts a morning as ran out when a stockout day falls between it and its window's end, and not when it falls after", () => {
    const probability = [0.9, 0.9, 0.35, 0.35, 0.35, unassessed, 0.35, 0.35, 0.35, unassessed, 0.35, 0.35];
    const windowEnd = [4, 4, 5, 4, 6, -1, 8, 7, 9, -1, 11, 12];
    const counts = calibrationCounts({ probability, windowEnd, stockout, from: 2 });
    // day 2: its window ends on the stockout day (5); day 3: ends the day before it; day 4: includes it
    // day 6: ends on 8, the stockout (9) comes after; day 7 likewise; day 8: ends on 9
    // day 10: no stockout through 11; day 11: its window runs past the data, not judged
    expect(counts.mornings[3]).toBe(7);
    expect(counts.ranOut[3]).toBe(3);
    expect(counts.predictedSum[3]).toBeCloseTo(7 * 0.35);
    // the warm-up's mornings and the unassessed ones are not counted
    expect(counts.mornings.reduce((sum, n) => sum + n, 0)).toBe(7);
  });

  it("puts each probability in its band: [0, 0.1), [0.1, 0.2), …, [0.9, 1.0]", () => {
    const probability = [0, 0.0999, 0.1, 0.1999, 0.5, 0.8999, 0.9, 1];
    const counts = calibrationCounts({ probability, windowEnd: probability.map((_, t) => t), stockout: new Uint8Array(8), from: 0 });
    expect(counts.mornings).toEqual([2, 2, 0, 0, 0, 1, 0, 0, 1, 2]);
    expect(counts.predictedSum[9]).toBeCloseTo(1.9);
    expect(counts.ranOut).toEqual(new Array(10).fill(0));
  });

  it("sums the counts over series before taking each band's mean probability and observed share", () => {
    const first = calibrationCounts({ probability: [0.72, 0.78], windowEnd: [0, 1], stockout: [1, 0], from: 0 });
    const second = calibrationCounts({ probability: [0.75, 0.05], windowEnd: [0, 1], stockout: [1, 0], from: 0 });
    const bands = summariseCalibration([first, second]);
    expect(bands.map((band) => [band.low, band.high])).toEqual(Array.from({ length: 10 }, (_, i) => [i / 10, (i + 1) / 10]));
    expect(bands[7]!.mornings).toBe(3);
    expect(bands[7]!.meanPredicted).toBeCloseTo(0.75);
    expect(bands[7]!.observed).toBeCloseTo(2 / 3);
    expect(bands[0]).toMatchObject({ mornings: 1, observed: 0 });
    expect(bands[0]!.meanPredicted).toBeCloseTo(0.05);
    expect(bands[4]!.mornings).toBe(0);
    expect(bands[4]!.meanPredicted).toBeNaN();
    expect(bands[4]!.observed).toBeNaN();
  });
});
