import { sql } from "drizzle-orm";
import { boolean, date, integer, pgTable, primaryKey, text, timestamp, check } from "drizzle-orm/pg-core";
import { quantityColumn } from "./quantity-column.js";

/*
 * The ledger tables take millions of rows per import and carry no foreign keys: the import resolves every store
 * and item id inside its own transaction, and the per-row checks cost more than the writes themselves
 * (npm run bench:import). Deleting a store or an item deletes its ledger rows explicitly.
 */

/** The latest observed stock of each item at each store (last observation wins by observedAt). */
export const stockLevels = pgTable(
  "stock_levels",
  {
    storeId: integer().notNull(),
    itemId: integer().notNull(),
    /** as sent; negative means oversold and counts as out of stock */
    onHand: quantityColumn().notNull(),
    observedAt: timestamp({ withTimezone: true }).notNull(),
    /** the store's own low-stock threshold when its POS exports one (the baseline to beat) */
    reorderPoint: quantityColumn(),
    /** set when on hand reached zero or below, cleared when stock returns */
    outOfStockSince: timestamp({ withTimezone: true }),
    batchId: integer(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.itemId] })],
);

/** Units sold per store, item and store-local day: reported by the POS, or derived from drops in on hand. */
export const dailySales = pgTable(
  "daily_sales",
  {
    storeId: integer().notNull(),
    itemId: integer().notNull(),
    salesDate: date({ mode: "string" }).notNull(),
    /** net units (refunds subtract), in the item's unit of measure */
    units: quantityColumn().notNull(),
    /** reported | derived */
    source: text().notNull(),
    /** on hand was zero or below at some observation that day: sales understate demand */
    stockout: boolean().notNull().default(false),
    batchId: integer(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.itemId, t.salesDate] }),
    check("daily_sales_source", sql`${t.source} in ('reported', 'derived')`),
    // no index on (store, date): every reader goes by store and item (the primary key), and that index, whose few keys
    // each cover a store's whole day, made writing derived sales nearly twice as slow (npm run bench:import)
  ],
);

/**
 * Stock that came in, per store, item and store-local day: a rise of on hand between two observations ("observed"), or
 * a delivery marked received ("delivery"). The sweep learns each item's replenishment from these (forecast/replenishment).
 * One row per day: two rises on a day add up, and a delivery received on a day whose rise the POS already showed
 * takes that rise over instead of adding to it (see recordDeliveryReceipt).
 */
export const stockReceipts = pgTable(
  "stock_receipts",
  {
    storeId: integer().notNull(),
    itemId: integer().notNull(),
    receiptDate: date({ mode: "string" }).notNull(),
    units: quantityColumn().notNull(),
    /** on hand just after the receipt (the highest of the day's when two add up) */
    onHandAfter: quantityColumn(),
    /** observed | delivery */
    source: text().notNull(),
    /** the import that observed the rise (null for a received delivery) */
    batchId: integer(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.itemId, t.receiptDate] }),
    check("stock_receipts_source", sql`${t.source} in ('observed', 'delivery')`),
    check("stock_receipts_units", sql`${t.units} > 0`),
  ],
);
