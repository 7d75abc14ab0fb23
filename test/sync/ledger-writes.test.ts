import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows, type Database } from "../../src/db/client.js";
import { LedgerWriter, StockStage } from "../../src/sync/ledger-writes.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { countRows } from "../helpers/ledger-reads.js";

const ctx = useTestContext();

describe("LedgerWriter.writeStock", () => {
  it("fails the batch rather than dropping a row whose SKU has no item", async () => {
    await seedStoresAndKeys(ctx);
    const [store] = await queryRows<{ id: number }>(ctx.db.db, sql`select id from stores where code = 'S12'`);
    // a stage that claims its SKUs were all created by an earlier chunk, holding one that never was
    const stage = new StockStage({ newSkus: false });
    stage.add(Number(store!.id), "NEVER-CREATED", 5, new Date("2026-11-20T14:00:00Z"), undefined);
    await expect(
      ctx.db.db.transaction(async (tx) => {
        await new LedgerWriter(tx as unknown as Database, 1).writeStock(stage);
      }),
    ).rejects.toThrow(/1 staged stock rows have no item/);
    expect(await countRows(ctx, "stock_levels")).toBe(0);

    // the same stage, told its SKUs may be new, creates the item and lands
    const fresh = new StockStage();
    fresh.add(Number(store!.id), "NEVER-CREATED", 5, new Date("2026-11-20T14:00:00Z"), undefined);
    const changed = await ctx.db.db.transaction((tx) => new LedgerWriter(tx as unknown as Database, 1).writeStock(fresh));
    expect(changed).toBe(1);
    expect(await countRows(ctx, "stock_levels")).toBe(1);
  });
});
