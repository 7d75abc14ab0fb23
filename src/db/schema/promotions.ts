import { sql } from "drizzle-orm";
import { boolean, check, date, index, integer, pgTable, primaryKey, real, serial, text, timestamp } from "drizzle-orm/pg-core";
import { items } from "./items.js";
import { stores } from "./stores.js";

/** The ad calendar: which items are advertised, where and when. */
export const promotions = pgTable(
  "promotions",
  {
    id: serial().primaryKey(),
    /** the id the merchandising system gives it; posting it again updates the promotion */
    externalId: text().notNull().unique(),
    name: text().notNull(),
    /** first and last store-local day of the promotion, inclusive */
    startDate: date({ mode: "string" }).notNull(),
    endDate: date({ mode: "string" }).notNull(),
    /** expected sales multiplier, when the planner has one */
    uplift: real(),
    /** the price as the ad prints it ("$2.99", "2 for $5"): what a rain check promises; null when not given */
    advertisedPrice: text(),
    /** true: every store; false: the stores in promotion_stores */
    allStores: boolean().notNull().default(false),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("promotions_dates", sql`${t.endDate} >= ${t.startDate}`),
    check("promotions_uplift", sql`${t.uplift} is null or ${t.uplift} > 0`),
    index("promotions_dates_idx").on(t.endDate, t.startDate),
  ],
);

export const promotionItems = pgTable(
  "promotion_items",
  {
    promotionId: integer()
      .notNull()
      .references(() => promotions.id, { onDelete: "cascade" }),
    itemId: integer()
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    /** the planner's expected sales multiplier for this item, when its line gave one (else the promotion's) */
    uplift: real(),
  },
  (t) => [
    primaryKey({ columns: [t.promotionId, t.itemId] }),
    index("promotion_items_item_idx").on(t.itemId),
    check("promotion_items_uplift", sql`${t.uplift} is null or ${t.uplift} > 0`),
  ],
);

export const promotionStores = pgTable(
  "promotion_stores",
  {
    promotionId: integer()
      .notNull()
      .references(() => promotions.id, { onDelete: "cascade" }),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.promotionId, t.storeId] }), index("promotion_stores_store_idx").on(t.storeId)],
);
