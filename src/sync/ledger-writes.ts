import { sql, type SQL } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { queryRows, type Database } from "../db/client.js";
import { COPY_NULL, CopyText, copyField, copyRows } from "../db/copy-rows.js";

/** A validated stock observation with its store and item resolved. */
export interface StockWrite {
  storeId: number;
  sku: string;
  onHand: number;
  observedAt: Date;
  reorderPoint?: number;
}

export interface SalesWrite {
  storeId: number;
  sku: string;
  salesDate: string;
  units: number;
}

export interface ItemFacts {
  sku: string;
  name?: string;
  category?: string;
  /** the unit of measure, normalised (see normaliseUnit) */
  unit?: string;
}

/**
 * Remembers item ids for SKUs seen during one import, and creates the items it has not seen.
 * Names, categories and units are filled in or corrected when an export carries them.
 */
export class ItemRegistry {
  private readonly ids = new Map<string, number>();

  constructor(private readonly maxCached = 500_000) {}

  idOf(sku: string): number | undefined {
    return this.ids.get(sku);
  }

  async ensure(db: Database, facts: Iterable<ItemFacts>): Promise<void> {
    const wanted = new Map<string, ItemFacts>();
    for (const item of facts) {
      if (this.ids.has(item.sku) && item.name === undefined && item.category === undefined && item.unit === undefined) continue;
      // a later row's name wins, but a row without one (another store's line) keeps what an earlier row said
      const known = wanted.get(item.sku);
      wanted.set(item.sku, {
        sku: item.sku,
        name: item.name ?? known?.name,
        category: item.category ?? known?.category,
        unit: item.unit ?? known?.unit,
      });
    }
    if (wanted.size === 0) return;
    if (this.ids.size + wanted.size > this.maxCached) this.ids.clear();
    const input = JSON.stringify(
      [...wanted.values()].map((i) => ({ sku: i.sku, name: i.name ?? null, category: i.category ?? null, unit: i.unit ?? null })),
    );
    const rows = await queryRows<{ id: number; sku: string }>(
      db,
      sql`with input as (
            select * from json_to_recordset(${input}::json) as t(sku text, name text, category text, unit text)
          ), written as (
            insert into items (sku, name, category, unit)
            -- in SKU order, so that two writers creating or renaming the same items wait for each other instead of deadlocking
            select sku, name, category, coalesce(unit, 'each') from input order by sku
            -- excluded.unit holds the default when the row gave none: the input says whether it did
            on conflict (sku) do update
              set name = coalesce(excluded.name, items.name), category = coalesce(excluded.category, items.category),
                  unit = coalesce((select unit from input where input.sku = excluded.sku), items.unit)
              where (excluded.name is not null and excluded.name is distinct from items.name)
                 or (excluded.category is not null and excluded.category is distinct from items.category)
                 or (excluded.unit is distinct from items.unit
                     and exists (select 1 from input where input.sku = excluded.sku and input.unit is not null))
            returning id, sku
          )
          select id, sku from written
          union all
          select items.id, items.sku from items join input using (sku)
          where not exists (select 1 from written where written.sku = items.sku)`,
    );
    for (const row of rows) this.ids.set(row.sku, Number(row.id));
  }
}

/**
 * The lock every writer of the ledger (stock levels, daily sales, receipts) takes in its transaction, so that drops in on hand are
 * measured against a settled previous value and rows are not moved under a writer that updates them by address.
 * A writer that knows its stores up front (a JSON post) locks only those, so that stores posting at once do not queue
 * behind each other; one that learns them as it reads (an import streaming a file) locks the whole ledger, which waits
 * for every store's writer and makes them wait. Store locks are taken in id order, so two writers cannot deadlock.
 * Re-entrant: taking it twice in one transaction, or a store's lock under the whole ledger's, is harmless.
 */
export async function lockStockApply(db: Database, storeIds?: Iterable<number>): Promise<void> {
  // a transaction's handle lives as long as the transaction: what it holds is remembered to spare a round trip (a
  // lock taken outside a transaction ends with its statement, so there is nothing to remember)
  const remember = (db as unknown) instanceof PgTransaction;
  const held = heldStockLocks.get(db);
  if (held === "ledger") return;
  if (storeIds === undefined) {
    await db.execute(sql`select pg_advisory_xact_lock(hashtext('shelfwatch:stock-apply'))`);
    if (remember) heldStockLocks.set(db, "ledger");
    return;
  }
  const wanted = [...new Set(storeIds)].filter((id) => !held?.has(id)).sort((a, b) => a - b);
  if (held && wanted.length === 0) return;
  // the array's order is the locking order: unnest keeps it
  await db.execute(
    sql`select pg_advisory_xact_lock_shared(hashtext('shelfwatch:stock-apply')),
               (select count(pg_advisory_xact_lock(hashtext('shelfwatch:stock-apply-store'), id)) from unnest(${`{${wanted.join(",")}}`}::int[]) as id)`,
  );
  if (remember) heldStockLocks.set(db, new Set([...(held ?? []), ...wanted]));
}

