import { and, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { promotionItems, promotionStores, promotions } from "../db/schema/index.js";
import { canUseStore, storeScope, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError, type ProblemDetail } from "../http/problem.js";
import { StoreDirectory, type StoreRef } from "../stores/store-directory.js";
import { ItemRegistry } from "../sync/ledger-writes.js";
import type { PromotionInput } from "./plan.schemas.js";

/** Where a request names each promotion's id and stores, so that a problem points there: JSON fields or CSV lines. */
export interface PromotionPlaces {
  id(index: number): Omit<ProblemDetail, "reason">;
  /** `s`: the store's position in the promotion's list; absent for "all" */
  store(index: number, s?: number): Omit<ProblemDetail, "reason">;
}

const promotionFields: PromotionPlaces = {
  id: (index) => ({ field: `promotions/${index}/id` }),
  store: (index, s) => ({ field: s === undefined ? `promotions/${index}/stores` : `promotions/${index}/stores/${s}` }),
};

/** Promotion lines of a CSV (one line per item and store) folded into promotions; conflicting lines are named. */
export function foldPromotionLines(
  lines: Array<{ line: number; row: { promotion_id: string; name?: string; sku: string; store: string; start_date: string; end_date: string; uplift?: number; advertised_price?: string } }>,
): { promotions: PromotionInput[]; places: PromotionPlaces } {
  // storeLines: the first line naming each store ("*" included), in the order the stores are listed
  const byId = new Map<
    string,
    PromotionInput & { firstLine: number; storeLines: Map<string, number>; skuSet: Set<string>; upliftLines: Map<string, { uplift: number; line: number }> }
  >();
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
        advertisedPrice: row.advertised_price,
        firstLine: line,
        storeLines: new Map(),
        skuSet: new Set(),
        upliftLines: new Map(),
      };
      byId.set(row.promotion_id, promotion);
    } else if (promotion.startDate !== row.start_date || promotion.endDate !== row.end_date) {
      problems.push({ line, column: "start_date", reason: `promotion ${row.promotion_id} has other dates on line ${promotion.firstLine}` });
    }
    if (row.end_date < row.start_date) problems.push({ line, column: "end_date", reason: "end_date is before start_date" });
    promotion.skuSet.add(row.sku);
    if (!promotion.storeLines.has(row.store)) promotion.storeLines.set(row.store, line);
    // each line may plan its item's own uplift; one item planned two ways is a contradiction, not a choice to make here
    if (row.uplift !== undefined) {
      const planned = promotion.upliftLines.get(row.sku);
      if (planned === undefined) promotion.upliftLines.set(row.sku, { uplift: row.uplift, line });
      else if (planned.uplift !== row.uplift) {
        problems.push({ line, column: "uplift", reason: `SKU ${row.sku} of promotion ${row.promotion_id} has uplift ${planned.uplift} on line ${planned.line}` });
      }
    }
  }
  if (problems.length > 0) {
    throw new AppError({ code: "validation_failed", detail: "the promotions file contradicts itself; nothing was stored", errors: problems.slice(0, 100) });
  }
  const folded = [...byId.values()];
  const storeLines = folded.map((p) => [...p.storeLines.values()]);
  return {
    promotions: folded.map(({ firstLine: _l, storeLines: lines, skuSet, upliftLines, ...p }) => ({
      ...p,
      ...promotionUplifts(upliftLines),
      skus: [...skuSet],
      stores: lines.has("*") ? "all" : [...lines.keys()],
    })),
    places: {
      id: (index) => ({ line: folded[index]!.firstLine, column: "promotion_id" }),
      store: (index, s) => ({ line: s === undefined ? folded[index]!.storeLines.get("*")! : storeLines[index]![s]!, column: "store" }),
    },
  };
}

/** A CSV's planned uplifts: the promotion's when every line that gave one agrees, and each item's. */
function promotionUplifts(upliftLines: Map<string, { uplift: number }>): Pick<PromotionInput, "uplift" | "upliftBySku"> {
  if (upliftLines.size === 0) return {};
  const uplifts = [...upliftLines.values()].map((planned) => planned.uplift);
  const shared = uplifts.every((uplift) => uplift === uplifts[0]) ? uplifts[0] : undefined;
  return { ...(shared !== undefined ? { uplift: shared } : {}), upliftBySku: Object.fromEntries([...upliftLines].map(([sku, planned]) => [sku, planned.uplift])) };
}

