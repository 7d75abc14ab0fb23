import { pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

/** The chain's catalogue: one row per SKU, shared by all stores. */
export const items = pgTable("items", {
  id: serial().primaryKey(),
  sku: text().notNull().unique(),
  name: text(),
  category: text(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
