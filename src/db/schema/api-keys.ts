import { boolean, integer, pgTable, serial, text, timestamp, jsonb, primaryKey } from "drizzle-orm/pg-core";

export const apiKeys = pgTable("api_keys", {
  id: serial().primaryKey(),
  name: text().notNull(),
  /** first characters of the key, shown in listings to tell keys apart */
  prefix: text().notNull(),
  /** sha256 of the whole key: keys are 256-bit random, so a fast hash is enough */
  keyHash: text().notNull().unique(),
  /** null = every store */
  storeIds: integer().array(),
  /** may use the admin API (/v1/admin), for the same stores it may use */
  admin: boolean().notNull().default(false),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp({ withTimezone: true }),
  revokedAt: timestamp({ withTimezone: true }),
});

/** Answers to requests sent with an Idempotency-Key, replayed when the same request comes again. */
export const idempotencyRecords = pgTable(
  "idempotency_records",
  {
    apiKeyId: integer()
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    key: text().notNull(),
    requestHash: text().notNull(),
    status: integer().notNull(),
    body: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] })],
);
