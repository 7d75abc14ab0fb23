import { boolean, date, index, integer, pgTable, primaryKey, real, text, timestamp } from "drizzle-orm/pg-core";
import { items } from "./items.js";
import { quantityColumn } from "./quantity-column.js";
import { stores } from "./stores.js";

/** The latest stockout risk of each item at each store, as the sweep computed it. */
export const stockRisks = pgTable(
  "stock_risks",
  {
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
    itemId: integer()
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    computedAt: timestamp({ withTimezone: true }).notNull(),
    /** a promotion for the item at the store is running or starts within the look-ahead */
    advertised: boolean().notNull(),
    promotionId: integer(),
    promotionEnd: date({ mode: "string" }),
    onHand: quantityColumn().notNull(),
    projectedStockoutDate: date({ mode: "string" }),
    daysOfCover: real().notNull(),
    probabilityBeforePromotionEnd: real(),
    probabilityBeforeNextDelivery: real(),
    probabilityWithinHorizon: real().notNull(),
    quantityToLastPromotion: quantityColumn(),
    nextDeliveryDate: date({ mode: "string" }),
    nextDeliveryQuantity: quantityColumn(),
    /** loaded: a purchase order someone sent; inferred: expected from the item's past receipts */
    nextDeliverySource: text(),
    /** the probability alerts are judged on and the list ranks by: alertRiskProbability (alerts/alert-policy) */
    probability: real().notNull(),
    modelMethod: text().notNull(),
    /** the ages of the inputs: when stock was observed, and the last day of sales history */
    stockObservedAt: timestamp({ withTimezone: true }).notNull(),
    salesThrough: date({ mode: "string" }),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.itemId] }), index("stock_risks_rank_idx").on(t.storeId, t.probability)],
);

/** When each sweep last ran, so that the next one recomputes only what changed since. */
export const sweepState = pgTable("sweep_state", {
  name: text().primaryKey(),
  lastStartedAt: timestamp({ withTimezone: true }).notNull(),
  lastFullAt: timestamp({ withTimezone: true }),
});
