import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { countRows, ledgerSnapshot, stockOf } from "../helpers/ledger-reads.js";
import { expectProblem, postRows, postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext({ STOCK_BATCH_MAX_ROWS: "3" });

const row = (sku: string, onHand: number) => ({ store: "S12", sku, onHand, observedAt: "2026-11-20T14:00:00Z" });

describe("POST /v1/stock over STOCK_BATCH_MAX_ROWS", () => {
  it("refuses a batch of 4 rows when 3 are allowed, naming rows, and stores none of it", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [row("000123", 14)]);
    const before = await ledgerSnapshot(ctx);
    const problem = await expectProblem(await postRows(ctx, chainKey, [row("000123", 0), row("000124", 0), row("000125", 0), row("000126", 0)]), 422, "validation_failed");
    expect(problem.errors).toEqual([{ field: "rows", reason: "at most 3 rows per request" }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await countRows(ctx, "import_batches")).toBe(1);
  });

  it("accepts a batch of exactly 3 rows", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const answer = await postRowsOk(ctx, chainKey, [row("000123", 1), row("000124", 2), row("000125", 3)]);
    expect(answer).toMatchObject({ rowsAccepted: 3, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000125")).toMatchObject({ on_hand: 3 });
  });
});
