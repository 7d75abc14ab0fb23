/** One series through the simulated shelf and the scoring, and the summary over all series. Pure and synchronous. */
import { poolUplifts } from "../forecast/index.js";
import type { StockoutRisk, UpliftEvidence } from "../forecast/forecast-types.js";
import type { BacktestSeries } from "./backtest-input.js";
import { forecastErrorSums, scoreWarnings, summariseMethod, type ForecastErrorSums, type MethodMetrics, type WarningScore } from "./backtest-metrics.js";
import { METHODS, simulateSeries, type Forecaster, type Method, type SimulationParameters, type UpliftPrior } from "./shelf-simulation.js";

export interface BacktestParameters extends SimulationParameters {
  /** an event counts as warned only by an episode that started at least this many days before it */
  minWarningDays: number;
  /** score alerts over horizons extended to the end of a promotion within them (see backtest-metrics.ts) */
  extendHorizonToPromotionEnd: boolean;
}

export interface SeriesOutcome {
  store: string;
  sku: string;
  scores: Record<Method, WarningScore>;
  forecastErrors: { shelfwatch: ForecastErrorSums; trailingAverage: ForecastErrorSums };
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
  const score = (method: Method) =>
    scoreWarnings({
      alerts: simulation.alerts[method],
      stockout: simulation.stockout,
      promoted: series.promoted,
      from,
      horizonDays: params.horizonDays,
      minWarningDays: params.minWarningDays,
      extendToPromotionEnd: params.extendHorizonToPromotionEnd,
    });
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
    scoredDays: dates.length - from,
    stockoutDays,
    promotedDays,
    fits: simulation.fits,
  };
}

export interface BacktestReport {
  methods: Record<Method, MethodMetrics>;
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

export function summariseBacktest(outcomes: readonly SeriesOutcome[], stores: number): BacktestReport {
  const scoredDays = outcomes.reduce((max, o) => Math.max(max, o.scoredDays), 0);
  const itemDays = outcomes.reduce((sum, o) => sum + o.scoredDays, 0);
  const storeDays = stores * scoredDays;
  const methods = {} as Record<Method, MethodMetrics>;
  for (const method of METHODS) {
    // the baselines' implied forecast is the trailing average they alert on
    const errors = outcomes.map((o) => (method === "shelfwatch" ? o.forecastErrors.shelfwatch : o.forecastErrors.trailingAverage));
    methods[method] = summariseMethod(
      outcomes.map((o) => o.scores[method]),
      errors,
      storeDays,
    );
  }
  const events = outcomes.reduce((sum, o) => sum + o.scores.shelfwatch.events, 0);
  const advertisedEvents = outcomes.reduce((sum, o) => sum + o.scores.shelfwatch.advertised.events, 0);
  return {
    methods,
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
