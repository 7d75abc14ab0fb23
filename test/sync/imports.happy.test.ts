import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { addStoreAliases } from "../../src/stores/store-admin.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, itemOf, rejectionsOf, stockOf } from "../helpers/ledger-reads.js";
import { encodeWindows1252, expectJson, getWithKey, importCsv, upload } from "../helpers/sync-requests.js";

const ctx = useTestContext();

describe("POST /v1/imports", () => {
  it("imports a generic export and reports accepted rows", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv = "store,sku,on_hand,observed_at,name\nS12,000123,14,2026-11-20T14:00:00Z,Tomatoes 1 kg\nHarbour,000124,-3,2026-11-20T14:00:00Z,Basil\n";
    const res = await upload(ctx, chainKey, csv);
    const report = await expectJson(res, 201);
    expect(report).toMatchObject({ status: "applied", format: "generic", encoding: "utf-8", rowsRead: 2, rowsAccepted: 2, rowsRejected: 0, rowsChanged: 2 });
    expect(res.headers.get("location")).toBe(`/v1/imports/${report.batchId}`);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14, observed_at: new Date("2026-11-20T14:00:00Z"), out_of_stock_since: null });
    // the leading zeros of a SKU are part of it
    expect(await itemOf(ctx, "000123")).toEqual({ sku: "000123", name: "Tomatoes 1 kg", category: null });
    const oversold = await stockOf(ctx, "S7", "000124");
    expect(oversold?.on_hand).toBe(-3);
    expect(oversold?.out_of_stock_since).toEqual(new Date("2026-11-20T14:00:00Z"));
    expect((await batchesOf(ctx)).map((b) => [b.id, b.status, b.source])).toEqual([[report.batchId, "applied", "upload"]]);
  });

  it("keeps SKUs with backslashes, tabs and line breaks exactly as the file has them", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const skus = ["C:\\BIN\\7", "A\tB", "TWO\nLINES", "CR\rLF", "\\N"];
    const csv = `store,sku,on_hand\n${skus.map((sku, i) => `S12,"${sku}",${i + 1}`).join("\n")}\n`;
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ rowsAccepted: 5, rowsRejected: 0, rowsChanged: 5 });
    for (const [i, sku] of skus.entries()) {
      expect(await itemOf(ctx, sku)).toMatchObject({ sku });
      expect(await stockOf(ctx, "S12", sku)).toMatchObject({ on_hand: i + 1 });
    }
  });

  it("takes the upload time as the observation time of a file without a time column, or observedAt when given", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,A-1,4\n");
    expect((await stockOf(ctx, "S12", "A-1"))?.observed_at).toEqual(ctx.clock.now());

    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,A-2,4\n", { query: { observedAt: "2026-11-20T06:30:00-05:00" } });
    expect((await stockOf(ctx, "S12", "A-2"))?.observed_at).toEqual(new Date("2026-11-20T11:30:00Z"));
  });

  it("accepts a gzip-compressed export, declared as gzip or as CSV", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv = "store,sku,on_hand,observed_at\nS12,000123,9,2026-11-20T14:00:00Z\nS7,000123,4,2026-11-20T14:00:00Z\n";
    const gzipped = gzipSync(csv);
    expect(gzipped[0]).toBe(0x1f);

    const report = await importCsv(ctx, chainKey, gzipped, { contentType: "application/gzip" });
    expect(report).toMatchObject({ status: "applied", format: "generic", rowsAccepted: 2 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 9 });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 4 });

    const again = await importCsv(ctx, chainKey, gzipSync("store,sku,on_hand,observed_at\nS12,000123,8,2026-11-20T14:30:00Z\n"));
    expect(again).toMatchObject({ status: "applied", rowsAccepted: 1 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 8 });
  });

  it("reads a Windows-1252 file re-saved by a spreadsheet and says so", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const bytes = encodeWindows1252("store,sku,on_hand,name,category\r\nS12,DES-01,6,Crème brûlée,Desserts €\r\nS12,DES-02,3,Café au lait,Boissons\r\n");
    // not valid UTF-8: 0xE8 (è) and 0x80 (€) stand alone
    expect(bytes.includes(0xe8)).toBe(true);
    expect(bytes.includes(0x80)).toBe(true);

    const report = await importCsv(ctx, chainKey, bytes);
    expect(report).toMatchObject({ status: "applied", encoding: "windows-1252", rowsAccepted: 2, rowsRejected: 0 });
    expect(await itemOf(ctx, "DES-01")).toEqual({ sku: "DES-01", name: "Crème brûlée", category: "Desserts €" });
    expect(await itemOf(ctx, "DES-02")).toMatchObject({ name: "Café au lait" });
    expect(await stockOf(ctx, "S12", "DES-01")).toMatchObject({ on_hand: 6 });
    expect((await batchesOf(ctx))[0]).toMatchObject({ encoding: "windows-1252", status: "applied" });
  });

  it("lets the later line win when an export lists a SKU twice for one store, and warns", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv = "store,sku,on_hand\nS12,000123,10\nS7,000123,2\nMt Auburn,000123,7\n";
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ rowsRead: 3, rowsAccepted: 3, rowsRejected: 0, rowsChanged: 2 });
    expect(report.warnings).toEqual([{ reason: "line 4: SKU 000123 appears again for store S12; the later line wins" }]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 7 });
    // the same SKU at another store is not a duplicate
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 2 });
    expect((await batchesOf(ctx))[0]?.warnings).toEqual(report.warnings);
  });

  it("keeps an item's name when a later line for another store leaves it blank", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await importCsv(ctx, chainKey, "store,sku,on_hand,name,category\nS12,000123,4,Oat Milk 1L,Dairy\nS7,000123,2,,\n");
    expect(await itemOf(ctx, "000123")).toEqual({ sku: "000123", name: "Oat Milk 1L", category: "Dairy" });
    // a later export that names it differently renames it; one without names leaves it alone
    await importCsv(ctx, chainKey, "store,sku,on_hand,name\nS12,000123,3,Oat Milk 1 L\n");
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,2\n");
    expect(await itemOf(ctx, "000123")).toEqual({ sku: "000123", name: "Oat Milk 1 L", category: "Dairy" });
  });

  it("reports untracked cells without storing them", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const report = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,A-1,5\nS12,A-2,\nS12,A-3,not stocked\n");
    expect(report).toMatchObject({ rowsRead: 3, rowsAccepted: 1, rowsUntracked: 2, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "A-2")).toBeUndefined();
    expect(await stockOf(ctx, "S12", "A-3")).toBeUndefined();
  });
});

