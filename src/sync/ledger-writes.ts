import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";

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
}

/**
 * Remembers item ids for SKUs seen during one import, and creates the items it has not seen.
 * Names and categories are filled in or corrected when an export carries them.
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
      if (this.ids.has(item.sku) && item.name === undefined && item.category === undefined) continue;
      // a later row's name wins, but a row without one (another store's line) keeps what an earlier row said
      const known = wanted.get(item.sku);
      wanted.set(item.sku, { sku: item.sku, name: item.name ?? known?.name, category: item.category ?? known?.category });
    }
    if (wanted.size === 0) return;
    if (this.ids.size + wanted.size > this.maxCached) this.ids.clear();
    const input = JSON.stringify(
      [...wanted.values()].map((i) => ({ sku: i.sku, name: i.name ?? null, category: i.category ?? null })),
    );
    const rows = await queryRows<{ id: number; sku: string }>(
      db,
      sql`with input as (
            select * from json_to_recordset(${input}::json) as t(sku text, name text, category text)
          ), written as (
            insert into items (sku, name, category)
            select sku, name, category from input
            on conflict (sku) do update
              set name = coalesce(excluded.name, items.name), category = coalesce(excluded.category, items.category)
              where (excluded.name is not null and excluded.name is distinct from items.name)
                 or (excluded.category is not null and excluded.category is distinct from items.category)
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
 * Applies stock observations: the newest observation per store and item wins, an older one arriving late changes
 * nothing, and the same observation again changes nothing. A drop in on hand between two observations is recorded as
 * derived units sold on the store-local day of the later one, unless the POS reported that day's sales itself.
 * Returns how many stock rows changed.
 */
export async function writeStock(db: Database, batchId: number, rows: StockWrite[], items: ItemRegistry): Promise<number> {
  if (rows.length === 0) return 0;
  const input = JSON.stringify(
    rows.map((r) => ({
      s: r.storeId,
      i: items.idOf(r.sku),
      q: r.onHand,
      t: r.observedAt.toISOString(),
      r: r.reorderPoint ?? null,
    })),
  );
  const [result] = await queryRows<{ changed: number }>(
    db,
    sql`with input as (
          select s as store_id, i as item_id, q as on_hand, t as observed_at, r as reorder_point
          from json_to_recordset(${input}::json) as x(s int, i int, q int, t timestamptz, r int)
        ), previous as materialized (
          select p.store_id, p.item_id, p.on_hand, p.observed_at
          from stock_levels p join input using (store_id, item_id)
        ), written as (
          insert into stock_levels as s (store_id, item_id, on_hand, observed_at, reorder_point, out_of_stock_since, batch_id, updated_at)
          select store_id, item_id, on_hand, observed_at, reorder_point,
                 case when on_hand <= 0 then observed_at end, ${batchId}, now()
          from input
          on conflict (store_id, item_id) do update set
            on_hand = excluded.on_hand,
            observed_at = excluded.observed_at,
            reorder_point = coalesce(excluded.reorder_point, s.reorder_point),
            out_of_stock_since = case when excluded.on_hand > 0 then null
                                      else coalesce(s.out_of_stock_since, excluded.observed_at) end,
            batch_id = excluded.batch_id,
            updated_at = excluded.updated_at
          where excluded.observed_at > s.observed_at
             or (excluded.observed_at = s.observed_at and excluded.on_hand <> s.on_hand)
          returning s.store_id, s.item_id, s.on_hand, s.observed_at
        ), daily as (
          -- a drop in on hand is derived sales; on hand at or below zero marks the day as a stockout day
          insert into daily_sales as d (store_id, item_id, sales_date, units, source, stockout, batch_id, updated_at)
          select w.store_id, w.item_id, (w.observed_at at time zone st.time_zone)::date,
                 sum(case when w.observed_at > p.observed_at and p.on_hand > w.on_hand then p.on_hand - w.on_hand else 0 end),
                 'derived', bool_or(w.on_hand <= 0), ${batchId}, now()
          from written w
          left join previous p using (store_id, item_id)
          join stores st on st.id = w.store_id
          where (w.observed_at > p.observed_at and p.on_hand > w.on_hand) or w.on_hand <= 0
          group by 1, 2, 3
          on conflict (store_id, item_id, sales_date) do update set
            -- a day the POS reported keeps its reported units
            units = case when d.source = 'derived' then d.units + excluded.units else d.units end,
            stockout = d.stockout or excluded.stockout,
            batch_id = excluded.batch_id,
            updated_at = excluded.updated_at
          returning 1
        )
        select (select count(*) from written)::int as changed, (select count(*) from daily)::int as daily_rows`,
  );
  return Number(result?.changed ?? 0);
}

/**
 * Applies reported units sold. `day-totals` rows carry a day's total (the last one for a day wins); `lines` rows are
 * sales lines that add up within one import. Either way a day's reported total replaces what an earlier import or
 * the derivation from stock drops said about that day.
 */
export async function writeSales(
  db: Database,
  batchId: number,
  rows: SalesWrite[],
  items: ItemRegistry,
  mode: "day-totals" | "lines",
): Promise<void> {
  if (rows.length === 0) return;
  const totals = new Map<string, { s: number; i: number; d: string; u: number }>();
  for (const r of rows) {
    const itemId = items.idOf(r.sku)!;
    const key = `${r.storeId}\u0000${itemId}\u0000${r.salesDate}`;
    const current = totals.get(key);
    if (current && mode === "lines") current.u += r.units;
    else totals.set(key, { s: r.storeId, i: itemId, d: r.salesDate, u: r.units });
  }
  const input = JSON.stringify([...totals.values()]);
  // for lines, a key already written by this batch (an earlier chunk) adds up; otherwise the new total replaces
  const units =
    mode === "lines"
      ? sql`case when d.source = 'reported' and d.batch_id = excluded.batch_id then d.units + excluded.units else excluded.units end`
      : sql`excluded.units`;
  await db.execute(
    sql`insert into daily_sales as d (store_id, item_id, sales_date, units, source, batch_id, updated_at)
        select s, i, d, u, 'reported', ${batchId}, now()
        from json_to_recordset(${input}::json) as x(s int, i int, d date, u int)
        on conflict (store_id, item_id, sales_date) do update set
          units = ${units}, source = 'reported', batch_id = excluded.batch_id, updated_at = excluded.updated_at`,
  );
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
