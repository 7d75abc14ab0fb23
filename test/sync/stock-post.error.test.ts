import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, countRows, ledgerSnapshot, salesOf, stockOf } from "../helpers/ledger-reads.js";
import { expectProblem, postRows, postRowsOk, postStockBody } from "../helpers/sync-requests.js";

const ctx = useTestContext();

async function seedStock() {
  const seeded = await seedStoresAndKeys(ctx);
  await postRowsOk(ctx, seeded.chainKey, [
    { store: "S12", sku: "000123", onHand: 14, observedAt: "2026-11-20T10:00:00Z" },
    { store: "S7", sku: "000123", onHand: 3, observedAt: "2026-11-20T10:00:00Z" },
  ]);
  return seeded;
}

describe("POST /v1/stock: a refused request stores nothing", () => {
  it("answers 400 invalid_json to a body that is not JSON", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const res = await postStockBody(ctx, chainKey, '{"rows": [{"store": "S12", "sku": "000123", "onHand": 0,');
    const problem = await expectProblem(res, 400, "invalid_json");
    expect(problem.errors).toEqual([{ field: "(body)", reason: expect.any(String) }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await countRows(ctx, "import_batches")).toBe(1);
  });

  it("answers 415 to a body not declared as JSON", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const body = JSON.stringify({ rows: [{ store: "S12", sku: "000123", onHand: 0, observedAt: "2026-11-20T14:00:00Z" }] });
    await expectProblem(await postStockBody(ctx, chainKey, body, { contentType: "text/plain" }), 415, "unsupported_media_type");
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });

  it.each([
    ["rows missing", {}, "rows must be an array"],
    ["rows empty", { rows: [] }, "rows is empty"],
    ["rows not a list", { rows: { store: "S12" } }, "rows must be an array"],
  ])("answers 422 naming rows when %s", async (_case, body, reason) => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const problem = await expectProblem(await postStockBody(ctx, chainKey, JSON.stringify(body)), 422, "validation_failed");
    expect(problem.errors).toEqual([{ field: "rows", reason }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });

  it("answers 422 idempotency_key_reused for the same key with another body, and changes nothing", async () => {
    const { chainKey } = await seedStock();
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 12, observedAt: "2026-11-20T12:00:00Z" }], { idempotencyKey: "k-1" });
    const before = await ledgerSnapshot(ctx);
    const res = await postRows(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 0, observedAt: "2026-11-20T13:00:00Z" }], { idempotencyKey: "k-1" });
    const problem = await expectProblem(res, 422, "idempotency_key_reused");
    expect(problem.errors).toEqual([{ field: "Idempotency-Key", reason: "already used with another body" }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 12 });
  });

  it("answers 422 to an Idempotency-Key longer than 200 characters", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const res = await postRows(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 0, observedAt: "2026-11-20T13:00:00Z" }], { idempotencyKey: "k".repeat(201) });
    const problem = await expectProblem(res, 422, "validation_failed");
    expect(problem.errors).toEqual([{ field: "Idempotency-Key", reason: "Idempotency-Key is longer than 200 characters" }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });
});