const heldStockLocks = new WeakMap<Database, "ledger" | Set<number>>();

/** Columns of the staged rows and their types, in the order StockStage and SalesStage write them. */
// seq: the order in which rows were staged, so that of two rows for one key the later one wins (two location columns
// of one line can name the same store, so the file's line number does not order them)
const STOCK_STAGE_COLUMNS = { store_id: "int", sku: "text", on_hand: "numeric(14, 3)", observed_at: "timestamptz", reorder_point: "numeric(14, 3)", seq: "int" } as const;
const SALES_STAGE_COLUMNS = { store_id: "int", sku: "text", sales_date: "date", units: "numeric(14, 3)", seq: "int" } as const;

function columnDefinitions(columns: Record<string, string>): SQL {
  return sql.raw(Object.entries(columns).map(([name, type]) => `${name} ${type}`).join(", "));
}

/**
 * Rows staged in memory rather than copied into a temporary table, as JSON arrays in the column order: the write reads
 * them as a parameter. A small batch (a JSON post) then costs no table created and dropped, no COPY round trips, and
 * the same statement text every time, which the server plans once per connection.
 */
class InlineRows {
  private readonly rows: unknown[][] = [];

  constructor(private readonly columns: Record<string, string>) {}

  add(row: unknown[]): void {
    this.rows.push(row);
  }

  /** The rows as a relation with the staging table's columns. */
  relation(): SQL {
    const names = Object.keys(this.columns);
    const records = JSON.stringify(this.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i] ?? null]))));
    return sql`(select * from json_to_recordset(${records}::json) as t(${columnDefinitions(this.columns)}))`;
  }
}

/**
 * Validated stock observations of one chunk, as COPY text for the staging table. Rows are appended as bytes rather
 * than kept as objects: a million-row export then costs a buffer per chunk instead of objects per row.
 */
export class StockStage {
  readonly text = new CopyText();
  /** set for a stage held in memory (see InlineRows); else the rows are COPY text */
  readonly inline: InlineRows | null;
  rows = 0;
  /** a (store, SKU) pair occurs twice in this chunk: the apply picks the newest observation, then the later line */
  hasDuplicates = false;
  /** the stores of this chunk's rows */
  readonly storeIds = new Set<number>();
  /**
   * whether a row's SKU may have no item yet; an import that saw every SKU of a chunk staged in an earlier chunk
   * (whose write created the items) clears it, and the write then skips looking for missing items
   */
  newSkus: boolean;
  private lastDate: Date | null = null;
  private lastDateText = "";

  constructor({ newSkus = true, inline = false }: { newSkus?: boolean; inline?: boolean } = {}) {
    this.newSkus = newSkus;
    this.inline = inline ? new InlineRows(STOCK_STAGE_COLUMNS) : null;
  }

  add(storeId: number, sku: string, onHand: number, observedAt: Date, reorderPoint: number | undefined): void {
    this.storeIds.add(storeId);
    if (this.inline) {
      this.inline.add([storeId, sku, onHand, observedAt.toISOString(), reorderPoint, this.rows]);
      this.rows += 1;
      return;
    }
    // most exports carry one observation time, so its text is built once
    if (observedAt !== this.lastDate) {
      this.lastDate = observedAt;
      this.lastDateText = observedAt.toISOString();
    }
    this.text.append(`${storeId}\t${copyField(sku)}\t${onHand}\t${this.lastDateText}\t${reorderPoint ?? COPY_NULL}\t${this.rows}\n`);
    this.rows += 1;
  }
}

/** Validated units sold of one chunk, as COPY text for the staging table. */
export class SalesStage {
  readonly text = new CopyText();
  /** the stores of this chunk's rows */
  readonly storeIds = new Set<number>();
  /** set for a stage held in memory (see InlineRows); else the rows are COPY text */
  readonly inline: InlineRows | null;
  rows = 0;

