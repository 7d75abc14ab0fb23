/**
 * One series through the simulated shelf and the scoring, and the summary over all series. Pure and synchronous.
 *
 * A series that carries its true demand (a truth file) is also run with the oracle: the same shelf, the same risk
 * computation and alert rule as Shelfwatch, fed with that demand instead of the fitted model. With `sweepThresholds`,
 * Shelfwatch (and the oracle) are also scored as if they had alerted at each of those thresholds.
 */
import { poolUplifts } from "../forecast/index.js";
import type { StockoutRisk, UpliftEvidence } from "../forecast/forecast-types.js";
import type { BacktestSeries } from "./backtest-input.js";
import {
  calibrationCounts,
  forecastErrorSums,
  scoreWarnings,
  summariseCalibration,
  summariseMethod,
  type CalibrationBand,
  type CalibrationCounts,
  type ForecastErrorSums,
  type MethodMetrics,
  type WarningScore,
} from "./backtest-metrics.js";
import { createOracleForecaster } from "./oracle-forecaster.js";
import { alertsAtThreshold, METHODS, simulateSeries, type Forecaster, type Method, type SeriesSimulation, type SimulationParameters, type UpliftPrior } from "./shelf-simulation.js";

export interface BacktestParameters extends SimulationParameters {
  /** an event counts as warned only by an episode that started at least this many days before it */
  minWarningDays: number;
  /** score alerts over horizons extended to the end of a promotion within them (see backtest-metrics.ts) */
  extendHorizonToPromotionEnd: boolean;
  /** also score Shelfwatch's rule (and the oracle's) at each of these thresholds; absent or empty: not */
  sweepThresholds?: readonly number[];
}

/** The methods that run the service's alert rule on a risk: their alerts can be re-scored at other thresholds. */
export type RiskMethod = "shelfwatch" | "oracle";

export interface SeriesOutcome {
  store: string;
  sku: string;
  scores: Record<Method, WarningScore>;
  forecastErrors: { shelfwatch: ForecastErrorSums; trailingAverage: ForecastErrorSums };
  /** Shelfwatch's probabilities by band against the mornings that ran out within their window */
  calibration: CalibrationCounts;
  /** present when the series carries its true demand */
  oracle?: { score: WarningScore; forecastErrors: ForecastErrorSums; calibration: CalibrationCounts };
  /** scores at params.sweepThresholds[i], when asked for */
  thresholdSweep?: { shelfwatch: WarningScore[]; oracle?: WarningScore[] };
  /** scored days (after the warm-up) and how many of them were stockout days */
  scoredDays: number;
  stockoutDays: number;
  promotedDays: number;
  fits: number;
}

export function firstScoredDay(params: BacktestParameters, days: number): number {
  return Math.min(days, Math.max(params.warmupDays, params.windowDays));
}

/** A risk nobody reads: the evidence pass needs the fits only, and the shelf does not depend on the alerts. */
const UNASSESSED: StockoutRisk = {
  projectedStockoutDate: null,
  daysOfCover: 0,
  probabilityBeforePromotionEnd: null,
  probabilityBeforeNextDelivery: null,
  probabilityWithinHorizon: 0,
  quantityToLastPromotion: null,
  projectedStock: [],
};

/**
 * What each fit of a series' model learned from the item's own promotions (null where too few to learn from), index
 * k = the k-th refit. Every series is refitted on the same days, so the k-th fits of a store's items can be pooled.
 */
export function upliftEvidenceOf(series: BacktestSeries, dates: string[], params: BacktestParameters, forecaster: Forecaster): Array<UpliftEvidence | null> {
  const evidence: Array<UpliftEvidence | null> = [];
  simulateSeries(series, dates, params, {
    fitDemand: (history, prior) => {
      const model = forecaster.fitDemand(history, prior);
      evidence.push(model.upliftEvidence ?? null);
      return model;
    },
    forecastDays: forecaster.forecastDays,
    assessStockout: () => UNASSESSED,
    assessesRisk: false,
  });
  return evidence;
}

/**
 * The uplift prior of every series at every refit: its category's at its store (items without a category form one
 * group per store), pooled from the evidence of the group's items at that refit, as the sweep pools a store's items.
 */
