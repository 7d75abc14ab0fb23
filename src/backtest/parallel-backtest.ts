/**
 * Runs every series through the backtest, on worker threads when there is more than one core to use. Series go out in
 * small batches from one queue, so a worker that drew the fast series takes more of them.
 */
import { Worker } from "node:worker_threads";
import type { BacktestInput, BacktestSeries } from "./backtest-input.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./backtest-worker.js";
import { backtestSeries, type BacktestParameters, type SeriesOutcome } from "./run-backtest.js";
import type { Forecaster } from "./shelf-simulation.js";

export interface BacktestRunOptions {
  /** worker threads; 1 runs in this thread */
  workers: number;
  /** in this thread, with this forecaster instead of the service's (tests) */
  forecaster?: Forecaster;
  onProgress?: (seriesDone: number, seriesTotal: number) => void;
}

const BATCH_SIZE = 8;

export async function runBacktest(input: BacktestInput, params: BacktestParameters, options: BacktestRunOptions): Promise<SeriesOutcome[]> {
  const total = input.series.length;
  const workers = Math.max(1, Math.min(options.workers, Math.ceil(total / BATCH_SIZE)));
  if (options.forecaster !== undefined || workers === 1) {
    const forecaster = options.forecaster ?? (await import("./service-forecaster.js")).serviceForecaster;
    const outcomes: SeriesOutcome[] = [];
    for (const series of input.series) {
      outcomes.push(backtestSeries(series, input.dates, params, forecaster));
      options.onProgress?.(outcomes.length, total);
    }
    return outcomes;
  }
  return runOnWorkers(input, params, workers, options.onProgress);
}

/**
 * The worker. Under tsx the TypeScript source is loaded through tsx's loader, registered inside the worker (Node 20
 * does not carry the parent's --import hooks into workers); compiled JavaScript starts directly.
 */
function startWorker(workerData: WorkerSetup): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./backtest-worker.js", import.meta.url), { workerData });
  const source = new URL("./backtest-worker.ts", import.meta.url).href;
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function runOnWorkers(
  input: BacktestInput,
  params: BacktestParameters,
  workerCount: number,
  onProgress: BacktestRunOptions["onProgress"],
): Promise<SeriesOutcome[]> {
  const total = input.series.length;
  const outcomes = new Array<SeriesOutcome>(total);
  let nextSeries = 0;
  let done = 0;
  const setup: WorkerSetup = { dates: input.dates, params };

  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const worker of workers) void worker.terminate();
      reject(error);
    };
    let running = workerCount;
    for (let w = 0; w < workerCount; w++) {
      const worker = startWorker(setup);
      workers.push(worker);
      let batchStart = 0;
      const sendBatch = () => {
        if (nextSeries >= total) {
          worker.postMessage({ done: true } satisfies WorkerRequest);
          return;
        }
        batchStart = nextSeries;
        const batch: BacktestSeries[] = input.series.slice(nextSeries, nextSeries + BATCH_SIZE);
        nextSeries += batch.length;
        worker.postMessage({ series: batch } satisfies WorkerRequest);
      };
      worker.on("message", (reply: WorkerReply) => {
        if ("error" in reply) {
          fail(new Error(`backtest worker failed: ${reply.error}`));
          return;
        }
        reply.outcomes.forEach((outcome, i) => (outcomes[batchStart + i] = outcome));
        done += reply.outcomes.length;
        onProgress?.(done, total);
        sendBatch();
      });
      worker.on("error", fail);
      worker.on("exit", (code) => {
        if (failed) return;
        if (code !== 0) {
          fail(new Error(`backtest worker exited with code ${code}`));
          return;
        }
        running--;
        if (running === 0) resolve(outcomes);
      });
      sendBatch();
    }
  });
}
