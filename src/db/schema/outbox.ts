import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { AlertFigures, AlertKind } from "../../alerts/alert-types.js";
import { stores } from "./stores.js";

/** One alert event an urgent email tells of: kept so that a held email can be written again with later alerts in it. */
export interface AlertNotice {
  alertId: number;
  eventId: number;
  event: "opened" | "escalated";
  kind: AlertKind;
  itemId: number | null;
  figures: AlertFigures;
  previousFigures: AlertFigures | null;
}

/**
 * Email to send, written in the same transaction as the change that caused it; the dispatcher sends it later and
 * retries until it goes or its time is up.
 */
export const outbox = pgTable(
  "outbox",
  {
    id: serial().notNull(),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    /** what made it: an alert email, a digest, and later customer notices */
    category: text().notNull(),
    /** at most one row per key (an alert event and recipient, a digest day and recipient): replicas cannot double it */
    dedupeKey: text().notNull(),
    messageId: text().notNull(),
    alertId: integer(),
    /** urgent alert email: every alert event it tells of (alertId is the one it leads with) */
    alertNotices: jsonb().$type<AlertNotice[]>(),
    recipient: text().notNull(),
    sender: text().notNull(),
    subject: text().notNull(),
    textBody: text().notNull(),
    htmlBody: text().notNull(),
    headers: jsonb().$type<Record<string, string>>(),
    status: text().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    /** not sent before this time: retries back off, quiet hours hold urgent email */
    notBefore: timestamp({ withTimezone: true }).notNull(),
    /** a dispatcher that took the row owns it until then; after a crash another one takes it again */
    leaseUntil: timestamp({ withTimezone: true }),
    giveUpAt: timestamp({ withTimezone: true }).notNull(),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    sentAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.id] }),
    uniqueIndex("outbox_dedupe_idx").on(t.dedupeKey),
    uniqueIndex("outbox_message_id_idx").on(t.messageId),
    index("outbox_due_idx").on(t.notBefore).where(sql`${t.status} = 'pending'`),
    index("outbox_store_idx").on(t.storeId, t.createdAt),
    // the hourly cap on urgent email reads a recipient's recent and pending alert emails
    index("outbox_alert_recipient_idx").on(t.storeId, t.recipient, t.sentAt).where(sql`${t.category} = 'alert'`),
    check("outbox_status", sql`${t.status} in ('pending', 'sent', 'failed')`),
  ],
);

/** Signed links that have been used: each works once. */
export const usedLinks = pgTable("used_links", {
  nonce: text().primaryKey(),
  purpose: text().notNull(),
  usedAt: timestamp({ withTimezone: true }).notNull(),
});

/** Secrets the service makes for itself when none is configured, shared by every replica through the database. */
export const serviceSecrets = pgTable("service_secrets", {
  name: text().primaryKey(),
  value: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
