/**
 * Dashboard benchmark: the at-risk page of one store with 5,000 items, rendered by the real app for a signed-in store
 * manager (`GET /dashboard?store=…`, capped at AT_RISK_ROW_CAP rows), against the plain JSON listing of the same rows
 * (`GET /v1/stores/:store/at-risk` with an API key) in the same run, the requests interleaved.
 *
 *   npm run bench:dashboard                               # 5,000 items, 50 timed requests of each kind, PGlite
 *   npm run bench:dashboard -- --items 1000 --requests 10 # a quick check
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:dashboard   # on PostgreSQL
 *
 * Requests go through `app.request()` in this process, as the tests send them: the time is the server's (routing,
 * session or API key, queries, rendering, reading the whole body), without sockets. Without BENCH_DATABASE_URL (or
 * DATABASE_URL) the run uses a new file-backed PGlite database in a temporary folder; with it, the URL is the admin URL
 * of a PostgreSQL server where the run creates its own database and drops it at the end.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AT_RISK_DEFAULTS } from "../../src/alerts/at-risk.js";
import { addDays } from "../../src/alerts/risk-inputs.js";
import { createApp, type App } from "../../src/app.js";
import { systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { AT_RISK_ROW_CAP } from "../../src/dashboard/dashboard.routes.js";
import { createUser } from "../../src/dashboard/users.js";
import { queryRows, type Database } from "../../src/db/client.js";
import { deliveries, items, promotionItems, promotions, promotionStores, stockRisks } from "../../src/db/schema/index.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { SESSION_COOKIE, startSession } from "../../src/http/sessions.js";
import { createLogger } from "../../src/log.js";
import { createStore } from "../../src/stores/store-admin.js";
import { localDateAt } from "../../src/stores/store-directory.js";
import {
  benchAdminUrl,
  benchDatabaseOptions,
  dropScratchDatabasesOnInterrupt,
  formatCount,
  formatRatio,
  median,
  openScratchDatabase,
  parseBenchOptions,
  percentile,
} from "./bench-support.js";

const GOAL_MS = 200;
const STORE = { code: "B001", name: "Bench store B001 Main Street", timeZone: "America/New_York" };
const CATEGORIES = [
  "Produce", "Bakery", "Dairy", "Meat", "Seafood", "Deli", "Frozen", "Pantry", "Snacks", "Beverages",
  "Breakfast", "Baby", "Pet", "Household", "Personal care", "Health", "Wine", "Beer", "Flowers", "Seasonal",
];
const PROMOTIONS = 25;
const INSERT_CHUNK = 1000;

const optionsSchema = z.object({
  items: z.coerce.number().int().min(1).max(100_000),
  requests: z.coerce.number().int().min(1).max(10_000),
  warmUp: z.coerce.number().int().min(0).max(1000),
  ...benchDatabaseOptions,
});
type BenchOptions = z.infer<typeof optionsSchema>;

function readOptions(): BenchOptions | null {
  const { values } = parseArgs({
    options: {
      items: { type: "string" },
      requests: { type: "string" },
      "warm-up": { type: "string" },
      "log-level": { type: "string", default: "warn" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write("usage: npm run bench:dashboard -- [--items 5000] [--requests 50] [--warm-up 10] [--log-level warn]\n");
    return null;
  }
  return parseBenchOptions(optionsSchema, {
    items: (values.items ?? process.env.BENCH_DASHBOARD_ITEMS ?? "5000").replaceAll("_", "").replaceAll(",", ""),
    requests: values.requests ?? process.env.BENCH_DASHBOARD_REQUESTS ?? "50",
    warmUp: values["warm-up"] ?? "10",
    logLevel: values["log-level"],
    adminUrl: benchAdminUrl(),
  });
}

/** A number in [0, 1) that is the same for the same item and purpose in every run. */
function draw(item: number, purpose: number): number {
  let h = Math.imul(item + 1, 0x9e3779b1) ^ Math.imul(purpose + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) await insert(rows.slice(start, start + INSERT_CHUNK));
}