/**
 * Creates or replaces promotions by their id: items and stores are set to what was sent. A key limited to some stores
 * may only write a promotion whose stores are all its own, both those it has and those it is sent with: otherwise it
 * could move another store's (or the whole chain's) promotion to its own stores and silence their promotion alerts.
 * Any promotion refused refuses the whole request.
 */
export async function upsertPromotions(
  db: Database,
  input: PromotionInput[],
  apiKey: ApiKeyPrincipal | null,
  places: PromotionPlaces = promotionFields,
): Promise<Array<{ id: string; promotionId: number }>> {
  const directory = await StoreDirectory.load(db);
  const unknown: ProblemDetail[] = [];
  const resolved = input.map((promotion, index) => {
    if (promotion.stores === "all") return { promotion, index, stores: null as StoreRef[] | null };
    const stores: StoreRef[] = [];
    promotion.stores.forEach((name, s) => {
      const store = directory.resolve(name);
      if (!store) return void unknown.push({ ...places.store(index, s), reason: `unknown store "${name}"` });
      stores.push(store);
    });
    return { promotion, index, stores };
  });
  if (unknown.length > 0) throw new AppError({ code: "validation_failed", detail: "promotions name unknown stores; nothing was stored", errors: unknown.slice(0, 100) });
  const limitedKey = apiKey && apiKey.storeIds !== null ? apiKey : null;

  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    const existing = limitedKey ? await lockPromotionStores(t, input.map((p) => p.id)) : new Map<string, ExistingPromotion>();
    if (limitedKey) refuseOtherStores(limitedKey, resolved, existing, places);

    const items = new ItemRegistry();
    await items.ensure(t, input.flatMap((p) => p.skus.map((sku) => ({ sku }))));
    const saved: Array<{ id: string; promotionId: number }> = [];
    for (const { promotion, stores } of resolved) {
      const fields = { name: promotion.name, startDate: promotion.startDate, endDate: promotion.endDate, uplift: promotion.uplift ?? null, advertisedPrice: promotion.advertisedPrice ?? null, allStores: stores === null };
      const checked = existing.get(promotion.id);
      const [row] = await t
        .insert(promotions)
        .values({ externalId: promotion.id, ...fields })
        .onConflictDoUpdate({
          target: promotions.externalId,
          set: { ...fields, updatedAt: sql`now()` },
          // a limited key replaces only what it was checked against: a promotion created since by another request is not
          setWhere: limitedKey ? (checked ? eq(promotions.id, checked.id) : sql`false`) : undefined,
        })
        .returning({ id: promotions.id });
      if (!row) throw new AppError({ code: "conflict", detail: `promotion ${promotion.id} was created by another request meanwhile; nothing was stored, send it again` });
      const promotionId = row.id;
      existing.set(promotion.id, { id: promotionId, stores });
      await t.delete(promotionItems).where(eq(promotionItems.promotionId, promotionId));
      await t.delete(promotionStores).where(eq(promotionStores.promotionId, promotionId));
      await t
        .insert(promotionItems)
        .values(promotion.skus.map((sku) => ({ promotionId, itemId: items.idOf(sku)!, uplift: promotion.upliftBySku?.[sku] ?? null })))
        .onConflictDoNothing();
      if (stores && stores.length > 0) {
        await t.insert(promotionStores).values([...new Set(stores.map((s) => s.id))].map((storeId) => ({ promotionId, storeId })));
      }
      saved.push({ id: promotion.id, promotionId });
    }
    return saved;
  });
}

