import { gzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, countRows, feedOf, ledgerSnapshot, salesOf, stockOf } from "../helpers/ledger-reads.js";
import { expectJson, expectProblem, importCsv, postRowsOk, upload } from "../helpers/sync-requests.js";

const ctx = useTestContext({ IMPORT_CHUNK_ROWS: "10000" });

const at = (iso: string) => new Date(iso);

describe("a batch applies in one transaction", () => {
  it("stores nothing, not even the first chunk, when the database fails in the second chunk", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 14, observedAt: "2026-11-20T10:00:00Z" }]);
    const before = await ledgerSnapshot(ctx);
    const itemsBefore = await countRows(ctx, "items");

    // the importer writes IMPORT_CHUNK_ROWS (10,000 here) rows at a time: 10,000 good rows, then a chunk holding the
    // SKU the trigger refuses
    const lines = ["store,sku,on_hand", "S12,000123,0"];
    for (let i = 1; i < 10_000; i++) lines.push(`S12,BULK-${String(i).padStart(5, "0")},${i % 50}`);
    lines.push("S7,BULK-00001,3", "S7,FAILS-HERE,1", "S7,BULK-00002,3");
    const csv = `${lines.join("\n")}\n`;

    await ctx.db.db.execute(
      sql.raw(`create function shelfwatch_test_refuse_sku() returns trigger language plpgsql as $$
        begin
          if (select sku from items where id = new.item_id) = 'FAILS-HERE' then
            raise exception 'test trigger refuses FAILS-HERE';
          end if;
          return new;
        end $$`),
    );
    await ctx.db.db.execute(
      sql.raw(`create trigger shelfwatch_test_refuse_sku before insert or update on stock_levels
               for each row execute function shelfwatch_test_refuse_sku()`),
    );
    try {
      const res = await upload(ctx, chainKey, csv);
      const problem = await expectProblem(res, 500, "internal");
      // internals (the database's message) never reach the client
      expect(JSON.stringify(problem)).not.toMatch(/trigger|FAILS-HERE/);
      expect(problem.requestId).toEqual(expect.any(String));
    } finally {
      await ctx.db.db.execute(sql.raw("drop trigger if exists shelfwatch_test_refuse_sku on stock_levels"));
      await ctx.db.db.execute(sql.raw("drop function if exists shelfwatch_test_refuse_sku()"));
    }

    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect(await stockOf(ctx, "S12", "BULK-00001")).toBeUndefined();
    expect(await countRows(ctx, "items")).toBe(itemsBefore);
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ source: "upload", status: "failed", problem: { code: "internal" } });

    // the same file lands once the fault is gone: the failed attempt does not count as imported
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ status: "applied", rowsAccepted: 10_003, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 0 });
    expect(await stockOf(ctx, "S7", "FAILS-HERE")).toMatchObject({ on_hand: 1 });
  });
});

