import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { apiKeys, importBatches } from "../db/schema/index.js";

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
