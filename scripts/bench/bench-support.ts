import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { sql as drizzleSql } from "drizzle-orm";
import postgres from "postgres";
import { z } from "zod";
import { openDatabase, type DatabaseHandle } from "../../src/db/client.js";

// MB here is 2^20 bytes, as ps and top count resident memory
const MB = 1024 * 1024;

export const benchDir = fileURLToPath(new URL("../../data/bench/", import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// The export files

export interface BenchFiles {
  stores: number;
  skus: number;
  rows: number;
  storeCodes: string[];
  /** the first export: every (store, SKU) new */
  first: string;
  /** the same rows a day later with every quantity changed */
  second: string;
}

const FIRST_OBSERVED_AT = "2026-11-02T06:00:00Z";
const SECOND_OBSERVED_AT = "2026-11-03T06:00:00Z";
// bump when the generated content changes, so that stale files under data/bench/ are not reused
const FILE_VERSION = 1;

export function storeCode(index: number): string {
  return `B${String(index + 1).padStart(3, "0")}`;
}

export function skuText(index: number): string {
  return String(index).padStart(10, "0");
}

/** A spread of shelf quantities, a few of them zero, that is the same for the same store and SKU in every run. */
function firstQuantity(store: number, sku: number): number {
  return (sku * 7919 + store * 104_729) % 240;
}

/**
 * A day later every quantity has moved: one row in three rose (a receipt), the others fell (sales), some of those
 * below zero (oversold), so that every row updates and two thirds of them derive units sold.
 */
function secondQuantity(store: number, sku: number): number {
  const before = firstQuantity(store, sku);
  const step = 1 + ((sku + store) % 5);
  return (sku + store) % 3 === 0 ? before + 6 * step : before - step;
}

async function writeExport(path: string, stores: number, skus: number, observedAt: string, quantity: (store: number, sku: number) => number) {
  const partial = `${path}.${process.pid}.partial`;
  const out = createWriteStream(partial);
  out.write("store,sku,on_hand,observed_at\n");
  // store by store, as a chain's nightly export lists each store's shelf in turn
  for (let store = 0; store < stores; store += 1) {
    const code = storeCode(store);
    let lines = "";
    for (let sku = 0; sku < skus; sku += 1) {
      lines += `${code},${skuText(sku)},${quantity(store, sku)},${observedAt}\n`;
      if (lines.length > 1 << 16) {
        if (!out.write(lines)) await once(out, "drain");
        lines = "";
      }
    }
    if (lines) out.write(lines);
  }
  out.end();
  await once(out, "finish");
  // renamed only when complete, so an interrupted run never leaves a short file that looks reusable
  renameSync(partial, path);
}

/** Writes both exports under data/bench/, or reuses them when files with the same parameters are there. */
export async function ensureExportFiles(stores: number, skus: number): Promise<BenchFiles> {
  mkdirSync(benchDir, { recursive: true });
  const stem = `${benchDir}generic-v${FILE_VERSION}-${stores}x${skus}`;
  const first = `${stem}-first.csv`;
  const second = `${stem}-second.csv`;
  if (!existsSync(first)) await writeExport(first, stores, skus, FIRST_OBSERVED_AT, firstQuantity);
  if (!existsSync(second)) await writeExport(second, stores, skus, SECOND_OBSERVED_AT, secondQuantity);
  return { stores, skus, rows: stores * skus, storeCodes: Array.from({ length: stores }, (_, i) => storeCode(i)), first, second };
}

// ---------------------------------------------------------------------------------------------------------------
// The database

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A new database on the server of the admin URL, so that every run starts from empty tables; the prefix names the
 * benchmark, so that a leftover database says which script left it.
 */
export async function createBenchDatabase(adminUrl: string, prefix = "shelfwatch_bench"): Promise<BenchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  return {
    name,
    url: target.toString(),
    async drop() {
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** The database a benchmark run works in, made for it and dropped after it. */
export interface ScratchDatabase {
  handle: DatabaseHandle;
  label: string;
  /** writes the setup's dirty pages now rather than during the measurement */
  flush(): Promise<void>;
  drop(): Promise<void>;
}

// the scratch databases open now: a run interrupted with Ctrl-C still drops them
const openScratchDatabases = new Set<ScratchDatabase>();

/**
 * A new, empty database for one run of the benchmark `bench`: with an admin URL, a database of its own on that
 * PostgreSQL server; without one, a file-backed PGlite database in a new temporary folder, as the service runs without
 * a server.
 */
export async function openScratchDatabase(adminUrl: string | undefined, bench: string): Promise<ScratchDatabase> {
  let scratch: ScratchDatabase;
  if (adminUrl) {
    const database = await createBenchDatabase(adminUrl, `shelfwatch_bench_${bench}`);
    const handle = openDatabase({ url: database.url, dataDir: "unused" });
    const admin = postgres(database.url, { max: 1, onnotice: () => {} });
    scratch = {
      handle,
      label: `PostgreSQL database ${database.name}`,
      flush: () => flushDirtyPages(admin),
      async drop() {
        openScratchDatabases.delete(scratch);
        await admin.end({ timeout: 5 });
        await handle.close();
        await database.drop();
      },
    };
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), `shelfwatch-bench-${bench}-`));
    const handle = openDatabase({ dataDir });
    scratch = {
      handle,
      label: `PGlite in ${dataDir}`,
      flush: async () => {
        await handle.db.execute(drizzleSql`checkpoint`);
      },
      async drop() {
        openScratchDatabases.delete(scratch);
        await handle.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  openScratchDatabases.add(scratch);
  return scratch;
}

/** On Ctrl-C: drops the scratch databases still open, then exits 130. Call once, at the start of the run. */
export function dropScratchDatabasesOnInterrupt(): void {
  process.once("SIGINT", () => {
    process.stdout.write("\ninterrupted; cleaning up\n");
    void Promise.allSettled([...openScratchDatabases].map((database) => database.drop())).finally(() => process.exit(130));
  });
}

/** The options every database benchmark takes besides its own: where to run (BENCH_DATABASE_URL or DATABASE_URL) and how much to log. */
export const benchDatabaseOptions = {
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  adminUrl: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }).optional(),
};

/** The PostgreSQL server a benchmark runs on, or undefined for PGlite. */
export function benchAdminUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

/** A benchmark's options, checked; a bad one stops the run with every problem named. */
export function parseBenchOptions<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new Error(`bad option: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** Waits until no other session of this database runs a statement, e.g. an import whose client gave up, at most `limitMs`. */
export async function waitForIdleDatabase(sql: postgres.Sql, limitMs = 300_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const [busy] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state = 'active'`;
    if (busy!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

let checkpointRefused = false;

/** Flushes the previous step's dirty pages now rather than during the next measurement (needs superuser or pg_checkpoint). */
export async function flushDirtyPages(sql: postgres.Sql): Promise<void> {
  if (checkpointRefused) return;
  try {
    await sql`checkpoint`;
  } catch (error) {
    // 42501 insufficient_privilege: measure without it rather than fail
    if ((error as { code?: string }).code !== "42501") throw error;
    checkpointRefused = true;
    process.stdout.write("note: this role may not CHECKPOINT; steps may pay for each other's dirty pages\n");
  }
}

/**
 * Loads a file with COPY into a fresh table keyed like stock_levels' (store, item): the floor for keyed writes on
 * this server. Returns the seconds COPY took, from the first byte sent until the server confirmed the command.
 */
/** Streams an export file (CSV with a header) into a table with COPY. */
async function copyCsvFile(client: postgres.Sql | postgres.TransactionSql, table: string, file: string): Promise<void> {
  const writable = await client.unsafe(`copy ${table} from stdin with (format csv, header true)`).writable();
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), writable);
}

export async function copyIntoKeyedTable(sql: postgres.Sql, table: string, file: string): Promise<{ seconds: number; rows: number }> {
  await sql.unsafe(`drop table if exists ${table}`);
  await sql.unsafe(`create table ${table} (store text not null, sku text not null, on_hand int not null, observed_at timestamptz not null, primary key (store, sku))`);
  await flushDirtyPages(sql);
  const started = performance.now();
  await copyCsvFile(sql, table, file);
  const seconds = (performance.now() - started) / 1000;
  const [counted] = await sql.unsafe<{ rows: number }[]>(`select count(*)::int as rows from ${table}`);
  return { seconds, rows: counted!.rows };
}

export interface PlainUpdateFigures {
  /** COPY of the second file into a temporary table */
  stageSeconds: number;
  /** INSERT of the drops in on hand (derived units sold) into a table keyed by (store, SKU, date) */
  derivedSeconds: number;
  /** UPDATE ... FROM the staged rows */
  updateSeconds: number;
  seconds: number;
  updated: number;
  derived: number;
}

/**
 * The all-rows update in plain SQL with nothing of the service around it: the first file loaded into a keyed table
 * (untimed; fillfactor 50 as stock_levels, so that updates can stay on their page), then, timed in one transaction,
 * the second file copied into a temporary table, its drops in on hand inserted as daily rows (the derived sales the
 * import writes) and every row updated from it. It bounds from below what any import writing a current-stock table
 * and derived sales can do on this server.
 */
export async function plainSqlUpdate(sql: postgres.Sql, first: string, second: string): Promise<PlainUpdateFigures> {
  await sql.unsafe("drop table if exists bench_plain_stock, bench_plain_sales");
  await sql.unsafe(
    "create table bench_plain_stock (store text not null, sku text not null, on_hand int not null, observed_at timestamptz not null, primary key (store, sku)) with (fillfactor = 50)",
  );
  await sql.unsafe(
    "create table bench_plain_sales (store text not null, sku text not null, sales_date date not null, units int not null, primary key (store, sku, sales_date))",
  );
  await copyCsvFile(sql, "bench_plain_stock", first);
  await flushDirtyPages(sql);
  const lap = (() => {
    let last = performance.now();
    return () => {
      const now = performance.now();
      const seconds = (now - last) / 1000;
      last = now;
      return seconds;
    };
  })();
  const started = performance.now();
  const figures = await sql.begin(async (tx) => {
    lap();
    await tx.unsafe("create temp table bench_plain_stage (store text, sku text, on_hand int, observed_at timestamptz) on commit drop");
    await copyCsvFile(tx, "bench_plain_stage", second);
    const stageSeconds = lap();
    const derived = await tx.unsafe(
      `insert into bench_plain_sales
       select s.store, s.sku, (s.observed_at at time zone 'UTC')::date, k.on_hand - s.on_hand
       from bench_plain_stage s join bench_plain_stock k using (store, sku)
       where s.observed_at > k.observed_at and k.on_hand > s.on_hand`,
    );
    const derivedSeconds = lap();
    const updated = await tx.unsafe(
      `update bench_plain_stock k set on_hand = s.on_hand, observed_at = s.observed_at
       from bench_plain_stage s where k.store = s.store and k.sku = s.sku`,
    );
    const updateSeconds = lap();
    return { stageSeconds, derivedSeconds, updateSeconds, updated: updated.count, derived: derived.count };
  });
  // the commit is part of the work
  return { ...figures, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// The service in a child process, so that its resident memory is its own

type ParentMessage = { type: "reset-peak" } | { type: "read-peak" } | { type: "stop" };
type ChildMessage = { type: "listening"; port: number } | { type: "peak"; peakRss: number; currentRss: number; hwm: number | null };

/** The kernel's high-water mark of this process's resident memory since it started, in bytes (Linux only). */
function readVmHwm(): number | null {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The child's side: the real app on an ephemeral port, sampling its own RSS every 50 ms.
 * Runs with DATABASE_URL and LOG_LEVEL from its environment; reports its port over the IPC channel.
 */
export async function serveForBench(): Promise<void> {
  const [{ serve }, { createApp }, { loadConfig }, { openDatabase }, { createLogger }, { systemClock }] = await Promise.all([
    import("@hono/node-server"),
    import("../../src/app.js"),
    import("../../src/config.js"),
    import("../../src/db/client.js"),
    import("../../src/log.js"),
    import("../../src/clock.js"),
  ]);
  const config = loadConfig(process.env);
  const handle = openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const log = createLogger(config.LOG_LEVEL);
  // no onLedgerChange: the risk sweep an import requests in src/index.ts is a job of its own, not part of the import
  const app = createApp({ db: handle.db, config, clock: systemClock, log });

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);

  // serve()'s defaults, as src/index.ts uses them (requestTimeout 300 s included)
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.send!({ type: "listening", port: info.port } satisfies ChildMessage);
  });
  process.on("message", (message: ParentMessage) => {
    if (message.type === "reset-peak") {
      peakRss = process.memoryUsage.rss();
      process.send!({ type: "peak", peakRss, currentRss: peakRss, hwm: readVmHwm() } satisfies ChildMessage);
    } else if (message.type === "read-peak") {
      const currentRss = process.memoryUsage.rss();
      peakRss = Math.max(peakRss, currentRss);
      process.send!({ type: "peak", peakRss, currentRss, hwm: readVmHwm() } satisfies ChildMessage);
    } else if (message.type === "stop") {
      clearInterval(sampler);
      // a normal exit, so that --cpu-prof writes its profile
      server.close();
      void handle.close().finally(() => process.exit(0));
    }
  });
}

export interface PeakReading {
  peakRss: number;
  currentRss: number;
  /** cumulative since the child started */
  hwm: number | null;
}

export interface BenchServer {
  port: number;
  pid: number;
  resetPeak(): Promise<PeakReading>;
  readPeak(): Promise<PeakReading>;
  stop(): Promise<void>;
}

/**
 * Builds the service as production runs it (npm run build: compiled JavaScript in dist/, as in the Docker image) and
 * answers the compiled form of a bench script, so that the measured server carries no TypeScript loader (about 85 MB
 * of RSS under tsx).
 */
export function buildCompiled(script: string): string {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  process.stdout.write("building dist/ (npm run build), as the Docker image runs the service\n");
  const build = spawnSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal})`);
  return join(root, "dist", relative(root, script)).replace(/\.ts$/, ".js");
}

/**
 * Starts a bench script in server mode, so the measured process is the service itself: plain node for a compiled
 * script (see buildCompiled), `node --import tsx` for a TypeScript one.
 */
export async function startBenchServer(options: {
  script: string;
  databaseUrl: string;
  logLevel: string;
  logFile: string;
  cpuProfDir?: string;
}): Promise<BenchServer> {
  const log = openSync(options.logFile, "w");
  const nodeFlags = options.script.endsWith(".ts") ? ["--import", "tsx"] : [];
  if (options.cpuProfDir) nodeFlags.push("--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`);
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, options.script, "--serve"], {
    env: { ...process.env, DATABASE_URL: options.databaseUrl, LOG_LEVEL: options.logLevel, SEED_DEMO: "false" },
    stdio: ["ignore", log, log, "ipc"],
  });
  const replies: Array<{ resolve: (reading: PeakReading) => void; reject: (error: Error) => void }> = [];
  const exited = once(child, "exit");
  // a server that dies mid-run fails the questions still waiting for it instead of hanging the benchmark
  child.once("exit", (code, signal) => {
    const error = new Error(`the bench server exited (${signal ?? code}); see ${options.logFile}`);
    for (const waiting of replies.splice(0)) waiting.reject(error);
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the bench server exited with ${code} before listening; see ${options.logFile}`)));
    child.on("message", (message: ChildMessage) => {
      if (message.type === "listening") resolve(message.port);
      else if (message.type === "peak") replies.shift()?.resolve({ peakRss: message.peakRss, currentRss: message.currentRss, hwm: message.hwm });
    });
  });
  const ask = (message: ParentMessage) =>
    new Promise<PeakReading>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`the bench server is gone; see ${options.logFile}`));
      replies.push({ resolve, reject });
      child.send(message);
    });
  return {
    port,
    pid: child.pid!,
    resetPeak: () => ask({ type: "reset-peak" }),
    readPeak: () => ask({ type: "read-peak" }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: "stop" } satisfies ParentMessage);
      else child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ImportAnswer {
  /** the HTTP status, or 0 when the connection broke before an answer */
  status: number;
  seconds: number;
  report: { batchId?: number; status?: string; rowsAccepted?: number; rowsRejected?: number; rowsChanged?: number; [key: string]: unknown };
  /** why no answer arrived (a reset connection), when status is 0 */
  error?: string;
}

/** Streams a file to POST /v1/imports, as a POS connector would, and times it until the JSON report arrives. */
export async function postImport(port: number, apiKey: string, file: string): Promise<ImportAnswer> {
  const size = statSync(file).size;
  const name = file.split("/").at(-1)!;
  const started = performance.now();
  const answer = await new Promise<{ status: number; body: string; error?: string }>((resolve) => {
    // a broken connection is an outcome to report, not a crash of the benchmark
    const broken = (error: Error) => resolve({ status: 0, body: "", error: error.message });
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/v1/imports?fileName=${encodeURIComponent(name)}`,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "text/csv", "content-length": String(size) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", broken);
      },
    );
    req.on("error", broken);
    createReadStream(file, { highWaterMark: 1 << 16 }).on("error", broken).pipe(req);
  });
  const seconds = (performance.now() - started) / 1000;
  let report: ImportAnswer["report"];
  try {
    report = JSON.parse(answer.body);
  } catch {
    report = { raw: answer.body.slice(0, 500) };
  }
  return { status: answer.status, seconds, report, error: answer.error };
}

