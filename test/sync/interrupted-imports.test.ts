import { eq, sql } from "drizzle-orm";
import { queryRows } from "../../src/db/client.js";
import { describe, expect, it } from "vitest";
import { importBatches } from "../../src/db/schema/index.js";
import { INTERRUPTED_DETAIL, markInterruptedImports } from "../../src/sync/import-batches.js";
import { onPostgres } from "../helpers/database.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { pageHtml, signedInBrowser } from "../helpers/dashboard.js";
import { expectJson, getWithKey, importCsv, upload } from "../helpers/sync-requests.js";

const ctx = useTestContext();

/** A batch as a process killed in the middle of an import leaves it: processing, never finished. */
async function crashedBatch(fileName: string): Promise<number> {
  const [batch] = await ctx.db.db
    .insert(importBatches)
    .values({ source: "upload", fileName, status: "processing", startedAt: new Date("2026-11-20T14:55:00Z") })
    .returning({ id: importBatches.id });
  return batch!.id;
}

describe("imports a stopped service left unfinished (issue 16)", () => {
  it("are marked interrupted at start-up, with the reason, in the API and on the dashboard", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const finished = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,4\n");
    const stuck = await crashedBatch("till-7.csv");

    expect(await markInterruptedImports(ctx.deps, { now: ctx.clock.now() })).toEqual([stuck]);

    const batch = await expectJson(await getWithKey(ctx, chainKey, `/v1/imports/${stuck}`), 200);
    expect(batch).toMatchObject({
      status: "interrupted",
      finishedAt: "2026-11-20T15:00:00.000Z",
      problem: { code: "interrupted", detail: INTERRUPTED_DETAIL },
    });
    expect(INTERRUPTED_DETAIL).toBe("interrupted: the service stopped before the import finished; send the file again");
    expect(await expectJson(await getWithKey(ctx, chainKey, `/v1/imports/${finished.batchId}`), 200)).toMatchObject({ status: "applied", problem: null });

    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    const html = await pageHtml(manager, "/dashboard/imports");
    const row = new RegExp(`<tr id="import-${stuck}">([\\s\\S]*?)</tr>`).exec(html)![1]!;
    expect(row).toContain("Interrupted");
    expect(row).toContain(INTERRUPTED_DETAIL);

    // a second start finds nothing left to mark
    expect(await markInterruptedImports(ctx.deps, { now: ctx.clock.now() })).toEqual([]);
  });

  it.skipIf(!onPostgres)("leave alone an import another replica is still running", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const stuck = await crashedBatch("crashed.csv");
    // an upload that is still streaming in: its import is live on this "replica"
    let sendRest!: () => void;
    const rest = new Promise<void>((resolve) => (sendRest = resolve));
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        sent += 1;
        if (sent === 1) return controller.enqueue(encoder.encode("store,sku,on_hand\nS12,000123,4\n"));
        await rest;
        controller.enqueue(encoder.encode("S12,000124,5\n"));
        controller.close();
      },
    });
    const uploading = upload(ctx, chainKey, body);
    let live: number | undefined;
    for (let i = 0; i < 200 && live === undefined; i++) {
      const all = await ctx.db.db.select({ id: importBatches.id, status: importBatches.status }).from(importBatches);
      live = all.find((b) => b.id !== stuck && b.status === "processing")?.id;
      if (live === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(live).toBeDefined();
    // the live import holds its batch's lock (advisory locks on two keys show the second as objid, objsubid 2)
    let held = false;
    for (let i = 0; i < 200 && !held; i++) {
      const locks = await queryRows<{ n: number }>(
        ctx.db.db,
        sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and objsubid = 2 and objid = ${live!}::oid and granted`,
      );
      held = locks[0]!.n > 0;
      if (!held) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(held).toBe(true);

    // another replica starts meanwhile: only the crashed batch is marked
    expect(await markInterruptedImports(ctx.deps, { now: ctx.clock.now() })).toEqual([stuck]);
    sendRest();
    expect((await uploading).status).toBe(201);
    const [batch] = await ctx.db.db.select({ status: importBatches.status, problem: importBatches.problem }).from(importBatches).where(eq(importBatches.id, live!));
    expect(batch).toEqual({ status: "applied", problem: null });
  });
});
