/**
 * The track record's writes and reads: each sweep keeps the day's first assessment of every store-item it computed
 * (morning_predictions), settles the mornings whose window has passed from the ledger's stockout days, and the retention
 * job prunes what is older than TRACK_RECORD_DAYS.
 */
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { localDateAt } from "../stores/store-directory.js";
import { addDays } from "./risk-inputs.js";
import { computeTrackRecord, type StockoutDay, type TrackedMorning, type TrackRecordFigures } from "./track-record-figures.js";

/** Days of mornings kept. */
export const TRACK_RECORD_DAYS = 400;
/**
 * A window is settled at the first sweep more than this many days after its last day, so that observations of that
 * last day that arrive late (the next morning's export) still count.
 */
export const SETTLE_AFTER_DAYS = 1;

/** What the sweep read of one store-item this morning. */
export interface MorningReading {
  itemId: number;
  onHand: number;
  probability: number;
  windowEnd: string;
  reorderPointAlerted: boolean;
}

/**
 * Called once per store by each sweep, after its alerts were decided: records the first assessment of the store-local
 * day of every store-item read with stock on the shelf, whether a predictive alert is live for it, and settles the
 * windows that have passed.
 */
export async function recordMornings(
  db: Database,
  store: { id: number; time_zone: string },
  readings: readonly MorningReading[],
  now: Date,
): Promise<{ recorded: number; settled: number }> {
  const morning = localDateAt(now, store.time_zone);
  const onShelf = readings.filter((reading) => reading.onHand > 0);
  let recorded = 0;
  if (onShelf.length > 0) {
    const rows = onShelf.map((r) => [r.itemId, r.probability, r.windowEnd, r.reorderPointAlerted]);
    const inserted = await queryRows(
      db,
      sql`insert into morning_predictions (store_id, item_id, morning, probability, window_end, alerted, reorder_point_alerted)
          select ${store.id}, (x->>0)::int, ${morning}::date, (x->>1)::real, (x->>2)::date,
                 exists (select 1 from alerts a where a.store_id = ${store.id} and a.item_id = (x->>0)::int and a.state <> 'resolved'
                         and a.kind in ('promotion_stockout', 'delivery_stockout')),
                 (x->>3)::boolean
          from json_array_elements(${JSON.stringify(rows)}::json) as x
          order by 2
          on conflict (store_id, item_id, morning) do nothing
          returning 1`,
    );
    recorded = inserted.length;
  }
  const settled = await queryRows(
    db,
    sql`update morning_predictions p set ran_out = exists (
          select 1 from daily_sales d
          where d.store_id = p.store_id and d.item_id = p.item_id and d.stockout and d.sales_date between p.morning and p.window_end)
        where p.store_id = ${store.id} and p.ran_out is null and p.window_end < ${addDays(morning, -SETTLE_AFTER_DAYS)}::date
        returning 1`,
  );
  return { recorded, settled: settled.length };
}

/** Deletes mornings older than TRACK_RECORD_DAYS, at most once per UTC day (it reads the whole table). */
export async function pruneTrackRecord(db: Database, now: Date): Promise<number | null> {
  const today = now.toISOString().slice(0, 10);
  const claimed = await queryRows(
    db,
    sql`insert into sweep_state (name, last_started_at) values ('track-record-prune', ${now.toISOString()}::timestamptz)
        on conflict (name) do update set last_started_at = excluded.last_started_at
        where (sweep_state.last_started_at at time zone 'UTC')::date < ${today}::date
        returning 1`,
  );
  if (claimed.length === 0) return null;
  const deleted = await queryRows(db, sql`delete from morning_predictions where morning < ${addDays(today, -TRACK_RECORD_DAYS)}::date returning 1`);
  return deleted.length;
}

type MorningRow = {
  item_id: number;
  morning: string;
  probability: number;
  window_end: string;
  alerted: boolean;
  reorder_point_alerted: boolean;
  ran_out: boolean | null;
};

function trackedMorning(row: MorningRow): TrackedMorning {
  return {
    itemId: Number(row.item_id),
    morning: row.morning,
    probability: Number(row.probability),
    windowEnd: row.window_end,
    alerted: Boolean(row.alerted),
    reorderPointAlerted: Boolean(row.reorder_point_alerted),
    ranOut: row.ran_out === null ? null : Boolean(row.ran_out),
  };
}

const morningColumns = sql`item_id, morning::text as morning, probability, window_end::text as window_end, alerted, reorder_point_alerted, ran_out`;

/** The store's mornings of [from, to] and its stockout days from the day before `from` (to tell where a run starts). */
export async function loadTrackRecord(
  db: Database,
  storeId: number,
  period: { from: string; to: string },
): Promise<{ mornings: TrackedMorning[]; stockoutDays: StockoutDay[] }> {
  const rows = await queryRows<MorningRow>(
    db,
    sql`select ${morningColumns} from morning_predictions
        where store_id = ${storeId} and morning between ${period.from}::date and ${period.to}::date`,
  );
  const days = await queryRows<{ item_id: number; sales_date: string }>(
    db,
    sql`select item_id, sales_date::text as sales_date from daily_sales
        where store_id = ${storeId} and stockout and sales_date between ${addDays(period.from, -1)}::date and ${period.to}::date`,
  );
  return {
    mornings: rows.map(trackedMorning),
    stockoutDays: days.map((d) => ({ itemId: Number(d.item_id), date: d.sales_date })),
  };
}

/** One store-item's latest recorded mornings, newest first. */
export async function loadItemPredictions(db: Database, storeId: number, sku: string, limit: number): Promise<TrackedMorning[]> {
  const rows = await queryRows<MorningRow>(
    db,
    sql`select ${morningColumns} from morning_predictions
        where store_id = ${storeId} and item_id = (select id from items where sku = ${sku}) order by morning desc limit ${limit}`,
  );
  return rows.map(trackedMorning);
}

/** The figures of a store's period, the defaults filled in from the store's today. */
export async function storeTrackRecord(
  db: Database,
  store: { id: number; timeZone: string },
  query: { from?: string | undefined; to?: string | undefined },
  options: { now: Date; leadDays: number; defaultDays: number },
): Promise<TrackRecordFigures> {
  const to = query.to ?? localDateAt(options.now, store.timeZone);
  const from = query.from ?? addDays(to, 1 - options.defaultDays);
  const loaded = await loadTrackRecord(db, store.id, { from, to });
  return computeTrackRecord({ ...loaded, leadDays: options.leadDays, from, to });
}
