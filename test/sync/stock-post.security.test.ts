import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, ledgerSnapshot, stockOf } from "../helpers/ledger-reads.js";
import { expectJson, expectProblem, postRows, postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();

const row = (store: string, onHand: number) => ({ store, sku: "000123", onHand, observedAt: "2026-11-20T14:00:00Z" });

async function seedStock() {
  const seeded = await seedStoresAndKeys(ctx);
  await postRowsOk(ctx, seeded.chainKey, [
    { ...row("S12", 14), observedAt: "2026-11-20T10:00:00Z" },
    { ...row("S7", 3), observedAt: "2026-11-20T10:00:00Z" },
  ]);
  return seeded;
}

describe("POST /v1/stock: who may send", () => {
  it.each([
    ["no key", null],
    ["an unknown key", "sw_not-a-key"],
  ])("answers 401 with a challenge for %s, and stores nothing", async (_case, key) => {
    await seedStock();
    const before = await ledgerSnapshot(ctx);
    const res = await postRows(ctx, key, [row("S12", 0)]);
    await expectProblem(res, 401, "unauthorized");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="shelfwatch"');
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });

  it("refuses (403) a key limited to S12 that writes to S7, and applies none of the batch", async () => {
    const { s12Key } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const batches = await batchesOf(ctx);
    const problem = await expectProblem(await postRows(ctx, s12Key, [row("S12", 0), row("Harbour", 0)]), 403, "forbidden_store");
    expect(problem.detail).toBe("this API key may not write to store S7");
    expect(problem.errors).toEqual([{ field: "rows/1/store", reason: "store S7 is outside this key's stores" }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await batchesOf(ctx)).toEqual(batches);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
  });

  it("keeps Idempotency-Keys apart per API key: one key's answer is never replayed to another", async () => {
    const { chainKey, s12Key } = await seedStock();
    const s12Answer = await postRowsOk(ctx, s12Key, [row("S12", 5)], { idempotencyKey: "shared-key" });
    // another key, same Idempotency-Key, other body: neither refused as reused nor answered with S12's result
    const chainRes = await postRows(ctx, chainKey, [row("S7", 6)], { idempotencyKey: "shared-key" });
    expect(chainRes.headers.get("idempotent-replayed")).toBeNull();
    const chainAnswer = await expectJson<{ batchId: number }>(chainRes, 201);
    expect(chainAnswer.batchId).not.toBe(s12Answer.batchId);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 5 });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 6 });
  });
});
