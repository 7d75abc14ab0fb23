import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { useTestContext } from "../helpers/context.js";
import { batchesOf, ledgerSnapshot, stockOf } from "../helpers/ledger-reads.js";
import { expectProblem, importCsv, seedStoresWithStock, streamOf, upload } from "../helpers/sync-requests.js";

const LIMIT = 200;
const ctx = useTestContext({ IMPORT_MAX_BYTES: String(LIMIT) });

/** An export that would zero the seeded stock if any of it were applied, `rows` lines long. */
function zeroingExport(rows: number): string {
  const lines = ["store,sku,on_hand"];
  for (let i = 0; i < rows; i++) lines.push(`S12,000123,0`);
  return `${lines.join("\n")}\n`;
}

describe("POST /v1/imports over IMPORT_MAX_BYTES", () => {
  it("refuses a file whose content-length is over the limit before reading it", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const before = await ledgerSnapshot(ctx);
    const csv = zeroingExport(20);
    expect(Buffer.byteLength(csv)).toBeGreaterThan(LIMIT);
    const res = await upload(ctx, chainKey, csv, { headers: { "content-length": String(Buffer.byteLength(csv)) } });
    const problem = await expectProblem(res, 413, "payload_too_large");
    expect(problem.detail).toBe(`the file is larger than the limit of ${LIMIT} bytes`);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    // refused at the door: no import was started
    expect((await batchesOf(ctx)).map((b) => b.source)).toEqual(["api"]);
  });

  it("refuses a streamed file with no content-length once it passes the limit", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const before = await ledgerSnapshot(ctx);
    const csv = zeroingExport(20);
    const body = streamOf(csv.slice(0, 100), csv.slice(100, 190), csv.slice(190));
    const res = await upload(ctx, chainKey, body);
    const problem = await expectProblem(res, 413, "payload_too_large");
    expect(problem.detail).toBe(`the body is larger than the limit of ${LIMIT} bytes`);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ source: "upload", status: "rejected", problem: { code: "payload_too_large" } });
  });

  it("refuses a file whose content-length understates its size", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const before = await ledgerSnapshot(ctx);
    const res = await upload(ctx, chainKey, streamOf(zeroingExport(20)), { headers: { "content-length": "50" } });
    await expectProblem(res, 413, "payload_too_large");
    expect(await ledgerSnapshot(ctx)).toEqual(before);
  });

  it("counts the limit after decompression, so a small gzip file that inflates past it is refused", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const before = await ledgerSnapshot(ctx);
    const gzipped = gzipSync(zeroingExport(200));
    expect(gzipped.length).toBeLessThan(LIMIT);
    const res = await upload(ctx, chainKey, gzipped, { contentType: "application/gzip", headers: { "content-length": String(gzipped.length) } });
    await expectProblem(res, 413, "payload_too_large");
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ status: "rejected", problem: { code: "payload_too_large" } });
  });

  it("accepts a streamed file of exactly the limit", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    // 18 + 13 × 13 + 13 bytes
    const csv = `store,sku,on_hand\n${"S12,000999,1\n".repeat(13)}S12,000123,7\n`;
    expect(Buffer.byteLength(csv)).toBe(LIMIT);
    const report = await importCsv(ctx, chainKey, streamOf(csv));
    expect(report).toMatchObject({ status: "applied", rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 7 });
  });
});
