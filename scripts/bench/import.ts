/**
 * Import benchmark: a chain-wide stock export through POST /v1/imports into PostgreSQL, against COPY of the same file
 * into a table keyed like the import's target (the floor for keyed writes), plus the service's peak RSS.
 *
 *   npm run bench:import                                  # 10 stores × 100,000 SKUs, median of 3 runs
 *   npm run bench:import -- --rows 100000 --runs 1        # a quick check
 *   npm run bench:import -- --log-level info --cpu-prof   # server logs and a V8 CPU profile under data/bench/
 *   npm run bench:import -- --pg-log-ms 100               # the bench database logs statements slower than 100 ms,
 *                                                         # with their plans (auto_explain), in the server's log
 *   npm run bench:import -- --tsx                         # the server under tsx instead of compiled (npm run build)
 *
 * BENCH_DATABASE_URL names the admin URL of the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test);
 * each run creates its own database there and drops it at the end.
 */
import { mkdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { openDatabase } from "../../src/db/client.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { createStore } from "../../src/stores/store-admin.js";
import {
  benchDir,
  bytesOfMb,
  copyIntoKeyedTable,
  createBenchDatabase,
  ensureExportFiles,
  flushDirtyPages,
  formatCount,
  formatMb,
  formatRatio,
  formatSeconds,
  median,
  plainSqlUpdate,
  postImport,
  buildCompiled,
  serveForBench,
  startBenchServer,
  waitForIdleDatabase,
  type BenchFiles,
  type BenchServer,
  type PlainUpdateFigures,
} from "./bench-support.js";

const GOAL_RATIO = 2.0;
const GOAL_RSS_MB = 300;
// Node's default http requestTimeout, which src/index.ts keeps
const REQUEST_TIMEOUT_S = 300;
const TIME_ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Australia/Sydney"];

interface BenchSettings {
  adminUrl: string;
  files: BenchFiles;
  logLevel: string;
  cpuProfDir?: string;
  pgLogMs?: number;
  /** the compiled bench script (dist/), or this TypeScript file with --tsx */
  serverScript: string;
}

interface StepFigures {
  /** seconds until the report arrived, or until the import failed */
  ours: number;
  copy: number;
  ratio: number;
  rowsPerSecond: number;
  peakRss: number;
  idleRss: number;
  rowsChanged: number;
  /** why the import did not apply every row, when it did not */
  failure?: string;
}

interface RunFigures {
  first: StepFigures;
  update: StepFigures;
  /** the all-rows update in plain SQL, and its ratio to COPY of the same file */
  plain: PlainUpdateFigures & { ratio: number };
  /** the kernel's high-water mark over the whole life of the server process */
  hwm: number | null;
  /** the machine's 1-minute load average at the start and the end of the run */
  load: [number, number];
}

// a run interrupted with Ctrl-C still stops its server and drops its database
let cleanUpRun: (() => Promise<void>) | null = null;
process.once("SIGINT", () => {
  process.stdout.write("\ninterrupted; cleaning up\n");
  void (cleanUpRun?.() ?? Promise.resolve()).finally(() => process.exit(130));
});

const { values: options } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    stores: { type: "string", default: "10" },
    runs: { type: "string", default: "3" },
    "log-level": { type: "string", default: "warn" },
    "cpu-prof": { type: "boolean", default: false },
    "pg-log-ms": { type: "string" },
    serve: { type: "boolean", default: false },
    tsx: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (options.serve) {
  await serveForBench();
} else if (options.help) {
  process.stdout.write(
    "usage: npm run bench:import -- [--rows 1000000] [--stores 10] [--runs 3] [--log-level warn] [--cpu-prof] [--pg-log-ms 100] [--tsx]\n",
  );
} else {
  await main();
}

function positiveInteger(name: string, text: string, min = 1): number {
  const value = Number(text.replaceAll("_", "").replaceAll(",", ""));
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number of at least ${min}, got ${text}`);
  return value;
}

async function main(): Promise<void> {
  const stores = positiveInteger("stores", options.stores!);
  const skus = Math.floor(positiveInteger("rows", options.rows!) / stores);
  const runs = positiveInteger("runs", options.runs!);
  if (skus === 0) throw new Error("--rows must be at least --stores");
  const pgLogMs = options["pg-log-ms"] === undefined ? undefined : positiveInteger("pg-log-ms", options["pg-log-ms"], 0);
  const cpuProfDir = options["cpu-prof"] ? `${benchDir}profiles` : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const adminUrl = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

  const files = await ensureExportFiles(stores, skus);
  const serverScript = options.tsx ? fileURLToPath(import.meta.url) : buildCompiled(fileURLToPath(import.meta.url));
  const settings: BenchSettings = { adminUrl, files, logLevel: options["log-level"]!, cpuProfDir, pgLogMs, serverScript };
  const title = `import of ${formatCount(files.rows)} rows (${stores} stores × ${formatCount(skus)} SKUs)`;
  process.stdout.write(`${title}, ${runs} run${runs === 1 ? "" : "s"}\n  files: ${files.first}\n         ${files.second}\n`);

  const results: RunFigures[] = [];
  for (let run = 1; run <= runs; run += 1) {
    const figures = await measureRun(run, settings);
    results.push(figures);
    process.stdout.write(`run ${run}: ${describeStep("first import", figures.first)}\n`);
    process.stdout.write(`       ${describeStep("all rows update", figures.update)}\n`);
    process.stdout.write(`       ${describePlain(figures.plain)}\n`);
    process.stdout.write(
      `       server VmHWM over the whole run (cumulative): ${figures.hwm === null ? "n/a" : formatMb(figures.hwm)}; ` +
        `load average ${figures.load[0].toFixed(1)} → ${figures.load[1].toFixed(1)} on ${availableParallelism()} CPUs\n`,
    );
  }
  printSummary(title, results);
}

function describeStep(label: string, step: StepFigures): string {
  if (step.failure) {
    return `${label}: FAILED after ${formatSeconds(step.ours)}: ${step.failure}; COPY ${formatSeconds(step.copy)}, peak RSS ${formatMb(step.peakRss)}`;
  }
  return (
    `${label}: ours ${formatSeconds(step.ours)}, COPY ${formatSeconds(step.copy)}, ratio ${formatRatio(step.ratio)}, ` +
    `${formatCount(step.rowsPerSecond)} rows/s, peak RSS ${formatMb(step.peakRss)} (idle before ${formatMb(step.idleRss)}), ` +
    `rows changed ${formatCount(step.rowsChanged)}`
  );
}

function describePlain(plain: RunFigures["plain"]): string {
  return (
    `plain SQL update: ${formatSeconds(plain.seconds)}, ratio ${formatRatio(plain.ratio)} ` +
    `(COPY into a temporary table ${formatSeconds(plain.stageSeconds)}, INSERT of ${formatCount(plain.derived)} drops ` +
    `${formatSeconds(plain.derivedSeconds)}, UPDATE of ${formatCount(plain.updated)} rows ${formatSeconds(plain.updateSeconds)})`
  );
}

async function measureRun(run: number, settings: BenchSettings): Promise<RunFigures> {
  const { files } = settings;
  const loadAtStart = loadavg()[0]!;
  const database = await createBenchDatabase(settings.adminUrl);
  let server: BenchServer | null = null;
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  const cleanUp = async () => {
    await server?.stop();
    await sql.end({ timeout: 5 });
    await database.drop();
  };
  cleanUpRun = cleanUp;
  try {
    const apiKey = await prepareDatabase(database.url, files);
    if (settings.pgLogMs !== undefined) {
      // set on this database only, before the server connects, so other users of the server log nothing new
      await sql.unsafe(`alter database ${database.name} set log_min_duration_statement = ${settings.pgLogMs}`);
      // and their plans with actual rows and times (auto_explain ships with PostgreSQL)
      await sql.unsafe(`alter database ${database.name} set session_preload_libraries = 'auto_explain'`);
      await sql.unsafe(`alter database ${database.name} set auto_explain.log_min_duration = ${settings.pgLogMs}`);
      await sql.unsafe(`alter database ${database.name} set auto_explain.log_analyze = on`);
    }
    const logFile = `${benchDir}server-run${run}.log`;
    server = await startBenchServer({
      script: settings.serverScript,
      databaseUrl: database.url,
      logLevel: settings.logLevel,
      logFile,
      cpuProfDir: settings.cpuProfDir,
    });
    process.stdout.write(`run ${run}: database ${database.name}, server pid ${server.pid}, log ${logFile}\n`);

    const firstOurs = await measureImport(sql, server, apiKey, files.first, files.rows);
    const firstCopy = await copyIntoKeyedTable(sql, "bench_copy_first", files.first);
    const updateOurs = await measureImport(sql, server, apiKey, files.second, files.rows);
    const updateCopy = await copyIntoKeyedTable(sql, "bench_copy_update", files.second);
    const plain = await plainSqlUpdate(sql, files.first, files.second);
    if (plain.updated !== files.rows) throw new Error(`the plain SQL update changed ${plain.updated} rows, expected ${files.rows}`);
    for (const copy of [firstCopy, updateCopy]) {
      if (copy.rows !== files.rows) throw new Error(`COPY loaded ${copy.rows} rows, expected ${files.rows}`);
    }
    if (!firstOurs.failure && !updateOurs.failure) {
      const [stock] = await sql<{ rows: number }[]>`select count(*)::int as rows from stock_levels`;
      if (stock!.rows !== files.rows) throw new Error(`stock_levels holds ${stock!.rows} rows after the imports, expected ${files.rows}`);
    }

    const hwm = (await server.readPeak()).hwm;
    const step = (ours: typeof firstOurs, copy: typeof firstCopy): StepFigures => ({
      ours: ours.seconds,
      copy: copy.seconds,
      ratio: ours.seconds / copy.seconds,
      rowsPerSecond: files.rows / ours.seconds,
      peakRss: ours.peakRss,
      idleRss: ours.idleRss,
      rowsChanged: ours.rowsChanged,
      failure: ours.failure,
    });
    return {
      first: step(firstOurs, firstCopy),
      update: step(updateOurs, updateCopy),
      plain: { ...plain, ratio: plain.seconds / updateCopy.seconds },
      hwm, load: [loadAtStart, loadavg()[0]!] };
  } finally {
    cleanUpRun = null;
    await cleanUp();
  }
}

/** Migrates the fresh database and adds the stores of the file and a chain-wide API key, as an operator would. */
async function prepareDatabase(url: string, files: BenchFiles): Promise<string> {
  const handle = openDatabase({ url, dataDir: "unused", maxConnections: 2 });
  try {
    await handle.migrate();
    for (const [index, code] of files.storeCodes.entries()) {
      await createStore(handle.db, { code, name: `Bench store ${code}`, timeZone: TIME_ZONES[index % TIME_ZONES.length]!, aliases: [] });
    }
    const { key } = await createApiKey(handle.db, { name: "bench", storeIds: null });
    return key;
  } finally {
    await handle.close();
  }
}

async function measureImport(sql: postgres.Sql, server: BenchServer, apiKey: string, file: string, rows: number) {
  await flushDirtyPages(sql);
  const idle = await server.resetPeak();
  const answer = await postImport(server.port, apiKey, file);
  const peak = await server.readPeak();
  const { report } = answer;
  // a failed import is a result to report (e.g. Node's 300 s requestTimeout answering 408), so the other steps still run
  let failure: string | undefined;
  if (answer.status === 0) failure = `connection broke: ${answer.error}`;
  else if (answer.status !== 201 || report.status !== "applied") failure = `HTTP ${answer.status} ${JSON.stringify(report).slice(0, 300)}`;
  else if (report.rowsAccepted !== rows || report.rowsRejected !== 0 || report.rowsChanged !== rows) {
    failure = `expected ${rows} rows accepted and changed, got accepted ${report.rowsAccepted}, rejected ${report.rowsRejected}, changed ${report.rowsChanged}`;
  }
  if (failure && answer.status !== 201 && answer.seconds >= REQUEST_TIMEOUT_S - 5) {
    failure += ` (Node's http server ends a request whose body is still being read after requestTimeout, ${REQUEST_TIMEOUT_S} s by default)`;
  }
  // the server may still be finishing (and rolling back) the abandoned import; the next step must not share the machine with it
  if (failure) await waitForIdleDatabase(sql);
  return { seconds: answer.seconds, peakRss: peak.peakRss, idleRss: idle.currentRss, rowsChanged: report.rowsChanged ?? 0, failure };
}

function printSummary(title: string, results: RunFigures[]): void {
  const row = (label: string, pick: (r: RunFigures) => StepFigures) => {
    const steps = results.map(pick);
    const applied = steps.filter((step) => !step.failure);
    const failed = steps.length - applied.length;
    // medians over the runs whose import applied; a failed run has no meaningful time
    const medianOf = (figure: (step: StepFigures) => number) => (applied.length === 0 ? Number.NaN : median(applied.map(figure)));
    const figures = {
      ours: medianOf((step) => step.ours),
      copy: median(steps.map((step) => step.copy)),
      ratio: medianOf((step) => step.ratio),
      rowsPerSecond: medianOf((step) => step.rowsPerSecond),
      peakRss: median(steps.map((step) => step.peakRss)),
      failed,
    };
    const line =
      label.padEnd(17) +
      (applied.length === 0 ? "failed" : formatSeconds(figures.ours)).padEnd(12) +
      formatSeconds(figures.copy).padEnd(11) +
      (applied.length === 0 ? "–" : formatRatio(figures.ratio)).padEnd(8) +
      (applied.length === 0 ? "–" : formatCount(figures.rowsPerSecond)).padEnd(14) +
      formatMb(figures.peakRss) +
      (failed > 0 ? `   (${failed} of ${steps.length} runs failed)` : "");
    return { line, figures };
  };
  const first = row("first import", (r) => r.first);
  const update = row("all rows update", (r) => r.update);
  const met =
    first.figures.failed === 0 &&
    update.figures.failed === 0 &&
    first.figures.ratio <= GOAL_RATIO &&
    update.figures.ratio <= GOAL_RATIO &&
    Math.max(first.figures.peakRss, update.figures.peakRss) <= bytesOfMb(GOAL_RSS_MB);

  process.stdout.write("\n");
  process.stdout.write(`${title}, median of ${results.length} run${results.length === 1 ? "" : "s"}\n`);
  process.stdout.write(`${"".padEnd(17)}${"ours".padEnd(12)}${"COPY".padEnd(11)}${"ratio".padEnd(8)}${"ours rows/s".padEnd(14)}peak RSS\n`);
  process.stdout.write(`${first.line}\n${update.line}\n`);
  const plain = median(results.map((r) => r.plain.seconds));
  const plainRatio = median(results.map((r) => r.plain.ratio));
  process.stdout.write(
    `${"plain SQL update".padEnd(17)}${formatSeconds(plain).padEnd(12)}${formatSeconds(update.figures.copy).padEnd(11)}${formatRatio(plainRatio)}\n`,
  );
  process.stdout.write(`goal: ratio ≤ ${GOAL_RATIO.toFixed(1)}, peak RSS ≤ ${GOAL_RSS_MB} MB → ${met ? "met" : "NOT met"}\n`);
  process.stdout.write("(ratio = ours / COPY per run, then the median; peak RSS = the service's max RSS sampled every 50 ms during the import)\n");
  process.stdout.write(
    "(plain SQL update = the second file into a keyed table holding the first, in one transaction: COPY into a temporary table, " +
      "INSERT of its drops in on hand as daily rows, UPDATE ... FROM; no service, no validation)\n",
  );
  const busiest = Math.max(...results.flatMap((r) => r.load));
  if (busiest > availableParallelism()) {
    process.stdout.write(`note: the machine was busy (load average up to ${busiest.toFixed(1)} on ${availableParallelism()} CPUs); times are inflated and noisy\n`);
  }
}