interface BenchStore {
  storeId: number;
  /** rows the at-risk filters (the defaults) match */
  atRisk: number;
  advertised: number;
  withDelivery: number;
}

/**
 * One store's catalogue and the risk the sweep last wrote for each item (setup, not timed): about 10 % advertised in one
 * of 25 promotions, probabilities spread over the whole range, projected stockouts over two months (a few none), a
 * third with a delivery on its way. Dates are relative to the store's today, so that the horizon cuts as it would.
 */
async function buildStore(db: Database, count: number, now: Date): Promise<BenchStore> {
  const store = await createStore(db, { ...STORE, aliases: ["Main Street"] });
  const today = localDateAt(now, STORE.timeZone);

  const itemRows = await (async () => {
    const ids: number[] = [];
    const values = Array.from({ length: count }, (_, i) => ({
      sku: String(400_000 + i).padStart(10, "0"),
      name: `Bench item ${i + 1} ${[250, 500, 750, 1000][i % 4]} g`,
      category: CATEGORIES[Math.floor(draw(i, 1) * CATEGORIES.length)]!,
    }));
    await insertChunked(values, async (chunk) => {
      const inserted = await db.insert(items).values(chunk).returning({ id: items.id });
      ids.push(...inserted.map((row) => row.id));
    });
    return ids;
  })();

  const promotionIds: Array<{ id: number; endDate: string }> = [];
  for (let p = 0; p < PROMOTIONS; p += 1) {
    const startDate = addDays(today, -Math.floor(draw(p, 2) * 7));
    const endDate = addDays(today, 2 + Math.floor(draw(p, 3) * 20));
    const [row] = await db
      .insert(promotions)
      .values({ externalId: `BENCH-AD-${String(p + 1).padStart(3, "0")}`, name: `Week flyer ${p + 1}`, startDate, endDate, uplift: 1.5 + draw(p, 4) })
      .returning({ id: promotions.id });
    promotionIds.push({ id: row!.id, endDate });
  }
  await db.insert(promotionStores).values(promotionIds.map((p) => ({ promotionId: p.id, storeId: store.id })));

  const promoted: Array<{ promotionId: number; itemId: number }> = [];
  const expected: Array<typeof deliveries.$inferInsert> = [];
  const risks: Array<typeof stockRisks.$inferInsert> = itemRows.map((itemId, i) => {
    const advertised = draw(i, 5) < 0.1;
    const promotion = advertised ? promotionIds[Math.floor(draw(i, 6) * PROMOTIONS)]! : null;
    if (promotion) promoted.push({ promotionId: promotion.id, itemId });
    const stockoutInDays = draw(i, 7) < 0.12 ? null : Math.floor(draw(i, 8) * 60);
    const delivery = draw(i, 9) < 0.35 ? { date: addDays(today, 1 + Math.floor(draw(i, 10) * 10)), quantity: 12 * (1 + Math.floor(draw(i, 11) * 8)) } : null;
    if (delivery) expected.push({ storeId: store.id, itemId, reference: `PO-${100_000 + i}`, quantity: delivery.quantity, expectedDate: delivery.date });
    // advertised items lean likely, the rest spread over the whole range
    const probability = Math.round((advertised ? 0.3 + 0.69 * draw(i, 12) : 0.01 + 0.98 * draw(i, 12)) * 1000) / 1000;
    const onHand = stockoutInDays === null ? 40 + Math.floor(draw(i, 13) * 200) : Math.floor(draw(i, 13) * 120);
    return {
      storeId: store.id,
      itemId,
      computedAt: now,
      advertised,
      promotionId: promotion?.id ?? null,
      promotionEnd: promotion?.endDate ?? null,
      onHand,
      projectedStockoutDate: stockoutInDays === null ? null : addDays(today, stockoutInDays),
      daysOfCover: stockoutInDays === null ? 90 : stockoutInDays + draw(i, 14),
      probabilityBeforePromotionEnd: advertised ? probability : null,
      probabilityBeforeNextDelivery: delivery ? probability : null,
      probabilityWithinHorizon: Math.min(1, probability + 0.05),
      quantityToLastPromotion: advertised ? 6 + Math.floor(draw(i, 15) * 120) : null,
      nextDeliveryDate: delivery?.date ?? null,
      nextDeliveryQuantity: delivery?.quantity ?? null,
      probability,
      modelMethod: draw(i, 16) < 0.8 ? "negative_binomial" : "poisson",
      stockObservedAt: new Date(now.getTime() - 6 * 3600_000),
      salesThrough: addDays(today, -1),
    };
  });
  await insertChunked(promoted, (chunk) => db.insert(promotionItems).values(chunk));
  await insertChunked(expected, (chunk) => db.insert(deliveries).values(chunk));
  await insertChunked(risks, (chunk) => db.insert(stockRisks).values(chunk));
  await db.execute(sql`analyze`);

  const horizonEnd = addDays(today, AT_RISK_DEFAULTS.horizonDays);
  const [counted] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from stock_risks
        where store_id = ${store.id} and probability >= ${AT_RISK_DEFAULTS.minProbability}
          and (projected_stockout_date <= ${horizonEnd}::date or promotion_end <= ${horizonEnd}::date)`,
  );
  return { storeId: store.id, atRisk: counted!.n, advertised: promoted.length, withDelivery: expected.length };
}

interface Side {
  label: string;
  path: string;
  headers: Record<string, string>;
  /** the SKUs of the rows the answer lists, in order */
  skus(body: string): string[];
  times: number[];
}

const PAGE_ROW = /<tr><th scope="row"><a href="\/dashboard\/stores\/[^/]+\/items\/([^"]+)">/g;

function pageSkus(html: string): string[] {
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(html)?.[1] ?? "";
  return [...body.matchAll(PAGE_ROW)].map((m) => decodeURIComponent(m[1]!));
}

function jsonSkus(text: string): string[] {
  return (JSON.parse(text) as { items: Array<{ sku: string }> }).items.map((item) => item.sku);
}

/** One request through the whole app, timed until the last byte of the body is read. */
async function timeRequest(app: App, side: Side): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const res = await app.request(side.path, { headers: side.headers });
  const body = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${side.label}: GET ${side.path} answered ${res.status}: ${body.slice(0, 300)}`);
  return { ms, body };
}

