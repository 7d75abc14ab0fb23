import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { addDays } from "../../src/alerts/risk-inputs.js";
import { runSweep } from "../../src/alerts/sweep.js";
import { queryRows } from "../../src/db/client.js";
import { serviceJobs, startScheduler, type Scheduler, type SchedulerDeps } from "../../src/jobs/scheduler.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();
const DEBOUNCE_MS = 300;
/** cron expressions that never fire during a test: only requested runs happen */
const NEVER = "0 0 1 1 *";

let dir: string;
let scheduler: Scheduler | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "shelfwatch-ledger-sweep-"));
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await rm(dir, { recursive: true, force: true });
});

/**
 * The service's wiring (src/index.ts): every ledger writer's onLedgerChange requests the debounced risk sweep of the
 * service's own jobs, the drop folder among them. Counts the requests.
 */
function startService() {
  const requests = { count: 0 };
  const config = { ...ctx.config, SYNC_DIR: dir, SYNC_CRON: NEVER, SWEEP_CRON: NEVER, CUSTOMER_NOTICES_CRON: NEVER, DISPATCH_CRON: NEVER, DIGEST_CRON: NEVER };
  const deps: SchedulerDeps = {
    ...ctx.deps,
    config,
    driver: ctx.db.driver,
    onLedgerChange: () => {
      requests.count += 1;
      running.request("risk-sweep");
    },
  };
  const running = startScheduler(deps, serviceJobs(deps), { debounceMs: DEBOUNCE_MS });
  scheduler = running;
  return { requests, scheduler: running, app: createApp(deps) };
}

/** Item 0001 at S12: 26 on hand, selling 9 a day for 84 days, its risk swept once. */
async function seedItemAtRisk(): Promise<string> {
  const { chainKey } = await seedStoresAndKeys(ctx);
  await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand: 26, observedAt: "2026-11-20T12:00:00Z", name: "Oat milk 1l", category: "Dairy" }]);
  const sales = Array.from({ length: 84 }, (_, back) => ({ d: addDays("2026-11-20", -(back + 1)), u: 9 }));
  await ctx.db.db.execute(
    sql`insert into daily_sales (store_id, item_id, sales_date, units, source)
        select st.id, i.id, x.d, x.u, 'reported'
        from json_to_recordset(${JSON.stringify(sales)}::json) as x(d date, u int)
        join stores st on st.code = 'S12' join items i on i.sku = '0001'`,
  );
  await runSweep(ctx.deps, { now: ctx.clock.now() });
  expect(await storedOnHand()).toBe(26);
  return chainKey;
}

async function storedOnHand(): Promise<number | undefined> {
  const [row] = await queryRows<{ on_hand: string }>(ctx.db.db, sql`select r.on_hand from stock_risks r join items i on i.id = r.item_id where i.sku = '0001'`);
  // numeric: both drivers answer it as text
  return row === undefined ? undefined : Number(row.on_hand);
}

/** Writes an export into the drop folder as a POS would, five minutes before the clock (settled). */
async function drop(name: string, content: string): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, content);
  const written = new Date(ctx.clock.now().getTime() - 5 * 60_000);
  await utimes(path, written, written);
}

/** Polls the stored risk until it shows the on hand, or gives up after the debounce and time for a sweep. */
async function waitForStoredOnHand(onHand: number, withinMs: number): Promise<number | undefined> {
  const deadline = Date.now() + withinMs;
  let stored = await storedOnHand();
  while (stored !== onHand && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    stored = await storedOnHand();
  }
  return stored;
}

describe("every ledger change starts the debounced sweep", () => {
  it("recomputes the stored risk within the debounce window after the drop folder imports a count", async () => {
    const chainKey = await seedItemAtRisk();
    const service = startService();
    await drop("S12-inventory.csv", "store,sku,on_hand\nS12,0001,162\n");

    service.scheduler.request("drop-folder", 0);
    expect(await waitForStoredOnHand(162, DEBOUNCE_MS + 5_000)).toBe(162);
    expect(service.requests.count).toBe(1);
    const res = await service.app.request("/v1/stores/S12/items/0001/forecast", { headers: bearer(chainKey) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ onHand: 162 });
  }, 15_000);

  it("does not ask for a sweep when a scan applied nothing (a refused file)", async () => {
    await seedItemAtRisk();
    const service = startService();
    await drop("broken.csv", "store,sku,quantity\nS12,0001,162\n");
    service.scheduler.request("drop-folder", 0);
    await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS + 500));
    expect(await readdir(join(dir, "failed"))).toHaveLength(2);
    expect(service.requests.count).toBe(0);
  });

  it("recomputes the stored risk after a delivery is received", async () => {
    const chainKey = await seedItemAtRisk();
    const service = startService();
    const post = (path: string, body: unknown) =>
      service.app.request(path, { method: "POST", headers: { ...bearer(chainKey), "content-type": "application/json" }, body: JSON.stringify(body) });
    const loaded = await post("/v1/deliveries", { deliveries: [{ store: "S12", sku: "0001", quantity: 136, expectedDate: "2026-11-20", reference: "PO-1" }] });
    expect(loaded.status).toBe(200);
    const { deliveries } = (await loaded.json()) as { deliveries: Array<{ id: number }> };
    const received = await post(`/v1/deliveries/${deliveries[0]!.id}/receive`, { receivedAt: "2026-11-20T14:00:00Z" });
    expect(received.status, await received.clone().text()).toBe(200);

    expect(await waitForStoredOnHand(162, DEBOUNCE_MS + 5_000)).toBe(162);
    // loading the delivery and receiving it each asked; the debounce ran one sweep for both
    expect(service.requests.count).toBe(2);
  }, 15_000);
});
