import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runSweep } from "../../src/alerts/sweep.js";
import { queryRows } from "../../src/db/client.js";
import { runCustomerNotices } from "../../src/subscriptions/customer-notices.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();

async function storedMornings() {
  return queryRows<{ morning: string; probability: number }>(
    ctx.db.db,
    sql`select morning::text as morning, probability from morning_predictions order by morning`,
  );
}

describe("the track record's mornings", () => {
  it("keep the first assessment of the store-local day; a later sweep that day leaves it, the next day adds one", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const post = (onHand: number, observedAt: string) =>
      postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand, observedAt, name: "Milk", category: "Dairy" }]);
    await post(40, "2026-11-20T14:00:00Z");
    await runSweep(ctx.deps, { now: ctx.clock.now() });
    const [first] = await storedMornings();
    expect(first?.morning).toBe("2026-11-20");

    ctx.clock.set("2026-11-20T20:00:00Z");
    await post(1, "2026-11-20T19:30:00Z");
    await runSweep(ctx.deps, { now: ctx.clock.now(), full: true });
    expect(await storedMornings()).toEqual([first]);

    // 04:30 UTC is still the 20th in Cambridge (23:30 EST)
    ctx.clock.set("2026-11-21T04:30:00Z");
    await runSweep(ctx.deps, { now: ctx.clock.now(), full: true });
    expect((await storedMornings()).map((row) => row.morning)).toEqual(["2026-11-20"]);
    ctx.clock.set("2026-11-21T12:00:00Z");
    await runSweep(ctx.deps, { now: ctx.clock.now(), full: true });
    expect((await storedMornings()).map((row) => row.morning)).toEqual(["2026-11-20", "2026-11-21"]);
  });

  it("are not kept for a shelf already empty", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand: 0, observedAt: "2026-11-20T14:00:00Z" }]);
    await runSweep(ctx.deps, { now: ctx.clock.now() });
    expect(await storedMornings()).toEqual([]);
  });

  it("older than 400 days are deleted by the customer-notice job, once a UTC day", async () => {
    await seedStoresAndKeys(ctx);
    const insert = (morning: string) =>
      ctx.db.db.execute(
        sql`insert into morning_predictions (store_id, item_id, morning, probability, window_end, alerted, reorder_point_alerted, ran_out)
            values (1, 1, ${morning}::date, 0.2, ${morning}::date + 5, false, false, false)`,
      );
    // the clock's day is 2026-11-20: 400 days before is 2025-10-16
    for (const morning of ["2025-10-14", "2025-10-15", "2025-10-16", "2026-11-19"]) await insert(morning);
    await runCustomerNotices(ctx.deps, ctx.clock.now());
    expect((await storedMornings()).map((row) => row.morning)).toEqual(["2025-10-16", "2026-11-19"]);

    // later the same day the job does not read the table again; the next day it does
    await insert("2025-10-01");
    ctx.clock.set("2026-11-20T23:00:00Z");
    await runCustomerNotices(ctx.deps, ctx.clock.now());
    expect((await storedMornings()).map((row) => row.morning)).toContain("2025-10-01");
    ctx.clock.set("2026-11-21T00:10:00Z");
    await runCustomerNotices(ctx.deps, ctx.clock.now());
    expect((await storedMornings()).map((row) => row.morning)).toEqual(["2026-11-19"]);
  });
});
