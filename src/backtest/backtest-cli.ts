/** `npm run backtest`: replay a sales file against a simulated shelf and score Shelfwatch's alerts against two baselines. */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { z } from "zod";
import { applyItemsCsv, applyPromotionsCsv, applyStockoutHoursCsv, applyTruthCsv, BacktestInputError, parseSalesCsv, type BacktestInput } from "./backtest-input.js";
import { integerFlag, numberFlag, pathFlag, readCommandLine } from "./cli-arguments.js";
import { renderBacktestJson, renderBacktestTable, type ReportContext } from "./backtest-report.js";
import { runBacktest } from "./parallel-backtest.js";
import { firstScoredDay, summariseBacktest, type BacktestParameters, type BacktestReport } from "./run-backtest.js";
import type { Forecaster } from "./shelf-simulation.js";

/** the thresholds --threshold-sweep scores the alert rule at */
export const SWEEP_THRESHOLDS: readonly number[] = Array.from({ length: 19 }, (_, i) => (5 + 5 * i) / 100);

export const BACKTEST_USAGE = `usage: npm run backtest -- --sales FILE [--promotions FILE] [--items FILE] [--json] [options]

Replays daily demand (sales.csv: date,store,sku,units[,advertised]) against a simulated shelf and scores the stockout
alerts of Shelfwatch (the service's own forecast and risk code) against a reorder-point and a days-of-cover alert.
Days missing from the file count as zero units. Promoted days come from the advertised column and the promotions file
(promotion_id,name,sku,store,start_date,end_date[,uplift]; store "*" = every store; the uplift column is not used).
Categories come from the items file (sku,category[,...]; npm run generate writes items.csv); without it, all items of
a store form one category.

The shelf (knows nothing of promotions): every --review-days (on a fixed weekday per item and store) order up to
  S = trailing --window-days average daily sales × (review + lead) + z·σ·√(review + lead), at least --min-stock units,
  z = Φ⁻¹(--service-level); the order lands --lead-days later before opening. Sales are capped at the stock; demand
  above it is lost and the day is a stockout day (censored in the history the model sees).
Alerts, each morning while there is stock:
  Shelfwatch     P(stockout before the decision window ends, or before the promotion's end) ≥ --threshold (at least
                 0.9 while the promotion is more than 4 days away, as the sweep opens promotion alerts), from fitDemand
                 (refitted every --refit-days on the history so far, its uplift shrunk toward the uplift pooled over
                 the store's items of its category at that refit, as the sweep does) and assessShelfRisk (on hand, the
                 receipts the ledger's pattern expects, inferred from the receipts that landed so far as the service
                 infers them, the orders placed with --known-orders placed, the promotion calendar). The decision
                 window ends the day before the first delivery that an order placed today (landing --lead-days later)
                 would not beat. The shelf opens after --window-days, so that the ledger shows receipts by the time
                 alerts start after the warm-up.
  reorder point  on hand ≤ trailing average × lead + z_rop·σ·√lead, z_rop = Φ⁻¹(--rop-service-level)
  days of cover  on hand ÷ trailing average < review + lead
Scoring (the same for every method): an episode runs from the morning an alert starts to the morning it stops or the
stockout that ends it. Recall: stockout events (first day of a run of stockout days) with an episode that started
≥ --min-warning-days before and was still open or within its horizon. Precision: episodes followed by a stockout
within their horizon (--horizon-days from the start, extended to the end of a promotion running within them, unless
--plain-horizon). Advertised: events on promoted days, episodes whose horizon includes one. MASE: the 7-day-ahead
forecast (Shelfwatch's model; the baselines' trailing average) against seasonal naive (lag 7), mean over series.
Calibration: Shelfwatch's (and the oracle's) probability each assessed morning, in bands of 0.1, against the share of
those mornings with a stockout day from that morning to the end of the window the probability was about (the day before
the next delivery lands, or the promotion's last day); mornings whose window runs past the data are left out.

With --truth (truth.csv of npm run generate -- --truth: date,store,sku,mean,size), a fourth method, the oracle: the
same risk computation and alert rule as Shelfwatch on the same shelf, fed with the distribution each day's demand was
drawn from instead of the fitted model; what the rule could score with a perfect forecast. With --threshold-sweep,
Shelfwatch (and the oracle) are also scored at thresholds ${SWEEP_THRESHOLDS.slice(0, 2).map((t) => t.toFixed(2)).join(", ")}, …, ${SWEEP_THRESHOLDS.at(-1)!.toFixed(2)}.

  --sales FILE               sales file (required)
  --promotions FILE          promotions file
  --items FILE               items file: each SKU's category
  --truth FILE               truth file: add the oracle
  --stockout-hours FILE      the retailer's record of empty shelves (date,store,sku,oos_hours): a day empty for at
                             least --stockout-min-hours is censored in the history the model sees, as the service's
                             ledger marks a day on which on hand reached zero
  --stockout-min-hours H     hours empty that censor a day                            default 12
  --threshold-sweep          also score the alert rule at other thresholds
  --json                     print {"methods": {"shelfwatch": M, "reorderPoint": M, "daysOfCover": M},
                             "calibration": {"shelfwatch": [band, ...]}} only ("oracle" in both with --truth;
                             "thresholdSweep": [...] with --threshold-sweep)
  --review-days N            days between orders                                      default 7
  --lead-days N              days from order to shelf                                 default 3
  --service-level P          the shelf's cycle service level (gives 1-3% short days)  default 0.97
  --window-days N            trailing window of averages and σ                        default 28
  --min-stock N              smallest order-up-to level (presentation stock)          default 2
  --threshold P              Shelfwatch's alert probability                           default 0.5
  --horizon-days N           days an alert looks ahead                                default 14
  --plain-horizon            do not extend horizons to a promotion's end
  --min-warning-days N       warning needed before a stockout to count                default = --lead-days
  --warmup-days N            days of history before the shelf starts                  default 56
  --refit-days N             days between refits of each series' model                default 7
  --rop-service-level P      the reorder-point baseline's safety-stock level          default 0.9
  --default-uplift X         promotion uplift for items without promotion history     default 1.8
  --known-orders none|placed what Shelfwatch knows of the shelf's orders: none, only the receipts the ledger shows
                             (most stores); placed, also the orders placed and not landed (a store that loads its
                             purchase orders)                                         default none
  --workers N                worker threads                                           default min(2, cores)
  -h, --help                 this text
`;

