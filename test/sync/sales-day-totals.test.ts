import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { salesOf } from "../helpers/ledger-reads.js";
import { importCsv, postRowsOk } from "../helpers/sync-requests.js";

// chunks of 100 rows, so that a day's lines can fall into two chunks of the same import
const ctx = useTestContext({ IMPORT_CHUNK_ROWS: "100" });

const SQUARE_SALES_HEADER = "Date,Time,Time Zone,Category,Item,Qty,SKU,Net Sales,Transaction ID,Event Type,Location\n";
function salesLine(date: string, qty: number, transaction: string): string {
  return `${date},10:00:00,Eastern Time (US & Canada),Dairy,Oat Milk 1L,${qty},000123,$${(qty * 4.5).toFixed(2)},${transaction},${qty < 0 ? "Refund" : "Payment"},Mt Auburn\n`;
}

describe("a day's total of units sold is never below zero", () => {
  it("POST /v1/stock refuses a row whose soldUnits day total is negative, naming the row, and keeps the others", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "000123", onHand: 14, observedAt: "2026-11-20T14:00:00Z", soldUnits: -3, salesDate: "2026-11-20" },
      { store: "S12", sku: "000124", onHand: 5, observedAt: "2026-11-20T14:00:00Z", soldUnits: 2, salesDate: "2026-11-20" },
    ]);
    expect(answer).toMatchObject({ rowsAccepted: 1, rowsRejected: 1 });
    expect(answer.rejected).toEqual([{ row: 0, field: "soldUnits", reason: expect.stringMatching(/day's total .* cannot be negative/) }]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([]);
    expect(await salesOf(ctx, "S12", "000124")).toEqual([{ sales_date: "2026-11-20", units: 2, source: "reported" }]);
  });

  it("a generic export's negative sold_units is a rejected line naming the column", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const report = await importCsv(ctx, chainKey, "store,sku,sold_units,sales_date\nS12,000123,-2,2026-11-19\nS12,000124,4,2026-11-19\n");
    expect(report).toMatchObject({ rowsAccepted: 1, rowsRejected: 1 });
    expect(report.rejected).toEqual([{ line: 2, column: "sold_units", reason: expect.stringMatching(/cannot be negative/) }]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([]);
  });

  it("a Square sales export nets refunds within a day, and counts a day whose refunds outweigh its sales as 0 with a warning", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    // the 18th: 3 sold, 1 refunded; the 19th: the refund of 4 bought earlier outweighs the 1 sold, across two chunks
    let csv = SQUARE_SALES_HEADER + salesLine("2026-11-18", 3, "T1") + salesLine("2026-11-18", -1, "T2") + salesLine("2026-11-19", 1, "T3");
    for (let i = 0; i < 150; i++) csv += salesLine("2026-11-17", 1, `F${i}`);
    csv += salesLine("2026-11-19", -4, "T4");
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ format: "square-sales", rowsRejected: 0 });
    expect(await salesOf(ctx, "S12", "000123")).toEqual([
      { sales_date: "2026-11-17", units: 150, source: "reported" },
      { sales_date: "2026-11-18", units: 2, source: "reported" },
      { sales_date: "2026-11-19", units: 0, source: "reported" },
    ]);
    expect(report.warnings).toContainEqual({ reason: expect.stringMatching(/SKU 000123 at store S12 on 2026-11-19: refunds exceed sales by 3 units/) });
  });
});
