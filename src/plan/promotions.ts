import { eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { promotionItems, promotionStores, promotions } from "../db/schema/index.js";
import { canUseStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError, type ProblemDetail } from "../http/problem.js";
import { StoreDirectory } from "../stores/store-directory.js";
import { ItemRegistry } from "../sync/ledger-writes.js";
import type { PromotionInput } from "./plan.schemas.js";

/** Promotion lines of a CSV (one line per item and store) folded into promotions; conflicting lines are named. */
export function foldPromotionLines(
  lines: Array<{ line: number; row: { promotion_id: string; name?: string; sku: string; store: string; start_date: string; end_date: string; uplift?: number } }>,
): PromotionInput[] {
  const byId = new Map<string, PromotionInput & { firstLine: number; storeSet: Set<string>; skuSet: Set<string> }>();
  const problems: ProblemDetail[] = [];
  for (const { line, row } of lines) {
    let promotion = byId.get(row.promotion_id);
    if (!promotion) {
      promotion = {
        id: row.promotion_id,
        name: row.name || row.promotion_id,
        skus: [],
        stores: [],
        startDate: row.start_date,
        endDate: row.end_date,
        uplift: row.uplift,
        firstLine: line,
        storeSet: new Set(),
        skuSet: new Set(),
      };
      byId.set(row.promotion_id, promotion);
    } else if (promotion.startDate !== row.start_date || promotion.endDate !== row.end_date) {
      problems.push({ line, column: "start_date", reason: `promotion ${row.promotion_id} has other dates on line ${promotion.firstLine}` });
    }
    if (row.end_date < row.start_date) problems.push({ line, column: "end_date", reason: "end_date is before start_date" });
    promotion.skuSet.add(row.sku);
    promotion.storeSet.add(row.store);
  }
  if (problems.length > 0) {
    throw new AppError({ code: "validation_failed", detail: "the promotions file contradicts itself; nothing was stored", errors: problems.slice(0, 100) });
  }
  return [...byId.values()].map(({ firstLine: _l, storeSet, skuSet, ...p }) => ({
    ...p,
    skus: [...skuSet],
    stores: storeSet.has("*") ? "all" : [...storeSet],
  }));
}

/**
 * Creates or replaces promotions by their id: items and stores are set to what was sent. A key limited to some stores
 * may only write promotions for those stores.
 */
export async function upsertPromotions(db: Database, input: PromotionInput[], apiKey: ApiKeyPrincipal | null): Promise<Array<{ id: string; promotionId: number }>> {
  const directory = await StoreDirectory.load(db);
  const problems: ProblemDetail[] = [];
  const resolved = input.map((promotion, index) => {
    if (promotion.stores === "all") {
      if (apiKey && apiKey.storeIds !== null) {
        throw new AppError({ code: "forbidden_store", detail: "a key limited to some stores cannot write a promotion for every store", errors: [{ field: `promotions/${index}/stores`, reason: "all stores" }] });
      }
      return { promotion, storeIds: null as number[] | null };
    }
    const storeIds: number[] = [];
    promotion.stores.forEach((name, s) => {
      const store = directory.resolve(name);
      if (!store) return void problems.push({ field: `promotions/${index}/stores/${s}`, reason: `unknown store "${name}"` });
      if (apiKey && !canUseStore(apiKey, store.id)) {
        throw new AppError({ code: "forbidden_store", detail: `this API key may not write to store ${store.code}`, errors: [{ field: `promotions/${index}/stores/${s}`, reason: "outside this key's stores" }] });
      }
      storeIds.push(store.id);
    });
    return { promotion, storeIds };
  });
  if (problems.length > 0) throw new AppError({ code: "validation_failed", detail: "promotions name unknown stores; nothing was stored", errors: problems });

  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    const items = new ItemRegistry();
    await items.ensure(t, input.flatMap((p) => p.skus.map((sku) => ({ sku }))));
    const saved: Array<{ id: string; promotionId: number }> = [];
    for (const { promotion, storeIds } of resolved) {
      const [row] = await t
        .insert(promotions)
        .values({ externalId: promotion.id, name: promotion.name, startDate: promotion.startDate, endDate: promotion.endDate, uplift: promotion.uplift ?? null, allStores: storeIds === null })
        .onConflictDoUpdate({
          target: promotions.externalId,
          set: { name: promotion.name, startDate: promotion.startDate, endDate: promotion.endDate, uplift: promotion.uplift ?? null, allStores: storeIds === null, updatedAt: sql`now()` },
        })
        .returning({ id: promotions.id });
      const promotionId = row!.id;
      await t.delete(promotionItems).where(eq(promotionItems.promotionId, promotionId));
      await t.delete(promotionStores).where(eq(promotionStores.promotionId, promotionId));
      await t.insert(promotionItems).values(promotion.skus.map((sku) => ({ promotionId, itemId: items.idOf(sku)! }))).onConflictDoNothing();
      if (storeIds && storeIds.length > 0) {
        await t.insert(promotionStores).values([...new Set(storeIds)].map((storeId) => ({ promotionId, storeId })));
      }
      saved.push({ id: promotion.id, promotionId });
    }
    return saved;
  });
}

export async function listPromotions(db: Database, options: { activeOn?: string }) {
  const rows = await db
    .select()
    .from(promotions)
    .where(options.activeOn ? sql`${promotions.endDate} >= ${options.activeOn}` : undefined)
    .orderBy(promotions.startDate)
    .limit(500);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const skus = await queryRows<{ promotion_id: number; sku: string }>(
    db,
    sql`select promotion_items.promotion_id, items.sku from promotion_items join items on items.id = promotion_items.item_id
        where ${inArray(promotionItems.promotionId, ids)}`,
  );
  const codes = await queryRows<{ promotion_id: number; code: string }>(
    db,
    sql`select promotion_stores.promotion_id, stores.code from promotion_stores join stores on stores.id = promotion_stores.store_id
        where ${inArray(promotionStores.promotionId, ids)}`,
  );
  return rows.map((p) => ({
    id: p.externalId,
    name: p.name,
    startDate: p.startDate,
    endDate: p.endDate,
    uplift: p.uplift,
    stores: p.allStores ? "all" : codes.filter((c) => Number(c.promotion_id) === p.id).map((c) => c.code),
    skus: skus.filter((s) => Number(s.promotion_id) === p.id).map((s) => s.sku),
  }));
}
