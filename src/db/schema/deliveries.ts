import { sql } from "drizzle-orm";
import { check, date, index, integer, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { items } from "./items.js";
import { quantityColumn } from "./quantity-column.js";
import { stores } from "./stores.js";

/** Stock on its way to a store: expected until received (which adds to on hand) or cancelled. */
export const deliveries = pgTable(
  "deliveries",
  {
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    id: serial().notNull(),
    itemId: integer()
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    /** purchase order or advance shipping notice line, as the supplier system names it */
    reference: text().notNull(),
    quantity: quantityColumn().notNull(),
    /** store-local day it is expected on the shelf */
    expectedDate: date({ mode: "string" }).notNull(),
    /** expected | received | cancelled */
    status: text().notNull().default("expected"),
    receivedQuantity: quantityColumn(),
    receivedAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.id] }),
    uniqueIndex("deliveries_reference_uq").on(t.storeId, t.reference, t.itemId),
    index("deliveries_open_idx").on(t.storeId, t.itemId, t.expectedDate).where(sql`${t.status} = 'expected'`),
    check("deliveries_quantity", sql`${t.quantity} > 0`),
    check("deliveries_status", sql`${t.status} in ('expected', 'received', 'cancelled')`),
  ],
);
