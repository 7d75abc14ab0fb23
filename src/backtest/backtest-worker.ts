/** A worker thread of the backtest: runs the series it is sent through the service's forecast code (and the oracle, for a series that carries its true demand). */
import { parentPort, workerData } from "node:worker_threads";
import type { UpliftEvidence } from "../forecast/forecast-types.js";
import type { BacktestSeries } from "./backtest-input.js";
import { backtestSeries, upliftEvidenceOf, type BacktestParameters, type SeriesOutcome } from "./run-backtest.js";
import { serviceForecaster } from "./service-forecaster.js";
import type { UpliftPrior } from "./shelf-simulation.js";

export interface WorkerSetup {
  dates: string[];
  params: BacktestParameters;
}

/** "evidence": the first pass (what each fit learned of the item's promotions); "backtest": the second, with priors */
export type WorkerRequest =
  | { task: "evidence"; series: BacktestSeries[] }
  | { task: "backtest"; series: BacktestSeries[]; upliftPriors: Array<Array<UpliftPrior | null>> };
export type WorkerReply = { evidence: Array<Array<UpliftEvidence | null>> } | { outcomes: SeriesOutcome[] } | { error: string };

const { dates, params } = workerData as WorkerSetup;
const port = parentPort;
if (port === null) throw new Error("backtest-worker runs as a worker thread");

// the pool terminates the worker once every result is in
port.on("message", (request: WorkerRequest) => {
  try {
    if (request.task === "evidence") {
      const evidence = request.series.map((series) => upliftEvidenceOf(series, dates, params, serviceForecaster));
      port.postMessage({ evidence } satisfies WorkerReply);
    } else {
      const outcomes = request.series.map((series, i) => backtestSeries(series, dates, params, serviceForecaster, request.upliftPriors[i]));
      port.postMessage({ outcomes } satisfies WorkerReply);
    }
  } catch (error) {
    port.postMessage({ error: (error as Error).stack ?? String(error) } satisfies WorkerReply);
  }
});
