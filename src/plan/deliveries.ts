import { and, eq, sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { deliveries } from "../db/schema/index.js";
import { canUseStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError, type ProblemDetail } from "../http/problem.js";
import { StoreDirectory, localDateAt } from "../stores/store-directory.js";
import { ItemRegistry, lockStockApply } from "../sync/ledger-writes.js";
import type { DeliveryInput } from "./plan.schemas.js";

/**
 * Records expected deliveries; the same reference, store and SKU again updates quantity and date while the delivery
 * is still expected (a received one is history and stays as it was).
 */
export async function upsertDeliveries(
  db: Database,
  input: DeliveryInput[],
  apiKey: ApiKeyPrincipal | null,
  /** where the request names a delivery's store: its JSON field, or a CSV line */
  storePlace: (index: number) => Omit<ProblemDetail, "reason"> = (index) => ({ field: `deliveries/${index}/store` }),
): Promise<Array<{ id: number; reference: string; sku: string; store: string; status: string }>> {
  const directory = await StoreDirectory.load(db);
  const unknown: ProblemDetail[] = [];
  const refused: ProblemDetail[] = [];
  const refusedCodes = new Set<string>();
  // the store is part of a delivery's key, so a key that may write to a store touches only that store's deliveries
  const resolved = input.flatMap((delivery, index) => {
    const store = directory.resolve(delivery.store);
    if (!store) return (unknown.push({ ...storePlace(index), reason: `unknown store "${delivery.store}"` }), []);
    if (apiKey && !canUseStore(apiKey, store.id)) {
      refused.push({ ...storePlace(index), reason: `store ${store.code} is outside this key's stores` });
      refusedCodes.add(store.code);
    }
    return [{ delivery, store }];
  });
  if (unknown.length > 0) throw new AppError({ code: "validation_failed", detail: "deliveries name unknown stores; nothing was stored", errors: unknown.slice(0, 100) });
  if (refused.length > 0) {
    const codes = [...refusedCodes];
    throw new AppError({ code: "forbidden_store", detail: `this API key may not write to ${codes.length === 1 ? "store" : "stores"} ${codes.join(", ")}; nothing was stored`, errors: refused.slice(0, 100) });
  }
  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    const items = new ItemRegistry();
    await items.ensure(t, input.map((d) => ({ sku: d.sku })));
    // one statement for the whole list; the same reference, store and SKU twice in it: the last one wins
    const byKey = new Map(resolved.map((r) => [`${r.store.id}\u0000${r.delivery.reference}\u0000${r.delivery.sku}`, r]));
    const rows = await t
      .insert(deliveries)
      .values(
        [...byKey.values()].map(({ delivery, store }) => ({
          storeId: store.id,
          itemId: items.idOf(delivery.sku)!,
          reference: delivery.reference,
          quantity: delivery.quantity,
          expectedDate: delivery.expectedDate,
        })),
      )
      .onConflictDoUpdate({
        target: [deliveries.storeId, deliveries.reference, deliveries.itemId],
        set: { quantity: sql`excluded.quantity`, expectedDate: sql`excluded.expected_date`, updatedAt: sql`now()` },
        setWhere: sql`${deliveries.status} = 'expected'`,
      })
      .returning({ id: deliveries.id, storeId: deliveries.storeId, itemId: deliveries.itemId, reference: deliveries.reference, status: deliveries.status });
    const written = new Map(rows.map((row) => [`${row.storeId}\u0000${row.reference}\u0000${row.itemId}`, row]));
    // a delivery already received or cancelled is history: not updated, so not returned by the upsert
    const saved = resolved.map(({ delivery, store }) => {
      const row = written.get(`${store.id}\u0000${delivery.reference}\u0000${items.idOf(delivery.sku)}`);
      return { id: row?.id ?? 0, reference: delivery.reference, sku: delivery.sku, store: store.code, status: row?.status ?? "received" };
    });
    return saved;
  });
}

/**
 * Receipt of a delivery: its units are added to on hand at the store and the delivery is closed. A receipt is an
 * event, not a snapshot, so it adds to whatever was last observed; a snapshot taken after the receipt replaces it.
 */
