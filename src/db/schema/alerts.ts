import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { AlertFigures } from "../../alerts/alert-types.js";
import { stores } from "./stores.js";

/** A problem at a store (an item at risk, out of stock, or a silent POS feed), from opening to resolution. */
export const alerts = pgTable(
  "alerts",
  {
    id: serial().notNull(),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    /** null for store-wide alerts (a stale feed) */
    itemId: integer(),
    kind: text().notNull(),
    state: text().notNull().default("open"),
    /** urgent alerts are emailed at once; the others wait for the daily digest */
    urgent: boolean().notNull(),
    /** the latest figures, and those at the last email (opening or escalation), against which worsening is measured */
    figures: jsonb().$type<AlertFigures>().notNull(),
    notifiedFigures: jsonb().$type<AlertFigures>().notNull(),
    openedAt: timestamp({ withTimezone: true }).notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull(),
    acknowledgedAt: timestamp({ withTimezone: true }),
    snoozedUntil: timestamp({ withTimezone: true }),
    resolvedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.id] }),
    uniqueIndex("alerts_id_idx").on(t.id),
    // one live alert per store, item and kind: the database, not only the sweep, guards it
    uniqueIndex("alerts_one_live_idx")
      .on(t.storeId, t.kind, sql`coalesce(${t.itemId}, 0)`)
      .where(sql`${t.state} <> 'resolved'`),
    index("alerts_store_state_idx").on(t.storeId, t.state),
    check("alerts_kind", sql`${t.kind} in ('promotion_stockout', 'out_of_stock', 'delivery_stockout', 'stale_feed')`),
    check("alerts_state", sql`${t.state} in ('open', 'acknowledged', 'snoozed', 'resolved')`),
  ],
);

/** Every transition of an alert with its time, cause and figures: the store's evidence that it planned ahead. */
export const alertEvents = pgTable(
  "alert_events",
  {
    id: serial().notNull(),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    alertId: integer().notNull(),
    at: timestamp({ withTimezone: true }).notNull(),
    event: text().notNull(),
    fromState: text(),
    toState: text().notNull(),
    cause: text().notNull(),
    figures: jsonb().$type<AlertFigures>().notNull(),
    /** who acted: "sweep", an API key name, or "email link" */
    actor: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.id] }), index("alert_events_alert_idx").on(t.storeId, t.alertId, t.at)],
);

/** Managers and staff who receive a store's alert emails, and how. */
export const recipients = pgTable(
  "recipients",
  {
    id: serial().primaryKey(),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    /** kept lower-case */
    email: text().notNull(),
    name: text(),
    role: text().notNull(),
    /** the alert kinds this person hears about */
    kinds: text().array().notNull(),
    urgentEmails: boolean().notNull().default(true),
    digest: boolean().notNull().default(true),
    /** store-local HH:MM */
    digestTime: text().notNull().default("07:00"),
    /** store-local HH:MM; urgent emails inside [start, end) wait until the end */
    quietStart: text(),
    quietEnd: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("recipients_store_email_idx").on(t.storeId, t.email),
    check("recipients_role", sql`${t.role} in ('manager', 'staff')`),
  ],
);