describe("the last observation wins", () => {
  it("never lets an older JSON snapshot arriving late overwrite a newer one", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 8, observedAt: "2026-11-20T14:00:00Z" }]);
    const late = await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 20, observedAt: "2026-11-20T12:00:00Z" }]);
    expect(late).toMatchObject({ rowsAccepted: 1, rowsChanged: 0 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 8, observed_at: at("2026-11-20T14:00:00Z"), batch_id: 1 });
    // nor does the late snapshot count as a receipt or a sale
    expect(await salesOf(ctx, "S12", "000123")).toEqual([]);
  });

  it("never lets an older CSV export arriving late overwrite a newer one", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,8\n", { query: { observedAt: "2026-11-20T14:00:00Z" } });
    const late = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,20\nS12,000124,5\n", { query: { observedAt: "2026-11-20T09:00:00Z" } });
    expect(late).toMatchObject({ rowsAccepted: 2, rowsChanged: 1 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 8, observed_at: at("2026-11-20T14:00:00Z") });
    // an item the newer export did not have still takes the older observation
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 5, observed_at: at("2026-11-20T09:00:00Z") });
  });

  it("keeps the newest observation when one file lists a SKU twice out of order", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 7, observedAt: "2026-11-20T12:00:00Z" }]);
    const csv = "store,sku,on_hand,observed_at\nS12,000123,5,2026-11-20T14:00:00Z\nS12,000123,9,2026-11-20T10:00:00Z\n";
    const report = await importCsv(ctx, chainKey, csv);
    expect(report.warnings).toEqual([
      { reason: "line 3: SKU 000123 appears again for store S12; it is an older observation, so the newer one is kept" },
    ]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 5, observed_at: at("2026-11-20T14:00:00Z") });

    // a pair first listed while every line shared one time, then listed again once times differ
    const mixed = [
      "store,sku,on_hand,observed_at",
      "S12,000125,4,2026-11-20T14:00:00Z",
      "S12,000126,6,2026-11-20T14:00:00Z",
      "S12,000125,2,2026-11-20T11:00:00Z",
      "S12,000126,1,2026-11-20T15:00:00Z",
      "S12,000126,8,2026-11-20T12:00:00Z",
    ].join("\n");
    const mixedReport = await importCsv(ctx, chainKey, `${mixed}\n`);
    expect(mixedReport.warnings).toEqual([
      { reason: "line 4: SKU 000125 appears again for store S12; it is an older observation, so the newer one is kept" },
      { reason: "line 5: SKU 000126 appears again for store S12; the later line wins" },
      { reason: "line 6: SKU 000126 appears again for store S12; it is an older observation, so the newer one is kept" },
    ]);
    expect(await stockOf(ctx, "S12", "000125")).toMatchObject({ on_hand: 4, observed_at: at("2026-11-20T14:00:00Z") });
    expect(await stockOf(ctx, "S12", "000126")).toMatchObject({ on_hand: 1, observed_at: at("2026-11-20T15:00:00Z") });

    // a repeat whose first line went to the database with an earlier chunk: its time is no longer at hand
    const lines = ["store,sku,on_hand,observed_at", "S12,000127,40,2026-11-20T14:00:00Z"];
    for (let i = 0; i < 10_000; i += 1) lines.push(`S12,FILL-${i},1,2026-11-20T13:00:00Z`);
    lines.push("S12,000127,44,2026-11-20T12:00:00Z");
    const acrossChunks = await importCsv(ctx, chainKey, `${lines.join("\n")}\n`);
    expect(acrossChunks.warnings).toEqual([
      { reason: "line 10003: SKU 000127 appears again for store S12; the newer observation is kept (at the same time, the later line)" },
    ]);
    expect(await stockOf(ctx, "S12", "000127")).toMatchObject({ on_hand: 40, observed_at: at("2026-11-20T14:00:00Z") });

    await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000124", onHand: 3, observedAt: "2026-11-20T14:30:00Z" },
      { store: "S12", sku: "000124", onHand: 11, observedAt: "2026-11-20T13:00:00Z" },
    ]);
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 3, observed_at: at("2026-11-20T14:30:00Z") });
  });

  it("takes a correction sent for the same observation time", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 8, observedAt: "2026-11-20T14:00:00Z" }]);
    const fix = await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 6, observedAt: "2026-11-20T14:00:00Z" }]);
    expect(fix.rowsChanged).toBe(1);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 6 });
    // a correction is not a sale
    expect(await salesOf(ctx, "S12", "000123")).toEqual([]);
  });
});

