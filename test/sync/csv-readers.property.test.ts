import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/http/problem.js";
import { streamCsvRecords, type CsvLimits } from "../../src/sync/csv-records.js";
import { createFormat, detectFormat, FORMAT_NAMES } from "../../src/sync/formats/detect-format.js";
import { MissingColumnError } from "../../src/sync/formats/format-types.js";
import { configureProperties, csvBytes, csvText, hostileCell } from "../helpers/hostile-input.js";

configureProperties(60);

/** Small limits, so that generated fields and bodies reach them. */
const LIMITS: CsvLimits = { maxBytes: 64 * 1024, maxRecordBytes: 2048, maxInflateRatio: 20, inflateFloorBytes: 4096 };

/** Reads a body to the end: the records, or the error the read failed with. */
async function readAll(bytes: Uint8Array): Promise<{ records: string[][] } | { error: unknown }> {
  try {
    const stream = streamCsvRecords(Readable.from([Buffer.from(bytes)]), LIMITS);
    const records: string[][] = [];
    for await (const batch of stream.batches) records.push(...batch.map((r) => r.record));
    return { records };
  } catch (error) {
    return { error };
  }
}

/** A refused read is a client error with a reason (and a line when it is about the CSV), never a crash. */
function expectClientError(error: unknown): void {
  expect(error, String(error)).toBeInstanceOf(AppError);
  const problem = error as AppError;
  expect(problem.status, problem.detail).toBeGreaterThanOrEqual(400);
  expect(problem.status, problem.detail).toBeLessThan(500);
  expect(problem.detail.length).toBeGreaterThan(0);
  if (problem.code === "malformed_csv") expect(problem.errors[0]?.reason).toEqual(expect.any(String));
}

/** The column names of the four sample exports and the generic format: real headers to build hostile ones from. */
const KNOWN_COLUMNS = [
  ...new Set([
    ...["lightspeed-x-products.csv", "shopify-inventory.csv", "square-item-library.csv", "square-item-sales-tab.csv"].flatMap((name) => {
      const first = readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8").replace(/^\uFEFF/, "").split(/\r?\n/)[0]!;
      return first.split(first.includes("\t") ? "\t" : ",");
    }),
    "store",
    "sku",
    "on_hand",
    "sold_units",
    "sales_date",
    "observed_at",
    "name",
    "category",
    "reorder_point",
  ]),
];

const header = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KNOWN_COLUMNS) }, { weight: 1, arbitrary: hostileCell }), {
  minLength: 1,
  maxLength: 14,
});

describe("CSV reading of hostile bodies", () => {
  it("reads or refuses with a 4xx reason any bytes: random, wrong encodings, UTF-16, BOMs, mixed line endings, open quotes", async () => {
    await fc.assert(
      fc.asyncProperty(csvBytes(csvText(header)), async (bytes) => {
        const outcome = await readAll(bytes);
        if ("error" in outcome) expectClientError(outcome.error);
      }),
    );
  });

  it("refuses a record longer than the limit with the line it starts on, whether the field is quoted or left open", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: LIMITS.maxRecordBytes + 1, max: LIMITS.maxRecordBytes * 4 }),
        fc.constantFrom('"', ""),
        async (goodLines, length, quote) => {
          const text = `store,sku,on_hand\n${"S12,000123,1\n".repeat(goodLines)}S12,${quote}${"x".repeat(length)}${quote},1\n`;
          const outcome = await readAll(new Uint8Array(Buffer.from(text)));
          expect("error" in outcome).toBe(true);
          if (!("error" in outcome)) return;
          expectClientError(outcome.error);
          expect((outcome.error as AppError).errors[0]?.line).toBe(goodLines + 2);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("reads back exactly the cells of a well-quoted file, whatever they hold, through gzip or not", async () => {
    // cells without the characters a delimiter is sniffed from: the sniffing is the property of another test
    const cell = fc.string({ unit: fc.constantFrom("a", "Z", "0", " ", '"', ",", "\r", "\n", "\r\n", "é", "😀", "="), maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.boolean(),
        async (records, end, bom, gzip) => {
          const text = `${bom ? "\uFEFF" : ""}${records.map((cells) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(",")).join(end)}${end}`;
          const bytes = Buffer.from(text, "utf8");
          const outcome = await readAll(new Uint8Array(gzip ? gzipSync(bytes) : bytes));
          expect(outcome).toEqual({ records });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("export formats over hostile headers and cells", () => {
  it("detect a format or none, and map any record of it to rows and per-cell problems without throwing", () => {
    fc.assert(
      fc.property(header, fc.array(fc.array(hostileCell, { maxLength: 16 }), { maxLength: 6 }), fc.constantFrom(...FORMAT_NAMES), (names, records, asked) => {
        const detected = detectFormat(names);
        for (const name of detected === null ? [asked] : [detected, asked]) {
          let format;
          try {
            format = createFormat(name, names);
          } catch (error) {
            // a header without a column the format needs is refused by name, and only so
            expect(error, String(error)).toBeInstanceOf(MissingColumnError);
            continue;
          }
          for (const fields of records) {
            const mapped = format.mapRecord(fields);
            expect(Array.isArray(mapped.rows)).toBe(true);
            for (const problem of mapped.problems) expect(problem.reason.length).toBeGreaterThan(0);
            expect(mapped.untracked).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