/** the input files of one run */
const fileFlags = {
  sales: { type: "string" },
  promotions: { type: "string" },
  items: { type: "string" },
  truth: { type: "string" },
  "stockout-hours": { type: "string" },
} as const;

/** everything else: how the shelf, the alerts and the scoring run, and the output (npm run backtest:real passes them on) */
export const BACKTEST_OPTION_FLAGS = {
  "threshold-sweep": { type: "boolean" },
  json: { type: "boolean" },
  "review-days": { type: "string" },
  "lead-days": { type: "string" },
  "service-level": { type: "string" },
  "window-days": { type: "string" },
  "min-stock": { type: "string" },
  threshold: { type: "string" },
  "horizon-days": { type: "string" },
  "plain-horizon": { type: "boolean" },
  "min-warning-days": { type: "string" },
  "warmup-days": { type: "string" },
  "refit-days": { type: "string" },
  "rop-service-level": { type: "string" },
  "default-uplift": { type: "string" },
  workers: { type: "string" },
  "known-orders": { type: "string" },
  "stockout-min-hours": { type: "string" },
} as const;

const flags = { ...fileFlags, ...BACKTEST_OPTION_FLAGS };

const probability = numberFlag(0, 1, { inclusive: false });

export const backtestOptions = z.object({
  "threshold-sweep": z.boolean().default(false),
  json: z.boolean().default(false),
  "review-days": integerFlag(1, 90).default(7),
  "lead-days": integerFlag(0, 90).default(3),
  "service-level": probability.default(0.97),
  "window-days": integerFlag(2, 365).default(28),
  "min-stock": integerFlag(0, 1_000_000).default(2),
  threshold: numberFlag(0, 1).default(0.5),
  "horizon-days": integerFlag(1, 365).default(14),
  "plain-horizon": z.boolean().default(false),
  "min-warning-days": integerFlag(0, 365).optional(),
  "warmup-days": integerFlag(7, 3650).default(56),
  "refit-days": integerFlag(1, 365).default(7),
  "rop-service-level": probability.default(0.9),
  "default-uplift": numberFlag(0.1, 100).default(1.8),
  workers: integerFlag(1, 64).default(Math.min(2, availableParallelism())),
  "known-orders": z.enum(["none", "placed"], { error: 'must be "none" or "placed"' }).default("none"),
  // more than half the day empty: fresh goods often sell out in the last hours, which says little of the day's demand
  "stockout-min-hours": numberFlag(0, 24).default(12),
});

/** the refinement every schema built on backtestOptions needs: `.refine(...HORIZON_COVERS_ORDER_CYCLE)` */
type OrderCycleFlags = { "horizon-days": number; "review-days": number; "lead-days": number };
export const HORIZON_COVERS_ORDER_CYCLE: [(a: OrderCycleFlags) => boolean, { error: string; path: string[] }] = [
  (a) => a["horizon-days"] >= a["review-days"] + a["lead-days"],
  { error: "must cover at least one order cycle (review days + lead days)", path: ["horizon-days"] },
];

