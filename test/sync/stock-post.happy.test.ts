import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, countRows, feedOf, itemOf, ledgerSnapshot, salesOf, stockOf } from "../helpers/ledger-reads.js";
import { expectJson, postRows, postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();

describe("POST /v1/stock", () => {
  it("stores each observation and answers what it did", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000123", onHand: 14, observedAt: "2026-11-20T14:00:00Z", name: "Oat Milk 1L", category: "Dairy", reorderPoint: 4 },
      { store: "Harbour", sku: "000123", onHand: 0, observedAt: "2026-11-20T14:05:00+00:00" },
    ]);
    expect(answer).toEqual({ batchId: 1, rowsAccepted: 2, rowsRejected: 0, rowsChanged: 2, rejected: [] });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({
      on_hand: 14,
      observed_at: new Date("2026-11-20T14:00:00Z"),
      reorder_point: 4,
      out_of_stock_since: null,
      batch_id: 1,
    });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 0, out_of_stock_since: new Date("2026-11-20T14:05:00Z") });
    expect(await itemOf(ctx, "000123")).toEqual({ sku: "000123", name: "Oat Milk 1L", category: "Dairy" });
    expect(await batchesOf(ctx)).toEqual([
      expect.objectContaining({ id: 1, source: "api", format: "json", status: "applied", rows_read: 2, rows_accepted: 2, rows_rejected: 0, rows_changed: 2 }),
    ]);
  });

  it("records the day's units sold, on the store-local date of the observation by default", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    // 02:00Z is still 2026-11-19 in New York; Bristol is already on the 20th
    await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000123", onHand: 10, observedAt: "2026-11-20T02:00:00Z", soldUnits: 6 },
      { store: "S7", sku: "000123", onHand: 10, observedAt: "2026-11-20T02:00:00Z", soldUnits: 2 },
      { store: "S12", sku: "000124", onHand: 3, observedAt: "2026-11-20T14:00:00Z", soldUnits: 1, salesDate: "2026-11-18" },
    ]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 6, source: "reported" }]);
    expect(await salesOf(ctx, "S7", "000123")).toEqual([{ sales_date: "2026-11-20", units: 2, source: "reported" }]);
    expect(await salesOf(ctx, "S12", "000124")).toEqual([{ sales_date: "2026-11-18", units: 1, source: "reported" }]);
  });

  it("replays the first answer for the same Idempotency-Key and body, and changes nothing", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const rows = [{ store: "S12", sku: "000123", onHand: 10, observedAt: "2026-11-20T14:00:00Z", soldUnits: 3 }];
    const first = await postRows(ctx, chainKey, rows, { idempotencyKey: "till-3-2026-11-20T14:00" });
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstAnswer = await expectJson(first, 201);

    // meanwhile the till corrects the day's sales
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 10, observedAt: "2026-11-20T14:00:00Z", soldUnits: 4 }]);
    const before = await ledgerSnapshot(ctx);
    const batches = await countRows(ctx, "import_batches");

    // the same body with other white space is the same request
    const replay = await postRows(ctx, chainKey, JSON.parse(JSON.stringify(rows, null, 2)) as unknown[], { idempotencyKey: "till-3-2026-11-20T14:00" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await expectJson(replay, 201)).toEqual(firstAnswer);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-20", units: 4, source: "reported" }]);
    expect(await countRows(ctx, "import_batches")).toBe(batches);
  });

  it("marks the feed of each store it wrote to as seen", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    ctx.clock.set("2026-11-20T15:30:00Z");
    await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000123", onHand: 4, observedAt: "2026-11-20T15:20:00Z" },
      { store: "S12", sku: "000124", onHand: 4, observedAt: "2026-11-20T15:25:00Z" },
      { store: "S12", sku: "000125", onHand: 4, observedAt: "2026-11-20T15:10:00Z" },
    ]);
    expect(await feedOf(ctx, "S12")).toEqual({ lastSeenAt: new Date("2026-11-20T15:30:00Z"), lastObservedAt: new Date("2026-11-20T15:25:00Z") });
    expect(await feedOf(ctx, "S7")).toEqual({ lastSeenAt: null, lastObservedAt: null });
  });
});