// ---------------------------------------------------------------------------------------------------------------
// A local SMTP server

export interface SmtpSink {
  url: string;
  /** the Message-ID of every message accepted since the last reset, in arrival order (repeats included) */
  messageIds: string[];
  reset(): void;
  close(): Promise<void>;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * An SMTP server on 127.0.0.1 that accepts every message and keeps only its Message-ID, so that a benchmark can check
 * that each message arrived exactly once without paying for parsing. (test/helpers/smtp.ts parses every message and
 * imports vitest, so it is not used here.)
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const { SMTPServer } = await import("smtp-server");
  const messageIds: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    disableReverseLookup: true,
    // a pooled client that never quits must not hold close() for the default 30 s
    closeTimeout: 500,
    onData(stream, _session, callback) {
      let head = Buffer.alloc(0);
      let headDone = false;
      stream.on("data", (chunk: Buffer) => {
        if (headDone) return;
        head = Buffer.concat([head, chunk]);
        headDone = head.includes(HEADER_END);
      });
      stream.on("end", () => {
        const headers = head.subarray(0, Math.max(0, head.indexOf(HEADER_END))).toString("latin1");
        const match = /^message-id:\s*(<[^>\r\n]+>)/im.exec(headers);
        messageIds.push(match?.[1] ?? "(no Message-ID)");
        callback();
      });
      stream.on("error", (error: Error) => callback(error));
    },
  });
  // a client dropping its socket is reported here; the benchmark checks what arrived instead
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messageIds,
    reset() {
      messageIds.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The nearest-rank percentile: the smallest value that at least p % of the values do not exceed. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const formatCount = (n: number) => Math.round(n).toLocaleString("en-US");
export const formatSeconds = (s: number) => `${s.toFixed(s < 10 ? 2 : 1)} s`;
export const formatRatio = (r: number) => r.toFixed(2);
export const formatMb = (bytes: number) => `${Math.round(bytes / MB)} MB`;
export const bytesOfMb = (mb: number) => mb * MB;