describe("a store's first export", () => {
  // a store's first export has no previous observations to measure against, but a repeat in a later chunk does, and
  // stock at or below zero still marks the day
  it("lands like any other export: repeats in a later chunk, stock at or below zero, a store first met in a later chunk", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const lines = [
      "store,sku,on_hand,observed_at",
      "S12,A,5,2026-11-20T14:00:00Z",
      "S12,B,0,2026-11-20T14:00:00Z",
      "S12,C,-2,2026-11-20T14:00:00Z",
      "S12,E,6,2026-11-20T14:00:00Z",
    ];
    for (let i = 0; i < 9_996; i += 1) lines.push(`S12,FILL-${i},1,2026-11-20T14:00:00Z`);
    // the second chunk (IMPORT_CHUNK_ROWS is 10,000 here)
    lines.push(
      "S12,A,3,2026-11-20T15:00:00Z", // newer and lower: two units sold
      "S12,B,4,2026-11-20T15:00:00Z", // back in stock
      "S12,E,9,2026-11-20T13:00:00Z", // older than the first chunk's line: changes nothing
      "S12,D,7,2026-11-20T15:00:00Z",
      "S7,A,9,2026-11-20T15:00:00Z",
    );
    const report = await importCsv(ctx, chainKey, `${lines.join("\n")}\n`);
    expect(report).toMatchObject({ status: "applied", rowsAccepted: 10_005, rowsRejected: 0, rowsChanged: 10_004 });

    expect(await stockOf(ctx, "S12", "A")).toMatchObject({ on_hand: 3, observed_at: at("2026-11-20T15:00:00Z"), out_of_stock_since: null, batch_id: report.batchId });
    expect(await salesOf(ctx, "S12", "A")).toEqual([{ sales_date: "2026-11-20", units: 2, source: "derived" }]);
    expect(await stockOf(ctx, "S12", "B")).toMatchObject({ on_hand: 4, out_of_stock_since: null });
    expect(await stockOf(ctx, "S12", "C")).toMatchObject({ on_hand: -2, out_of_stock_since: at("2026-11-20T14:00:00Z") });
    expect(await stockOf(ctx, "S12", "E")).toMatchObject({ on_hand: 6, observed_at: at("2026-11-20T14:00:00Z") });
    expect(await stockOf(ctx, "S12", "D")).toMatchObject({ on_hand: 7, out_of_stock_since: null });
    expect(await stockOf(ctx, "S12", "FILL-9995")).toMatchObject({ on_hand: 1, batch_id: report.batchId });
    expect(await stockOf(ctx, "S7", "A")).toMatchObject({ on_hand: 9, observed_at: at("2026-11-20T15:00:00Z") });
    // the days on which B and C were out of stock are marked, as for a store with stock
    const stockoutDays = await queryRows<{ sku: string; sales_date: string; units: number; stockout: boolean }>(
      ctx.db.db,
      sql`select i.sku, d.sales_date::text as sales_date, d.units, d.stockout from daily_sales d join items i on i.id = d.item_id
          where d.stockout order by i.sku`,
    );
    expect(stockoutDays.map((d) => ({ ...d, units: Number(d.units) }))).toEqual([
      { sku: "B", sales_date: "2026-11-20", units: 0, stockout: true },
      { sku: "C", sales_date: "2026-11-20", units: 0, stockout: true },
    ]);
    expect(await countRows(ctx, "stock_levels")).toBe(10_002);
    expect(await countRows(ctx, "items")).toBe(10_001);

    // the next export finds the stock there and derives sales from it
    ctx.clock.set("2026-11-20T17:00:00Z");
    const next = await importCsv(ctx, chainKey, "store,sku,on_hand,observed_at\nS12,D,4,2026-11-20T16:00:00Z\nS7,A,9,2026-11-20T16:00:00Z\nS7,F,2,2026-11-20T16:00:00Z\n");
    expect(next).toMatchObject({ rowsAccepted: 3, rowsChanged: 3 });
    expect(await salesOf(ctx, "S12", "D")).toEqual([{ sales_date: "2026-11-20", units: 3, source: "derived" }]);
    expect(await salesOf(ctx, "S7", "A")).toEqual([]);
    expect(await stockOf(ctx, "S7", "F")).toMatchObject({ on_hand: 2 });
  });
});

