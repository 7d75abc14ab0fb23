import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";

/** What counts as at risk when the caller does not say: the API's query defaults and the dashboard's fixed view. */
export const AT_RISK_DEFAULTS = { minProbability: 0.5, horizonDays: 28 } as const;

export interface AtRiskFilter {
  /** the stores to look at; null: every store */
  storeIds: number[] | null;
  category?: string;
  advertisedOnly: boolean;
  minProbability: number;
  /** only items projected to run out within this many days of the store's today (or whose promotion ends within it) */
  horizonDays: number;
  limit: number;
  now: Date;
}

/** One store-item at risk, as the sweep last computed it. Dates are YYYY-MM-DD, instants ISO strings. */
export interface AtRiskRow {
  sku: string;
  name: string | null;
  category: string | null;
  advertised: boolean;
  /** the external id of the promotion */
  promotion: string | null;
  promotionEnd: string | null;
  onHand: number;
  /** what the quantities count: each, or a measure such as kg or lb */
  unit: string;
  projectedStockoutDate: string | null;
  daysOfCover: number;
  /** what alerts are judged on: running out before an order placed today can land, or before the promotion ends */
  probability: number;
  probabilityBeforePromotionEnd: number | null;
  probabilityBeforeNextDelivery: number | null;
  /** units to add now for a 10% chance of running out before the promotion ends: the suggested order */
  quantityToLastPromotion: number | null;
  nextDeliveryDate: string | null;
  nextDeliveryQuantity: number | null;
  /** loaded: a purchase order someone sent; inferred: expected from the item's past receipts (quantity estimated) */
  nextDeliverySource: "loaded" | "inferred" | null;
  computedAt: string;
  stockObservedAt: string;
  salesThrough: string | null;
  modelMethod: string;
  storeCode: string;
  storeName: string;
}

/**
 * The items at risk in some stores: advertised items first, then the earliest projected stockout, then the likeliest.
 * The horizon ends at each store's own local date, so a chain across time zones is cut fairly.
 */
export async function listAtRisk(db: Database, filter: AtRiskFilter): Promise<AtRiskRow[]> {
  if (filter.storeIds !== null && filter.storeIds.length === 0) return [];
  // one round trip: each store's horizon comes from its time zone in the query (the same IANA zones the service's
  // localDateAt reads), and the columns are named as the API names them; quantities are numeric, read as numbers
  return queryRows<AtRiskRow & Record<string, unknown>>(
    db,
    sql`select i.sku, i.name, i.category, r.advertised, p.external_id as promotion, r.promotion_end::text as "promotionEnd",
               r.on_hand::float8 as "onHand", i.unit, r.projected_stockout_date::text as "projectedStockoutDate", r.days_of_cover as "daysOfCover",
               r.probability, r.probability_before_promotion_end as "probabilityBeforePromotionEnd",
               r.probability_before_next_delivery as "probabilityBeforeNextDelivery",
               r.quantity_to_last_promotion::float8 as "quantityToLastPromotion", r.next_delivery_date::text as "nextDeliveryDate",
               r.next_delivery_quantity::float8 as "nextDeliveryQuantity", r.next_delivery_source as "nextDeliverySource",
               to_json(r.computed_at) #>> '{}' as "computedAt", to_json(r.stock_observed_at) #>> '{}' as "stockObservedAt",
               r.sales_through::text as "salesThrough", r.model_method as "modelMethod", s.code as "storeCode", s.name as "storeName"
        from stores s
        cross join lateral (select (${filter.now.toISOString()}::timestamptz at time zone s.time_zone)::date + ${filter.horizonDays}::int as horizon_end) h
        join stock_risks r on r.store_id = s.id
        join items i on i.id = r.item_id
        left join promotions p on p.id = r.promotion_id
        where r.probability >= ${filter.minProbability}
          ${filter.storeIds === null ? sql`` : sql`and s.id = any (${`{${filter.storeIds.join(",")}}`}::int[])`}
          ${filter.advertisedOnly ? sql`and r.advertised` : sql``}
          ${filter.category === undefined ? sql`` : sql`and i.category = ${filter.category}`}
          and (r.projected_stockout_date <= h.horizon_end or r.promotion_end <= h.horizon_end)
        order by r.advertised desc, r.projected_stockout_date asc nulls last, r.probability desc, i.sku, s.code
        limit ${filter.limit}`,
  );
}

/** The item categories with a computed risk in the stores, for a filter list. */
export async function listRiskCategories(db: Database, storeIds: number[] | null): Promise<string[]> {
  const rows = await queryRows<{ category: string }>(
    db,
    sql`select distinct i.category from stock_risks r join items i on i.id = r.item_id
        where i.category is not null ${storeIds === null ? sql`` : sql`and r.store_id in (select value::int from json_array_elements_text(${JSON.stringify(storeIds)}::json))`}
        order by i.category`,
  );
  return rows.map((r) => r.category);
}