  constructor({ inline = false }: { inline?: boolean } = {}) {
    this.inline = inline ? new InlineRows(SALES_STAGE_COLUMNS) : null;
  }

  add(storeId: number, sku: string, salesDate: string, units: number): void {
    this.storeIds.add(storeId);
    if (this.inline) {
      this.inline.add([storeId, sku, salesDate, units, this.rows]);
      this.rows += 1;
      return;
    }
    this.text.append(`${storeId}\t${copyField(sku)}\t${salesDate}\t${units}\t${this.rows}\n`);
    this.rows += 1;
  }
}

/**
 * Writes staged chunks into the ledger within one transaction. The staging tables are temporary and dropped at
 * commit; one LedgerWriter serves one transaction.
 */
export class LedgerWriter {
  private staged = false;
  /** milliseconds spent copying into staging, creating items and writing the ledger, for the import's log line */
  readonly timings = { stageMs: 0, itemsMs: 0, writeMs: 0 };

  constructor(
    private readonly db: Database,
    private readonly batchId: number,
  ) {}

  private async timed<T>(phase: keyof LedgerWriter["timings"], step: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await step();
    } finally {
      this.timings[phase] += performance.now() - started;
    }
  }

  private async createStagingTables(): Promise<void> {
    if (this.staged) return;
    await this.db.execute(sql`create temp table stage_stock (${columnDefinitions(STOCK_STAGE_COLUMNS)}) on commit drop`);
    await this.db.execute(sql`create temp table stage_sales (${columnDefinitions(SALES_STAGE_COLUMNS)}) on commit drop`);
    this.staged = true;
  }

  /** A stage's rows as a relation: held in memory, or copied into its temporary table (emptied again by the caller). */
  private async stagedRows(stage: StockStage | SalesStage, table: "stage_stock" | "stage_sales"): Promise<SQL> {
    // callers take it first, before they read what they validate against; taking it here as well (it is re-entrant)
    // keeps a writer that forgot it from updating rows another transaction moved (see writeStock)
    await lockStockApply(this.db, stage.storeIds);
    if (stage.inline) return stage.inline.relation();
    await this.createStagingTables();
    const columns = Object.keys(table === "stage_stock" ? STOCK_STAGE_COLUMNS : SALES_STAGE_COLUMNS);
    await this.timed("stageMs", () => copyRows(this.db, table, columns, stage.text.bytes()));
    return sql.raw(table);
  }

  /** Creates the items of SKUs the ledger has not seen (names and categories come through ItemRegistry). */
  private async createMissingItems(staged: SQL): Promise<void> {
    // in SKU order, so that two writers creating the same new items wait for each other instead of deadlocking
    await this.db.execute(
      sql`insert into items (sku)
          select distinct x.sku from ${staged} x where not exists (select 1 from items i where i.sku = x.sku)
          order by x.sku
          on conflict (sku) do nothing`,
    );
  }

  /**
   * Applies stock observations: the newest observation per store and item wins, an older one arriving late changes
   * nothing, and the same observation again changes nothing. A drop in on hand between two observations is recorded
   * as derived units sold on the store-local day of the later one, unless the POS reported that day's sales itself; a
   * rise is recorded as a receipt (stock_receipts) on that day. Returns how many stock rows changed.
   *
   * Rows that exist are updated and new rows inserted, here and in daily_sales, instead of one INSERT ... ON CONFLICT:
   * that costs a speculative insertion per row and runs at half the speed (npm run bench:import). The split, and the
   * update by physical address, are safe because every writer of the ledger takes the stock-apply advisory lock: a
   * row another writer updated in between would have moved, and its update here would silently miss it.
   */
  async writeStock(stage: StockStage): Promise<number> {
    if (stage.rows === 0) return 0;
    const staged = await this.stagedRows(stage, "stage_stock");
    if (stage.newSkus) await this.timed("itemsMs", () => this.createMissingItems(staged));
    const input = stage.hasDuplicates
      ? sql`(select distinct on (store_id, sku) * from ${staged} x order by store_id, sku, observed_at desc, seq desc)`
      : staged;
    const batchId = this.batchId;
    // naming the chunk's stores lets the planner read their stock in one scan when a chunk holds most of a store's
    // items (a store-by-store export) instead of probing the key once per row; it still probes when that is cheaper
    const storeIds = `{${[...stage.storeIds].join(",")}}`;
    const [result] = await this.timed("writeMs", () => queryRows<{ changed: number; matched: number; staged: number }>(
      this.db,
      sql`with input as materialized (
            select x.store_id, i.id as item_id, x.on_hand, x.observed_at, x.reorder_point,
                   p.ctid as previous_row, p.on_hand as previous_on_hand, p.observed_at as previous_observed_at
            from ${input} x
            join items i on i.sku = x.sku
            left join (select ctid, * from stock_levels where store_id = any (${storeIds}::int[])) p
              on p.store_id = x.store_id and p.item_id = i.id
          ), updated as (
            update stock_levels s set
              on_hand = x.on_hand,
              observed_at = x.observed_at,
              reorder_point = coalesce(x.reorder_point, s.reorder_point),
              out_of_stock_since = case when x.on_hand > 0 then null else coalesce(s.out_of_stock_since, x.observed_at) end,
              batch_id = ${batchId},
              updated_at = now()
            from input x
            -- the rows are found by their physical address: a TID scan instead of a hash of the whole stock table
            where s.ctid = any (array(select previous_row from input where previous_row is not null)) and s.ctid = x.previous_row
              and (x.observed_at > x.previous_observed_at or (x.observed_at = x.previous_observed_at and x.on_hand <> x.previous_on_hand))
            returning s.store_id, s.item_id, s.on_hand, s.observed_at, x.previous_on_hand, x.previous_observed_at
          ), inserted as (
            insert into stock_levels (store_id, item_id, on_hand, observed_at, reorder_point, out_of_stock_since, batch_id, updated_at)
            select store_id, item_id, on_hand, observed_at, reorder_point, case when on_hand <= 0 then observed_at end, ${batchId}, now()
            from input where previous_row is null
            returning store_id, item_id, on_hand, observed_at, null::numeric as previous_on_hand, null::timestamptz as previous_observed_at
          ), written as (
            select * from updated union all select * from inserted
          ), received as (
            -- a rise in on hand is stock received, dated the store-local day of the later observation; two on one day
            -- add up. A received delivery already raised the previous value, so a later observation does not see it again
            insert into stock_receipts as r (store_id, item_id, receipt_date, units, on_hand_after, source, batch_id, updated_at)
            select w.store_id, w.item_id, (w.observed_at at time zone st.time_zone)::date, w.on_hand - w.previous_on_hand,
                   w.on_hand, 'observed', ${batchId}, now()
            from written w
            join stores st on st.id = w.store_id
            where w.observed_at > w.previous_observed_at and w.on_hand > w.previous_on_hand
            order by 1, 2, 3
            -- rises are about one row in seven: the speculative insertion costs less here than a split update
            on conflict (store_id, item_id, receipt_date) do update set
              units = r.units + excluded.units,
              on_hand_after = greatest(r.on_hand_after, excluded.on_hand_after),
              batch_id = excluded.batch_id,
              updated_at = excluded.updated_at
            returning 1
          ), derived as materialized (
            -- a drop in on hand is derived sales; on hand at or below zero marks the day as a stockout day. The input
            -- holds each store and item once, so each written row is one day's row: nothing to add up here
            select x.*, d.ctid as existing_row
            from (
              select w.store_id, w.item_id, (w.observed_at at time zone st.time_zone)::date as sales_date,
                     case when w.observed_at > w.previous_observed_at and w.previous_on_hand > w.on_hand
                          then w.previous_on_hand - w.on_hand else 0 end as units,
                     w.on_hand <= 0 as stockout
              from written w
              join stores st on st.id = w.store_id
              where (w.observed_at > w.previous_observed_at and w.previous_on_hand > w.on_hand) or w.on_hand <= 0
            ) x
            left join daily_sales d on d.store_id = x.store_id and d.item_id = x.item_id and d.sales_date = x.sales_date
          ), derived_updated as (
            update daily_sales d set
              -- a day the POS reported keeps its reported units
              units = case when d.source = 'derived' then d.units + x.units else d.units end,
              stockout = d.stockout or x.stockout,
              batch_id = ${batchId},
              updated_at = now()
            from derived x
            where d.ctid = any (array(select existing_row from derived where existing_row is not null)) and d.ctid = x.existing_row
            returning 1
          ), derived_inserted as (
            -- in key order, so that the inserts walk the primary key
            insert into daily_sales (store_id, item_id, sales_date, units, source, stockout, batch_id, updated_at)
            select store_id, item_id, sales_date, units, 'derived', stockout, ${batchId}, now()
            from derived where existing_row is null
            order by 1, 2, 3
            returning 1
          )
          select (select count(*) from written)::int as changed,
                 (select count(*) from derived_updated)::int + (select count(*) from derived_inserted)::int as daily_rows,
                 (select count(*) from received)::int as receipt_rows,
                 (select count(*) from input)::int as matched,
                 (select count(*) from ${input} x)::int as staged`,
    ));
    // a staged row whose SKU has no item would fall out of the join above without a trace: fail the batch instead
    if (Number(result?.matched) !== Number(result?.staged)) {
      throw new Error(`${Number(result?.staged) - Number(result?.matched)} staged stock rows have no item (of ${Number(result?.staged)} in the chunk)`);
    }
    if (!stage.inline) await this.db.execute(sql`truncate stage_stock`);
    return Number(result?.changed ?? 0);
  }

  /**
   * Applies reported units sold. `day-totals` rows carry a day's total (the last line for a day wins); `lines` rows
   * are sales lines that add up within one import. Either way a day's reported total replaces what an earlier import
   * or the derivation from stock drops said about that day.
   */
  async writeSales(stage: SalesStage, mode: "day-totals" | "lines"): Promise<void> {
    if (stage.rows === 0) return;
    const staged = await this.stagedRows(stage, "stage_sales");
    await this.timed("itemsMs", () => this.createMissingItems(staged));
    const totals =
      mode === "lines"
        ? sql`select store_id, sku, sales_date, sum(units) as units from ${staged} x group by 1, 2, 3`
        : sql`select distinct on (store_id, sku, sales_date) store_id, sku, sales_date, units
              from ${staged} x order by store_id, sku, sales_date, seq desc`;
    // for lines, a key already written by this batch (an earlier chunk) adds up; otherwise the new total replaces
    const units =
      mode === "lines"
        ? sql`case when d.source = 'reported' and d.batch_id = excluded.batch_id then d.units + excluded.units else excluded.units end`
        : sql`excluded.units`;
    await this.timed("writeMs", () => this.db.execute(
      sql`insert into daily_sales as d (store_id, item_id, sales_date, units, source, batch_id, updated_at)
          select x.store_id, i.id, x.sales_date, x.units, 'reported', ${this.batchId}, now()
          from (${totals}) x join items i on i.sku = x.sku
          order by 1, 2, 3
          on conflict (store_id, item_id, sales_date) do update set
            units = ${units}, source = 'reported', batch_id = excluded.batch_id, updated_at = excluded.updated_at`,
    ));
    if (!stage.inline) await this.db.execute(sql`truncate stage_sales`);
  }

  /**
   * Sets to 0 the days this batch's sales lines left below zero (refunds of purchases made on earlier days): a day
   * cannot un-sell, and demand is never negative. Run once all lines are written, as a day's lines may span chunks.
   * Returns the days and their net units before.
   */
  async clampNegativeDays(): Promise<Array<{ storeCode: string; sku: string; salesDate: string; units: number }>> {
    const days = await queryRows<{ storeCode: string; sku: string; salesDate: string; units: number | string }>(
      this.db,
      sql`with negative as (
            select store_id, item_id, sales_date, units from daily_sales
            where batch_id = ${this.batchId} and source = 'reported' and units < 0
          )
          update daily_sales d set units = 0
          from negative n join stores s on s.id = n.store_id join items i on i.id = n.item_id
          where d.store_id = n.store_id and d.item_id = n.item_id and d.sales_date = n.sales_date
          returning s.code as "storeCode", i.sku, n.sales_date::text as "salesDate", n.units`,
    );
    // numeric comes back as text through both drivers
    return days.map((day) => ({ ...day, units: Number(day.units) }));
  }
}

/** Marks the stores' feeds as seen now, with the newest observation time their data carried. */
export async function touchFeeds(db: Database, seen: Map<number, Date | null>, now: Date): Promise<void> {
  if (seen.size === 0) return;
  const input = JSON.stringify([...seen].map(([s, t]) => ({ s, t: t?.toISOString() ?? null })));
  await db.execute(
    sql`update stores set
          feed_last_seen_at = greatest(stores.feed_last_seen_at, ${now.toISOString()}::timestamptz),
          feed_last_observed_at = greatest(stores.feed_last_observed_at, x.t)
        from json_to_recordset(${input}::json) as x(s int, t timestamptz)
        where stores.id = x.s`,
  );
}