describe("what an export leaves out is unchanged", () => {
  it("leaves an item absent from an export as it was, never zeroed", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,5\nS12,000124,7\n", { query: { observedAt: "2026-11-20T10:00:00Z" } });
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,3\n", { query: { observedAt: "2026-11-20T14:00:00Z" } });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 3 });
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 7, observed_at: at("2026-11-20T10:00:00Z"), out_of_stock_since: null });
    expect(await salesOf(ctx, "S12", "000124")).toEqual([]);
  });

  it("never zeroes stock for a refused file", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,5\nS7,000123,7\n", { query: { observedAt: "2026-11-20T10:00:00Z" } });
    const before = await ledgerSnapshot(ctx);
    // the quantity column renamed by a spreadsheet: refused, not read as "no stock"
    await expectProblem(await upload(ctx, chainKey, "store,sku,qty\nS12,000123,0\nS7,000123,0\n"), 422, "missing_column");
    // the stock column present but every cell blank: untracked, not zero
    const blank = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,\nS7,000123,\n");
    expect(blank).toMatchObject({ rowsAccepted: 0, rowsUntracked: 2 });
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });

  it("does not track blank and `not stocked` cells, and counts them as untracked", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,5\n", { query: { observedAt: "2026-11-20T10:00:00Z" } });
    const report = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,\nS12,000124,not stocked\nS12,000125,NOT STOCKED\nS12,000126,0\n");
    expect(report).toMatchObject({ rowsRead: 4, rowsAccepted: 1, rowsUntracked: 3, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 5, observed_at: at("2026-11-20T10:00:00Z") });
    expect(await stockOf(ctx, "S12", "000124")).toBeUndefined();
    expect(await stockOf(ctx, "S12", "000125")).toBeUndefined();
    expect(await stockOf(ctx, "S12", "000126")).toMatchObject({ on_hand: 0 });
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ rows_untracked: 3 });
  });
});

describe("sending the same thing twice changes nothing", () => {
  it("recognises a re-sent export by its bytes and applies nothing", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const morning = "store,sku,on_hand\nS12,000123,10\n";
    ctx.clock.set("2026-11-20T14:00:00Z");
    const first = await importCsv(ctx, chainKey, morning);
    ctx.clock.set("2026-11-20T15:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,6\n");
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-20", units: 4, source: "derived" }]);
    const before = await ledgerSnapshot(ctx);

    // the till re-sends the morning file an hour later: applied again, it would put back 10 units as if observed now
    ctx.clock.set("2026-11-20T16:00:00Z");
    const res = await upload(ctx, chainKey, morning);
    const again = await expectJson<{ batchId: number; status: string; duplicateOf: number; rowsChanged: number }>(res, 200);
    expect(again).toMatchObject({ status: "duplicate", duplicateOf: first.batchId, rowsChanged: 0 });
    expect(again.batchId).not.toBe(first.batchId);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 6, observed_at: at("2026-11-20T15:00:00Z") });
    const after = await ledgerSnapshot(ctx);
    expect({ ...after, stores: undefined }).toEqual({ ...before, stores: undefined });
    // the data is old, but the re-send shows the store's feed is alive
    expect((await feedOf(ctx, "S12")).lastSeenAt).toEqual(at("2026-11-20T16:00:00Z"));
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ id: again.batchId, status: "duplicate", duplicate_of: first.batchId });

    // compressed, it is still the same file
    const zipped = await expectJson(await upload(ctx, chainKey, gzipSync(morning)), 200);
    expect(zipped).toMatchObject({ status: "duplicate", duplicateOf: first.batchId });
    expect({ ...(await ledgerSnapshot(ctx)), stores: undefined }).toEqual({ ...before, stores: undefined });
  });
});

