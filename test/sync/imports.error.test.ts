import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, ledgerSnapshot, rejectionsOf, salesOf, stockOf } from "../helpers/ledger-reads.js";
import { expectProblem, importCsv, upload } from "../helpers/sync-requests.js";

const ctx = useTestContext();

/** Stock the stores already have, so that a refused file that zeroed or overwrote anything would show. */
async function seedStock() {
  const seeded = await seedStoresAndKeys(ctx);
  await importCsv(
    ctx,
    seeded.chainKey,
    "store,sku,on_hand,observed_at,name\nS12,000123,14,2026-11-20T10:00:00Z,Oat Milk 1L\nS12,000124,6,2026-11-20T10:00:00Z,Rye Bread\nS7,000123,3,2026-11-20T10:00:00Z,Oat Milk 1L\n",
  );
  return seeded;
}

/** Asserts a refused upload: the answer, the batch logged as rejected with the same problem, and nothing else changed. */
async function expectRefused(response: Response, before: Awaited<ReturnType<typeof ledgerSnapshot>>, status: number, code: string) {
  const problem = await expectProblem(response, status, code);
  expect(await ledgerSnapshot(ctx)).toEqual(before);
  return problem;
}

describe("POST /v1/imports: a refused file stores nothing", () => {
  it("names a missing required column on line 1 (format given)", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const problem = await expectRefused(
      await upload(ctx, chainKey, "store,sku,observed_at\nS12,000123,2026-11-20T14:00:00Z\n", { query: { format: "generic" } }),
      before,
      422,
      "missing_column",
    );
    expect(problem.errors).toEqual([{ column: "on_hand", line: 1, reason: 'the generic format needs a "on_hand" column' }]);
    const batches = await batchesOf(ctx);
    expect(batches.at(-1)).toMatchObject({ status: "rejected", problem: { code: "missing_column" } });
  });

  it("names a missing required column when the format is detected", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const problem = await expectRefused(await upload(ctx, chainKey, "store,sku,observed_at\nS12,000123,2026-11-20T14:00:00Z\n"), before, 422, "missing_column");
    expect(problem.errors).toEqual([{ column: "on_hand", line: 1, reason: expect.stringContaining("on_hand") }]);
  });

  it("names the SKU column missing from a Square item library export", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const csv = "Token,Item Name,Variation Name,Price,Current Quantity Mt Auburn,Stock Alert Count Mt Auburn\nTK1,Oat Milk 1L,Regular,$4.50,0,3\n";
    const problem = await expectRefused(await upload(ctx, chainKey, csv), before, 422, "missing_column");
    expect(problem.errors).toEqual([{ column: "SKU", line: 1, reason: 'the square-items format needs a "SKU" column' }]);
  });

  it("refuses a header it does not recognise", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const csv = '"System ID","UPC","Item","Qty.","Price"\n1001,0850000123,Oat Milk,4,€19.90\n';
    const problem = await expectRefused(await upload(ctx, chainKey, csv), before, 422, "unknown_format");
    expect(problem.errors).toEqual([{ line: 1, reason: "header: System ID, UPC, Item, Qty., Price" }]);
  });

  it("refuses an empty file", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const problem = await expectRefused(await upload(ctx, chainKey, ""), before, 422, "validation_failed");
    expect(problem.errors).toEqual([expect.objectContaining({ line: expect.any(Number) })]);
  });

  it("refuses a CSV that cannot be read, even the lines before the fault", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const csv = 'store,sku,on_hand,name\nS12,000123,0,Oat Milk\nS12,000124,0,"Rye Bread\n';
    const problem = await expectRefused(await upload(ctx, chainKey, csv), before, 422, "malformed_csv");
    expect(problem.errors).toEqual([expect.objectContaining({ line: expect.any(Number), reason: expect.stringMatching(/quote/i) })]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ status: "rejected", problem: { code: "malformed_csv" } });
  });

  it("refuses a binary body (a PNG sent as CSV) with 415 undecodable_body", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from([0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x06, 0x00, 0x00, 0x00]),
      Buffer.alloc(64, 0x00),
    ]);
    const problem = await expectRefused(await upload(ctx, chainKey, png, { contentType: "application/octet-stream" }), before, 415, "undecodable_body");
    expect(problem.detail).toBe("the body is binary, not a CSV text file (at byte 8)");
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ status: "rejected", problem: { code: "undecodable_body" } });
  });

  it("refuses a gzip upload that was cut short, and holds up no later import", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const gzipped = gzipSync(`store,sku,on_hand\n${"S12,000123,0\n".repeat(200)}`);
    const problem = await expectRefused(await upload(ctx, chainKey, gzipped.subarray(0, gzipped.length - 12), { contentType: "application/gzip" }), before, 415, "undecodable_body");
    expect(problem.detail).toBe("the body is gzip-compressed but cannot be decompressed (unexpected end of file): was the upload cut short?");
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ status: "rejected", problem: { code: "undecodable_body" } });
    // the refused import released the stock lock: the next one goes through
    expect(await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,000123,13\n")).toMatchObject({ rowsAccepted: 1 });
  });

  it("refuses a gzip upload whose data is corrupt", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const gzipped = gzipSync(`store,sku,on_hand\n${"S12,000123,0\n".repeat(200)}`);
    const corrupt = Buffer.concat([gzipped.subarray(0, 20), Buffer.from("this is not deflate data at all")]);
    await expectRefused(await upload(ctx, chainKey, corrupt), before, 415, "undecodable_body");
  });

  it("refuses a UTF-16 export with a precise message", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("store,sku,on_hand\nS12,000123,0\n", "utf16le")]);
    const problem = await expectRefused(await upload(ctx, chainKey, utf16), before, 415, "undecodable_body");
    expect(problem.detail).toMatch(/UTF-16 is not supported/);
  });

  it("refuses a body that is not declared as CSV", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    await expectRefused(
      await upload(ctx, chainKey, "store,sku,on_hand\nS12,000123,0\n", { contentType: "image/png" }),
      before,
      415,
      "unsupported_media_type",
    );
    expect(await batchesOf(ctx)).toHaveLength(1);
  });

  it("refuses an unknown format name in the query string", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const problem = await expectRefused(await upload(ctx, chainKey, "store,sku,on_hand\nS12,000123,0\n", { query: { format: "clover" } }), before, 422, "validation_failed");
    expect(problem.errors).toEqual([{ field: "format", reason: expect.stringContaining("format must be one of auto") }]);
  });

  it("refuses an observedAt in the future for the whole file rather than rejecting every row", async () => {
    const { chainKey } = await seedStock();
    const before = await ledgerSnapshot(ctx);
    const res = await upload(ctx, chainKey, "store,sku,on_hand\nS12,000123,0\n", { query: { observedAt: "2026-11-21T15:00:00Z" } });
    const problem = await expectRefused(res, before, 422, "validation_failed");
    expect(problem.errors).toEqual([{ field: "observedAt", reason: expect.stringContaining("min ahead of") }]);
  });
});