describe("POST /v1/stock: bad rows are listed by index and field, valid rows land", () => {
  it("rejects a row naming an unknown store", async () => {
    const { chainKey } = await seedStock();
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S99", sku: "000123", onHand: 0, observedAt: "2026-11-20T14:00:00Z" },
      { store: "Mt_Auburn", sku: "000123", onHand: 9, observedAt: "2026-11-20T14:00:00Z" },
    ]);
    expect(answer).toMatchObject({ rowsAccepted: 1, rowsRejected: 1, rejected: [{ row: 0, field: "store", reason: 'unknown store "S99"' }] });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 9 });
    const [, batch] = await batchesOf(ctx);
    expect(batch).toMatchObject({ rows_read: 2, rows_accepted: 1, rows_rejected: 1 });
  });

  it("rejects quantities that are not numbers or have more than three decimals, and rows missing a field", async () => {
    const { chainKey } = await seedStock();
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000123", onHand: "abc", observedAt: "2026-11-20T14:00:00Z" },
      { store: "S12", sku: "000124", onHand: 2.3456, observedAt: "2026-11-20T14:00:00Z" },
      { store: "S12", onHand: 1, observedAt: "2026-11-20T14:00:00Z" },
      { store: "S7", sku: "000123", onHand: 1, observedAt: "2026-11-20T14:00:00Z" },
    ]);
    expect(answer.rejected).toEqual([
      { row: 0, field: "onHand", reason: 'onHand must be a number, got "abc"' },
      { row: 1, field: "onHand", reason: "onHand has more than three decimal places (2.3456); quantities are kept to thousandths" },
      { row: 2, field: "sku", reason: "SKU is required" },
    ]);
    expect(answer).toMatchObject({ rowsAccepted: 1, rowsRejected: 3 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect(await stockOf(ctx, "S12", "000124")).toBeUndefined();
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 1 });
  });

  it("rejects an observation time that cannot be read or lies beyond the tolerance", async () => {
    const { chainKey } = await seedStock();
    ctx.clock.set("2026-11-20T15:00:00Z");
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000123", onHand: 1, observedAt: "2026-11-20 14:00" },
      { store: "S12", sku: "000123", onHand: 2, observedAt: "2026-11-20T15:15:01Z" },
      { store: "S7", sku: "000123", onHand: 7, observedAt: "2026-11-20T15:15:00Z" },
    ]);
    expect(answer.rejected).toEqual([
      { row: 0, field: "observedAt", reason: "must be an ISO 8601 date and time with a zone, e.g. 2026-11-23T09:30:00Z" },
      {
        row: 1,
        field: "observedAt",
        reason: "observedAt 2026-11-20T15:15:01.000Z lies in the future (more than 15 min ahead of 2026-11-20T15:00:00.000Z)",
      },
    ]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14, observed_at: new Date("2026-11-20T10:00:00Z") });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 7 });
  });

  it("rejects text that is not text (a NUL, half a surrogate pair) and dates before 2000, and keeps the other rows", async () => {
    const { chainKey } = await seedStock();
    const at = "2026-11-20T14:00:00Z";
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "NUL\u0000SKU", onHand: 1, observedAt: at },
      { store: "S12", sku: "HALF\ud800", onHand: 1, observedAt: at },
      { store: "S12", sku: "000124", onHand: 1, observedAt: at, name: "Basil\u0000" },
      { store: "S12", sku: "000125", onHand: 1, observedAt: "0001-01-01T00:00:00+01:00" },
      { store: "S12", sku: "000126", onHand: 1, observedAt: at, soldUnits: 1, salesDate: "1999-12-31" },
      { store: "S12", sku: "EMOJI-\ud83c\udf45", onHand: 6, observedAt: at },
    ]);
    expect(answer.rejected).toEqual([
      { row: 0, field: "sku", reason: "SKU holds a NUL or a broken character" },
      { row: 1, field: "sku", reason: "SKU holds a NUL or a broken character" },
      { row: 2, field: "name", reason: "holds a NUL or a broken character" },
      { row: 3, field: "observedAt", reason: "must not be before 2000-01-01" },
      { row: 4, field: "salesDate", reason: "must not be before 2000-01-01" },
    ]);
    // a whole surrogate pair is text like any other
    expect(await stockOf(ctx, "S12", "EMOJI-🍅")).toMatchObject({ on_hand: 6 });
  });

  it("rejects a sales date without units, and one ahead of the store's today", async () => {
    const { chainKey } = await seedStock();
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000123", onHand: 13, observedAt: "2026-11-20T14:00:00Z", salesDate: "2026-11-20" },
      { store: "S12", sku: "000124", onHand: 13, observedAt: "2026-11-20T14:00:00Z", soldUnits: 2, salesDate: "2026-11-21" },
    ]);
    expect(answer.rejected).toEqual([
      { row: 0, field: "soldUnits", reason: "salesDate was given without soldUnits" },
      { row: 1, field: "salesDate", reason: "salesDate 2026-11-21 lies in the future (today at store S12 is 2026-11-20)" },
    ]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect(await salesOf(ctx, "S12", "000124")).toEqual([]);
  });
});
