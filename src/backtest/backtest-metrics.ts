/**
 * How well alerts warned of stockouts, the same definitions for every method. Days are indexes into a series.
 *
 * - A stockout event is the first day of a run of stockout days.
 * - An alert episode starts on a morning the method's condition holds when it did not the morning before (or a
 *   stockout closed the previous episode), and ends on the last morning in a row that it holds, or on the stockout day
 *   that closes it.
 * - The horizon of an alert that starts on day s is the `horizonDays` days from s on (s included), extended to the
 *   last day of the first promotion that runs within them: the promotion calendar is known ahead, and an alert about
 *   an advertised item is about running out before its promotion ends. The horizon depends on the day and the
 *   calendar only, so it is the same for every method. With `extendToPromotionEnd: false` it is the plain
 *   `horizonDays`.
 * - An event is warned when an episode started at least `minWarningDays` before it and was still open on the event's
 *   day (closed by it) or the event fell within the episode's horizon. Its warning lead time is the event's day minus
 *   the start of the latest such episode.
 * - An episode is a true alert when a stockout day follows within its horizon; only episodes whose horizon lies
 *   within the data are judged.
 * - Advertised: an event on a promoted day; an episode whose horizon includes a promoted day.
 * - MASE: absolute error of the forecast made 7 days ahead over that of the seasonal naive forecast of the same day
 *   (the demand of the same weekday a week before: the last one known 7 days ahead), per series, averaged over the
 *   series whose naive error is not zero.
 */

export interface Episode {
  start: number;
  /** inclusive */
  end: number;
}

export function alertEpisodes(alerts: ArrayLike<number>, stockout: ArrayLike<number>, from = 0, to = alerts.length): Episode[] {
  const episodes: Episode[] = [];
  let open = -1;
  for (let d = from; d < to; d++) {
    if (alerts[d] === 1 && open < 0) open = d;
    if (open < 0) continue;
    if (stockout[d] === 1) {
      episodes.push({ start: open, end: d });
      open = -1;
    } else if (alerts[d] !== 1) {
      episodes.push({ start: open, end: d - 1 });
      open = -1;
    }
  }
  if (open >= 0) episodes.push({ start: open, end: to - 1 });
  return episodes;
}

export function stockoutEvents(stockout: ArrayLike<number>, from = 0, to = stockout.length): number[] {
  const events: number[] = [];
  for (let d = from; d < to; d++) if (stockout[d] === 1 && (d === 0 || stockout[d - 1] !== 1)) events.push(d);
  return events;
}

export interface WarningCounts {
  events: number;
  warned: number;
  /** episodes judged for precision (horizon within the data) */
  judgedEpisodes: number;
  trueEpisodes: number;
}

export interface WarningScore extends WarningCounts {
  /** every episode started in the scored days */
  episodes: number;
  /** warning lead time of each warned event */
  leadDays: number[];
  advertised: WarningCounts;
}

export interface WarningScoreInput {
  alerts: ArrayLike<number>;
  stockout: ArrayLike<number>;
  promoted: ArrayLike<number>;
  /** first scored day (the end of the warm-up) */
  from: number;
  /** one past the last day */
  to?: number;
  horizonDays: number;
  minWarningDays: number;
  /** extend an alert's horizon to the end of a promotion within it (default true) */
  extendToPromotionEnd?: boolean;
}

/**
 * The last day of the horizon of an alert starting on each day (see above): Int32Array indexed by day, values may lie
 * beyond the data's end.
 */
export function alertHorizonEnds(promoted: ArrayLike<number>, horizonDays: number, length = promoted.length, extendToPromotionEnd = true): Int32Array {
  const ends = new Int32Array(length);
  if (!extendToPromotionEnd) {
    for (let d = 0; d < length; d++) ends[d] = d + horizonDays - 1;
    return ends;
  }
  // walking backwards: the first promoted day from d on, and the last day of its run
  let nextPromoted = Number.POSITIVE_INFINITY;
  let nextRunEnd = -1;
  for (let d = length - 1; d >= 0; d--) {
    if (promoted[d] === 1) {
      if (d + 1 >= length || promoted[d + 1] !== 1) nextRunEnd = d;
      nextPromoted = d;
    }
    const plain = d + horizonDays - 1;
    ends[d] = nextPromoted <= plain ? Math.max(plain, nextRunEnd) : plain;
  }
  return ends;
}

