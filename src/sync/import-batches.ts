import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { apiKeys, importBatches } from "../db/schema/index.js";

/**
 * Import batches as a dashboard user sees them. A batch records no store of its own: what it may touch is the stores of
 * the API key that sent it (a limited key cannot write to other stores). A user limited to some stores sees the batches
 * of keys limited to those stores; batches of chain-wide keys and of the drop folder may hold any store's rows, so only
 * users of every store see them.
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
}

/** null: every store */
function batchScope(storeIds: number[] | null): SQL | undefined {
  if (storeIds === null) return undefined;
  return sql`${apiKeys.storeIds} is not null and cardinality(${apiKeys.storeIds}) > 0
    and ${apiKeys.storeIds} <@ array(select value::int from json_array_elements_text(${JSON.stringify(storeIds)}::json))`;
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
