import { sql } from "drizzle-orm";
import { check, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

/** The chain's catalogue: one row per SKU, shared by all stores. */
export const items = pgTable(
  "items",
  {
    id: serial().primaryKey(),
    sku: text().notNull().unique(),
    name: text(),
    category: text(),
    /** what its quantities count: "each" (pieces), or a measure such as kg or lb for goods sold by weight */
    unit: text().notNull().default("each"),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("items_unit", sql`char_length(${t.unit}) between 1 and 20`)],
);
