import { describe, expect, it } from "vitest";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { receiptsOf, stockOf } from "../helpers/ledger-reads.js";
import { postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();

async function send(path: string, key: string, body: unknown) {
  const res = await ctx.app.request(path, { method: "POST", headers: { ...bearer(key), "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json() as Promise<Record<string, unknown>>;
}

async function loadDelivery(key: string, quantity: number, reference: string): Promise<number> {
  const created = (await send("/v1/deliveries", key, { deliveries: [{ store: "S12", sku: "0001", quantity, expectedDate: "2026-11-20", reference }] })) as {
    deliveries: Array<{ id: number }>;
  };
  return created.deliveries[0]!.id;
}

describe("a received delivery is a receipt, counted once", () => {
  it("records the receipt on the store-local day it was received; the POS observation after it sees no second rise", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand: 4, observedAt: "2026-11-20T12:00:00Z" }]);
    const id = await loadDelivery(chainKey, 24, "PO-1");
    // 14:00Z is 09:00 in New York
    expect(await send(`/v1/deliveries/${id}/receive`, chainKey, { receivedAt: "2026-11-20T14:00:00Z" })).toMatchObject({ onHand: 28 });
    expect(await receiptsOf(ctx, "S12", "0001")).toEqual([{ receipt_date: "2026-11-20", units: 24, on_hand_after: 28, source: "delivery" }]);

    // the till's next count includes the delivery, less two sold: a drop from what the receipt left, not a rise
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand: 26, observedAt: "2026-11-20T15:00:00Z" }]);
    expect(await stockOf(ctx, "S12", "0001")).toMatchObject({ on_hand: 26 });
    expect(await receiptsOf(ctx, "S12", "0001")).toEqual([{ receipt_date: "2026-11-20", units: 24, on_hand_after: 28, source: "delivery" }]);
  });

  it("takes over the rise the POS already showed that day instead of adding to it", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand: 4, observedAt: "2026-11-20T12:00:00Z" }]);
    // the POS booked the delivery (and sold two) before anyone marked it received
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand: 26, observedAt: "2026-11-20T14:00:00Z" }]);
    expect(await receiptsOf(ctx, "S12", "0001")).toEqual([{ receipt_date: "2026-11-20", units: 22, on_hand_after: 26, source: "observed" }]);
    const id = await loadDelivery(chainKey, 24, "PO-2");
    await send(`/v1/deliveries/${id}/receive`, chainKey, { receivedAt: "2026-11-20T16:00:00Z" });
    expect(await receiptsOf(ctx, "S12", "0001")).toEqual([{ receipt_date: "2026-11-20", units: 24, on_hand_after: 26, source: "delivery" }]);

    // a second delivery received that day is more stock: it adds up
    const second = await loadDelivery(chainKey, 6, "PO-3");
    await send(`/v1/deliveries/${second}/receive`, chainKey, { receivedAt: "2026-11-20T17:00:00Z" });
    const [receipt] = await receiptsOf(ctx, "S12", "0001");
    expect(receipt).toMatchObject({ receipt_date: "2026-11-20", units: 30, source: "delivery" });
  });
});
