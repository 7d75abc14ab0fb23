import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { createGzip, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runDropFolder } from "../../src/sync/drop-folder.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, ledgerSnapshot, stockOf } from "../helpers/ledger-reads.js";
import { expectProblem, importCsv, seedStoresWithStock, upload } from "../helpers/sync-requests.js";

const RECORD_LIMIT = 64 * 1024;
const FLOOR = 1024 * 1024;
const ctx = useTestContext({ IMPORT_MAX_RECORD_BYTES: String(RECORD_LIMIT), IMPORT_GZIP_FLOOR_BYTES: String(FLOOR) });

const ZEROING_ROW = "S12,000123,0\n";

/**
 * 256 MiB of `row` after `header`, gzip-compressed to about 520 KB (the size of the file that found the defect): about
 * 500 times smaller, where real exports shrink 5 to 50 times. Compressed as a stream, so the test never holds 256 MiB.
 */
async function gzipBomb(header = "store,sku,on_hand\n", row = ZEROING_ROW): Promise<Buffer> {
  const block = Buffer.from(row.repeat(Math.floor((1 << 20) / row.length)));
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  gzip.write(header);
  for (let i = 0; i < 256; i++) if (!gzip.write(block)) await once(gzip, "drain");
  gzip.end();
  await once(gzip, "end");
  const bomb = Buffer.concat(chunks);
  expect(bomb.length).toBeLessThan(1 << 20);
  return bomb;
}

/** Hands out `bytes` in 4 KiB chunks, only as they are asked for, counting what was taken. */
function countedStream(bytes: Uint8Array): { body: ReadableStream<Uint8Array>; pulled(): number } {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        const chunk = bytes.subarray(offset, offset + 4096);
        offset += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulled: () => offset };
}

describe("POST /v1/imports: files that cost far more than they weigh", () => {
  it("refuses a gzip bomb after its first kilobytes with 413, naming the ratio limit, and stores nothing", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const before = await ledgerSnapshot(ctx);
    const bomb = await gzipBomb();
    const source = countedStream(bomb);
    const res = await upload(ctx, chainKey, source.body, { contentType: "application/gzip" });
    const problem = await expectProblem(res, 413, "payload_too_large");
    expect(problem.detail).toMatch(/inflates to more than 200 times its compressed size/);
    expect(problem.detail).toContain("IMPORT_MAX_GZIP_RATIO");
    // the upload stopped being read after its first few chunks: what was inflated stayed near the floor, not 256 MiB
    expect(source.pulled()).toBeLessThan(bomb.length / 8);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect((await batchesOf(ctx)).at(-1)).toMatchObject({ source: "upload", status: "rejected", problem: { code: "payload_too_large" } });
  });

  it("accepts a gzip file of identical rows that inflates past the ratio but stays under the floor", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const csv = `store,sku,on_hand\n${"S12,000999,1\n".repeat(40_000)}S12,000123,7\n`;
    const gzipped = gzipSync(csv);
    expect(csv.length / gzipped.length).toBeGreaterThan(200);
    expect(csv.length).toBeLessThan(FLOOR);
    const report = await importCsv(ctx, chainKey, gzipped, { contentType: "application/gzip" });
    expect(report).toMatchObject({ status: "applied", rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 7 });
  });

  it("refuses an open quote that runs past the record limit with 422 naming the line where it opened", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const before = await ledgerSnapshot(ctx);
    const csv = `store,sku,on_hand\n${ZEROING_ROW.repeat(3)}S12,"000124,0\n${"runaway text, no closing quote\n".repeat(200_000)}`;
    const source = countedStream(new TextEncoder().encode(csv));
    const res = await upload(ctx, chainKey, source.body);
    const problem = await expectProblem(res, 422, "malformed_csv");
    expect(problem.errors).toEqual([{ line: 5, reason: expect.stringContaining(`line 5 is longer than ${RECORD_LIMIT} bytes (IMPORT_MAX_RECORD_BYTES)`) }]);
    expect(problem.detail).toMatch(/quote/);
    expect(source.pulled()).toBeLessThan(csv.length / 4);
    expect(await ledgerSnapshot(ctx)).toEqual(before);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
  });

  it("accepts a quoted cell with line breaks under the record limit", async () => {
    const { chainKey } = await seedStoresWithStock(ctx);
    const note = "a long note, kept out of the ledger\n".repeat(1000);
    const report = await importCsv(ctx, chainKey, `store,sku,on_hand,note\nS12,000123,9,"${note}"\nS12,000124,3,Pens\n`);
    expect(report).toMatchObject({ status: "applied", rowsAccepted: 2, rowsRejected: 0 });
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 3 });
  });
});

describe("the other readers of uploaded and dropped CSV files apply the same limits", () => {
  it("POST /v1/promotions/import refuses a gzip bomb with 413 and an open quote with 422 naming the line", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const header = "promotion_id,name,sku,store,start_date,end_date\n";
    const row = "W47,Week 47 flyer,0001,S12,2026-11-20,2026-11-26\n";
    const bomb = await gzipBomb(header, row);
    const send = (body: Uint8Array | string, contentType: string) =>
      ctx.app.request("/v1/promotions/import", { method: "POST", headers: { ...bearer(chainKey), "content-type": contentType }, body: body as BodyInit });
    const inflated = await expectProblem(await send(bomb, "application/gzip"), 413, "payload_too_large");
    expect(inflated.detail).toContain("IMPORT_MAX_GZIP_RATIO");
    const open = await expectProblem(await send(`${header}${row}W48,"Week 48,0001,S12,2026-11-27,2026-12-03\n${"x".repeat(RECORD_LIMIT * 2)}`, "text/csv"), 422, "malformed_csv");
    expect(open.errors).toEqual([{ line: 3, reason: expect.stringContaining("IMPORT_MAX_RECORD_BYTES") }]);
    expect((await (await ctx.app.request("/v1/promotions", { headers: bearer(chainKey) })).json()) as unknown).toEqual({ promotions: [] });
  });

  it("the drop folder moves a gzip bomb to failed/ with the 413 problem and leaves stored stock as it was", async () => {
    await seedStoresWithStock(ctx);
    const dir = await mkdtemp(join(tmpdir(), "shelfwatch-drop-"));
    try {
      const path = join(dir, "inventory.csv.gz");
      await writeFile(path, await gzipBomb());
      const stamp = new Date(ctx.clock.now().getTime() - 5 * 60_000);
      await utimes(path, stamp, stamp);
      const outcomes = await runDropFolder(ctx.deps, { dir, now: ctx.clock.now(), settleSeconds: 30 });
      expect(outcomes).toMatchObject([{ file: "inventory.csv.gz", outcome: "failed", problem: { status: 413, code: "payload_too_large" } }]);
      const failed = await readdir(join(dir, "failed"));
      const report = JSON.parse(await readFile(join(dir, "failed", failed.find((f) => f.endsWith(".report.json"))!), "utf8"));
      expect(report.detail).toContain("IMPORT_MAX_GZIP_RATIO");
      expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