/** A limited key may write a promotion only if every store it runs at now, and will run at, is one of the key's. */
function refuseOtherStores(
  apiKey: ApiKeyPrincipal,
  resolved: Array<{ promotion: PromotionInput; index: number; stores: StoreRef[] | null }>,
  existing: Map<string, ExistingPromotion>,
  places: PromotionPlaces,
): void {
  const refused: ProblemDetail[] = [];
  const refusedIds: string[] = [];
  for (const { promotion, index, stores } of resolved) {
    const counted = refused.length;
    const current = existing.get(promotion.id);
    if (current?.stores === null) {
      refused.push({ ...places.id(index), reason: `promotion ${promotion.id} runs at every store, beyond this key's stores` });
    } else if (current) {
      const beyond = current.stores.filter((store) => !canUseStore(apiKey, store.id)).map((store) => store.code);
      if (beyond.length > 0) refused.push({ ...places.id(index), reason: `promotion ${promotion.id} runs at ${beyond.join(", ")}, outside this key's stores` });
    }
    if (stores === null) refused.push({ ...places.store(index), reason: "every store is beyond this key's stores" });
    else stores.forEach((store, s) => {
      if (!canUseStore(apiKey, store.id)) refused.push({ ...places.store(index, s), reason: `store ${store.code} is outside this key's stores` });
    });
    if (refused.length > counted) refusedIds.push(promotion.id);
  }
  if (refused.length === 0) return;
  const named = refusedIds.slice(0, 10).join(", ") + (refusedIds.length > 10 ? ` and ${refusedIds.length - 10} more` : "");
  throw new AppError({
    code: "forbidden_store",
    detail: `this API key may not write ${refusedIds.length === 1 ? "promotion" : "promotions"} ${named}: stores outside its own; nothing was stored`,
    errors: refused.slice(0, 100),
  });
}

interface ExistingPromotion {
  id: number;
  /** null: every store */
  stores: Array<Pick<StoreRef, "id" | "code">> | null;
}

/**
 * The promotions with these ids and their stores, locked until the transaction ends: every writer of a promotion
 * updates its row first, so its stores cannot change between this check and the write.
 */
async function lockPromotionStores(db: Database, externalIds: string[]): Promise<Map<string, ExistingPromotion>> {
  const rows = await db
    .select({ id: promotions.id, externalId: promotions.externalId, allStores: promotions.allStores })
    .from(promotions)
    .where(inArray(promotions.externalId, [...new Set(externalIds)]))
    .for("update");
  if (rows.length === 0) return new Map();
  // read after the lock is held (a statement of its own), so that it sees what a writer before us committed
  const stores = await queryRows<{ promotion_id: number; id: number; code: string }>(
    db,
    sql`select promotion_stores.promotion_id, stores.id, stores.code from promotion_stores join stores on stores.id = promotion_stores.store_id
        where ${inArray(promotionStores.promotionId, rows.map((r) => r.id))} order by stores.code`,
  );
  return new Map(
    rows.map((r) => [
      r.externalId,
      { id: r.id, stores: r.allStores ? null : stores.filter((s) => Number(s.promotion_id) === r.id).map((s) => ({ id: Number(s.id), code: s.code })) },
    ]),
  );
}

/** Promotions ending on or after `activeOn`; a key limited to some stores sees those that run at one of them. */
export async function listPromotions(db: Database, options: { activeOn?: string; apiKey: ApiKeyPrincipal }) {
  const rows = await db
    .select()
    .from(promotions)
    .where(
      and(
        options.activeOn ? sql`${promotions.endDate} >= ${options.activeOn}` : undefined,
        options.apiKey.storeIds === null
          ? undefined
          : sql`(${promotions.allStores} or exists (select 1 from promotion_stores ps where ps.promotion_id = ${promotions.id} and ${storeScope(options.apiKey, sql`ps.store_id`)}))`,
      ),
    )
    .orderBy(promotions.startDate)
    .limit(500);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const skus = await queryRows<{ promotion_id: number; sku: string; uplift: number | null }>(
    db,
    sql`select promotion_items.promotion_id, items.sku, promotion_items.uplift from promotion_items join items on items.id = promotion_items.item_id
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
    advertisedPrice: p.advertisedPrice,
    stores: p.allStores ? "all" : codes.filter((c) => Number(c.promotion_id) === p.id).map((c) => c.code),
    skus: skus.filter((s) => Number(s.promotion_id) === p.id).map((s) => s.sku),
    upliftBySku: Object.fromEntries(
      skus.filter((s) => Number(s.promotion_id) === p.id && s.uplift !== null).map((s) => [s.sku, Number(s.uplift)]),
    ),
  }));
}
