import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { localDateAt } from "../stores/store-directory.js";
import { addDays } from "./risk-inputs.js";

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
  const horizons = await storeHorizons(db, filter.storeIds, filter.now, filter.horizonDays);
  if (horizons.length === 0) return [];
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`select i.sku, i.name, i.category, r.advertised, p.external_id as promotion, r.promotion_end::text as promotion_end,
               r.on_hand::float8 as on_hand, i.unit, r.projected_stockout_date::text as projected_stockout_date, r.days_of_cover,
               r.probability, r.probability_before_promotion_end, r.probability_before_next_delivery,
               r.quantity_to_last_promotion::float8 as quantity_to_last_promotion, r.next_delivery_date::text as next_delivery_date,
               r.next_delivery_quantity::float8 as next_delivery_quantity, r.next_delivery_source,
               to_json(r.computed_at) #>> '{}' as computed_at, to_json(r.stock_observed_at) #>> '{}' as stock_observed_at,
               r.sales_through::text as sales_through, r.model_method, s.code as store_code, s.name as store_name
        from stock_risks r
        join json_to_recordset(${JSON.stringify(horizons)}::json) as h(store_id int, horizon_end date) on h.store_id = r.store_id
        join stores s on s.id = r.store_id
        join items i on i.id = r.item_id
        left join promotions p on p.id = r.promotion_id
        where r.probability >= ${filter.minProbability}
          ${filter.advertisedOnly ? sql`and r.advertised` : sql``}
          ${filter.category === undefined ? sql`` : sql`and i.category = ${filter.category}`}
          and (r.projected_stockout_date <= h.horizon_end or r.promotion_end <= h.horizon_end)
        order by r.advertised desc, r.projected_stockout_date asc nulls last, r.probability desc, i.sku, s.code
        limit ${filter.limit}`,
  );
  return rows.map((row) => camelCaseKeys(row) as unknown as AtRiskRow);
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

async function storeHorizons(db: Database, storeIds: number[] | null, now: Date, horizonDays: number) {
  const all = await queryRows<{ id: number; time_zone: string }>(db, sql`select id, time_zone from stores`);
  const wanted = storeIds === null ? all : all.filter((s) => storeIds.includes(Number(s.id)));
  return wanted.map((s) => ({ store_id: Number(s.id), horizon_end: addDays(localDateAt(now, s.time_zone), horizonDays) }));
}

function camelCaseKeys(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase()), v]));
}
