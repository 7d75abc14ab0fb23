/**
 * HTTP benchmark under load: the service as it runs (src/index.ts in a process of its own, on PostgreSQL, logging
 * every request) answers a closed-loop client of keep-alive connections, each sending its next request as soon as the
 * last one is answered. In one run, each for the same time:
 *
 *   GET /healthz                       the floor of this process, this client and this machine
 *   GET /v1/stores/S01/at-risk         the demo store (40 items, risk from a real sweep)
 *   GET /v1/stores/B5K/at-risk         a store of 5,000 items with a risk row each
 *   POST /v1/stock                     100-row batches, each connection for a store of its own (10 stores × 1,000 items)
 *   POST /v1/stock, one store          the same batches, every connection for one store
 *   plain SQL                          the same rows written by one INSERT … ON CONFLICT per batch over a pool of as
 *                                      many connections: the floor of the write on this server
 *
 *   npm run bench:http                                   # PostgreSQL at postgres://postgres@127.0.0.1:5432/postgres
 *   npm run bench:http -- --seconds 5 --connections 10   # shorter steps
 *   BENCH_DATABASE_URL=postgres://user@host:5432/db npm run bench:http
 *
 * The run creates a database of its own on that server and drops it at the end. The service's scheduled sweep is
 * moved out of the way (SWEEP_CRON once a year) so that it does not land in a measurement; the debounced sweep a write
 * requests still does, and fires SWEEP_DEBOUNCE_MS after the last write (after the measurements).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { mkdirSync, openSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { z } from "zod";
import { createApiKey } from "../../src/http/api-keys.js";
import { openDatabase } from "../../src/db/client.js";
import { createStore } from "../../src/stores/store-admin.js";
import { benchDatabaseOptions, benchDir, createBenchDatabase, formatCount, formatRatio, median, parseBenchOptions, percentile } from "./bench-support.js";

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const WRITE_STORES = 10;
const WRITE_ITEMS = 1000;
const BATCH_ROWS = 100;
const BIG_STORE = { code: "B5K", items: 5000 };
const GOALS = {
  stock: { rps: 300, p99: 100 },
  atRisk40: { rps: 1500, p99: 30 },
  atRisk5000: { p99: 100 },
};

const optionsSchema = z.object({
  seconds: z.coerce.number().int().min(1).max(600),
  connections: z.coerce.number().int().min(1).max(200),
  warmUpSeconds: z.coerce.number().int().min(0).max(60),
  ...benchDatabaseOptions,
});
type BenchOptions = z.infer<typeof optionsSchema>;

function readOptions(): BenchOptions | null {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      connections: { type: "string", default: "10" },
      "warm-up": { type: "string", default: "2" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write("usage: npm run bench:http -- [--seconds 10] [--connections 10] [--warm-up 2] [--log-level info]\n");
    return null;
  }
  return parseBenchOptions(optionsSchema, {
    seconds: values.seconds,
    connections: values.connections,
    warmUpSeconds: values["warm-up"],
    logLevel: values["log-level"],
    adminUrl: process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The load client

interface Shot {
  method: "GET" | "POST";
  path: string;
  body?: string;
}

interface LoadResult {
  requests: number;
  seconds: number;
  latencies: number[];
}

/** One request on a keep-alive agent; resolves with the status once the whole body is read. */
function send(agent: Agent, port: number, headers: Record<string, string>, shot: Shot): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: "127.0.0.1", port, method: shot.method, path: shot.path, headers: shot.body === undefined ? headers : { ...headers, "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(shot.body);
  });
}

/**
 * `connections` loops, each on its own keep-alive socket, sending the next request when the last is answered, for
 * `seconds` (after `warmUpSeconds` not counted). Any answer but 2xx stops the run: a fast error is not a result.
 */