export function categoryUpliftPriors(series: readonly BacktestSeries[], evidence: ReadonlyArray<ReadonlyArray<UpliftEvidence | null>>): Array<Array<UpliftPrior | null>> {
  const groups = new Map<string, number[]>();
  series.forEach((one, index) => {
    const key = `${one.store}\u0000${one.category ?? ""}`;
    const members = groups.get(key);
    if (members) members.push(index);
    else groups.set(key, [index]);
  });
  const priors = new Array<Array<UpliftPrior | null>>(series.length);
  for (const members of groups.values()) {
    const fits = Math.max(0, ...members.map((index) => evidence[index]?.length ?? 0));
    const pooled: Array<UpliftPrior | null> = [];
    for (let fit = 0; fit < fits; fit++) {
      pooled.push(poolUplifts(members.map((index) => ({ upliftEvidence: evidence[index]?.[fit] ?? undefined }))));
    }
    for (const index of members) priors[index] = pooled;
  }
  return priors;
}

export function backtestSeries(
  series: BacktestSeries,
  dates: string[],
  params: BacktestParameters,
  forecaster: Forecaster,
  upliftPriors: ReadonlyArray<UpliftPrior | null> = [],
): SeriesOutcome {
  const simulation = simulateSeries(series, dates, params, forecaster, upliftPriors);
  const from = firstScoredDay(params, dates.length);
  const scoreAlerts = (alerts: Uint8Array) =>
    scoreWarnings({
      alerts,
      stockout: simulation.stockout,
      promoted: series.promoted,
      from,
      horizonDays: params.horizonDays,
      minWarningDays: params.minWarningDays,
      extendToPromotionEnd: params.extendHorizonToPromotionEnd,
    });
  const score = (method: Method) => scoreAlerts(simulation.alerts[method]);
  const thresholds = params.sweepThresholds ?? [];
  const sweep = (run: SeriesSimulation) => thresholds.map((threshold) => scoreAlerts(alertsAtThreshold(run, threshold)));
  const calibrate = (run: SeriesSimulation) =>
    calibrationCounts({ probability: run.probability, windowEnd: run.probabilityWindowEnd, stockout: run.stockout, from });

  let oracle: SeriesOutcome["oracle"];
  let oracleSweep: WarningScore[] | undefined;
  if (series.truth !== undefined) {
    const oracleRun = simulateSeries(series, dates, params, createOracleForecaster(series.truth, dates));
    // the shelf knows nothing of the forecaster: both runs must see the same stockouts, or the comparison is void
    if (oracleRun.stockout.some((day, d) => day !== simulation.stockout[d])) {
      throw new Error(`oracle: the shelf of ${series.store}/${series.sku} differs from Shelfwatch's run`);
    }
    oracle = {
      score: scoreAlerts(oracleRun.alerts.shelfwatch),
      forecastErrors: forecastErrorSums(series.demand, oracleRun.forecast7.shelfwatch, from),
      calibration: calibrate(oracleRun),
    };
    if (thresholds.length > 0) oracleSweep = sweep(oracleRun);
  }
  let stockoutDays = 0;
  let promotedDays = 0;
  for (let d = from; d < dates.length; d++) {
    stockoutDays += simulation.stockout[d]!;
    promotedDays += series.promoted[d]!;
  }
  return {
    store: series.store,
    sku: series.sku,
    scores: { shelfwatch: score("shelfwatch"), reorderPoint: score("reorderPoint"), daysOfCover: score("daysOfCover") },
    forecastErrors: {
      shelfwatch: forecastErrorSums(series.demand, simulation.forecast7.shelfwatch, from),
      trailingAverage: forecastErrorSums(series.demand, simulation.forecast7.trailingAverage, from),
    },
    calibration: calibrate(simulation),
    ...(oracle ? { oracle } : {}),
    ...(thresholds.length > 0 ? { thresholdSweep: { shelfwatch: sweep(simulation), ...(oracleSweep ? { oracle: oracleSweep } : {}) } } : {}),
    scoredDays: dates.length - from,
    stockoutDays,
    promotedDays,
    fits: simulation.fits,
  };
}