describe("POST /v1/imports: bad rows are rejected with line and column, valid rows land", () => {
  it("rejects non-numeric quantities and quantities of more than three decimal places", async () => {
    const { chainKey } = await seedStock();
    const csv = "store,sku,on_hand\nS12,000123,11\nS12,000124,abc\nS7,000123,2.3456\nS12,000125,1,000\n";
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ status: "applied", rowsRead: 4, rowsAccepted: 2, rowsRejected: 2 });
    expect(report.rejected).toEqual([
      { line: 3, column: "on_hand", reason: 'onHand must be a number, got "abc"' },
      { line: 4, column: "on_hand", reason: "onHand has more than three decimal places (2.3456); quantities are kept to thousandths" },
    ]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 11 });
    // rejected rows leave the stock as it was
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 6 });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 3 });
    // a record with an extra unquoted comma is read as 1 (the extra cell is ignored)
    expect(await stockOf(ctx, "S12", "000125")).toMatchObject({ on_hand: 1 });
    expect(await rejectionsOf(ctx, report.batchId)).toEqual([
      { line: 3, column: "on_hand", reason: 'onHand must be a number, got "abc"', record: "S12,000124,abc" },
      { line: 4, column: "on_hand", reason: "onHand has more than three decimal places (2.3456); quantities are kept to thousandths", record: "S7,000123,2.3456" },
    ]);
  });

  it("counts lines as a text editor does: a quoted line break and an empty line move the line numbers on", async () => {
    const { chainKey } = await seedStock();
    const csv = 'store,sku,on_hand,name\r\nS12,000123,11,"Tomatoes\r\nvine"\r\n\r\nS12,000124,abc,Basil\r\n';
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ rowsRead: 2, rowsAccepted: 1, rowsRejected: 1 });
    expect(report.rejected).toEqual([{ line: 5, column: "on_hand", reason: 'onHand must be a number, got "abc"' }]);
  });

  it("rejects a row naming an unknown store and keeps the others", async () => {
    const { chainKey } = await seedStock();
    const report = await importCsv(ctx, chainKey, "store,sku,on_hand\nS99,000123,0\nMt Auburn,000123,12\n");
    expect(report).toMatchObject({ rowsAccepted: 1, rowsRejected: 1 });
    expect(report.rejected).toEqual([{ line: 2, column: "store", reason: 'unknown store "S99": add it as a store alias' }]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 12 });
  });

  it("counts a line with several bad cells as one rejected row", async () => {
    const { chainKey } = await seedStock();
    const report = await importCsv(ctx, chainKey, "store,sku,on_hand\n,,4\nS12,000123,13\n");
    expect(report).toMatchObject({ rowsRead: 2, rowsAccepted: 1, rowsRejected: 1 });
    expect(report.rejected).toEqual([
      { line: 2, column: "sku", reason: "SKU is blank" },
      { line: 2, column: "store", reason: "store is blank" },
    ]);
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ rows_rejected: 1 });
  });

  it("rejects an observation time that cannot be read, naming the file's column", async () => {
    const { chainKey } = await seedStock();
    const csv = [
      "store,sku,on_hand,observed_at",
      "S12,000123,9,20/11/2026 14:00",
      "S12,000124,5,2026-11-20T14:00:00Z",
      // a till whose clock was reset: PostgreSQL could not even store year 0
      "S12,000125,3,0000-01-01T00:00:00Z",
      "S12,000126,3,1999-12-31T23:59:59Z",
    ].join("\n");
    const report = await importCsv(ctx, chainKey, `${csv}\n`);
    expect(report).toMatchObject({ rowsAccepted: 1, rowsRejected: 3 });
    expect(report.rejected).toEqual([
      { line: 2, column: "observed_at", reason: "must be an ISO 8601 date and time with a zone, e.g. 2026-11-23T09:30:00Z" },
      { line: 4, column: "observed_at", reason: "must not be before 2000-01-01" },
      { line: 5, column: "observed_at", reason: "must not be before 2000-01-01" },
    ]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 5 });
  });

  it("rejects an observation further in the future than the clock skew tolerance (15 min)", async () => {
    const { chainKey } = await seedStock();
    ctx.clock.set("2026-11-20T15:00:00Z");
    const csv = "store,sku,on_hand,observed_at\nS12,000123,9,2026-11-20T15:16:00Z\nS12,000124,5,2026-11-20T15:14:00Z\n";
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ rowsAccepted: 1, rowsRejected: 1 });
    expect(report.rejected).toEqual([
      {
        line: 2,
        column: "observed_at",
        reason: "observedAt 2026-11-20T15:16:00.000Z lies in the future (more than 15 min ahead of 2026-11-20T15:00:00.000Z)",
      },
    ]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14, observed_at: new Date("2026-11-20T10:00:00Z") });
    // within the tolerance: a till a few minutes fast is still believed
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 5, observed_at: new Date("2026-11-20T15:14:00Z") });
  });

  it("rejects a sales date that cannot be read or lies ahead of the store's today", async () => {
    const { chainKey } = await seedStock();
    // 15:00Z is 10:00 on 2026-11-20 in New York
    const csv = "store,sku,sold_units,sales_date\nS12,000123,3,Nov 19\nS12,000124,2,2026-11-21\nS12,000124,4,2026-11-20\n";
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ rowsAccepted: 1, rowsRejected: 2 });
    expect(report.rejected).toEqual([
      { line: 2, column: "sales_date", reason: "must be a date as YYYY-MM-DD" },
      { line: 3, column: "sales_date", reason: "salesDate 2026-11-21 lies in the future (today at store S12 is 2026-11-20)" },
    ]);
    expect(await salesOf(ctx, "S12", "000123")).toEqual([]);
    expect(await salesOf(ctx, "S12", "000124")).toEqual([{ sales_date: "2026-11-20", units: 4, source: "reported" }]);
  });

  it("rejects a Shopify row for an unknown location, naming the Location column", async () => {
    const { chainKey } = await seedStock();
    const csv = [
      "Handle,Title,Option1 Name,Option1 Value,SKU,Location,Available (not editable),On hand (current),On hand (new)",
      "oat-milk,Oat Milk 1L,Title,Default Title,000123,Main Street,4,4,",
      "oat-milk,Oat Milk 1L,Title,Default Title,000123,Harbour,8,8,",
      "",
    ].join("\n");
    const report = await importCsv(ctx, chainKey, csv);
    expect(report).toMatchObject({ format: "shopify-inventory", rowsAccepted: 1, rowsRejected: 1 });
    expect(report.rejected).toEqual([{ line: 2, column: "Location", reason: 'unknown store "Main Street": add it as a store alias' }]);
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 8 });
  });
});
