import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { storeScope } from "../http/api-keys.js";

export interface ItemSubscriberCount {
  storeCode: string;
  storeName: string;
  sku: string;
  itemName: string | null;
  /** confirmed customers of this store and item */
  customers: number;
  /** of them, waiting for a restock */
  restock: number;
  /** of them, following deals */
  deals: number;
}

/** Confirmed customers per store and item, most first: counts only, never an address. */
export async function countSubscribersByItem(
  db: Database,
  options: { storeIds: number[] | null; limit: number; sku?: string },
): Promise<ItemSubscriberCount[]> {
  if (options.storeIds !== null && options.storeIds.length === 0) return [];
  const rows = await queryRows(
    db,
    sql`select s.code as store_code, s.name as store_name, i.sku, i.name as item_name, count(*)::int as customers,
               (count(*) filter (where sub.restock))::int as restock, (count(*) filter (where sub.deals))::int as deals
        from subscriptions sub join stores s on s.id = sub.store_id join items i on i.id = sub.item_id
        where sub.status = 'active' and ${storeScope({ storeIds: options.storeIds }, sql`sub.store_id`)}
          ${options.sku === undefined ? sql`` : sql`and i.sku = ${options.sku}`}
        group by s.code, s.name, i.sku, i.name
        order by customers desc, restock desc, s.code, i.sku
        limit ${options.limit}`,
  );
  return rows.map((row) => ({
    storeCode: String(row.store_code),
    storeName: String(row.store_name),
    sku: String(row.sku),
    itemName: (row.item_name as string | null) ?? null,
    customers: Number(row.customers),
    restock: Number(row.restock),
    deals: Number(row.deals),
  }));
}
