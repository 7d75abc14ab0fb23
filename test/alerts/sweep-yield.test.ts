import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { addDays } from "../../src/alerts/risk-inputs.js";
import { HISTORY_DAYS, runSweep } from "../../src/alerts/sweep.js";
import type { Database } from "../../src/db/client.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();

const TODAY = "2026-11-20";
/** Enough store-items that fitting them takes well over 100 ms of CPU, so a sweep that never yields shows it. */
const ITEMS = 1500;

/** ITEMS store-items at S12 with today's stock and 84 days of sales each, written as the import writes them. */
async function buildLedger() {
  const { chainKey } = await seedStoresAndKeys(ctx);
  const skus = Array.from({ length: ITEMS }, (_, n) => `Y${String(n).padStart(5, "0")}`);
  await postRowsOk(
    ctx,
    chainKey,
    skus.map((sku, n) => ({ store: "S12", sku, onHand: 5 + (n % 40), observedAt: "2026-11-20T14:00:00Z", category: `C${n % 12}` })),
  );
  const sales = skus.flatMap((sku, n) =>
    Array.from({ length: HISTORY_DAYS }, (_, back) => ({ k: sku, d: addDays(TODAY, -1 - back), u: (n + back) % 7 })),
  );
  await ctx.db.db.execute(
    sql`insert into daily_sales (store_id, item_id, sales_date, units, source)
        select st.id, i.id, x.d, x.u, 'reported'
        from json_to_recordset(${JSON.stringify(sales)}::json) as x(k text, d date, u int)
        join stores st on st.code = 'S12' join items i on i.sku = x.k`,
  );
}

/**
 * The database as the sweep sees it, telling when each statement starts and when each ends: between the end of the
 * last read and the start of the risk write the sweep only computes.
 */
function observedDatabase(db: Database, events: { onStart: (query: unknown) => void; onEnd: () => void }): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== "execute") return Reflect.get(target, property, receiver);
      return async (query: Parameters<Database["execute"]>[0]) => {
        events.onStart(query);
        const result = await target.execute(query);
        events.onEnd();
        return result;
      };
    },
  });
}

describe("the sweep and the event loop", () => {
  it("lets timers and I/O callbacks run while it fits a store's items, before it writes their risk", async () => {
    await buildLedger();
    // macrotask turns of the event loop: each setImmediate runs only when the loop gets to its check phase
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    let turnsAtLastRead = 0;
    let timerFired = false;
    let seen: { turnsWhileComputing: number; timerFired: boolean } | null = null;
    const db = observedDatabase(ctx.db.db, {
      onStart: (query) => {
        const text = JSON.stringify((query as { queryChunks?: unknown }).queryChunks ?? "");
        if (seen === null && text.includes("insert into stock_risks")) seen = { turnsWhileComputing: turns - turnsAtLastRead, timerFired };
      },
      onEnd: () => {
        turnsAtLastRead = turns;
        // a timer that fires between a read's end and the risk write fires only because the sweep yielded
        timerFired = false;
        setTimeout(() => (timerFired = true), 0);
      },
    });
    try {
      const result = await runSweep({ ...ctx.deps, db }, { now: ctx.clock.now(), full: true });
      expect(result.storeItems).toBe(ITEMS);
    } finally {
      ticking = false;
    }
    expect(seen).not.toBeNull();
    expect(seen!.turnsWhileComputing).toBeGreaterThan(0);
    expect(seen!.timerFired).toBe(true);
  });
});