const formatMs = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) return;
  dropScratchDatabasesOnInterrupt();
  const driver = options.adminUrl ? "PostgreSQL" : "PGlite";
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined, LOG_LEVEL: options.logLevel });
  const log = createLogger(options.logLevel);
  const database = await openScratchDatabase(options.adminUrl, "dashboard");
  try {
    process.stdout.write(`dashboard benchmark: ${formatCount(options.items)} items in one store, ${options.requests} timed requests of each kind after ${options.warmUp} warm-up, ${driver}\n`);
    process.stdout.write(`  database: ${database.label}\n  requests: in process through createApp(…).request(), no sockets\n`);
    const { db } = database.handle;
    await database.handle.migrate();
    const now = systemClock.now();
    const built = await buildStore(db, options.items, now);
    const user = await createUser(db, { email: "manager@b001.example", name: "Bench manager", role: "manager", storeIds: [built.storeId], password: "bench password that is long enough" }, now);
    const session = await startSession(db, user.id, { now, hours: config.DASHBOARD_SESSION_HOURS });
    const apiKey = await createApiKey(db, { name: "bench", storeIds: [built.storeId] });
    await database.flush();
    process.stdout.write(
      `  store ${STORE.code}: ${formatCount(options.items)} items with a risk row, ${formatCount(built.advertised)} advertised in ${PROMOTIONS} promotions, ` +
        `${formatCount(built.withDelivery)} with a delivery on its way; ${formatCount(built.atRisk)} at risk by the default filters ` +
        `(probability ≥ ${AT_RISK_DEFAULTS.minProbability}, within ${AT_RISK_DEFAULTS.horizonDays} days)\n`,
    );

    const app = createApp({ db, config, clock: systemClock, log });
    const store = encodeURIComponent(STORE.code);
    const page: Side = { label: "page", path: `/dashboard?store=${store}`, headers: { cookie: `${SESSION_COOKIE}=${session.token}` }, skus: pageSkus, times: [] };
    const bearer = { authorization: `Bearer ${apiKey.key}` };
    const jsonDefault: Side = { label: "JSON (default limit)", path: `/v1/stores/${store}/at-risk`, headers: bearer, skus: jsonSkus, times: [] };
    const jsonSame: Side = { label: `JSON limit=${AT_RISK_ROW_CAP}`, path: `/v1/stores/${store}/at-risk?limit=${AT_RISK_ROW_CAP}`, headers: bearer, skus: jsonSkus, times: [] };
    const sides = [page, jsonDefault, jsonSame];

    // the answers list the same rows in the same order
    const listed = new Map<Side, string[]>();
    for (const side of sides) listed.set(side, side.skus((await timeRequest(app, side)).body));
    const pageRows = listed.get(page)!;
    const capped = built.atRisk > AT_RISK_ROW_CAP;
    if (pageRows.length !== Math.min(built.atRisk, AT_RISK_ROW_CAP)) throw new Error(`the page lists ${pageRows.length} rows, expected ${Math.min(built.atRisk, AT_RISK_ROW_CAP)}`);
    for (const side of [jsonDefault, jsonSame]) {
      const rows = listed.get(side)!;
      const shared = Math.min(rows.length, pageRows.length);
      const differs = rows.slice(0, shared).findIndex((sku, i) => sku !== pageRows[i]);
      if (differs !== -1) throw new Error(`${side.label} row ${differs + 1} is SKU ${rows[differs]}, the page's is ${pageRows[differs]}`);
    }
    process.stdout.write(
      `  rows returned: page ${pageRows.length}${capped ? ` (capped at AT_RISK_ROW_CAP = ${AT_RISK_ROW_CAP} of ${formatCount(built.atRisk)} at risk; it asks for ${AT_RISK_ROW_CAP + 1} to know)` : ""}, ` +
        `${jsonDefault.label} ${listed.get(jsonDefault)!.length}, ${jsonSame.label} ${listed.get(jsonSame)!.length}; ` +
        `the first ${Math.min(pageRows.length, listed.get(jsonSame)!.length)} rows are the same, in the same order\n`,
    );

    for (let i = 0; i < options.warmUp; i += 1) for (const side of sides) await timeRequest(app, side);
    const loadAtStart = loadavg()[0]!;
    let pageBytes = 0;
    for (let i = 0; i < options.requests; i += 1) {
      // rotate which goes first, so that a machine getting busier or quieter does not favour one of them
      for (let k = 0; k < sides.length; k += 1) {
        const side = sides[(i + k) % sides.length]!;
        const { ms, body } = await timeRequest(app, side);
        side.times.push(ms);
        if (side === page) pageBytes = body.length;
      }
    }
    const loadAtEnd = loadavg()[0]!;

    const pageMedian = median(page.times);
    const label = (text: string) => text.padEnd(26);
    const lines = [
      "",
      `at-risk page of ${formatCount(options.items)} items on ${driver}, ${options.requests} requests of each kind interleaved; ` +
        `load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} on ${availableParallelism()} CPUs`,
      `${label("")}${"rows".padEnd(7)}${"median".padEnd(11)}${"p95".padEnd(11)}page / this`,
      ...sides.map(
        (side) =>
          `${label(side === page ? "page (HTML)" : side.label)}${String(listed.get(side)!.length).padEnd(7)}${formatMs(median(side.times)).padEnd(11)}` +
          `${formatMs(percentile(side.times, 95)).padEnd(11)}${side === page ? "" : formatRatio(pageMedian / median(side.times))}`,
      ),
      `page size ${formatCount(pageBytes)} characters; the page shows ${pageRows.length} rows${capped ? ` (its cap), the JSON listing ${listed.get(jsonDefault)!.length} by default: ${jsonSame.label} is the like-for-like comparison` : ""}`,
      `goal: page median < ${GOAL_MS} ms → ${pageMedian < GOAL_MS ? "PASS" : "FAIL"} (${formatMs(pageMedian)})`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await database.drop();
  }
}

await main();
