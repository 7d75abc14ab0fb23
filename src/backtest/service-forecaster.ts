/** The forecast code the service runs, behind the backtest's Forecaster shape. */
import { assessStockout, fitDemand, forecastDays } from "../forecast/index.js";
import type { Forecaster } from "./shelf-simulation.js";

export const serviceForecaster: Forecaster = {
  // fitDemand takes options beyond the contract; the backtest uses its defaults, as the sweep does
  fitDemand: (history, prior) => fitDemand(history, prior),
  forecastDays,
  assessStockout,
};
