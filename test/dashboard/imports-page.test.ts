import { describe, expect, it } from "vitest";
import { createApiKey } from "../../src/http/api-keys.js";
import { createStore } from "../../src/stores/store-admin.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { pageHtml, signedInBrowser } from "../helpers/dashboard.js";
import { importCsv } from "../helpers/sync-requests.js";

const ctx = useTestContext();

/** The import rows of the page: id and the number cells (read, accepted, rejected). */
function importRows(html: string): Array<{ id: number; counts: number[]; row: string }> {
  return [...html.matchAll(/<tr id="import-(\d+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    id: Number(m[1]),
    counts: [...m[2]!.matchAll(/<td data-label="[^"]+" class="number">(\d+)<\/td>/g)].map((n) => Number(n[1])),
    row: m[2]!,
  }));
}

function feedRow(html: string, code: string): string {
  const match = new RegExp(`<tr><th scope="row">${code}<span[\\s\\S]*?</tr>`).exec(html);
  expect(match, `a feed row for ${code}`).not.toBeNull();
  return match![0];
}

/** S12's till sends one file with a bad row; S7's key and the chain-wide key send theirs two days earlier. */
async function seedImports() {
  const keys = await seedStoresAndKeys(ctx);
  const s7Key = await createApiKey(ctx.db.db, { name: "s7 till", storeIds: [keys.s7.id] });
  ctx.clock.set("2026-11-18T09:30:00Z");
  const s7Batch = await importCsv(ctx, s7Key.key, "store,sku,on_hand\nS7,B-1,5\nS7,B-2,x\n", { query: { fileName: "harbour.csv" } });
  const chainBatch = await importCsv(ctx, keys.chainKey, "store,sku,on_hand\nS12,C-1,1\nS7,C-1,2\nS7,C-2,y\n");
  ctx.clock.set("2026-11-20T15:00:00Z");
  const s12Batch = await importCsv(ctx, keys.s12Key, "store,sku,on_hand\nS12,A-1,5\nS12,A-2,abc\nS12,A-3,7\n", { query: { fileName: "till-3.csv" } });
  return { ...keys, s7Batch: s7Batch.batchId, chainBatch: chainBatch.batchId, s12Batch: s12Batch.batchId };
}