const backtestArguments = z
  .object({
    sales: pathFlag("sales"),
    promotions: z.string().min(1, { error: "must not be empty" }).optional(),
    items: z.string().min(1, { error: "must not be empty" }).optional(),
    truth: z.string().min(1, { error: "must not be empty" }).optional(),
    "stockout-hours": z.string().min(1, { error: "must not be empty" }).optional(),
    ...backtestOptions.shape,
  })
  .refine(...HORIZON_COVERS_ORDER_CYCLE);

export type BacktestArguments = z.infer<typeof backtestArguments>;

export interface BacktestCliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal: show progress */
  progress?: boolean;
  /** use this forecaster in this thread instead of the service's (tests) */
  forecaster?: Forecaster;
}

export function toBacktestParameters(args: BacktestArguments): BacktestParameters {
  return {
    reviewDays: args["review-days"],
    leadDays: args["lead-days"],
    serviceLevel: args["service-level"],
    windowDays: args["window-days"],
    minStock: args["min-stock"],
    warmupDays: args["warmup-days"],
    refitDays: args["refit-days"],
    threshold: args.threshold,
    horizonDays: args["horizon-days"],
    ropServiceLevel: args["rop-service-level"],
    defaultUplift: args["default-uplift"],
    knownOrders: args["known-orders"],
    minWarningDays: args["min-warning-days"] ?? args["lead-days"],
    extendHorizonToPromotionEnd: !args["plain-horizon"],
    ...(args["threshold-sweep"] ? { sweepThresholds: SWEEP_THRESHOLDS } : {}),
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new BacktestInputError(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function readBacktestInput(args: BacktestArguments, params: BacktestParameters): BacktestInput {
  const input = parseSalesCsv(readText(args.sales, "sales file"), args.sales);
  if (args.promotions !== undefined) applyPromotionsCsv(input, readText(args.promotions, "promotions file"), args.promotions);
  if (args.items !== undefined) applyItemsCsv(input, readText(args.items, "items file"), args.items);
  if (args.truth !== undefined) applyTruthCsv(input, readText(args.truth, "truth file"), args.truth);
  const stockoutHours = args["stockout-hours"];
  if (stockoutHours !== undefined) applyStockoutHoursCsv(input, readText(stockoutHours, "stockout-hours file"), args["stockout-min-hours"], stockoutHours);
  const scoredFrom = firstScoredDay(params, input.dates.length);
  if (input.dates.length - scoredFrom < params.horizonDays + params.minWarningDays) {
    throw new BacktestInputError(`${args.sales} covers ${input.dates.length} days; it needs more than the ${scoredFrom}-day warm-up plus a horizon`);
  }
  return input;
}

export interface BacktestRun {
  input: BacktestInput;
  report: BacktestReport;
  /** what the table says besides the report */
  context: ReportContext;
}

/**
 * Reads the run's files and takes every series through the shelf and the scoring (progress on io.err when
 * io.progress). Throws a BacktestInputError when a file cannot be read or covers too few days.
 */
export async function backtestFiles(args: BacktestArguments, io: BacktestCliIo): Promise<BacktestRun> {
  const started = performance.now();
  const params = toBacktestParameters(args);
  const input = readBacktestInput(args, params);
  let lastShown = 0;
  const onProgress = io.progress
    ? (done: number, total: number) => {
        const now = performance.now();
        if (done < total && now - lastShown < 250) return;
        lastShown = now;
        io.err(`\rbacktest: ${done}/${total} series (${Math.round((100 * done) / total)}%), ${((now - started) / 1000).toFixed(0)} s${done === total ? "\n" : ""}`);
      }
    : undefined;
  const outcomes = await runBacktest(input, params, { workers: args.workers, ...(io.forecaster ? { forecaster: io.forecaster } : {}), ...(onProgress ? { onProgress } : {}) });
  return {
    input,
    report: summariseBacktest(outcomes, input.stores.length, params.sweepThresholds),
    context: {
      params,
      firstScoredDate: input.dates[firstScoredDay(params, input.dates.length)]!,
      lastDate: input.dates.at(-1)!,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

/** Returns the exit status: 0, 1 for bad input files, 2 for a bad command line. */
export async function runBacktestCli(argv: string[], io: BacktestCliIo): Promise<number> {
  const line = readCommandLine("backtest", BACKTEST_USAGE, io, argv, flags, backtestArguments);
  if ("status" in line) return line.status;
  const args = line.values;

  let run: BacktestRun;
  try {
    run = await backtestFiles(args, io);
  } catch (error) {
    if (!(error instanceof BacktestInputError)) throw error;
    io.err(`backtest: ${error.message}\n`);
    return 1;
  }
  io.out(args.json ? renderBacktestJson(run.report) : renderBacktestTable(run.report, run.context));
  return 0;
}