export async function receiveDelivery(
  db: Database,
  request: { id: number; quantity?: number; receivedAt: Date; apiKey: ApiKeyPrincipal | null },
): Promise<{ id: number; store: string; sku: string; receivedQuantity: number; onHand: number }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    await lockStockApply(t);
    const [delivery] = await queryRows<{ store_id: number; item_id: number; quantity: number | string; status: string; code: string; time_zone: string; sku: string }>(
      t,
      sql`select d.store_id, d.item_id, d.quantity, d.status, s.code, s.time_zone, i.sku
          from deliveries d join stores s on s.id = d.store_id join items i on i.id = d.item_id
          where d.id = ${request.id} for update of d`,
    );
    if (!delivery || (request.apiKey && !canUseStore(request.apiKey, delivery.store_id))) {
      throw new AppError({ code: "not_found", detail: `no delivery ${request.id}` });
    }
    if (delivery.status !== "expected") {
      throw new AppError({ code: "conflict", detail: `delivery ${request.id} is already ${delivery.status}` });
    }
    // numeric comes back as text through both drivers
    const quantity = request.quantity ?? Number(delivery.quantity);
    const at = request.receivedAt.toISOString();
    await t
      .update(deliveries)
      .set({ status: "received", receivedQuantity: quantity, receivedAt: request.receivedAt, updatedAt: sql`now()` })
      .where(and(eq(deliveries.storeId, delivery.store_id), eq(deliveries.id, request.id)));
    const [stock] = await queryRows<{ on_hand: number }>(
      t,
      sql`insert into stock_levels as s (store_id, item_id, on_hand, observed_at, updated_at)
          values (${delivery.store_id}, ${delivery.item_id}, ${quantity}, ${at}::timestamptz, now())
          on conflict (store_id, item_id) do update set
            on_hand = s.on_hand + excluded.on_hand,
            observed_at = greatest(s.observed_at, excluded.observed_at),
            out_of_stock_since = case when s.on_hand + excluded.on_hand > 0 then null else s.out_of_stock_since end,
            updated_at = now()
          returning on_hand`,
    );
    const onHand = Number(stock!.on_hand);
    await recordDeliveryReceipt(t, {
      storeId: delivery.store_id,
      itemId: delivery.item_id,
      receiptDate: localDateAt(request.receivedAt, delivery.time_zone),
      units: quantity,
      onHandAfter: onHand,
    });
    return { id: request.id, store: delivery.code, sku: delivery.sku, receivedQuantity: quantity, onHand };
  });
}

/**
 * Records a received delivery in the ledger's receipts, one receipt per store, item and store-local day, without
 * counting one arrival twice:
 * - received first, then seen by the POS: the receipt raised on hand, so the later observation measures its rise from a
 *   level that already holds the delivery and records no second receipt (LedgerWriter.writeStock);
 * - seen by the POS first (an observed rise that day), then received: the rise was this delivery arriving, so the
 *   receipt becomes the delivery's, with the larger of the two quantities and the level the POS observed.
 * Two deliveries received on one day add up.
 */
export async function recordDeliveryReceipt(
  db: Database,
  receipt: { storeId: number; itemId: number; receiptDate: string; units: number; onHandAfter: number },
): Promise<void> {
  if (!(receipt.units > 0)) return;
  await db.execute(
    sql`insert into stock_receipts as r (store_id, item_id, receipt_date, units, on_hand_after, source, batch_id, updated_at)
        values (${receipt.storeId}, ${receipt.itemId}, ${receipt.receiptDate}::date, ${receipt.units}, ${receipt.onHandAfter}, 'delivery', null, now())
        on conflict (store_id, item_id, receipt_date) do update set
          units = case when r.source = 'observed' then greatest(r.units, excluded.units) else r.units + excluded.units end,
          on_hand_after = case when r.source = 'observed' then r.on_hand_after else greatest(r.on_hand_after, excluded.on_hand_after) end,
          source = 'delivery',
          updated_at = excluded.updated_at`,
  );
}
