import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { apiKeys, importBatches } from "../db/schema/index.js";
import type { Logger } from "../log.js";

/**
 * Import batches as a dashboard user sees them. A user limited to some stores sees a batch whose rows named only their
 * stores (a store's own file, whether a chain-wide key or the drop folder brought it), and a batch of a key limited to
 * their stores (it cannot have written elsewhere). A batch that also named another store is seen by users of every
 * store only: its counts and rejected rows are partly that store's.
 */

export interface ImportBatchSummary {
  id: number;
  source: string;
  format: string | null;
  fileName: string | null;
  status: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  startedAt: Date;
  finishedAt: Date | null;
  /** the stores the sending key was limited to; null for a chain-wide key or a trusted local source */
  keyStoreIds: number[] | null;
  /** the known stores its rows named; null when not recorded (a batch that did not finish, or from before 0010) */
  storeIds: number[] | null;
  /** why the whole file was refused, failed or was interrupted */
  problem: { code: string; detail: string } | null;
}

/** null: every store */
function batchScope(storeIds: number[] | null): SQL | undefined {
  if (storeIds === null) return undefined;
  const viewerStores = sql`array(select value::int from json_array_elements_text(${JSON.stringify(storeIds)}::json))`;
  return sql`((${apiKeys.storeIds} is not null and cardinality(${apiKeys.storeIds}) > 0 and ${apiKeys.storeIds} <@ ${viewerStores})
    or (${importBatches.storeIds} is not null and cardinality(${importBatches.storeIds}) > 0 and ${importBatches.storeIds} <@ ${viewerStores}))`;
}

function selectBatches(db: Database) {
  return db
    .select({
      id: importBatches.id,
      source: importBatches.source,
      format: importBatches.format,
      fileName: importBatches.fileName,
      status: importBatches.status,
      rowsRead: importBatches.rowsRead,
      rowsAccepted: importBatches.rowsAccepted,
      rowsRejected: importBatches.rowsRejected,
      startedAt: importBatches.startedAt,
      finishedAt: importBatches.finishedAt,
      keyStoreIds: apiKeys.storeIds,
      storeIds: importBatches.storeIds,
      problem: sql<{ code: string; detail: string } | null>`${importBatches.problem}`,
    })
    .from(importBatches)
    .leftJoin(apiKeys, eq(apiKeys.id, importBatches.apiKeyId));
}

/** The newest batches a user of these stores may see. */
export async function listImportBatches(db: Database, options: { storeIds: number[] | null; limit: number }): Promise<ImportBatchSummary[]> {
  return selectBatches(db).where(batchScope(options.storeIds)).orderBy(desc(importBatches.id)).limit(options.limit);
}

/** One batch, or undefined when it does not exist or a user of these stores may not see it. */
export async function findImportBatch(db: Database, id: number, storeIds: number[] | null): Promise<ImportBatchSummary | undefined> {
  const [batch] = await selectBatches(db)
    .where(and(eq(importBatches.id, id), batchScope(storeIds)))
    .limit(1);
  return batch;
}

export const INTERRUPTED_DETAIL = "interrupted: the service stopped before the import finished; send the file again";

/**
 * Taken by an import on its own batch, in the transaction that runs it, before anything else: for as long as a live
 * process works on a batch, the lock says so to every replica (and a killed process's lock goes with its connection).
 */
export async function lockImportBatch(db: Database, batchId: number): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('shelfwatch:import'), ${batchId})`);
}

/**
 * At start-up: marks the batches left "processing" by a process that stopped mid-import (killed, crashed, power cut)
 * as interrupted, with the reason. A batch whose lock another live replica holds is still being imported and is left
 * alone. Returns the ids marked.
 */
export async function markInterruptedImports(deps: { db: Database; log: Logger }, options: { now: Date }): Promise<number[]> {
  const { db, log } = deps;
  const candidates = await db
    .select({ id: importBatches.id, fileName: importBatches.fileName, startedAt: importBatches.startedAt })
    .from(importBatches)
    .where(eq(importBatches.status, "processing"))
    .orderBy(importBatches.id);
  const marked: number[] = [];
  for (const batch of candidates) {
    const interrupted = await db.transaction(async (tx) => {
      const [lock] = await queryRows<{ locked: boolean }>(
        tx as unknown as Database,
        sql`select pg_try_advisory_xact_lock(hashtext('shelfwatch:import'), ${batch.id}) as locked`,
      );
      if (!lock?.locked) return false;
      const updated = await tx
        .update(importBatches)
        .set({ status: "interrupted", finishedAt: options.now, problem: { code: "interrupted", detail: INTERRUPTED_DETAIL } })
        .where(and(eq(importBatches.id, batch.id), eq(importBatches.status, "processing")))
        .returning({ id: importBatches.id });
      return updated.length > 0;
    });
    if (interrupted) {
      marked.push(batch.id);
      log.warn({ batchId: batch.id, fileName: batch.fileName, startedAt: batch.startedAt }, "import interrupted by a stop of the service; marked so");
    }
  }
  return marked;
}
