/**
 * Risk sweep benchmark: a full `runSweep` over every store-item of a chain in PostgreSQL, against a plain SELECT of the
 * same input rows (stock joined to items, 84 days of daily sales, the days around older promotions of the past year,
 * promotions, deliveries, receipts) through the same driver.
 *
 *   npm run bench:sweep                                   # 10 stores × 10,000 items, median of 3 runs
 *   npm run bench:sweep -- --stores 2 --items 2000 --runs 1   # a quick check
 *
 * BENCH_DATABASE_URL names the admin URL of the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test);
 * each run creates its own database there, loads generated data in SQL and drops the database at the end.
 */
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { addDays } from "../../src/alerts/risk-inputs.js";
import { HISTORY_DAYS, HORIZON_DAYS, LOOKAHEAD_DAYS, runSweep } from "../../src/alerts/sweep.js";
import { BASELINE_HALF_WIDTH_DAYS, REPLENISHMENT_WINDOW_DAYS, UPLIFT_WINDOW_DAYS } from "../../src/forecast/index.js";
import { loadConfig } from "../../src/config.js";
import { openDatabase, queryRows, type Database } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { localDateAt } from "../../src/stores/store-directory.js";
import { createBenchDatabase, flushDirtyPages, formatCount, formatRatio, formatSeconds, median, storeCode, type BenchDatabase } from "./bench-support.js";

const GOAL_SECONDS = 30;
// zones of one continent, so that every store's local "today" matches the server's current_date the data is built from
const TIME_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"];
const CATEGORIES = 20;

export type SweepBenchDatabase = BenchDatabase;

/** A new database named for this benchmark. */
export function createSweepBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  return createBenchDatabase(adminUrl, "shelfwatch_bench_sweep");
}

export interface LoadedData {
  storeItems: number;
  salesRows: number;
  promotions: number;
  promotedItems: number;
  deliveries: number;
  seconds: number;
}

/**
 * Fills a migrated database with a chain in SQL: every store stocks every item; sales are sparse the way real ones are
 * (a slow item sells on few days and a day without sales has no row), a few percent of days were stockouts.
 */
