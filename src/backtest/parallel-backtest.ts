/**
 * Runs every series through the backtest, on worker threads when there is more than one core to use. Series go out in
 * small batches from one queue, so a worker that drew the fast series takes more of them.
 *
 * Two passes, because what a store's items learn of promotions is pooled by category before each refit (as the sweep
 * pools a store's items): the first fits every series' model at every refit and returns what each learned from its own
 * promotions; the second runs the shelf and the alerts with the pooled priors. The shelf does not depend on the
 * alerts, so both passes see the same histories.
 */
import { Worker } from "node:worker_threads";
import type { UpliftEvidence } from "../forecast/forecast-types.js";
import type { BacktestInput, BacktestSeries } from "./backtest-input.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./backtest-worker.js";
import { backtestSeries, categoryUpliftPriors, upliftEvidenceOf, type BacktestParameters, type SeriesOutcome } from "./run-backtest.js";
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
    const evidence = input.series.map((series) => upliftEvidenceOf(series, input.dates, params, forecaster));
    const priors = categoryUpliftPriors(input.series, evidence);
    const outcomes: SeriesOutcome[] = [];
    for (const [index, series] of input.series.entries()) {
      outcomes.push(backtestSeries(series, input.dates, params, forecaster, priors[index]));
      options.onProgress?.(outcomes.length, total);
    }
    return outcomes;
  }
  const pool = startPool({ dates: input.dates, params }, workers);
  try {
    const evidence = await pool.map<Array<UpliftEvidence | null>>(input.series, (_start, series) => ({ task: "evidence", series }));
    const priors = categoryUpliftPriors(input.series, evidence);
    return await pool.map<SeriesOutcome>(
      input.series,
      (start, series) => ({ task: "backtest", series, upliftPriors: priors.slice(start, start + series.length) }),
      options.onProgress,
    );
  } finally {
    await pool.close();
  }
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

interface WorkerPool {
  /** every series through the workers in batches, results in the series' order */
  map<T>(
    series: BacktestSeries[],
    request: (start: number, batch: BacktestSeries[]) => WorkerRequest,
    onProgress?: BacktestRunOptions["onProgress"],
  ): Promise<T[]>;
  close(): Promise<void>;
}

function startPool(setup: WorkerSetup, count: number): WorkerPool {
  const workers = Array.from({ length: count }, () => startWorker(setup));
  // one listener set per worker, routed to whichever pass is running
  let onReply: ((worker: number, reply: WorkerReply) => void) | null = null;
  let onFailure: ((error: Error) => void) | null = null;
  let failure: Error | null = null;
  let closing = false;
  const fail = (error: Error) => {
    if (closing) return;
    failure ??= error;
    onFailure?.(failure);
  };
  workers.forEach((worker, index) => {
    worker.on("message", (reply: WorkerReply) => onReply?.(index, reply));
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (code !== 0) fail(new Error(`backtest worker exited with code ${code}`));
    });
  });

  return {
    map<T>(series: BacktestSeries[], request: (start: number, batch: BacktestSeries[]) => WorkerRequest, onProgress?: BacktestRunOptions["onProgress"]) {
      const total = series.length;
      const results = new Array<T>(total);
      let next = 0;
      let done = 0;
      const batchStart = new Array<number>(workers.length).fill(0);
      return new Promise<T[]>((resolve, reject) => {
        if (failure) return reject(failure);
        if (total === 0) return resolve(results);
        let settled = false;
        const finish = (error: Error | null) => {
          if (settled) return;
          settled = true;
          onReply = null;
          onFailure = null;
          if (error) reject(error);
          else resolve(results);
        };
        const send = (index: number) => {
          if (next >= total) return;
          batchStart[index] = next;
          const batch = series.slice(next, next + BATCH_SIZE);
          next += batch.length;
          workers[index]!.postMessage(request(batchStart[index]!, batch));
        };
        onFailure = finish;
        onReply = (index, reply) => {
          if ("error" in reply) return finish(new Error(`backtest worker failed: ${reply.error}`));
          const values = ("outcomes" in reply ? reply.outcomes : reply.evidence) as T[];
          values.forEach((value, i) => (results[batchStart[index]! + i] = value));
          done += values.length;
          onProgress?.(done, total);
          if (done === total) finish(null);
          else send(index);
        };
        workers.forEach((_, index) => send(index));
      });
    },
    async close() {
      // every result is in (or a pass failed): nothing is left to wait for
      closing = true;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