/** One threshold of the sweep: each risk method's metrics had it alerted there. */
export interface ThresholdSweepRow {
  threshold: number;
  shelfwatch: MethodMetrics;
  oracle?: MethodMetrics;
}

export interface BacktestReport {
  /** `oracle` only when every series carried its true demand */
  methods: Record<Method, MethodMetrics> & { oracle?: MethodMetrics };
  /** only when thresholds were swept */
  thresholdSweep?: ThresholdSweepRow[];
  /** the reliability of each risk method's probabilities (the oracle's when it ran) */
  calibration: { shelfwatch: CalibrationBand[]; oracle?: CalibrationBand[] };
  series: number;
  stores: number;
  /** days per series after the warm-up */
  scoredDays: number;
  /** share of scored item-days that were stockout days (the replenishment policy's shortfall) */
  stockoutDayShare: number;
  stockoutEvents: number;
  advertisedStockoutEvents: number;
  promotedDayShare: number;
  fits: number;
}

export function summariseBacktest(outcomes: readonly SeriesOutcome[], stores: number, sweepThresholds: readonly number[] = []): BacktestReport {
  const scoredDays = outcomes.reduce((max, o) => Math.max(max, o.scoredDays), 0);
  const itemDays = outcomes.reduce((sum, o) => sum + o.scoredDays, 0);
  const storeDays = stores * scoredDays;
  const methods = {} as BacktestReport["methods"];
  for (const method of METHODS) {
    // the baselines' implied forecast is the trailing average they alert on
    const errors = outcomes.map((o) => (method === "shelfwatch" ? o.forecastErrors.shelfwatch : o.forecastErrors.trailingAverage));
    methods[method] = summariseMethod(
      outcomes.map((o) => o.scores[method]),
      errors,
      storeDays,
    );
  }
  const oracles = outcomes.map((o) => o.oracle);
  const everyOracle = outcomes.length > 0 && oracles.every((oracle) => oracle !== undefined);
  if (everyOracle) {
    methods.oracle = summariseMethod(
      oracles.map((oracle) => oracle!.score),
      oracles.map((oracle) => oracle!.forecastErrors),
      storeDays,
    );
  }
  let thresholdSweep: ThresholdSweepRow[] | undefined;
  if (sweepThresholds.length > 0) {
    // the sweep's forecast is the same at every threshold: its MASE is the one above
    const sweptMethod = (method: RiskMethod, index: number) =>
      summariseMethod(
        outcomes.map((o) => o.thresholdSweep![method]![index]!),
        [],
        storeDays,
      );
    const oracleSwept = everyOracle && outcomes.every((o) => o.thresholdSweep?.oracle !== undefined);
    thresholdSweep = sweepThresholds.map((threshold, index) => ({
      threshold,
      shelfwatch: sweptMethod("shelfwatch", index),
      ...(oracleSwept ? { oracle: sweptMethod("oracle", index) } : {}),
    }));
  }
  const calibration: BacktestReport["calibration"] = { shelfwatch: summariseCalibration(outcomes.map((o) => o.calibration)) };
  if (everyOracle) calibration.oracle = summariseCalibration(oracles.map((oracle) => oracle!.calibration));
  const events = outcomes.reduce((sum, o) => sum + o.scores.shelfwatch.events, 0);
  const advertisedEvents = outcomes.reduce((sum, o) => sum + o.scores.shelfwatch.advertised.events, 0);
  return {
    methods,
    ...(thresholdSweep ? { thresholdSweep } : {}),
    calibration,
    series: outcomes.length,
    stores,
    scoredDays,
    stockoutDayShare: itemDays > 0 ? outcomes.reduce((sum, o) => sum + o.stockoutDays, 0) / itemDays : 0,
    stockoutEvents: events,
    advertisedStockoutEvents: advertisedEvents,
    promotedDayShare: itemDays > 0 ? outcomes.reduce((sum, o) => sum + o.promotedDays, 0) / itemDays : 0,
    fits: outcomes.reduce((sum, o) => sum + o.fits, 0),
  };
}