export async function loadSweepData(sqlClient: postgres.Sql, stores: number, items: number, progress: (line: string) => void = () => {}): Promise<LoadedData> {
  const started = performance.now();
  const step = async (label: string, statement: string) => {
    const t = performance.now();
    await sqlClient.unsafe(statement);
    progress(`  ${label} ${formatSeconds((performance.now() - t) / 1000)}`);
  };
  // the same pseudo-random data in every run (one connection, so one session's seed)
  await sqlClient.unsafe(`select setseed(0.42)`);
  // loading, not the measured work: no need to wait for each commit's WAL flush
  await sqlClient.unsafe(`set synchronous_commit = off`);
  const storeRows = Array.from({ length: stores }, (_, i) => `('${storeCode(i)}', 'Bench store ${storeCode(i)}', '${TIME_ZONES[i % TIME_ZONES.length]}')`);
  await step("stores", `insert into stores (code, name, time_zone) values ${storeRows.join(", ")}`);
  await step(
    "items",
    `insert into items (sku, name, category)
     select lpad(n::text, 10, '0'), 'Bench item ' || n, 'category-' || lpad((abs(hashint4(n * 31)) % ${CATEGORIES})::text, 2, '0')
     from generate_series(1, ${items}) n`,
  );
  // an empty shelf has been empty for a day or a few
  await step(
    "stock_levels",
    `insert into stock_levels (store_id, item_id, on_hand, observed_at, out_of_stock_since, updated_at)
     select store_id, item_id, on_hand, now(), case when on_hand = 0 then now() - (1 + floor(random() * 5)) * interval '1 day' end, now()
     from (select s.id as store_id, i.id as item_id, floor(random() * 201)::int as on_hand from stores s cross join items i) q
     order by store_id, item_id`,
  );
  // velocity per item: 30 % sell every day, 30 % on about 70 % of days, 40 % on about 30 % of days (≈ 63 % of 84 days overall)
  for (let store = 1; store <= stores; store += 1) {
    await step(
      `daily_sales store ${store}/${stores}`,
      `insert into daily_sales (store_id, item_id, sales_date, units, source, stockout)
       select store_id, item_id, sales_date,
              case when stockout then floor(units / 3) else units end, 'reported', stockout
       from (
         select s.store_id, s.item_id, d::date as sales_date, v.class,
                case v.class when 0 then 1 + floor(random() * 15)::int when 1 then 1 + floor(random() * 4)::int else 1 + floor(random() * 2)::int end as units,
                random() < 0.03 as stockout,
                random() as draw
         from stock_levels s
         cross join lateral (select case when abs(hashint4(s.item_id)) % 10 < 3 then 0 when abs(hashint4(s.item_id)) % 10 < 6 then 1 else 2 end as class) v
         cross join generate_series(current_date - ${HISTORY_DAYS}, current_date - 1, interval '1 day') d
         where s.store_id = ${store}
       ) days
       where draw < case class when 0 then 1.0 when 1 then 0.7 else 0.3 end
       order by store_id, item_id, sales_date`,
    );
  }
  // a few hundred promotions: a quarter running now, a quarter in the past 84 days, a quarter starting within 10 days,
  // a quarter 90 to 350 days ago (their items' uplift is learned from them)
  const promotionCount = Math.max(6, Math.round(items * 0.03));
  await step(
    "promotions",
    `insert into promotions (external_id, name, start_date, end_date, uplift, all_stores)
     select 'PROMO-' || n, 'Bench promotion ' || n, start_date, start_date + (7 + floor(random() * 8))::int,
            case when n % 4 = 0 then 1.5 + round(random()::numeric, 2) end, n % 2 = 0
     from (select n, case n % 4
             when 0 then current_date - floor(random() * 7)::int
             when 1 then current_date - 80 + floor(random() * 55)::int
             when 2 then current_date + 2 + floor(random() * 9)::int
             else current_date - 350 + floor(random() * 245)::int end as start_date
           from generate_series(1, ${promotionCount}) n) w`,
  );
  await step(
    "promotion_stores",
    `insert into promotion_stores (promotion_id, store_id)
     select p.id, s.id from promotions p cross join stores s
     where not p.all_stores and ((s.id + p.id) % 2 = 0 or s.id = 1 + p.id % ${stores})`,
  );
  // 5 % of items, each in one promotion; one in four of them also in a second, so some have a promotion history
  await step(
    "promotion_items",
    `insert into promotion_items (promotion_id, item_id)
     select distinct promotion_id, item_id from (
       select 1 + abs(hashint4(i.id * 7)) % ${promotionCount} as promotion_id, i.id as item_id from items i where abs(hashint4(i.id * 13)) % 20 = 0
       union all
       select 1 + abs(hashint4(i.id * 11)) % ${promotionCount}, i.id from items i where abs(hashint4(i.id * 13)) % 80 = 0
     ) picks`,
  );
  // the sales of the days around promotions older than the 84 days above, as a store keeps a year of them: the same
  // velocity classes, twice the units on promoted days
  await step(
    "daily_sales around older promotions",
    `insert into daily_sales (store_id, item_id, sales_date, units, source, stockout)
     select store_id, item_id, sales_date, units * case when promoted then 2 else 1 end, 'reported', random() < 0.03
     from (
       select s.store_id, s.item_id, d::date as sales_date, bool_or(d::date between p.start_date and p.end_date) as promoted,
              case min(v.class) when 0 then 1 + floor(random() * 15)::int when 1 then 1 + floor(random() * 4)::int else 1 + floor(random() * 2)::int end as units,
              min(v.class) as class, random() as draw
       from promotions p
       join promotion_items pi on pi.promotion_id = p.id
       join stock_levels s on s.item_id = pi.item_id
         and (p.all_stores or exists (select 1 from promotion_stores ps where ps.promotion_id = p.id and ps.store_id = s.store_id))
       cross join lateral (select case when abs(hashint4(s.item_id)) % 10 < 3 then 0 when abs(hashint4(s.item_id)) % 10 < 6 then 1 else 2 end as class) v
       cross join generate_series(p.start_date - ${BASELINE_HALF_WIDTH_DAYS}, p.end_date + ${BASELINE_HALF_WIDTH_DAYS}, interval '1 day') d
       where d::date < current_date - ${HISTORY_DAYS} and d::date >= current_date - ${UPLIFT_WINDOW_DAYS}
       group by 1, 2, 3
     ) days
     where draw < case class when 0 then 1.0 when 1 then 0.7 else 0.3 end
     order by store_id, item_id, sales_date`,
  );
  // about 10 % of store-items wait for a delivery in the next 1–10 days
  await step(
    "deliveries",
    `insert into deliveries (store_id, item_id, reference, quantity, expected_date, status)
     select store_id, item_id, 'PO-' || store_id || '-' || (current_date + days), 12 * (1 + floor(random() * 8)::int), current_date + days, 'expected'
     from (select store_id, item_id, 1 + floor(random() * 10)::int as days, random() as draw from stock_levels) s
     where draw < 0.1`,
  );
  // the receipts a store's feed shows: each store-item topped up weekly, on its own weekday, over the 120 days the sweep
  // learns its replenishment from (a store without them would have every item look as if nothing were coming)
  await step(
    "stock_receipts",
    `insert into stock_receipts (store_id, item_id, receipt_date, units, on_hand_after, source)
     select s.store_id, s.item_id, d::date, 10 + floor(random() * 40)::int, 150 + floor(random() * 30)::int, 'observed'
     from stock_levels s
     cross join generate_series(current_date - 119 + abs(hashint4(s.item_id * 17 + s.store_id)) % 7, current_date, interval '7 days') d
     order by 1, 2, 3`,
  );
  await step("vacuum analyze", `vacuum analyze`);
  const [counts] = await sqlClient<{ store_items: number; sales_rows: number; promotions: number; promoted_items: number; deliveries: number }[]>`
    select (select count(*)::int from stock_levels) as store_items,
           (select count(*)::int from daily_sales) as sales_rows,
           (select count(*)::int from promotions) as promotions,
           (select count(distinct item_id)::int from promotion_items) as promoted_items,
           (select count(*)::int from deliveries) as deliveries`;
  return {
    storeItems: counts!.store_items,
    salesRows: counts!.sales_rows,
    promotions: counts!.promotions,
    promotedItems: counts!.promoted_items,
    deliveries: counts!.deliveries,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The floor: the rows the sweep reads, store by store through the same driver, as plain rows — no JSON aggregation
 * of the history in the database, no model, no writes.
 */
export async function selectSweepInputs(db: Database, now: Date): Promise<{ seconds: number; rows: number }> {
  const started = performance.now();
  let rows = 0;
  const stores = await queryRows<{ id: number; time_zone: string }>(db, sql`select id, time_zone from stores order by id`);
  for (const store of stores) {
    const today = localDateAt(now, store.time_zone);
    const historyStart = addDays(today, -HISTORY_DAYS);
    const upliftStart = addDays(today, -UPLIFT_WINDOW_DAYS);
    const lookaheadEnd = addDays(today, LOOKAHEAD_DAYS + HORIZON_DAYS);
    const stock = await queryRows(
      db,
      sql`select s.item_id, s.on_hand, s.observed_at, s.out_of_stock_since, i.category, i.sku, i.name
          from stock_levels s join items i on i.id = s.item_id
          where s.store_id = ${store.id}`,
    );
    // every sales row of the store belongs to one of its stock_levels rows, so the store and the dates select them
    const sales = await queryRows(
      db,
      sql`select item_id, sales_date, units, stockout from daily_sales
          where store_id = ${store.id} and sales_date >= ${historyStart}::date and sales_date < ${today}::date`,
    );
    const promotions = await queryRows(
      db,
      sql`select p.id as promotion_id, pi.item_id, p.start_date::text as start_date, p.end_date::text as end_date
          from promotions p join promotion_items pi on pi.promotion_id = p.id
          where p.end_date >= ${upliftStart}::date and p.start_date <= ${lookaheadEnd}::date
            and (p.all_stores or exists (select 1 from promotion_stores ps where ps.promotion_id = p.id and ps.store_id = ${store.id}))`,
    );
    // the days around the older of those promotions, before the recent history
    const pastSales = await queryRows(
      db,
      sql`select d.item_id, d.sales_date, d.units, d.stockout
          from daily_sales d
          where d.store_id = ${store.id} and d.sales_date >= ${upliftStart}::date and d.sales_date < ${historyStart}::date
            and exists (
              select 1 from promotions p join promotion_items pi on pi.promotion_id = p.id
              where pi.item_id = d.item_id and p.end_date >= ${upliftStart}::date and p.start_date < ${historyStart}::date
                and d.sales_date between p.start_date - ${BASELINE_HALF_WIDTH_DAYS}::int and p.end_date + ${BASELINE_HALF_WIDTH_DAYS}::int
                and (p.all_stores or exists (select 1 from promotion_stores ps where ps.promotion_id = p.id and ps.store_id = ${store.id})))`,
    );
    const deliveries = await queryRows(
      db,
      sql`select item_id, expected_date::text as expected_date, quantity from deliveries
          where store_id = ${store.id} and status = 'expected'`,
    );
    const receipts = await queryRows(
      db,
      sql`select item_id, receipt_date, units, on_hand_after from stock_receipts
          where store_id = ${store.id} and receipt_date >= ${addDays(today, 1 - REPLENISHMENT_WINDOW_DAYS)}::date and receipt_date <= ${today}::date`,
    );
    rows += stock.length + sales.length + promotions.length + pastSales.length + deliveries.length + receipts.length;
  }
  return { seconds: (performance.now() - started) / 1000, rows };
}

interface RunFigures {
  data: LoadedData;
  sweep: number;
  select: number;
  selectRows: number;
  load: [number, number];
}

// a run interrupted with Ctrl-C still drops its database
let cleanUpRun: (() => Promise<void>) | null = null;

function positiveInteger(name: string, text: string): number {
  const value = Number(text.replaceAll("_", "").replaceAll(",", ""));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1, got ${text}`);
  return value;
}

async function measureRun(run: number, adminUrl: string, stores: number, items: number): Promise<RunFigures> {
  const database = await createSweepBenchDatabase(adminUrl);
  const handle = openDatabase({ url: database.url, dataDir: "unused" });
  const loader = postgres(database.url, { max: 1, onnotice: () => {} });
  const cleanUp = async () => {
    await loader.end({ timeout: 5 });
    await handle.close();
    await database.drop();
  };
  cleanUpRun = cleanUp;
  try {
    process.stdout.write(`run ${run}: database ${database.name}\n`);
    await handle.migrate();
    const data = await loadSweepData(loader, stores, items, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(
      `  loaded ${formatCount(data.storeItems)} store-items, ${formatCount(data.salesRows)} sales rows, ${formatCount(data.promotions)} promotions ` +
        `on ${formatCount(data.promotedItems)} items, ${formatCount(data.deliveries)} deliveries in ${formatSeconds(data.seconds)}\n`,
    );
    const loadAtStart = loadavg()[0]!;
    const now = new Date();
    // the load's dirty pages are written now, not during either measurement
    await flushDirtyPages(loader);
    const select = await selectSweepInputs(handle.db, now);
    await flushDirtyPages(loader);
    const log = createLogger("silent");
    const started = performance.now();
    const result = await runSweep({ db: handle.db, log, config: loadConfig({ LOG_LEVEL: "silent" }) }, { now, full: true });
    const sweep = (performance.now() - started) / 1000;
    const [risks] = await loader<{ n: number }[]>`select count(*)::int as n from stock_risks`;
    if (risks!.n !== data.storeItems || result.storeItems !== data.storeItems) {
      throw new Error(`the sweep assessed ${result.storeItems} and stock_risks holds ${risks!.n} rows, expected ${data.storeItems}`);
    }
    return { data, sweep, select: select.seconds, selectRows: select.rows, load: [loadAtStart, loadavg()[0]!] };
  } finally {
    cleanUpRun = null;
    await cleanUp();
  }
}

function printSummary(stores: number, items: number, results: RunFigures[]): void {
  const storeItems = results[0]!.data.storeItems;
  const sweep = median(results.map((r) => r.sweep));
  const select = median(results.map((r) => r.select));
  const salesRows = median(results.map((r) => r.data.salesRows));
  const runs = results.length;
  const label = (text: string) => text.padEnd(17);
  const lines = [
    "",
    `risk sweep of ${formatCount(storeItems)} store-items (${stores} stores × ${formatCount(items)} items, ${formatCount(salesRows)} sales rows), ` +
      (runs === 1 ? "1 run" : `median of ${runs} runs`),
    `${label("")}${"time".padEnd(10)}store-items/s`,
    `${label("sweep")}${formatSeconds(sweep).padEnd(10)}${formatCount(storeItems / sweep)}`,
    `${label("plain SELECT")}${formatSeconds(select).padEnd(10)}${formatCount(storeItems / select)}`,
    `ratio (sweep / SELECT) ${formatRatio(sweep / select)};  goal: sweep < ${GOAL_SECONDS} s → ${sweep < GOAL_SECONDS ? "met" : "NOT met"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  const { values: options } = parseArgs({
    options: {
      stores: { type: "string", default: "10" },
      items: { type: "string", default: "10000" },
      runs: { type: "string", default: "3" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (options.help) {
    process.stdout.write("usage: npm run bench:sweep -- [--stores 10] [--items 10000] [--runs 3]\n");
    return;
  }
  const stores = positiveInteger("stores", options.stores!);
  const items = positiveInteger("items", options.items!);
  const runs = positiveInteger("runs", options.runs!);
  const adminUrl = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
  process.once("SIGINT", () => {
    process.stdout.write("\ninterrupted; cleaning up\n");
    void (cleanUpRun?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });

  const results: RunFigures[] = [];
  for (let run = 1; run <= runs; run += 1) {
    const figures = await measureRun(run, adminUrl, stores, items);
    results.push(figures);
    process.stdout.write(
      `run ${run}: sweep ${formatSeconds(figures.sweep)} (${formatCount(figures.data.storeItems / figures.sweep)} store-items/s), ` +
        `plain SELECT ${formatSeconds(figures.select)} (${formatCount(figures.selectRows)} rows), ratio ${formatRatio(figures.sweep / figures.select)}; ` +
        `load average ${figures.load[0].toFixed(1)} → ${figures.load[1].toFixed(1)} on ${availableParallelism()} CPUs\n`,
    );
  }
  printSummary(stores, items, results);
}

// importable by scratch scripts (for loadSweepData) without running the benchmark
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
