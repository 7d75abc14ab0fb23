import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, countRows, itemOf, salesOf, stockOf } from "../helpers/ledger-reads.js";
import { encodeWindows1252, fixture, importCsv } from "../helpers/sync-requests.js";

const ctx = useTestContext();
const auto = { query: { format: "auto" } };

describe("POS export presets, end to end with format=auto", () => {
  it("imports a Square item library export into the stores its location columns name", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const now = ctx.clock.now();
    const report = await importCsv(ctx, chainKey, fixture("square-item-library.csv"), { query: { format: "auto", fileName: "cafe_catalog-2026-11-20-1430.csv" } });
    expect(report).toMatchObject({ status: "applied", format: "square-items", encoding: "utf-8", rowsRead: 4, rowsAccepted: 5, rowsRejected: 0, rowsUntracked: 6 });
    // coffee beans sold by the pound: 2.5 lb on hand at Mt Auburn
    expect(report.rejected).toEqual([]);
    // a location no store is known by is skipped as a whole, with a warning, not row by row
    expect(report.warnings).toEqual([
      { column: "Current Quantity Warehouse", reason: "no store is known by this location name; its 1 cells were skipped (add a store alias)" },
    ]);

    // "Mt Auburn" is S12, "Harbour" is S7; Stock Alert Count is the store's own threshold when alerts are on
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 12, reorder_point: 5, observed_at: now, out_of_stock_since: null });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 3, reorder_point: 2 });
    expect(await stockOf(ctx, "S12", "000456")).toMatchObject({ on_hand: -2, reorder_point: null, out_of_stock_since: now });
    expect(await stockOf(ctx, "S7", "000456")).toBeUndefined();
    expect(await stockOf(ctx, "S12", "000789")).toMatchObject({ on_hand: 2.5, reorder_point: 1 });
    expect(await stockOf(ctx, "S7", "000789")).toMatchObject({ on_hand: 7, reorder_point: 2 });
    expect(await countRows(ctx, "stock_levels")).toBe(5);
    expect(await itemOf(ctx, "000123")).toEqual({ sku: "000123", name: "Oat Milk 1L", category: "Dairy" });
    expect(await itemOf(ctx, "000456")).toEqual({ sku: "000456", name: "Cold Brew - Large", category: "Coffee" });
    expect(await itemOf(ctx, "000789")).toMatchObject({ name: "Coffee Beans - Per Pound" });
    expect((await batchesOf(ctx))[0]).toMatchObject({ format: "square-items", rows_untracked: 6, warnings: report.warnings });
  });

  it("imports a Shopify inventory export, a row per location, with `not stocked` and oversold variants", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const now = ctx.clock.now();
    const report = await importCsv(ctx, chainKey, fixture("shopify-inventory.csv"), auto);
    expect(report).toMatchObject({ status: "applied", format: "shopify-inventory", rowsRead: 5, rowsAccepted: 4, rowsRejected: 0, rowsUntracked: 1 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14, out_of_stock_since: null });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 6 });
    expect(await stockOf(ctx, "S12", "TEE-M-BLK")).toMatchObject({ on_hand: -4, out_of_stock_since: now });
    expect(await stockOf(ctx, "S7", "TEE-M-BLK")).toBeUndefined();
    expect(await stockOf(ctx, "S12", "CAN-FIG")).toMatchObject({ on_hand: 0, out_of_stock_since: now });
    expect(await itemOf(ctx, "000123")).toMatchObject({ name: "Oat Milk 1L" });
    expect(await itemOf(ctx, "TEE-M-BLK")).toMatchObject({ name: "Logo Tee - M / Black" });
    expect(await itemOf(ctx, "CAN-FIG")).toMatchObject({ name: "Candle - Fig" });
  });

  it("imports a Lightspeed X-Series product export with CRLF line endings and outlet columns", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const bytes = fixture("lightspeed-x-products.csv");
    // the sample must keep its CRLF line endings, as the real file had them
    expect(bytes.toString("utf8").split("\r\n")).toHaveLength(6);
    const report = await importCsv(ctx, chainKey, bytes, auto);
    expect(report).toMatchObject({ status: "applied", format: "lightspeed-x", encoding: "utf-8", rowsRead: 4, rowsAccepted: 5, rowsRejected: 0, rowsUntracked: 3 });
    // inventory_Mt_Auburn is S12: the underscore stands for a space
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 7, reorder_point: 4 });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: -1, reorder_point: null });
    // track_inventory 0: not tracked anywhere, whatever the cells say
    expect(await stockOf(ctx, "S12", "GIFT")).toBeUndefined();
    expect(await stockOf(ctx, "S7", "GIFT")).toBeUndefined();
    expect(await stockOf(ctx, "S12", "000789")).toBeUndefined();
    expect(await stockOf(ctx, "S7", "000789")).toMatchObject({ on_hand: 9, reorder_point: 3 });
    expect(await itemOf(ctx, "DES-01")).toMatchObject({ name: "Crème brûlée" });
    // no stray carriage return left on the last column
    expect(await stockOf(ctx, "S7", "DES-01")).toMatchObject({ on_hand: 2, reorder_point: null });
  });

  it("imports the same Lightspeed export re-saved by a spreadsheet as Windows-1252", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const resaved = encodeWindows1252(fixture("lightspeed-x-products.csv").toString("utf8"));
    const report = await importCsv(ctx, chainKey, resaved, auto);
    expect(report).toMatchObject({ format: "lightspeed-x", encoding: "windows-1252", rowsAccepted: 5, rowsRejected: 0 });
    expect(await itemOf(ctx, "DES-01")).toMatchObject({ name: "Crème brûlée" });
    expect(await stockOf(ctx, "S12", "DES-01")).toMatchObject({ on_hand: 5 });
  });

  it("imports a tab-separated Square item sales export with a byte order mark", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const bytes = fixture("square-item-sales-tab.csv");
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const report = await importCsv(ctx, chainKey, bytes, auto);
    expect(report).toMatchObject({ status: "applied", format: "square-sales", rowsRead: 6, rowsAccepted: 5, rowsRejected: 1 });
    // a custom amount has no SKU: rejected, named by the file's own column
    expect(report.rejected).toEqual([{ line: 7, column: "SKU", reason: "SKU is blank" }]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 2, source: "reported" }]);
    expect(await salesOf(ctx, "S7", "000123")).toEqual([{ sales_date: "2026-11-19", units: 4, source: "reported" }]);
    expect(await salesOf(ctx, "S12", "000456")).toEqual([{ sales_date: "2026-11-18", units: 3, source: "reported" }]);
    expect(await countRows(ctx, "stock_levels")).toBe(0);
  });
});