async function load(options: {
  port: number;
  apiKey: string;
  connections: number;
  seconds: number;
  warmUpSeconds: number;
  next: (connection: number) => Shot;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const headers = { authorization: `Bearer ${options.apiKey}` };
  const latencies: number[] = [];
  const warmUpEnds = performance.now() + options.warmUpSeconds * 1000;
  const ends = warmUpEnds + options.seconds * 1000;
  const loop = async (connection: number) => {
    while (performance.now() < ends) {
      const shot = options.next(connection);
      const started = performance.now();
      const answer = await send(agent, options.port, headers, shot);
      const finished = performance.now();
      if (answer.status < 200 || answer.status > 299) throw new Error(`${shot.method} ${shot.path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      if (started >= warmUpEnds && finished <= ends) latencies.push(finished - started);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, (_, i) => loop(i)));
  } finally {
    agent.destroy();
  }
  return { requests: latencies.length, seconds: options.seconds, latencies };
}

// ---------------------------------------------------------------------------------------------------------------
// The service

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Service {
  port: number;
  stop(): Promise<void>;
}

/** src/index.ts as `npm run serve` starts it, with the demo seed (two stores of 40 items, a sweep) and its log in a file. */
async function startService(options: { databaseUrl: string; dataDir: string; logFile: string; logLevel: string }): Promise<Service> {
  const port = await freePort();
  const log = openSync(options.logFile, "w");
  const entry = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", entry], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: options.dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: options.logLevel,
      SEED_DEMO: "true",
      SWEEP_CRON: "0 0 1 1 *",
    },
    stdio: ["ignore", log, log],
  });
  const exited = once(child, "exit");
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before it was ready; see ${options.logFile}`);
    if (Date.now() > deadline) throw new Error(`the service was not ready within 5 minutes; see ${options.logFile}`);
    const ready = await send(new Agent(), port, {}, { method: "GET", path: "/readyz" }).catch(() => null);
    if (ready?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The data

const skuOf = (store: number, item: number) => `W${String(store).padStart(2, "0")}-${String(item).padStart(5, "0")}`;
const writeStoreCode = (store: number) => `W${String(store).padStart(2, "0")}`;

/**
 * Ten stores of 1,000 items with stock observed yesterday (the writes then update rows, as a live feed does), and a
 * store of 5,000 items with a risk row each as a sweep leaves them: about 10 % advertised, probabilities over the
 * whole range, projected stockouts over two months.
 */
async function seedData(databaseUrl: string): Promise<{ apiKey: string; bigAtRisk: number }> {
  const handle = openDatabase({ url: databaseUrl, dataDir: "unused", maxConnections: 2 });
  const { db } = handle;
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const writeStoreIds: number[] = [];
    for (let s = 1; s <= WRITE_STORES; s += 1) {
      const store = await createStore(db, { code: writeStoreCode(s), name: `Bench store ${s}`, timeZone: s % 2 ? "America/New_York" : "Europe/London" });
      writeStoreIds.push(store.id);
    }
    const big = await createStore(db, { code: BIG_STORE.code, name: "Bench store of 5,000 items", timeZone: "America/Chicago" });
    await client`insert into items (sku, name, category)
      select 'W' || lpad(s::text, 2, '0') || '-' || lpad(i::text, 5, '0'), 'Bench item ' || i, 'Bench ' || (i % 12)
      from generate_series(1, ${WRITE_STORES}) s, generate_series(0, ${WRITE_ITEMS - 1}) i`;
    await client`insert into stock_levels (store_id, item_id, on_hand, observed_at, updated_at)
      select st.id, it.id, 20 + (hashtext(it.sku) & 63), now() - interval '1 day', now()
      from stores st join items it on it.sku like st.code || '-%'
      where st.id = any(${writeStoreIds})`;
    await client`insert into items (sku, name, category)
      select 'B5K-' || lpad(i::text, 5, '0'), 'Big store item ' || i, 'Bench ' || (i % 20) from generate_series(0, ${BIG_STORE.items - 1}) i`;
    await client`insert into promotions (external_id, name, start_date, end_date, uplift)
      select 'BENCH-AD-' || p, 'Week flyer ' || p, current_date - (p % 5), current_date + 3 + (p % 17), 1.6 from generate_series(1, 25) p`;
    // h: a per-item number in [0, 1) that is the same in every run
    await client`insert into stock_risks (store_id, item_id, computed_at, advertised, promotion_id, promotion_end, on_hand,
        projected_stockout_date, days_of_cover, probability_before_promotion_end, probability_before_next_delivery,
        probability_within_horizon, quantity_to_last_promotion, next_delivery_date, next_delivery_quantity, next_delivery_source,
        probability, model_method, stock_observed_at, sales_through)
      select ${big.id}, it.id, now(), x.h1 < 0.1, case when x.h1 < 0.1 then p.id end, case when x.h1 < 0.1 then p.end_date end,
        (x.h2 * 120)::int, case when x.h3 < 0.12 then null else current_date + (x.h3 * 60)::int end, x.h3 * 60,
        case when x.h1 < 0.1 then x.h4 end, case when x.h2 < 0.35 then x.h4 end, least(1, x.h4 + 0.05),
        case when x.h1 < 0.1 then 6 + (x.h2 * 120)::int end, case when x.h2 < 0.35 then current_date + 1 + (x.h2 * 20)::int end,
        case when x.h2 < 0.35 then 24 end, case when x.h2 < 0.35 then 'loaded' end,
        x.h4, 'negative_binomial', now() - interval '6 hours', current_date - 1
      from items it
      cross join lateral (select ((hashtext(it.sku || 'a') & 65535) / 65536.0) as h1, ((hashtext(it.sku || 'b') & 65535) / 65536.0) as h2,
                                 ((hashtext(it.sku || 'c') & 65535) / 65536.0) as h3, ((hashtext(it.sku || 'd') & 65535) / 65536.0) as h4) x
      join promotions p on p.external_id = 'BENCH-AD-' || (1 + (hashtext(it.sku) & 65535) % 25)
      where it.sku like 'B5K-%'`;
    await client`analyze`;
    const [counted] = await client<{ n: number }[]>`select count(*)::int as n from stock_risks
      where store_id = ${big.id} and probability >= 0.5 and (projected_stockout_date <= current_date + 28 or promotion_end <= current_date + 28)`;
    const key = await createApiKey(db, { name: "bench", storeIds: null });
    return { apiKey: key.key, bigAtRisk: counted!.n };
  } finally {
    await client.end({ timeout: 5 });
    await handle.close();
  }
}

/**
 * The next 100-row batch of a store: a window of its items moving along the catalogue, on hand drawn anew (drops are
 * derived sales, rises receipts), observed now, about one row in ten with the day's units sold as the POS reports them.
 */
function stockBatches(): (store: number) => Array<{ store: string; sku: string; onHand: number; observedAt: string; soldUnits?: number }> {
  const cursor = new Map<number, number>();
  let draws = 0x2545f491;
  const random = () => {
    draws ^= draws << 13;
    draws ^= draws >>> 17;
    draws ^= draws << 5;
    return (draws >>> 0) / 2 ** 32;
  };
  return (store) => {
    const start = cursor.get(store) ?? 0;
    cursor.set(store, (start + BATCH_ROWS) % WRITE_ITEMS);
    const observedAt = new Date().toISOString();
    return Array.from({ length: BATCH_ROWS }, (_, k) => {
      const item = (start + k) % WRITE_ITEMS;
      const onHand = Math.floor(random() * 80);
      const row = { store: writeStoreCode(store), sku: skuOf(store, item), onHand, observedAt };
      return random() < 0.1 ? { ...row, soldUnits: Math.floor(random() * 12) } : row;
    });
  };
}

/**
 * The floor of the write on this server: each batch's rows in one INSERT … ON CONFLICT DO UPDATE into a table keyed
 * like stock_levels, one transaction per batch, over a pool of as many connections as the client has, no HTTP.
 */
async function plainSqlWrites(databaseUrl: string, options: BenchOptions, nextBatch: ReturnType<typeof stockBatches>): Promise<LoadResult> {
  const client = postgres(databaseUrl, { max: options.connections, onnotice: () => {} });
  try {
    await client`create table bench_plain_stock (store text not null, sku text not null, on_hand int not null, observed_at timestamptz not null, primary key (store, sku))`;
    const latencies: number[] = [];
    const warmUpEnds = performance.now() + options.warmUpSeconds * 1000;
    const ends = warmUpEnds + options.seconds * 1000;
    const loop = async (connection: number) => {
      while (performance.now() < ends) {
        const rows = client.json(nextBatch(1 + (connection % WRITE_STORES)));
        const started = performance.now();
        await client.begin(async (tx) => {
          await tx`insert into bench_plain_stock (store, sku, on_hand, observed_at)
            select store, sku, "onHand", "observedAt" from jsonb_to_recordset(${rows}::jsonb) as x(store text, sku text, "onHand" int, "observedAt" timestamptz)
            on conflict (store, sku) do update set on_hand = excluded.on_hand, observed_at = excluded.observed_at`;
        });
        const finished = performance.now();
        if (started >= warmUpEnds && finished <= ends) latencies.push(finished - started);
      }
    };
    await Promise.all(Array.from({ length: options.connections }, (_, i) => loop(i)));
    return { requests: latencies.length, seconds: options.seconds, latencies };
  } finally {
    await client.end({ timeout: 5 });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The run

interface Step {
  label: string;
  result: LoadResult;
  goal?: { rps?: number; p99: number };
}

const rate = (result: LoadResult) => result.requests / result.seconds;
const formatMs = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;

function report(steps: Step[], healthz: LoadResult): string[] {
  const label = (text: string) => text.padEnd(34);
  const lines = [`${label("")}${"req/s".padStart(9)}${"p50".padStart(11)}${"p99".padStart(11)}${"healthz/this".padStart(14)}  goal`];
  for (const step of steps) {
    const rps = rate(step.result);
    const p99 = percentile(step.result.latencies, 99);
    const goal = step.goal
      ? `${step.goal.rps ? `≥ ${formatCount(step.goal.rps)} req/s, ` : ""}p99 < ${step.goal.p99} ms → ${(step.goal.rps === undefined || rps >= step.goal.rps) && p99 < step.goal.p99 ? "PASS" : "FAIL"}`
      : "";
    lines.push(
      `${label(step.label)}${formatCount(rps).padStart(9)}${formatMs(median(step.result.latencies)).padStart(11)}${formatMs(p99).padStart(11)}` +
        `${formatRatio(rate(healthz) / rps).padStart(14)}  ${goal}`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) return;
  const database = await createBenchDatabase(options.adminUrl!, "shelfwatch_bench_http");
  const dataDir = await mkdtemp(join(tmpdir(), "shelfwatch-bench-http-"));
  mkdirSync(benchDir, { recursive: true });
  const logFile = join(benchDir, "http-service.log");
  let service: Service | null = null;
  process.once("SIGINT", () => {
    process.stdout.write("\ninterrupted; cleaning up\n");
    void Promise.allSettled([service?.stop(), database.drop()]).finally(() => process.exit(130));
  });
  try {
    process.stdout.write(`http benchmark on PostgreSQL (database ${database.name}), ${options.connections} connections, ${options.seconds} s a step after ${options.warmUpSeconds} s of warm-up\n`);
    service = await startService({ databaseUrl: database.url, dataDir, logFile, logLevel: options.logLevel });
    const { apiKey, bigAtRisk } = await seedData(database.url);
    process.stdout.write(
      `  service: src/index.ts on port ${service.port}, demo seed (S01, S02: 40 items each), log level ${options.logLevel} (${logFile})\n` +
        `  data: ${WRITE_STORES} stores × ${formatCount(WRITE_ITEMS)} items with stock; ${BIG_STORE.code} with ${formatCount(BIG_STORE.items)} risk rows, ${formatCount(bigAtRisk)} at risk by the default filters\n`,
    );
    const base = { port: service.port, apiKey, connections: options.connections, seconds: options.seconds, warmUpSeconds: options.warmUpSeconds };
    const nextBatch = stockBatches();
    const stockShot = (store: number): Shot => ({ method: "POST", path: "/v1/stock", body: JSON.stringify({ rows: nextBatch(store) }) });
    const loadAtStart = loadavg()[0]!;
    const healthz = await load({ ...base, next: () => ({ method: "GET", path: "/healthz" }) });
    const steps: Step[] = [
      { label: "GET /healthz", result: healthz },
      { label: "GET at-risk, S01 (40 items)", result: await load({ ...base, next: () => ({ method: "GET", path: "/v1/stores/S01/at-risk" }) }), goal: GOALS.atRisk40 },
      {
        label: `GET at-risk, ${BIG_STORE.code} (${formatCount(BIG_STORE.items)} items)`,
        result: await load({ ...base, next: () => ({ method: "GET", path: `/v1/stores/${BIG_STORE.code}/at-risk` }) }),
        goal: GOALS.atRisk5000,
      },
      {
        label: `POST /v1/stock, ${WRITE_STORES} stores`,
        result: await load({ ...base, next: (connection) => stockShot(1 + (connection % WRITE_STORES)) }),
        goal: GOALS.stock,
      },
      { label: "POST /v1/stock, one store", result: await load({ ...base, next: () => stockShot(1) }) },
      { label: "plain SQL upsert of the batches", result: await plainSqlWrites(database.url, options, nextBatch) },
    ];
    const loadAtEnd = loadavg()[0]!;
    const lines = [
      "",
      `${options.connections} connections, ${options.seconds} s a step, ${BATCH_ROWS}-row batches; load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} on ${availableParallelism()} CPUs`,
      ...report(steps, healthz),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await service?.stop();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