describe("units sold", () => {
  it("derives sales from a drop on the same store-local day, dated in the store's time zone", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    // 01:00Z and 02:00Z are 20:00 and 21:00 on 2026-11-19 in New York
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 10, observedAt: "2026-11-20T01:00:00Z" }]);
    const drop = await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 5, observedAt: "2026-11-20T02:00:00Z" }]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 5, source: "derived" }]);
    const rows = await queryRows<{ batch_id: number }>(ctx.db.db, sql`select batch_id from daily_sales`);
    expect(rows.map((r) => Number(r.batch_id))).toEqual([drop.batchId]);

    // another drop on the same local day adds up
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 3, observedAt: "2026-11-20T03:00:00Z" }]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 7, source: "derived" }]);
  });

  it("records no sales for an increase (a delivery)", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 2, observedAt: "2026-11-20T13:00:00Z" }]);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 24, observedAt: "2026-11-20T14:00:00Z" }]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 24 });
    expect(await salesOf(ctx, "S12", "000123")).toEqual([]);
    expect(await countRows(ctx, "daily_sales")).toBe(0);
  });

  it("lets reported sales replace the derived day, and a later drop not add to a reported day", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 10, observedAt: "2026-11-20T01:00:00Z" }]);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 5, observedAt: "2026-11-20T02:00:00Z" }]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 5, source: "derived" }]);

    // the POS reports the day's total later (two were sold and one was thrown away, say)
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 5, observedAt: "2026-11-20T02:00:00Z", soldUnits: 4, salesDate: "2026-11-19" }]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 4, source: "reported" }]);

    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 1, observedAt: "2026-11-20T03:00:00Z" }]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 1 });
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 4, source: "reported" }]);
  });

  it("lets a Square item sales export replace the derived day", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,10\n", { query: { observedAt: "2026-11-20T01:00:00Z" } });
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,5\n", { query: { observedAt: "2026-11-20T02:00:00Z" } });
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 5, source: "derived" }]);

    const sales = [
      "Date,Time,Time Zone,Category,Item,Qty,SKU,Gross Sales,Net Sales,Transaction ID,Event Type,Location",
      "2026-11-19,20:14:05,Eastern Time (US & Canada),Dairy,Oat Milk 1L,3,000123,$13.50,$13.50,TX1,Payment,Mt Auburn",
      "",
    ].join("\n");
    const report = await importCsv(ctx, chainKey, sales);
    expect(report).toMatchObject({ format: "square-sales", rowsAccepted: 1 });
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 3, source: "reported" }]);
    // a sales export says nothing about stock
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 5 });
  });

  it("adds up Square sales lines per store, SKU and day, refunds subtracting", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const header = "Date,Time,Time Zone,Category,Item,Qty,SKU,Gross Sales,Net Sales,Transaction ID,Event Type,Location";
    const lines = [
      "11/19/2026,09:14:05,Eastern Time (US & Canada),Dairy,Oat Milk 1L,2,000123,$9.00,$9.00,TX1,Payment,Mt Auburn",
      "11/19/2026,11:02:11,Eastern Time (US & Canada),Dairy,Oat Milk 1L,1,000123,$4.50,$4.50,TX2,Payment,Mt Auburn",
      "11/19/2026,12:40:00,Eastern Time (US & Canada),Dairy,Oat Milk 1L,-1,000123,-$4.50,-$4.50,TX3,Refund,Mt Auburn",
      "11/19/2026,12:41:00,GMT,Dairy,Oat Milk 1L,3,000123,$13.50,$13.50,TX4,Payment,Harbour",
      "11/18/2026,17:00:00,Eastern Time (US & Canada),Dairy,Oat Milk 1L,4,000123,$18.00,$18.00,TX5,Payment,Mt Auburn",
      "11/18/2026,17:30:00,Eastern Time (US & Canada),Coffee,Cold Brew,1,000456,$6.50,$6.50,TX6,Refund,Mt Auburn",
    ];
    const report = await importCsv(ctx, chainKey, `${header}\n${lines.join("\n")}\n`);
    expect(report).toMatchObject({ format: "square-sales", rowsRead: 6, rowsAccepted: 6, rowsRejected: 0 });
    expect(await salesOf(ctx, "S12", "000123")).toEqual([
      { sales_date: "2026-11-18", units: 4, source: "reported" },
      { sales_date: "2026-11-19", units: 2, source: "reported" },
    ]);
    expect(await salesOf(ctx, "S7", "000123")).toEqual([{ sales_date: "2026-11-19", units: 3, source: "reported" }]);
    // a refund line whose Qty is written unsigned still subtracts; alone on its day, the day counts as 0 sold, not -1
    expect(await salesOf(ctx, "S12", "000456")).toEqual([{ sales_date: "2026-11-18", units: 0, source: "reported" }]);
    expect(report.warnings).toContainEqual({ reason: expect.stringContaining("SKU 000456 at store S12 on 2026-11-18: refunds exceed sales by 1 units") });

    // a later export covering the same day (one more sale) gives the day's new total, not the sum of both files
    const later = [...lines.slice(0, 3), "11/19/2026,18:00:00,Eastern Time (US & Canada),Dairy,Oat Milk 1L,5,000123,$22.50,$22.50,TX7,Payment,Mt Auburn"];
    await importCsv(ctx, chainKey, `${header}\n${later.join("\n")}\n`);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([
      { sales_date: "2026-11-18", units: 4, source: "reported" },
      { sales_date: "2026-11-19", units: 7, source: "reported" },
    ]);
  });
});

