/**
 * `npm run backtest:real`: the backtest on every real sales file in the shared data folder (`*_sales.csv`, by name), one
 * after another, with the same options for every file. The files are never part of the repository: the folder lies
 * beside it, and where it is absent or holds no sales file the command says so and skips.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { backtestFiles, backtestOptions, BACKTEST_OPTION_FLAGS, HORIZON_COVERS_ORDER_CYCLE, type BacktestCliIo, type BacktestRun } from "./backtest-cli.js";
import { BacktestInputError } from "./backtest-input.js";
import { backtestJson, renderBacktestTable } from "./backtest-report.js";
import { readCommandLine } from "./cli-arguments.js";

export const REAL_BACKTEST_USAGE = `usage: npm run backtest:real -- [--dir DIR] [--json] [options]

Runs the backtest (npm run backtest) on every *_sales.csv file in DIR, in name order, one after another: per file a
heading (file, series, days), the table of the methods side by side and the calibration table; then the total time.
DIR defaults to ../shared/data/real beside the repository (the real sales files, which the repository must not hold);
when it is absent or holds no sales file, the command says so on stderr and exits 0. A NAME_oos.csv beside
NAME_sales.csv is read as its --stockout-hours file (the retailer's record of empty shelves).

  --dir DIR        the folder of sales files                       default ../shared/data/real
  --json           print one object keyed by file name, each what npm run backtest -- --json prints
  every option of npm run backtest but its files (--sales, --promotions, --items, --truth, --stockout-hours) applies
  to every file:
  see npm run backtest -- --help
  -h, --help       this text
`;

const flags = { ...BACKTEST_OPTION_FLAGS, dir: { type: "string" } } as const;

const realBacktestArguments = backtestOptions.extend({ dir: z.string().min(1, { error: "must not be empty" }).optional() }).refine(...HORIZON_COVERS_ORDER_CYCLE);

export interface RealBacktestIo extends BacktestCliIo {
  /** the folder to read when --dir is not given */
  defaultDir: string;
}

/** the real data folder beside a repository: `../shared/data/real` from its root */
export function defaultRealDataDir(repoRoot: string): string {
  return resolve(repoRoot, "../shared/data/real");
}

/** The sales files in a folder, by name; null when the folder does not exist. */
export function realSalesFiles(dir: string): string[] | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
  return names.filter((name) => name.endsWith("_sales.csv")).sort();
}

/** Returns the exit status: 0 (also when there is nothing to run), 1 when a file could not be read, 2 for a bad command line. */
export async function runRealBacktestCli(argv: string[], io: RealBacktestIo): Promise<number> {
  const line = readCommandLine("backtest:real", REAL_BACKTEST_USAGE, io, argv, flags, realBacktestArguments);
  if ("status" in line) return line.status;
  const args = line.values;

  const { dir: dirFlag, ...options } = args;
  const dir = resolve(dirFlag ?? io.defaultDir);
  const files = realSalesFiles(dir);
  if (files === null || files.length === 0) {
    io.err(`backtest:real: ${files === null ? `${dir} does not exist` : `no *_sales.csv file in ${dir}`}; skipped\n`);
    return 0;
  }

  const started = performance.now();
  const reports: Record<string, ReturnType<typeof backtestJson>> = {};
  let status = 0;
  for (const [index, file] of files.entries()) {
    let run: BacktestRun;
    // the retailer's own record of empty shelves, where the data set has one (freshretail_oos.csv beside freshretail_sales.csv)
    const stockoutHours = file.replace(/_sales\.csv$/, "_oos.csv");
    const hasStockoutHours = existsSync(join(dir, stockoutHours));
    try {
      run = await backtestFiles({ ...options, sales: join(dir, file), ...(hasStockoutHours ? { "stockout-hours": join(dir, stockoutHours) } : {}) }, io);
    } catch (error) {
      if (!(error instanceof BacktestInputError)) throw error;
      io.err(`backtest:real: ${error.message}\n`);
      status = 1;
      continue;
    }
    if (options.json) {
      reports[file] = backtestJson(run.report);
      continue;
    }
    if (index > 0) io.out("\n");
    io.out(`=== ${file}: ${run.input.series.length} series, ${run.input.dates.length} days${hasStockoutHours ? `, stockout hours from ${stockoutHours}` : ""} ===\n`);
    io.out(renderBacktestTable(run.report, run.context));
  }
  const total = `backtest:real: ${files.length} file${files.length === 1 ? "" : "s"} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`;
  if (options.json) {
    io.out(`${JSON.stringify(reports)}\n`);
    // stdout holds the JSON object only
    io.err(total);
  } else io.out(`\n${total}`);
  return status;
}
