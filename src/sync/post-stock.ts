import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { isDeadlock, type Database } from "../db/client.js";
import { idempotencyRecords, importBatches, importRejections } from "../db/schema/index.js";
import { canUseStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import { fieldProblems } from "../http/validation.js";
import type { SyncDeps } from "./import-export.js";
import { ItemRegistry, LedgerWriter, SalesStage, StockStage, touchFeeds, type SalesWrite, type StockWrite, lockStockApply } from "./ledger-writes.js";
import { futureObservationReason, futureSalesDateReason } from "./row-checks.js";
import { StoreDirectory, localDateAt, type StoreRef } from "../stores/store-directory.js";
import { jsonStockRowSchema, type JsonStockRow } from "./sync.schemas.js";

export interface PostStockReport {
  batchId: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsChanged: number;
  /** rejected rows, by their index in `rows` */
  rejected: Array<{ row: number; field: string; reason: string }>;
}

export interface StoredAnswer {
  status: 200 | 201;
  body: PostStockReport;
  /** true when this is the stored answer to an earlier request with the same Idempotency-Key */
  replayed?: boolean;
}

/**
 * Applies a JSON batch of stock rows. Each row is validated alone; bad rows are listed and the good ones land, all in
 * one transaction. A row naming a store outside the key's stores refuses the whole request (403): that is a
 * permission problem, not a data problem. With an Idempotency-Key, the same key and body answer what they answered
 * the first time and change nothing.
 */
export async function postStock(
  deps: SyncDeps,
  request: { rows: unknown[]; apiKey: ApiKeyPrincipal; idempotencyKey?: string; requestBody: string; now: Date },
): Promise<StoredAnswer> {
  const { db } = deps;
  const requestHash = createHash("sha256").update(request.requestBody).digest("hex");
  if (request.idempotencyKey) {
    const replay = await findAnswer(db, request.apiKey.id, request.idempotencyKey, requestHash);
    if (replay) return replay;
  }

  const stores = await StoreDirectory.load(db);
  const toleranceMs = deps.config.FUTURE_TOLERANCE_MINUTES * 60_000;
  const rejected: PostStockReport["rejected"] = [];
  const valid: Array<{ index: number; row: JsonStockRow; store: StoreRef }> = [];
  /** the known stores the rows name, accepted or rejected: who may see this batch on the dashboard */
  const namedStores = new Set<number>();
  request.rows.forEach((raw, index) => {
    const parsed = jsonStockRowSchema.safeParse(raw);
    if (!parsed.success) {
      for (const problem of fieldProblems(parsed.error)) rejected.push({ row: index, field: problem.field!, reason: problem.reason });
      return;
    }
    const row = parsed.data;
    const store = stores.resolve(row.store);
    if (store) namedStores.add(store.id);
    if (!store) return void rejected.push({ row: index, field: "store", reason: `unknown store "${row.store}"` });
    if (!canUseStore(request.apiKey, store.id)) {
      throw new AppError({
        code: "forbidden_store",
        detail: `this API key may not write to store ${store.code}`,
        errors: [{ field: `rows/${index}/store`, reason: `store ${store.code} is outside this key's stores` }],
      });
    }
    const future = futureObservationReason(row.observedAt, request.now, toleranceMs);
    if (future) return void rejected.push({ row: index, field: "observedAt", reason: future });
    if (row.salesDate !== undefined && row.soldUnits === undefined) {
      return void rejected.push({ row: index, field: "soldUnits", reason: "salesDate was given without soldUnits" });
    }
    const salesDate = row.salesDate ?? localDateAt(row.observedAt, store.timeZone);
    const futureDate = row.soldUnits === undefined ? null : futureSalesDateReason(salesDate, store, request.now, toleranceMs);
    if (futureDate) return void rejected.push({ row: index, field: "salesDate", reason: futureDate });
    valid.push({ index, row: { ...row, salesDate }, store });
  });

  // the newest observation for a store and SKU wins, as across batches; at the same time the last row wins
  const stock = new Map<string, StockWrite>();
  const sales = new Map<string, SalesWrite>();
  const feeds = new Map<number, Date | null>();
  for (const { row, store } of valid) {
    const key = `${store.id}\u0000${row.sku}`;
    const earlier = stock.get(key);
    if (earlier === undefined || earlier.observedAt <= row.observedAt) {
      stock.set(key, { storeId: store.id, sku: row.sku, onHand: row.onHand, observedAt: row.observedAt, reorderPoint: row.reorderPoint });
    }
    if (row.soldUnits !== undefined) {
      sales.set(`${store.id}\u0000${row.sku}\u0000${row.salesDate}`, { storeId: store.id, sku: row.sku, salesDate: row.salesDate!, units: row.soldUnits });
    }
    const seen = feeds.get(store.id);
    if (!seen || row.observedAt > seen) feeds.set(store.id, row.observedAt);
  }

  // posts to different stores run at once and may create or rename the same items: should two of them deadlock over
  // those rows, PostgreSQL undoes one, and it is sent again (its stores' locks are released with it)
  return retryOnDeadlock(deps.log, () => db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    // only the stores this batch writes: other stores' posts go on at the same time
    await lockStockApply(t, feeds.keys());
    const [batch] = await t
      .insert(importBatches)
      .values({ source: "api", format: "json", status: "applied", apiKeyId: request.apiKey.id, startedAt: request.now, rowsRead: request.rows.length })
      .returning({ id: importBatches.id });
    const batchId = batch!.id;
    await new ItemRegistry().ensure(
      t,
      valid
        .filter(({ row }) => row.name !== undefined || row.category !== undefined || row.unit !== undefined)
        .map(({ row }) => ({ sku: row.sku, name: row.name, category: row.category, unit: row.unit })),
    );
    const stockStage = new StockStage({ inline: true });
    for (const w of stock.values()) stockStage.add(w.storeId, w.sku, w.onHand, w.observedAt, w.reorderPoint);
    const salesStage = new SalesStage({ inline: true });
    for (const w of sales.values()) salesStage.add(w.storeId, w.sku, w.salesDate, w.units);
    const ledger = new LedgerWriter(t, batchId);
    const rowsChanged = await ledger.writeStock(stockStage);
    await ledger.writeSales(salesStage, "day-totals");
    await touchFeeds(t, feeds, request.now);
    if (rejected.length > 0) {
      await t.insert(importRejections).values(
        rejected.map((r, seq) => ({
          batchId,
          seq,
          line: r.row,
          column: r.field,
          reason: r.reason,
          record: seq === 0 || rejected[seq - 1]!.row !== r.row ? JSON.stringify(request.rows[r.row]) : null,
        })),
      );
    }
    const rejectedRows = new Set(rejected.map((r) => r.row)).size;
    const body: PostStockReport = { batchId, rowsAccepted: valid.length, rowsRejected: rejectedRows, rowsChanged, rejected };
    await t
      .update(importBatches)
      .set({
        rowsAccepted: valid.length,
        rowsRejected: rejectedRows,
        rowsChanged,
        finishedAt: new Date(),
        storeIds: [...namedStores].sort((a, b) => a - b),
      })
      .where(eq(importBatches.id, batchId));
    const answer: StoredAnswer = { status: 201, body };
    if (request.idempotencyKey) {
      const saved = await t
        .insert(idempotencyRecords)
        .values({ apiKeyId: request.apiKey.id, key: request.idempotencyKey, requestHash, status: answer.status, body })
        .onConflictDoNothing()
        .returning({ key: idempotencyRecords.key });
      // a concurrent request with the same key committed first: undo ours and answer theirs
      if (saved.length === 0) throw new AppError({ code: "idempotency_in_progress", detail: "a request with this Idempotency-Key was processed concurrently; send it again to read its answer" });
    }
    return answer;
  }));
}

const DEADLOCK_ATTEMPTS = 3;

async function retryOnDeadlock<T>(log: SyncDeps["log"], attempt: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
      log.warn({ err: error, attempt: tried }, "stock post deadlocked with another writer; sending it again");
    }
  }
}

async function findAnswer(db: Database, apiKeyId: number, key: string, requestHash: string): Promise<StoredAnswer | null> {
  const [record] = await db
    .select()
    .from(idempotencyRecords)
    .where(and(eq(idempotencyRecords.apiKeyId, apiKeyId), eq(idempotencyRecords.key, key)))
    .limit(1);
  if (!record) return null;
  if (record.requestHash !== requestHash) {
    throw new AppError({
      code: "idempotency_key_reused",
      detail: "this Idempotency-Key was used for a different request body; use a new key for a new batch",
      errors: [{ field: "Idempotency-Key", reason: "already used with another body" }],
    });
  }
  return { status: record.status as 200 | 201, body: record.body as PostStockReport, replayed: true };
}
