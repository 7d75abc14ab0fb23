import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { ledgerSnapshot, receiptsOf, salesOf } from "../helpers/ledger-reads.js";
import { expectJson, importCsv, postRowsOk, upload } from "../helpers/sync-requests.js";

const ctx = useTestContext({ IMPORT_CHUNK_ROWS: "10000" });

describe("receipts from rises of on hand", () => {
  it("records a rise between two imports as a receipt on the store-local day, adds a second rise that day, and none for a drop or a first observation", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    // 13:00Z is 08:00 in New York
    ctx.clock.set("2026-11-20T13:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,4\nS12,000456,30\n");
    expect(await receiptsOf(ctx, "S12", "000123")).toEqual([]);

    ctx.clock.set("2026-11-20T14:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,28\nS12,000456,25\n");
    expect(await receiptsOf(ctx, "S12", "000123")).toEqual([{ receipt_date: "2026-11-20", units: 24, on_hand_after: 28, source: "observed" }]);
    // the drop is units sold, not a receipt
    expect(await receiptsOf(ctx, "S12", "000456")).toEqual([]);
    expect(await salesOf(ctx, "S12", "000456")).toEqual([{ sales_date: "2026-11-20", units: 5, source: "derived" }]);

    ctx.clock.set("2026-11-20T15:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,26\n");
    ctx.clock.set("2026-11-20T16:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,32\n");
    expect(await receiptsOf(ctx, "S12", "000123")).toEqual([{ receipt_date: "2026-11-20", units: 30, on_hand_after: 32, source: "observed" }]);

    // 03:00Z on the 21st is still the 20th in New York: the same local day; the next local day is another receipt
    ctx.clock.set("2026-11-21T15:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand,observed_at\nS12,000123,40,2026-11-21T03:00:00Z\n");
    await importCsv(ctx, chainKey, "store,sku,on_hand,observed_at\nS12,000123,52,2026-11-21T14:00:00Z\n");
    expect(await receiptsOf(ctx, "S12", "000123")).toEqual([
      { receipt_date: "2026-11-20", units: 38, on_hand_after: 40, source: "observed" },
      { receipt_date: "2026-11-21", units: 12, on_hand_after: 52, source: "observed" },
    ]);
  });

  it("records a rise posted to /v1/stock, and nothing for the same observation again or an older one arriving late", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 2, observedAt: "2026-11-20T12:00:00Z" }]);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 24, observedAt: "2026-11-20T13:00:00Z" }]);
    const expected = [{ receipt_date: "2026-11-20", units: 22, on_hand_after: 24, source: "observed" }];
    expect(await receiptsOf(ctx, "S12", "000123")).toEqual(expected);
    const before = await ledgerSnapshot(ctx);

    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 24, observedAt: "2026-11-20T13:00:00Z" }]);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 1, observedAt: "2026-11-20T12:30:00Z" }]);
    expect(await receiptsOf(ctx, "S12", "000123")).toEqual(expected);
    expect((await ledgerSnapshot(ctx)).receipts).toEqual(before.receipts);
  });
});

describe("a re-sent export", () => {
  it("changes nothing, receipts included", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    ctx.clock.set("2026-11-20T13:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,3\nS7,000123,5\n");
    ctx.clock.set("2026-11-20T14:00:00Z");
    const restock = "store,sku,on_hand,observed_at\nS12,000123,27,2026-11-20T14:00:00Z\nS7,000123,2,2026-11-20T14:00:00Z\n";
    const first = await importCsv(ctx, chainKey, restock);
    expect(await receiptsOf(ctx, "S12", "000123")).toEqual([{ receipt_date: "2026-11-20", units: 24, on_hand_after: 27, source: "observed" }]);
    const before = await ledgerSnapshot(ctx);

    ctx.clock.set("2026-11-20T16:00:00Z");
    const again = await expectJson<{ status: string; duplicateOf: number }>(await upload(ctx, chainKey, restock), 200);
    expect(again).toMatchObject({ status: "duplicate", duplicateOf: first.batchId });
    // the same rows in another file (another column order): the observations are not newer, so nothing rises again
    await importCsv(ctx, chainKey, "observed_at,store,sku,on_hand\n2026-11-20T14:00:00Z,S12,000123,27\n2026-11-20T14:00:00Z,S7,000123,2\n");
    const after = await ledgerSnapshot(ctx);
    expect(after.receipts).toEqual(before.receipts);
    expect(after.stock).toEqual(before.stock);
    expect(after.sales).toEqual(before.sales);
  });
});
