/**
 * The oracle: a forecaster that knows the distribution each day's demand was drawn from (the generator's truth file),
 * so nothing is left to estimate. It runs the service's risk computation on that demand, with no level or uplift error,
 * and the simulation applies Shelfwatch's alert rule to it; how it scores is the most any forecast could give that
 * rule under the backtest's scoring.
 *
 * Days past the data's end (the last assessments look beyond it) repeat the last week's demand of the same weekday.
 */
import { assessStockoutOfDemand, negBinomialQuantile } from "../forecast/index.js";
import type { DayForecast, DemandModel, FutureDay } from "../forecast/forecast-types.js";
import type { DemandTruth } from "./backtest-input.js";
import type { Forecaster } from "./shelf-simulation.js";

/** Index into `truth.mean` of a day `offset` days from the first date; days past the end map back by whole weeks. */
export function truthDayIndex(offset: number, days: number): number {
  if (offset < days) return offset;
  const weeksBack = Math.ceil((offset - days + 1) / 7);
  return Math.max(0, offset - 7 * weeksBack);
}

/** The oracle for one series: `dates` are the backtest's, `truth.mean` indexed as they are. */
export function createOracleForecaster(truth: DemandTruth, dates: readonly string[]): Forecaster {
  const dayOfDate = new Map(dates.map((date, day) => [date, day]));
  const firstDay = dates.length > 0 ? Date.parse(`${dates[0]}T00:00:00Z`) : 0;
  const meanOf = (day: FutureDay): number => {
    const known = dayOfDate.get(day.date);
    const offset = known ?? Math.round((Date.parse(`${day.date}T00:00:00Z`) - firstDay) / 86_400_000);
    return truth.mean[truthDayIndex(offset, dates.length)] ?? 0;
  };
  // nothing to learn: the model only carries the true size, for anything that reads one
  const model: DemandModel = { method: "smooth", level: 0, weekly: [1, 1, 1, 1, 1, 1, 1], uplift: 1, upliftSource: "default", size: truth.size, daysUsed: 0 };

  return {
    fitDemand: () => model,
    forecastDays: (_model, days): DayForecast[] =>
      days.map((day) => {
        const mean = meanOf(day);
        return { date: day.date, promoted: day.promoted, mean, low: negBinomialQuantile(0.1, mean, truth.size), high: negBinomialQuantile(0.9, mean, truth.size) };
      }),
    dailyMeans: (_model, days) => days.map(meanOf),
    assessStockout: (input) => {
      const means = new Float64Array(input.days.length);
      for (let t = 0; t < input.days.length; t++) means[t] = meanOf(input.days[t]!);
      return assessStockoutOfDemand(input, { means, size: truth.size, levelCv: 0, upliftCv: 0 });
    },
  };
}
