import { sql } from "drizzle-orm";
import { integer, pgTable, real, serial, text, timestamp, index, check } from "drizzle-orm/pg-core";

export const stores = pgTable(
  "stores",
  {
    id: serial().primaryKey(),
    code: text().notNull().unique(),
    name: text().notNull(),
    timeZone: text().notNull(),
    addressLine1: text(),
    addressLine2: text(),
    city: text(),
    region: text(),
    postalCode: text(),
    country: text(),
    /** How often the POS is expected to send data; a feed silent for longer is stale. */
    feedIntervalMinutes: integer().notNull().default(1440),
    /** When data from this store's POS last arrived (receipt time). */
    feedLastSeenAt: timestamp({ withTimezone: true }),
    /** The newest observation time carried by that data. */
    feedLastObservedAt: timestamp({ withTimezone: true }),
    /** an item alert opens at this probability of running out, and resolves below resolveProbability (hysteresis) */
    alertProbability: real().notNull().default(0.5),
    resolveProbability: real().notNull().default(0.3),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("stores_feed_interval_positive", sql`${t.feedIntervalMinutes} > 0`),
    check("stores_alert_thresholds", sql`${t.resolveProbability} < ${t.alertProbability} and ${t.alertProbability} <= 1 and ${t.resolveProbability} >= 0`),
  ],
);

/** Names a POS export uses for a store (`Mt_Auburn`, `Mt Auburn`, `S12`), kept normalised (see normaliseAlias). */
export const storeAliases = pgTable(
  "store_aliases",
  {
    alias: text().primaryKey(),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
  },
  (t) => [index("store_aliases_store_idx").on(t.storeId)],
);