export function scoreWarnings(input: WarningScoreInput): WarningScore {
  const { alerts, stockout, promoted, from, to = alerts.length, horizonDays, minWarningDays } = input;
  const episodes = alertEpisodes(alerts, stockout, from, to);
  const horizonEnd = alertHorizonEnds(promoted, horizonDays, to, input.extendToPromotionEnd ?? true);
  const score: WarningScore = {
    events: 0,
    warned: 0,
    judgedEpisodes: 0,
    trueEpisodes: 0,
    episodes: episodes.length,
    leadDays: [],
    advertised: { events: 0, warned: 0, judgedEpisodes: 0, trueEpisodes: 0 },
  };

  // events that no method could have warned of in time (right after the warm-up) are not scored
  for (const event of stockoutEvents(stockout, from + minWarningDays, to)) {
    const advertised = promoted[event] === 1;
    score.events++;
    if (advertised) score.advertised.events++;
    let latestStart = -1;
    for (const episode of episodes) {
      if (episode.start > event - minWarningDays) break;
      if (episode.end >= event || event <= horizonEnd[episode.start]!) latestStart = episode.start;
    }
    if (latestStart < 0) continue;
    score.warned++;
    score.leadDays.push(event - latestStart);
    if (advertised) score.advertised.warned++;
  }

  for (const episode of episodes) {
    const last = horizonEnd[episode.start]!;
    if (last >= to) continue;
    let followed = false;
    let advertised = false;
    for (let d = episode.start; d <= last; d++) {
      if (stockout[d] === 1) followed = true;
      if (promoted[d] === 1) advertised = true;
    }
    score.judgedEpisodes++;
    if (followed) score.trueEpisodes++;
    if (advertised) {
      score.advertised.judgedEpisodes++;
      if (followed) score.advertised.trueEpisodes++;
    }
  }
  return score;
}

export interface ForecastErrorSums {
  absoluteError: number;
  naiveAbsoluteError: number;
  days: number;
}

/** Sums of |demand − forecast| and |demand − demand a week before| over the days that have a forecast. */
export function forecastErrorSums(demand: ArrayLike<number>, forecast: ArrayLike<number>, from: number, to = demand.length): ForecastErrorSums {
  const sums: ForecastErrorSums = { absoluteError: 0, naiveAbsoluteError: 0, days: 0 };
  for (let d = Math.max(from, 7); d < to; d++) {
    const predicted = forecast[d]!;
    if (Number.isNaN(predicted)) continue;
    sums.absoluteError += Math.abs(demand[d]! - predicted);
    sums.naiveAbsoluteError += Math.abs(demand[d]! - demand[d - 7]!);
    sums.days++;
  }
  return sums;
}

/** mean over series of their MASE; series whose naive forecast never erred are left out */
export function meanAbsoluteScaledError(series: readonly ForecastErrorSums[]): number {
  let total = 0;
  let count = 0;
  for (const sums of series) {
    if (!(sums.naiveAbsoluteError > 0)) continue;
    total += sums.absoluteError / sums.naiveAbsoluteError;
    count++;
  }
  return count === 0 ? Number.NaN : total / count;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface ClassificationMetrics {
  recall: number;
  precision: number;
  f1: number;
}

export interface MethodMetrics extends ClassificationMetrics {
  medianLeadDays: number;
  alertsPerStoreDay: number;
  mase: number;
  advertised: ClassificationMetrics;
}

/** 0 when there is nothing to divide by (no events, or no alerts) */
function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : 0;
}

export function classification(counts: WarningCounts): ClassificationMetrics {
  const recall = ratio(counts.warned, counts.events);
  const precision = ratio(counts.trueEpisodes, counts.judgedEpisodes);
  return { recall, precision, f1: recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0 };
}

export function addWarningCounts(total: WarningCounts, more: WarningCounts): void {
  total.events += more.events;
  total.warned += more.warned;
  total.judgedEpisodes += more.judgedEpisodes;
  total.trueEpisodes += more.trueEpisodes;
}