describe("GET /dashboard/imports", () => {
  it("lists the imports of the viewer's stores with their counts and a link to the rejected rows", async () => {
    const { s12, s12Batch, s7Batch, chainBatch } = await seedImports();
    const staff = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const html = await pageHtml(staff, "/dashboard/imports");
    expect(html).toContain('<a href="/dashboard/imports" aria-current="page">Imports</a>');

    // only the batch of S12's own key: the chain-wide one may hold any store's rows
    const rows = importRows(html);
    expect(rows.map((r) => r.id)).toEqual([s12Batch]);
    expect(rows[0]!.counts).toEqual([3, 2, 1]);
    expect(rows[0]!.row).toContain("till-3.csv");
    expect(rows[0]!.row).toContain("Upload (API)");
    expect(rows[0]!.row).toContain("Applied");
    expect(rows[0]!.row).toContain('<time datetime="2026-11-20T15:00:00.000Z">Fri 20 Nov, 10:00 EST</time>');
    expect(rows[0]!.row).toContain(`<a href="/dashboard/imports/${s12Batch}/rejected.csv" download="">Download CSV`);
    expect(html).not.toContain("harbour.csv");
    expect(html).not.toContain(`/dashboard/imports/${s7Batch}/`);
    expect(html).toContain('<caption id="imports-caption">');
    for (const column of ["Import", "Source", "Stores", "Started", "Status", "Rows read", "Accepted", "Rejected", "Rejected rows"]) {
      expect(html).toContain(`<th scope="col">${column}</th>`);
    }

    // a user of every store sees all three, newest first
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    const all = importRows(await pageHtml(manager, "/dashboard/imports"));
    expect(all.map((r) => r.id)).toEqual([s12Batch, chainBatch, s7Batch]);
    expect(all.map((r) => r.counts)).toEqual([
      [3, 2, 1],
      [3, 2, 1],
      [2, 1, 1],
    ]);
    // the chain-wide key's file named both stores
    expect(all[1]!.row).toContain('<td data-label="Stores">S12, S7</td>');
    expect(all[2]!.row).toContain("S7");
  });

  it("shows a chain-wide key's file to the users of the one store its rows name, rejected rows included", async () => {
    const { s12, s7, chainKey, chainBatch } = await seedImports();
    // S12's file through the chain-wide key: one good row, one bad
    const s12Only = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,D-1,4\nS12,D-2,zz\n", { query: { fileName: "s12-nightly.csv" } });
    // a chain file whose only S7 row is rejected still named S7, as does one whose S7 line has no SKU
    const withRejectedS7 = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,E-1,4\nS7,E-2,zz\n");
    const withBlankSkuS7 = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,F-1,4\nS7,,9\n");

    const staff = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const rows = importRows(await pageHtml(staff, "/dashboard/imports"));
    expect(rows.map((r) => r.id)).not.toContain(chainBatch);
    expect(rows.map((r) => r.id)).not.toContain(withRejectedS7.batchId);
    expect(rows.map((r) => r.id)).not.toContain(withBlankSkuS7.batchId);
    const own = rows.find((r) => r.id === s12Only.batchId)!;
    expect(own.row).toContain("s12-nightly.csv");
    expect(own.row).toContain('<td data-label="Stores">S12</td>');
    const csv = await staff.get(`/dashboard/imports/${s12Only.batchId}/rejected.csv`);
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain("S12,D-2,zz");
    expect((await staff.get(`/dashboard/imports/${withRejectedS7.batchId}/rejected.csv`)).status).toBe(404);

    // S7's users see neither: one is S12's alone, the other named S12 as well as S7
    const harbour = await signedInBrowser(ctx, "hal@store7.example", [s7.id]);
    const theirs = importRows(await pageHtml(harbour, "/dashboard/imports")).map((r) => r.id);
    expect(theirs).not.toContain(s12Only.batchId);
    expect(theirs).not.toContain(withRejectedS7.batchId);
  });

  it("hands a manager's spreadsheet no formula in the rejected rows, and keeps negative numbers (issue 16)", async () => {
    const { s12, s12Key } = await seedStoresAndKeys(ctx);
    const report = await importCsv(ctx, s12Key, 'store,sku,on_hand,name\nS12,A-1,-4x,"=HYPERLINK(""http://evil.example"",""Open"")"\nS99,A-3,-3,@SUM(1+1)\n');
    const manager = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const res = await manager.get(`/dashboard/imports/${report.batchId}/rejected.csv`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).split("\r\n");
    expect(lines[1]).toMatch(/^S12,A-1,"'-4x","'=HYPERLINK\(""http:\/\/evil\.example"",""Open""\)","line 2: /);
    expect(lines[2]).toMatch(/^S99,A-3,-3,"'@SUM\(1\+1\)","line 3: /);
  });

  it("downloads the rejected rows of a visible import as CSV, and answers 404 for any other", async () => {
    const { s12, s12Batch, s7Batch, chainBatch } = await seedImports();
    const staff = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);

    const res = await staff.get(`/dashboard/imports/${s12Batch}/rejected.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="import-${s12Batch}-rejected.csv"`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(['store,sku,on_hand,shelfwatch_error', 'S12,A-2,abc,"line 3: on_hand: onHand must be a number, got ""abc"""', ""].join("\r\n"));

    for (const id of [s7Batch, chainBatch, 999999]) {
      const refused = await staff.get(`/dashboard/imports/${id}/rejected.csv`);
      expect(refused.status, String(id)).toBe(404);
      const html = await refused.text();
      expect(html).toContain("Import not found");
      expect(html).not.toContain("B-2");
      expect(html).not.toContain("C-2");
    }
    expect((await staff.get("/dashboard/imports/abc/rejected.csv")).status).toBe(422);
    expect((await staff.get("/dashboard/imports/99999999999/rejected.csv")).status).toBe(422);

    // a user of every store may have the chain-wide import's rows
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    const chain = await manager.get(`/dashboard/imports/${chainBatch}/rejected.csv`);
    expect(chain.status).toBe(200);
    expect(await chain.text()).toContain("S7,C-2,y");

    // and without a session there is nothing to download
    const anonymous = await ctx.app.request(`/dashboard/imports/${s12Batch}/rejected.csv`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe(`/dashboard/login?next=${encodeURIComponent(`/dashboard/imports/${s12Batch}/rejected.csv`)}`);
  });

  it("shows when each store's POS data last arrived and flags a feed silent for longer than its interval as stale", async () => {
    const { s12 } = await seedImports();
    await createStore(ctx.db.db, { code: "S13", name: "Store 13 Riverside", timeZone: "America/Chicago" });
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    const html = await pageHtml(manager, "/dashboard/imports");
    expect(html).toContain('<caption id="feeds-caption">');
    for (const column of ["Store", "Last data received", "Expected every", "Feed"]) expect(html).toContain(`<th scope="col">${column}</th>`);
    expect(html).toContain("1 store sent no POS data for longer than expected.");

    const s12Feed = feedRow(html, "S12");
    expect(s12Feed).toContain('<time datetime="2026-11-20T15:00:00.000Z">Fri 20 Nov, 10:00 EST</time>');
    expect(s12Feed).toContain('<td data-label="Expected every">1 day</td>');
    expect(s12Feed).toContain("Up to date");
    expect(s12Feed).not.toContain("Stale");
    // S7 last sent 53.5 hours ago; it expects data every day
    const s7Feed = feedRow(html, "S7");
    expect(s7Feed).toContain('<time datetime="2026-11-18T09:30:00.000Z">Wed 18 Nov, 09:30 GMT</time>');
    expect(s7Feed).toContain('<span class="badge">Stale</span>');
    const s13Feed = feedRow(html, "S13");
    expect(s13Feed).toContain("No data yet");
    expect(s13Feed).not.toContain("Stale");

    // the same rule as the sweep's: just inside the interval is not stale, just past it is
    // (sessions last 12 hours: sign in again a day later)
    ctx.clock.set("2026-11-21T15:00:00Z");
    expect((await manager.signIn("sam@chain.example")).status).toBe(303);
    expect(feedRow(await pageHtml(manager, "/dashboard/imports"), "S12")).toContain("Up to date");
    ctx.clock.set("2026-11-21T15:01:00Z");
    expect(feedRow(await pageHtml(manager, "/dashboard/imports"), "S12")).toContain('<span class="badge">Stale</span>');

    // a user of S12 sees S12's feed only
    const staff = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const own = await pageHtml(staff, "/dashboard/imports");
    feedRow(own, "S12");
    expect(own).not.toContain("Store 7 Harbour");
    expect(own).not.toContain("Riverside");
  });
});
