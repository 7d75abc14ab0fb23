/**
 * A deliberately simple forecaster with the service's signatures, so that the simulation and the scoring can be tested
 * without depending on the real model: level = mean of the last 28 ordinary days, flat week, the prior's default
 * uplift, Poisson noise, and normal-approximation risks.
 */
import type { DayForecast, DayRecord, DemandModel, DemandPrior, FutureDay, StockoutRisk, StockoutRiskInput } from "../../src/forecast/forecast-types.js";
import type { Forecaster } from "../../src/backtest/shelf-simulation.js";

function fitDemand(history: DayRecord[], prior: DemandPrior): DemandModel {
  let sum = 0;
  let days = 0;
  for (let i = history.length - 1; i >= 0 && days < 28; i--) {
    const record = history[i]!;
    if (record.stockout || record.promoted) continue;
    sum += record.units;
    days++;
  }
  return {
    method: "smooth",
    level: days > 0 ? sum / days : 0,
    weekly: [1, 1, 1, 1, 1, 1, 1],
    uplift: prior.defaultUplift,
    upliftSource: "default",
    size: Infinity,
    daysUsed: days,
  };
}

function meanOf(model: DemandModel, day: FutureDay): number {
  return model.level * (day.promoted ? model.uplift : 1);
}

function forecastDays(model: DemandModel, days: FutureDay[]): DayForecast[] {
  return days.map((day) => {
    const mean = meanOf(model, day);
    return { date: day.date, promoted: day.promoted, mean, low: Math.max(0, mean - 1.28 * Math.sqrt(mean)), high: mean + 1.28 * Math.sqrt(mean) };
  });
}

/** P(N > stock) for N ~ normal(mean, mean), with a continuity correction */
function exceedance(mean: number, stock: number): number {
  if (mean <= 0) return stock < 0 ? 1 : 0;
  const z = (stock + 0.5 - mean) / Math.sqrt(mean);
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes erfcc, relative error < 1.2e-7
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

function assessStockout(input: StockoutRiskInput): StockoutRisk {
  const { model, days, onHand, deliveries } = input;
  const nextDelivery = deliveries.map((d) => d.date).sort()[0];
  let cumulative = 0;
  let stock = onHand;
  let beforeDelivery: number | null = null;
  let beforePromotionEnd: number | null = null;
  let projectedStockoutDate: string | null = null;
  const projectedStock: Array<{ date: string; expected: number }> = [];
  for (const day of days) {
    for (const delivery of deliveries) if (delivery.date === day.date) stock += delivery.quantity;
    if (day.date === nextDelivery && beforeDelivery === null) beforeDelivery = exceedance(cumulative, onHand);
    cumulative += meanOf(model, day);
    if (projectedStockoutDate === null && cumulative > stock) projectedStockoutDate = day.date;
    if (day.date === input.promotionEnd) beforePromotionEnd = exceedance(cumulative, stock);
    projectedStock.push({ date: day.date, expected: Math.max(0, stock - cumulative) });
  }
  const daily = model.level > 0 ? model.level : 0;
  return {
    projectedStockoutDate,
    daysOfCover: daily > 0 ? onHand / daily : Infinity,
    probabilityBeforePromotionEnd: input.promotionEnd === undefined ? null : beforePromotionEnd,
    probabilityBeforeNextDelivery: beforeDelivery,
    probabilityWithinHorizon: exceedance(cumulative, stock),
    quantityToLastPromotion: null,
    projectedStock,
  };
}

export const flatForecaster: Forecaster = { fitDemand, forecastDays, assessStockout };