describe("out of stock", () => {
  it("stores negative on hand as sent, counts it as out of stock, and clears that when stock returns", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const observe = (onHand: number, observedAt: string) => postRowsOk(ctx, chainKey, [{ store: "S12", sku: "000123", onHand, observedAt }]);
    await observe(3, "2026-11-20T10:00:00Z");
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 3, out_of_stock_since: null });
    await observe(-2, "2026-11-20T11:00:00Z");
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: -2, out_of_stock_since: at("2026-11-20T11:00:00Z") });
    // still out: it has been out since the first observation at or below zero
    await observe(0, "2026-11-20T12:00:00Z");
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 0, out_of_stock_since: at("2026-11-20T11:00:00Z") });
    await observe(4, "2026-11-20T13:00:00Z");
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 4, out_of_stock_since: null });
  });
});

describe("feed health", () => {
  it("records when each store's feed was last seen and the newest observation it carried", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    ctx.clock.set("2026-11-20T15:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand,observed_at\nS12,000123,5,2026-11-20T14:50:00Z\nS12,000124,5,2026-11-20T14:55:00Z\n");
    expect(await feedOf(ctx, "S12")).toEqual({ lastSeenAt: at("2026-11-20T15:00:00Z"), lastObservedAt: at("2026-11-20T14:55:00Z") });
    expect(await feedOf(ctx, "S7")).toEqual({ lastSeenAt: null, lastObservedAt: null });

    // a late file: seen now, but the newest observation stays the newest
    ctx.clock.set("2026-11-20T16:00:00Z");
    await importCsv(ctx, chainKey, "store,sku,on_hand,observed_at\nS12,000125,5,2026-11-20T09:00:00Z\nS7,000123,1,2026-11-20T15:58:00Z\n");
    expect(await feedOf(ctx, "S12")).toEqual({ lastSeenAt: at("2026-11-20T16:00:00Z"), lastObservedAt: at("2026-11-20T14:55:00Z") });
    expect(await feedOf(ctx, "S7")).toEqual({ lastSeenAt: at("2026-11-20T16:00:00Z"), lastObservedAt: at("2026-11-20T15:58:00Z") });

    // a refused file is not a sign of life
    ctx.clock.set("2026-11-20T17:00:00Z");
    await expectProblem(await upload(ctx, chainKey, "store,sku,qty\nS12,000123,0\n"), 422, "missing_column");
    expect((await feedOf(ctx, "S12")).lastSeenAt).toEqual(at("2026-11-20T16:00:00Z"));
  });
});
