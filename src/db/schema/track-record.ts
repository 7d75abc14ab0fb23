import { sql } from "drizzle-orm";
import { boolean, date, index, integer, pgTable, primaryKey, real } from "drizzle-orm/pg-core";

/**
 * What the sweep said of each store-item on each store-local morning, and (once its window has passed) what happened:
 * the track record. The first assessment of the day is kept; mornings the shelf was already empty are not recorded
 * (nothing was left to predict). A ledger-sized table: no foreign keys, the store leads the key, rows older than
 * TRACK_RECORD_DAYS are pruned (see alerts/track-record).
 */
export const morningPredictions = pgTable(
  "morning_predictions",
  {
    storeId: integer().notNull(),
    itemId: integer().notNull(),
    /** store-local date of the assessment */
    morning: date({ mode: "string" }).notNull(),
    /** alertRiskProbability: running out on or before windowEnd */
    probability: real().notNull(),
    /** last day of the window the probability is about (the decision window's end or the promotion's end) */
    windowEnd: date({ mode: "string" }).notNull(),
    /** a predictive alert (promotion or delivery stockout) was live for the item after the sweep */
    alerted: boolean().notNull(),
    /** the reorder-point rule's verdict on the same ledger that morning (forecast/reorder-point) */
    reorderPointAlerted: boolean().notNull(),
    /** the shelf ran out on a day from morning through windowEnd; null until the window has passed */
    ranOut: boolean(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.itemId, t.morning] }),
    // only the mornings still waiting for their outcome: small, and what each sweep settles from
    index("morning_predictions_unsettled_idx").on(t.storeId, t.windowEnd).where(sql`${t.ranOut} is null`),
  ],
);
