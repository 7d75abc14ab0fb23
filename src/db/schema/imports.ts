import { sql } from "drizzle-orm";
import { integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex, primaryKey, index } from "drizzle-orm/pg-core";
import { apiKeys } from "./api-keys.js";

export const importBatches = pgTable(
  "import_batches",
  {
    id: serial().primaryKey(),
    /** upload | drop-folder | api | demo */
    source: text().notNull(),
    format: text(),
    fileName: text(),
    /** sha256 of the decoded bytes; a file already applied is never applied again */
    checksum: text(),
    /** processing | applied | rejected | failed | duplicate | interrupted (the service stopped mid-import) */
    status: text().notNull(),
    encoding: text(),
    apiKeyId: integer().references(() => apiKeys.id, { onDelete: "set null" }),
    /** the known stores its rows named, accepted or rejected (null until it finishes, and for batches before 0010) */
    storeIds: integer().array(),
    rowsRead: integer().notNull().default(0),
    rowsAccepted: integer().notNull().default(0),
    rowsRejected: integer().notNull().default(0),
    rowsUntracked: integer().notNull().default(0),
    rowsChanged: integer().notNull().default(0),
    duplicateOf: integer(),
    /** the file's header line, to write rejected rows back in the same layout */
    header: text(),
    /** notes on the file as a whole, e.g. a location column naming no known store */
    warnings: jsonb().$type<Array<{ column?: string; reason: string }>>(),
    /** file-level problem when the whole file was refused, as problem+json members */
    problem: jsonb(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("import_batches_applied_checksum_uq").on(t.checksum).where(sql`${t.status} = 'applied'`),
    index("import_batches_started_idx").on(t.startedAt),
  ],
);

/** Rows of an import that were refused, kept so they can be fixed and sent again. */
export const importRejections = pgTable(
  "import_rejections",
  {
    batchId: integer()
      .notNull()
      .references(() => importBatches.id, { onDelete: "cascade" }),
    seq: integer().notNull(),
    /** CSV line number (1 = header) or, for JSON posts, the row's index */
    line: integer().notNull(),
    column: text(),
    reason: text().notNull(),
    /** the record as sent, re-encoded as CSV (or JSON for API posts) */
    record: text(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.seq] })],
);
