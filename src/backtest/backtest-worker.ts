/** A worker thread of the backtest: runs the series it is sent through the service's forecast code. */
import { parentPort, workerData } from "node:worker_threads";
import type { BacktestSeries } from "./backtest-input.js";
import { backtestSeries, type BacktestParameters, type SeriesOutcome } from "./run-backtest.js";
import { serviceForecaster } from "./service-forecaster.js";

export interface WorkerSetup {
  dates: string[];
  params: BacktestParameters;
}

export type WorkerRequest = { series: BacktestSeries[] } | { done: true };
export type WorkerReply = { outcomes: SeriesOutcome[] } | { error: string };

const { dates, params } = workerData as WorkerSetup;
const port = parentPort;
if (port === null) throw new Error("backtest-worker runs as a worker thread");

port.on("message", (request: WorkerRequest) => {
  if ("done" in request) {
    port.close();
    return;
  }
  try {
    const outcomes = request.series.map((series) => backtestSeries(series, dates, params, serviceForecaster));
    port.postMessage({ outcomes } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({ error: (error as Error).stack ?? String(error) } satisfies WorkerReply);
  }
});