describe("GET /v1/imports", () => {
  it("shows an import with its counts and first rejected rows", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const report = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,A-1,5\nS12,A-2,abc\nS99,A-3,1\n", { query: { fileName: "till-3.csv" } });

    const batch = await expectJson(await getWithKey(ctx, chainKey, `/v1/imports/${report.batchId}`), 200);
    expect(batch).toMatchObject({
      id: report.batchId,
      status: "applied",
      source: "upload",
      format: "generic",
      fileName: "till-3.csv",
      encoding: "utf-8",
      rowsRead: 3,
      rowsAccepted: 1,
      rowsRejected: 2,
      rejectedCsv: `/v1/imports/${report.batchId}/rejected.csv`,
      rejected: [
        { line: 3, column: "on_hand", reason: 'onHand must be a number, got "abc"' },
        { line: 4, column: "store", reason: 'unknown store "S99": add it as a store alias' },
      ],
    });
    // the key that sent it and the stored header are not part of the public view
    expect(batch).not.toHaveProperty("apiKeyId");
    expect(batch).not.toHaveProperty("header");

    const list = await expectJson<{ imports: Array<{ id: number }> }>(await getWithKey(ctx, chainKey, "/v1/imports"), 200);
    expect(list.imports.map((i) => i.id)).toEqual([report.batchId]);
  });

  it("gives back rejected rows in the file's own layout, ready to fix and send again", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv = [
      "store,sku,on_hand,name,observed_at",
      "S12,000123,14,Oat Milk,2026-11-20T14:00:00Z",
      'S12,000124,2.3456,"Beans, whole",2026-11-20T14:00:00Z',
      "S12,000125,abc,Rye Bread,2026-11-20T14:00:00Z",
      "",
    ].join("\n");
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ rowsAccepted: 1, rowsRejected: 2 });
    expect(await rejectionsOf(ctx, report.batchId)).toHaveLength(2);

    const res = await getWithKey(ctx, chainKey, `/v1/imports/${report.batchId}/rejected.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="import-${report.batchId}-rejected.csv"`);
    const rejectedCsv = await res.text();
    expect(rejectedCsv).toBe(
      [
        "store,sku,on_hand,name,observed_at,shelfwatch_error",
        'S12,000124,2.3456,"Beans, whole",2026-11-20T14:00:00Z,"line 3: on_hand: onHand has more than three decimal places (2.3456); quantities are kept to thousandths"',
        'S12,000125,abc,Rye Bread,2026-11-20T14:00:00Z,"line 4: on_hand: onHand must be a number, got ""abc"""',
        "",
      ].join("\r\n"),
    );

    // the shop fixes the quantities and sends the file back as it is, error column included
    const fixed = rejectedCsv.replace(",2.3456,", ",2.346,").replace(",abc,", ",0,");
    const resent = await importCsv(ctx, chainKey, fixed);
    expect(resent).toMatchObject({ status: "applied", format: "generic", rowsAccepted: 2, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 2.346 });
    expect(await stockOf(ctx, "S12", "000125")).toMatchObject({ on_hand: 0 });
    expect(await itemOf(ctx, "000124")).toMatchObject({ name: "Beans, whole" });
  });

  it("writes the error column of a semicolon-separated file after a semicolon", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const report = await importCsv(ctx, chainKey, "store;sku;on_hand;name\nS12;000123;abc;Oat Milk\nS12;000124;4;Rye Bread\n");
    expect(report).toMatchObject({ rowsAccepted: 1, rowsRejected: 1 });
    const rejectedCsv = await (await getWithKey(ctx, chainKey, `/v1/imports/${report.batchId}/rejected.csv`)).text();
    expect(rejectedCsv).toBe('store;sku;on_hand;name;shelfwatch_error\r\nS12;000123;abc;Oat Milk;"line 2: on_hand: onHand must be a number, got ""abc"""\r\n');

    const resent = await importCsv(ctx, chainKey, rejectedCsv.replace(";abc;", ";3;"));
    expect(resent).toMatchObject({ rowsAccepted: 1, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 3 });
  });

  it("lands rows refused for an unknown store once the store has the alias and they are sent again", async () => {
    const { chainKey, s7 } = await seedStoresAndKeys(ctx);
    const report = await importCsv(ctx, chainKey, "store,sku,on_hand\nBristol Harbourside,000123,8\nS7,000124,2\n");
    expect(report.rejected).toEqual([{ line: 2, column: "store", reason: 'unknown store "Bristol Harbourside": add it as a store alias' }]);
    await addStoreAliases(ctx.db.db, s7.id, ["Bristol Harbourside"]);

    const rejectedCsv = await (await getWithKey(ctx, chainKey, `/v1/imports/${report.batchId}/rejected.csv`)).text();
    const resent = await importCsv(ctx, chainKey, rejectedCsv);
    expect(resent).toMatchObject({ status: "applied", rowsAccepted: 1, rowsRejected: 0 });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 8 });
  });

  it("answers 404 problem+json for an import that does not exist", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const res = await getWithKey(ctx, chainKey, "/v1/imports/999");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "not_found", detail: "no import 999" });
  });
});
