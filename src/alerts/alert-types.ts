/** What can go wrong at a store, in the order a manager should look at it. */
export const ALERT_KINDS = ["promotion_stockout", "out_of_stock", "delivery_stockout", "stale_feed"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_STATES = ["open", "acknowledged", "snoozed", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What happened to an alert; every transition is kept as evidence of planning. */
export type AlertEventKind = "opened" | "escalated" | "updated" | "acknowledged" | "snoozed" | "unsnoozed" | "resolved";

/** The figures behind an alert at one moment: what the email shows and the event log keeps. */
export interface AlertFigures {
  onHand: number | null;
  /** store-local date on which the shelf is expected to be empty */
  projectedStockoutDate: string | null;
  /** headline probability of running out (before an order placed today can land, or before the promotion ends) */
  probability: number | null;
  promotionName: string | null;
  /** last day of the promotion (store-local) */
  promotionEnd: string | null;
  nextDeliveryDate: string | null;
  nextDeliveryQuantity: number | null;
  /** loaded: a purchase order; inferred: expected from the item's past receipts (absent in figures kept before it existed) */
  nextDeliverySource?: "loaded" | "inferred" | null;
  /** units to order or move so that the stock lasts through the promotion (null when not known) */
  suggestedQuantity: number | null;
  /** for a stale feed: when data last arrived from the store's POS */
  feedLastSeenAt: string | null;
}
