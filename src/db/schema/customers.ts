import { sql } from "drizzle-orm";
import { boolean, check, date, index, integer, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { items } from "./items.js";
import { stores } from "./stores.js";

/**
 * A customer's wish to hear about one item at one store: when it is back in stock, and when an advertised deal on it
 * is about to run out. A request for all stores is one row per store sharing a request id.
 */
export const subscriptions = pgTable(
  "subscriptions",
  {
    id: serial().notNull(),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    itemId: integer()
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    /** kept lower-case */
    email: text().notNull(),
    restock: boolean().notNull(),
    deals: boolean().notNull(),
    /** keep hearing about restocks after the first notice */
    staySubscribed: boolean().notNull().default(false),
    /** the rows of one subscribe request: confirmed and unsubscribed together */
    requestId: text().notNull(),
    /** pending until the confirmation link is used; ended for good after */
    status: text().notNull().default("pending"),
    endReason: text(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    confirmedAt: timestamp({ withTimezone: true }),
    /** pending: the confirmation deadline; active: when the subscription lapses */
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    endedAt: timestamp({ withTimezone: true }),
    /** the restock of this store and item it last heard about (restock_watches.restock_seq) */
    lastRestockSeq: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.id] }),
    uniqueIndex("subscriptions_id_idx").on(t.id),
    // one live subscription per address, store and item: subscribing again cannot queue anyone twice
    uniqueIndex("subscriptions_one_live_idx")
      .on(t.storeId, t.itemId, t.email)
      .where(sql`${t.status} <> 'ended'`),
    index("subscriptions_queue_idx").on(t.storeId, t.itemId, t.status, t.createdAt),
    index("subscriptions_request_idx").on(t.requestId),
    index("subscriptions_email_idx").on(t.email),
    check("subscriptions_status", sql`${t.status} in ('pending', 'active', 'ended')`),
    check("subscriptions_end_reason", sql`${t.endReason} is null or ${t.endReason} in ('unsubscribed', 'notified', 'expired', 'suppressed')`),
    check("subscriptions_wants", sql`${t.restock} or ${t.deals}`),
  ],
);

/**
 * Whether a watched item is on the shelf, and how many times it came back: each return from out of stock is a
 * restock, numbered, so that a subscriber hears about each restock once.
 */
export const restockWatches = pgTable(
  "restock_watches",
  {
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    itemId: integer()
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    available: boolean().notNull(),
    restockSeq: integer().notNull().default(0),
    restockedAt: timestamp({ withTimezone: true }),
    /** the last wave of notices for the current restock; the next waits RESTOCK_WAVE_MINUTES */
    lastWaveAt: timestamp({ withTimezone: true }),
    checkedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.itemId] })],
);

/** A promise to sell an advertised item at its advertised price later, given when the deal is about to sell out. */
export const rainChecks = pgTable(
  "rain_checks",
  {
    id: serial().notNull(),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    /** what the customer shows at the till: random, so a guessed or altered code does not exist */
    code: text().notNull(),
    itemId: integer()
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    /** the promotion's own id and name at issue time: the rain check outlives the promotion */
    promotionId: integer().notNull(),
    promotionExternalId: text().notNull(),
    promotionName: text().notNull(),
    /** the promotion's dates and advertised price at issue time; null for rain checks issued before they were kept */
    promotionStart: date({ mode: "string" }),
    promotionEnd: date({ mode: "string" }),
    advertisedPrice: text(),
    /** null once the customer had their data deleted: the code stays valid, nothing links it to them */
    subscriptionId: integer(),
    email: text(),
    issuedAt: timestamp({ withTimezone: true }).notNull(),
    /** the start of the promotion's first store-local day: the advertised price is not owed before; null: since issue */
    validFrom: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    redeemedAt: timestamp({ withTimezone: true }),
    redeemedBy: text(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.id] }),
    uniqueIndex("rain_checks_code_idx").on(t.code),
    // one rain check per subscription and promotion, whichever replica writes it
    uniqueIndex("rain_checks_once_idx").on(t.subscriptionId, t.promotionId),
    index("rain_checks_email_idx").on(t.email),
  ],
);

/**
 * Addresses that get no customer email at all (stopped all email, or bounced for good), kept as a keyed hash: the
 * list must outlive a deletion request without keeping the address.
 */
export const suppressions = pgTable("suppressions", {
  emailHash: text().primaryKey(),
  reason: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
});

/** Requests per key (a client IP or an address hash) per window, shared by every replica through the database. */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text().notNull(),
    windowStart: timestamp({ withTimezone: true }).notNull(),
    count: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index("rate_limits_window_idx").on(t.windowStart)],
);
