import { sql } from "drizzle-orm";
import { queryRows } from "../../src/db/client.js";
import type { TestContext } from "./context.js";

export interface StockLevel {
  on_hand: number;
  observed_at: Date;
  reorder_point: number | null;
  out_of_stock_since: Date | null;
  batch_id: number | null;
}

export interface SalesDay {
  sales_date: string;
  units: number;
  source: "reported" | "derived";
}

// postgres.js and PGlite both answer timestamptz as Date; text keeps dates and comparisons driver-neutral
function asDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : new Date(value as string | Date);
}

/** The stored stock of one SKU at one store (by store code), or undefined when there is no row. */
export async function stockOf(ctx: TestContext, storeCode: string, sku: string): Promise<StockLevel | undefined> {
  const [row] = await queryRows<Record<string, unknown>>(
    ctx.db.db,
    sql`select s.on_hand, s.observed_at, s.reorder_point, s.out_of_stock_since, s.batch_id
        from stock_levels s join stores st on st.id = s.store_id join items i on i.id = s.item_id
        where st.code = ${storeCode} and i.sku = ${sku}`,
  );
  if (!row) return undefined;
  return {
    on_hand: Number(row.on_hand),
    observed_at: asDate(row.observed_at)!,
    reorder_point: row.reorder_point === null ? null : Number(row.reorder_point),
    out_of_stock_since: asDate(row.out_of_stock_since),
    batch_id: row.batch_id === null ? null : Number(row.batch_id),
  };
}

/** Every daily_sales row of one SKU at one store, oldest day first. */
export async function salesOf(ctx: TestContext, storeCode: string, sku: string): Promise<SalesDay[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db.db,
    sql`select d.sales_date::text as sales_date, d.units, d.source
        from daily_sales d join stores st on st.id = d.store_id join items i on i.id = d.item_id
        where st.code = ${storeCode} and i.sku = ${sku}
        order by d.sales_date`,
  );
  return rows.map((r) => ({ sales_date: String(r.sales_date), units: Number(r.units), source: r.source as SalesDay["source"] }));
}

export interface ReceiptDay {
  receipt_date: string;
  units: number;
  on_hand_after: number | null;
  source: "observed" | "delivery";
}

/** Every stock_receipts row of one SKU at one store, oldest day first. */
export async function receiptsOf(ctx: TestContext, storeCode: string, sku: string): Promise<ReceiptDay[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db.db,
    sql`select r.receipt_date::text as receipt_date, r.units, r.on_hand_after, r.source
        from stock_receipts r join stores st on st.id = r.store_id join items i on i.id = r.item_id
        where st.code = ${storeCode} and i.sku = ${sku}
        order by r.receipt_date`,
  );
  return rows.map((r) => ({
    receipt_date: String(r.receipt_date),
    units: Number(r.units),
    on_hand_after: r.on_hand_after === null ? null : Number(r.on_hand_after),
    source: r.source as ReceiptDay["source"],
  }));
}

export async function itemOf(ctx: TestContext, sku: string): Promise<{ sku: string; name: string | null; category: string | null } | undefined> {
  const [row] = await queryRows<{ sku: string; name: string | null; category: string | null }>(
    ctx.db.db,
    sql`select sku, name, category from items where sku = ${sku}`,
  );
  return row;
}

export async function feedOf(ctx: TestContext, storeCode: string): Promise<{ lastSeenAt: Date | null; lastObservedAt: Date | null }> {
  const [row] = await queryRows<Record<string, unknown>>(
    ctx.db.db,
    sql`select feed_last_seen_at, feed_last_observed_at from stores where code = ${storeCode}`,
  );
  return { lastSeenAt: asDate(row?.feed_last_seen_at), lastObservedAt: asDate(row?.feed_last_observed_at) };
}

export interface BatchRow {
  id: number;
  source: string;
  format: string | null;
  status: string;
  encoding: string | null;
  checksum: string | null;
  duplicate_of: number | null;
  rows_read: number;
  rows_accepted: number;
  rows_rejected: number;
  rows_untracked: number;
  rows_changed: number;
  problem: { code: string; detail: string; errors?: unknown[] } | null;
  warnings: Array<{ column?: string; reason: string }> | null;
}

export async function batchesOf(ctx: TestContext): Promise<BatchRow[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db.db,
    sql`select id, source, format, status, encoding, checksum, duplicate_of, rows_read, rows_accepted, rows_rejected,
               rows_untracked, rows_changed, problem, warnings
        from import_batches order by id`,
  );
  return rows.map((r) => ({
    ...(r as unknown as BatchRow),
    id: Number(r.id),
    duplicate_of: r.duplicate_of === null ? null : Number(r.duplicate_of),
    problem: parseJson(r.problem) as BatchRow["problem"],
    warnings: parseJson(r.warnings) as BatchRow["warnings"],
  }));
}

export async function rejectionsOf(ctx: TestContext, batchId: number): Promise<Array<{ line: number; column: string | null; reason: string; record: string | null }>> {
  return queryRows(
    ctx.db.db,
    sql`select line, "column", reason, record from import_rejections where batch_id = ${batchId} order by seq`,
  );
}

export async function countRows(ctx: TestContext, table: "stock_levels" | "daily_sales" | "stock_receipts" | "items" | "import_batches" | "import_rejections" | "idempotency_records"): Promise<number> {
  const [row] = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return Number(row?.n ?? 0);
}

/**
 * Everything a sync request may change apart from the import_batches log: compare a snapshot taken before a refused
 * request with one taken after to prove that nothing was stored, zeroed or touched.
 */
export async function ledgerSnapshot(ctx: TestContext) {
  const db = ctx.db.db;
  return {
    // whole rows, updated_at included: a row rewritten with the same values would still show
    stock: await queryRows(db, sql`select * from stock_levels order by store_id, item_id`),
    sales: await queryRows(db, sql`select * from daily_sales order by store_id, item_id, sales_date`),
    receipts: await queryRows(db, sql`select * from stock_receipts order by store_id, item_id, receipt_date`),
    items: await queryRows(db, sql`select * from items order by id`),
    stores: await queryRows(db, sql`select * from stores order by id`),
    rejections: await queryRows(db, sql`select * from import_rejections order by batch_id, seq`),
    idempotency: await queryRows(db, sql`select * from idempotency_records order by api_key_id, key`),
  };
}

function parseJson(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}
