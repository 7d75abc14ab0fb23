import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { receiptsOf, salesOf, stockOf } from "../helpers/ledger-reads.js";
import { expectJson, expectProblem, importCsv, postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();

const SQUARE_SALES_HEADER =
  "Date,Time,Time Zone,Category,Item,Qty,Price Point Name,SKU,Modifiers Applied,Gross Sales,Discounts,Net Sales,Tax," +
  "Transaction ID,Payment ID,Device Name,Notes,Details,Event Type,Location,Dining Option,Customer ID,Customer Name," +
  "Customer Reference ID,Unit,Count,Itemization Type";

/** One line of a Square item sales detail export; `unit` is blank for goods sold by the piece. */
function squareLine(line: { date: string; item: string; sku: string; qty: string; unit: string; event?: string; tx: string }): string {
  const event = line.event ?? "Payment";
  return [line.date, "10:00:00", "Eastern Time (US & Canada)", "Produce", line.item, line.qty, "Regular", line.sku, "", "$1.00", "$0.00",
    "$1.00", "$0.00", line.tx, `P${line.tx}`, "Counter", "", "", event, "Mt Auburn", "", "", "", "", line.unit, "", "Physical Item"].join(",");
}

async function unitOf(sku: string): Promise<string | undefined> {
  const [row] = await queryRows<{ unit: string }>(ctx.db.db, sql`select unit from items where sku = ${sku}`);
  return row?.unit;
}

describe("goods sold by weight", () => {
  it("imports a Square sales export with quantities in pounds, adds a day's lines exactly and keeps the item's unit", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv = [
      SQUARE_SALES_HEADER,
      squareLine({ date: "2026-11-19", item: "Bananas", sku: "4011", qty: "2.35", unit: "lb", tx: "T1" }),
      squareLine({ date: "2026-11-19", item: "Bananas", sku: "4011", qty: "1.2", unit: "lb", tx: "T2" }),
      squareLine({ date: "2026-11-19", item: "Bananas", sku: "4011", qty: "-0.4", unit: "lb", event: "Refund", tx: "T3" }),
      squareLine({ date: "2026-11-20", item: "Bananas", sku: "4011", qty: "0.1", unit: "lb", tx: "T4" }),
      squareLine({ date: "2026-11-20", item: "Bananas", sku: "4011", qty: "0.2", unit: "lb", tx: "T5" }),
      squareLine({ date: "2026-11-20", item: "Oat Milk 1L", sku: "000123", qty: "2", unit: "", tx: "T6" }),
      // a scale does not weigh to a tenth of a gram: refused, with the line and the reason
      squareLine({ date: "2026-11-20", item: "Bananas", sku: "4011", qty: "1.2345", unit: "lb", tx: "T7" }),
      "",
    ].join("\n");
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ status: "applied", format: "square-sales", rowsRead: 7, rowsAccepted: 6, rowsRejected: 1 });
    expect(report.rejected).toEqual([
      { line: 8, column: "Qty", reason: "soldUnits has more than three decimal places (1.2345); quantities are kept to thousandths" },
    ]);
    // 2.35 + 1.2 - 0.4 and 0.1 + 0.2, exactly: no binary fractions in the ledger
    expect(await salesOf(ctx, "S12", "4011")).toEqual([
      { sales_date: "2026-11-19", units: 3.15, source: "reported" },
      { sales_date: "2026-11-20", units: 0.3, source: "reported" },
    ]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-20", units: 2, source: "reported" }]);
    expect(await unitOf("4011")).toBe("lb");
    expect(await unitOf("000123")).toBe("each");
  });

  it("imports a fractional stock file with its units, derives fractional sales and receipts, and takes decimals over the JSON API", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const first = await importCsv(
      ctx,
      chainKey,
      "store,sku,on_hand,reorder_point,unit,name,category,observed_at\n" +
        "S12,4011,10.5,2.25,lb,Bananas,Produce,2026-11-20T13:00:00Z\n" +
        "S12,DELI-HAM,3.125,0.5,Kilogram,Sliced ham,Deli,2026-11-20T13:00:00Z\n" +
        "S12,000123,12,5,,Oat Milk 1L,Dairy,2026-11-20T13:00:00Z\n" +
        "S7,4011,1.23456,,lb,Bananas,Produce,2026-11-20T13:00:00Z\n",
    );
    expect(first).toMatchObject({ status: "applied", format: "generic", rowsAccepted: 3, rowsRejected: 1 });
    expect(first.rejected).toEqual([
      { line: 5, column: "on_hand", reason: "onHand has more than three decimal places (1.23456); quantities are kept to thousandths" },
    ]);
    expect(await stockOf(ctx, "S12", "4011")).toMatchObject({ on_hand: 10.5, reorder_point: 2.25 });
    expect(await stockOf(ctx, "S12", "DELI-HAM")).toMatchObject({ on_hand: 3.125, reorder_point: 0.5 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 12, reorder_point: 5 });
    expect(await unitOf("4011")).toBe("lb");
    expect(await unitOf("DELI-HAM")).toBe("kg");
    expect(await unitOf("000123")).toBe("each");

    // an hour later: bananas sold down by 2.25 lb, ham restocked by 1.5 kg
    await importCsv(
      ctx,
      chainKey,
      "store,sku,on_hand,observed_at\nS12,4011,8.25,2026-11-20T14:00:00Z\nS12,DELI-HAM,4.625,2026-11-20T14:00:00Z\n",
    );
    expect(await salesOf(ctx, "S12", "4011")).toEqual([{ sales_date: "2026-11-20", units: 2.25, source: "derived" }]);
    expect(await receiptsOf(ctx, "S12", "DELI-HAM")).toEqual([{ receipt_date: "2026-11-20", units: 1.5, on_hand_after: 4.625, source: "observed" }]);
    // a file without a unit column leaves the items' units as they were
    expect(await unitOf("DELI-HAM")).toBe("kg");

    // the JSON API takes the same decimals and rounds float noise to thousandths
    const answer = await postRowsOk(ctx, chainKey, [
      { store: "S12", sku: "4011", onHand: 0.1 + 0.2, observedAt: "2026-11-20T14:30:00Z", soldUnits: 7.95, unit: "lb" },
      { store: "S12", sku: "SALMON", onHand: 1.0005, observedAt: "2026-11-20T14:30:00Z" },
    ]);
    expect(answer).toMatchObject({ rowsAccepted: 1, rowsRejected: 1 });
    expect(answer.rejected).toEqual([{ row: 1, field: "onHand", reason: "onHand has more than three decimal places (1.0005); quantities are kept to thousandths" }]);
    expect(await stockOf(ctx, "S12", "4011")).toMatchObject({ on_hand: 0.3 });
    // the day's reported total replaces what the drops derived
    expect(await salesOf(ctx, "S12", "4011")).toEqual([{ sales_date: "2026-11-20", units: 7.95, source: "reported" }]);
  });

  it("takes deliveries of weighed goods by CSV and JSON, and a receipt of 2.5 kg adds to on hand", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "DELI-HAM", onHand: 0.75, unit: "kg", observedAt: "2026-11-20T14:00:00Z" }]);
    const send = (path: string, body: string, contentType = "application/json") =>
      ctx.app.request(path, { method: "POST", headers: { ...bearer(chainKey), "content-type": contentType }, body });

    // the POS imports' number reader: 1,200.5 reads as it does in a stock file
    const created = await expectJson<{ deliveries: Array<{ id: number }> }>(
      await send("/v1/deliveries/import", "store,sku,quantity,expected_date,reference\nS12,DELI-HAM,2.5,2026-11-22,PO-9\nS12,4011,\"1,200.5\",2026-11-22,PO-9\n", "text/csv"),
      200,
    );
    const refused = await expectProblem(
      await send("/v1/deliveries/import", "store,sku,quantity,expected_date,reference\nS12,DELI-HAM,2.5005,2026-11-22,PO-10\nS12,4011,0,2026-11-22,PO-10\n", "text/csv"),
      422,
      "validation_failed",
    );
    expect(refused.errors).toEqual([
      { line: 2, column: "quantity", reason: "quantity has more than three decimal places (2.5005); quantities are kept to thousandths" },
      { line: 3, column: "quantity", reason: "quantity must be more than 0" },
    ]);
    const json = await send("/v1/deliveries", JSON.stringify({ deliveries: [{ store: "S12", sku: "DELI-HAM", quantity: 0.3333, expectedDate: "2026-11-23", reference: "PO-11" }] }));
    expect((await expectProblem(json, 422, "validation_failed")).errors).toEqual([
      { field: "deliveries/0/quantity", reason: "quantity has more than three decimal places (0.3333); quantities are kept to thousandths" },
    ]);

    const [delivery] = await queryRows<{ id: number; quantity: string }>(ctx.db.db, sql`select id, quantity::text from deliveries where item_id = (select id from items where sku = '4011')`);
    expect(delivery!.quantity).toBe("1200.500");
    const received = await expectJson(await send(`/v1/deliveries/${created.deliveries[0]!.id}/receive`, JSON.stringify({ receivedAt: "2026-11-20T16:00:00Z" })), 200);
    expect(received).toMatchObject({ sku: "DELI-HAM", receivedQuantity: 2.5, onHand: 3.25 });
    expect(await stockOf(ctx, "S12", "DELI-HAM")).toMatchObject({ on_hand: 3.25 });
    expect(await receiptsOf(ctx, "S12", "DELI-HAM")).toEqual([{ receipt_date: "2026-11-20", units: 2.5, on_hand_after: 3.25, source: "delivery" }]);
  });
});