/** One method's metrics over all series; `storeDays` = stores × scored days. */
export function summariseMethod(scores: readonly WarningScore[], errors: readonly ForecastErrorSums[], storeDays: number): MethodMetrics {
  const overall: WarningCounts = { events: 0, warned: 0, judgedEpisodes: 0, trueEpisodes: 0 };
  const advertised: WarningCounts = { events: 0, warned: 0, judgedEpisodes: 0, trueEpisodes: 0 };
  let episodes = 0;
  const leadDays: number[] = [];
  for (const score of scores) {
    addWarningCounts(overall, score);
    addWarningCounts(advertised, score.advertised);
    episodes += score.episodes;
    for (const lead of score.leadDays) leadDays.push(lead);
  }
  return {
    ...classification(overall),
    medianLeadDays: median(leadDays),
    alertsPerStoreDay: ratio(episodes, storeDays),
    mase: meanAbsoluteScaledError(errors),
    advertised: classification(advertised),
  };
}

/** Calibration bands of the alert probability: [0, 0.1), [0.1, 0.2), …, [0.9, 1.0]. */
export const CALIBRATION_BANDS = 10;

/** Per band: mornings, the sum of their probabilities, and how many of them ran out within their window. */
export interface CalibrationCounts {
  mornings: number[];
  predictedSum: number[];
  ranOut: number[];
}

export function emptyCalibrationCounts(): CalibrationCounts {
  return { mornings: new Array(CALIBRATION_BANDS).fill(0), predictedSum: new Array(CALIBRATION_BANDS).fill(0), ranOut: new Array(CALIBRATION_BANDS).fill(0) };
}

export interface CalibrationInput {
  /** each morning's probability of running out (NaN: not assessed) */
  probability: ArrayLike<number>;
  /** the last day of the window each morning's probability was about */
  windowEnd: ArrayLike<number>;
  stockout: ArrayLike<number>;
  /** first scored day (the end of the warm-up) */
  from: number;
  /** one past the last day */
  to?: number;
}

/**
 * Each assessed morning from `from` on, in the band of its probability; it ran out when a stockout day falls between
 * it and the end of its window (both included). As with alert episodes, only mornings whose window lies within the
 * data are judged: one that runs past the last day cannot be said not to have run out.
 */
export function calibrationCounts(input: CalibrationInput): CalibrationCounts {
  const { probability, windowEnd, stockout, from, to = probability.length } = input;
  const counts = emptyCalibrationCounts();
  // the first stockout day from each day on (`to`: none)
  const nextStockout = new Int32Array(to + 1).fill(to);
  for (let d = to - 1; d >= 0; d--) nextStockout[d] = stockout[d] === 1 ? d : nextStockout[d + 1]!;
  for (let t = from; t < to; t++) {
    const p = probability[t]!;
    const end = windowEnd[t]!;
    if (!Number.isFinite(p) || end < t || end >= to) continue;
    const band = Math.min(CALIBRATION_BANDS - 1, Math.max(0, Math.floor(p * CALIBRATION_BANDS)));
    counts.mornings[band]!++;
    counts.predictedSum[band]! += p;
    if (nextStockout[t]! <= end) counts.ranOut[band]!++;
  }
  return counts;
}

export function addCalibrationCounts(total: CalibrationCounts, more: CalibrationCounts): void {
  for (let band = 0; band < CALIBRATION_BANDS; band++) {
    total.mornings[band]! += more.mornings[band]!;
    total.predictedSum[band]! += more.predictedSum[band]!;
    total.ranOut[band]! += more.ranOut[band]!;
  }
}

export interface CalibrationBand {
  /** the band is [low, high), the last one [0.9, 1.0] */
  low: number;
  high: number;
  mornings: number;
  /** NaN when the band has no mornings */
  meanPredicted: number;
  /** the share of its mornings that ran out within their window (NaN when none) */
  observed: number;
}

/** The reliability table over series: counts summed, then each band's mean probability and observed share. */
export function summariseCalibration(series: readonly CalibrationCounts[]): CalibrationBand[] {
  const total = emptyCalibrationCounts();
  for (const counts of series) addCalibrationCounts(total, counts);
  return total.mornings.map((mornings, band) => ({
    low: band / CALIBRATION_BANDS,
    high: (band + 1) / CALIBRATION_BANDS,
    mornings,
    meanPredicted: mornings > 0 ? total.predictedSum[band]! / mornings : Number.NaN,
    observed: mornings > 0 ? total.ranOut[band]! / mornings : Number.NaN,
  }));
}
