import { gzipSync } from "node:zlib";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { archiveName, runDropFolder } from "../../src/sync/drop-folder.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { batchesOf, countRows, salesOf, stockOf } from "../helpers/ledger-reads.js";

const ctx = useTestContext();
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "shelfwatch-drop-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes an export into the folder as a POS would, stamped a few minutes before the clock. */
async function drop(name: string, content: string | Buffer, minutesAgo = 5): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, content);
  const stamp = new Date(ctx.clock.now().getTime() - minutesAgo * 60_000);
  await utimes(path, stamp, stamp);
}

function run() {
  return runDropFolder(ctx.deps, { dir, now: ctx.clock.now(), settleSeconds: 30 });
}

describe("drop folder", () => {
  it("imports a dropped export like an upload and moves it to processed/ with a report", async () => {
    await seedStoresAndKeys(ctx);
    await drop("S12-inventory.csv", "store,sku,on_hand\nS12,000123,14\nS12,000124,abc\n");
    const outcomes = await run();
    expect(outcomes).toMatchObject([{ file: "S12-inventory.csv", outcome: "processed" }]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    // the file has no time column: the observation time is when the POS wrote the file, not when it was picked up
    expect((await stockOf(ctx, "S12", "000123"))!.observed_at.toISOString()).toBe(new Date(ctx.clock.now().getTime() - 5 * 60_000).toISOString());
    expect(await readdir(dir)).toEqual(expect.arrayContaining(["processed", "failed"]));
    expect((await readdir(dir)).filter((f) => f.endsWith(".csv"))).toEqual([]);
    const processed = await readdir(join(dir, "processed"));
    expect(processed).toHaveLength(2);
    const reportFile = processed.find((f) => f.endsWith(".report.json"))!;
    const report = JSON.parse(await readFile(join(dir, "processed", reportFile), "utf8"));
    expect(report).toMatchObject({ status: "applied", rowsAccepted: 1, rowsRejected: 1, rejected: [{ line: 3, column: "on_hand" }] });
    const [batch] = await batchesOf(ctx);
    expect(batch).toMatchObject({ source: "drop-folder", format: "generic", status: "applied" });
  });

  it("never applies the same file twice, even under another name", async () => {
    await seedStoresAndKeys(ctx);
    const content = "store,sku,on_hand,observed_at\nS12,000123,14,2026-11-20T13:00:00Z\n";
    await drop("first.csv", content);
    await run();
    await drop("again.csv", content);
    const [outcome] = await run();
    expect(outcome).toMatchObject({ file: "again.csv", outcome: "processed", report: { status: "duplicate" } });
    expect(await countRows(ctx, "stock_levels")).toBe(1);
    const statuses = (await batchesOf(ctx)).map((b) => b.status).sort();
    expect(statuses).toEqual(["applied", "duplicate"]);
  });

  it("moves a refused file to failed/ with the problem, leaving stored stock as it was", async () => {
    await seedStoresAndKeys(ctx);
    await drop("good.csv", "store,sku,on_hand\nS12,000123,14\n", 10);
    await drop("broken.csv", "store,sku,quantity\nS12,000123,0\n", 5);
    const outcomes = await run();
    expect(outcomes.map((o) => [o.file, o.outcome])).toEqual([
      ["good.csv", "processed"],
      ["broken.csv", "failed"],
    ]);
    const failed = await readdir(join(dir, "failed"));
    const problem = JSON.parse(await readFile(join(dir, "failed", failed.find((f) => f.endsWith(".report.json"))!), "utf8"));
    expect(problem).toMatchObject({ status: 422, code: "missing_column", errors: [{ line: 1, column: "on_hand" }] });
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
  });

  it("leaves a file that is still being written, and one of another kind, for later", async () => {
    await seedStoresAndKeys(ctx);
    await drop("fresh.csv", "store,sku,on_hand\nS12,000123,14\n", 0);
    await drop("notes.pdf", "%PDF-1.4", 10);
    expect(await run()).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(["failed", "fresh.csv", "notes.pdf", "processed"]);
    ctx.clock.advance(60_000);
    expect(await run()).toMatchObject([{ file: "fresh.csv", outcome: "processed" }]);
  });

  it("reads gzip-compressed and Windows-1252 exports, and Square sales reports", async () => {
    await seedStoresAndKeys(ctx);
    const sales = "Date,Time,Time Zone,Category,Item,Qty,SKU,Net Sales,Transaction ID,Event Type,Location\n" +
      "11/19/2026,10:01:00,Eastern Time (US & Canada),Produce,Tomatoes,3,000123,$6.50,T1,Payment,Mt Auburn\n" +
      "11/19/2026,11:30:00,Eastern Time (US & Canada),Produce,Tomatoes,-1,000123,-$2.16,T2,Refund,Mt Auburn\n";
    await drop("sales.csv.gz", gzipSync(sales), 10);
    await drop("items.csv", Buffer.from("store,sku,on_hand,name\nS12,000125,4,Cr\xe8me br\xfbl\xe9e\n", "latin1"), 5);
    const outcomes = await run();
    expect(outcomes.map((o) => o.outcome)).toEqual(["processed", "processed"]);
    expect(outcomes[1]!.report).toMatchObject({ encoding: "windows-1252" });
    expect(await salesOf(ctx, "S12", "000123")).toEqual([{ sales_date: "2026-11-19", units: 2, source: "reported" }]);
  });

  it("files an export whose name is too long to prefix, and still imports the files beside it (issue 16)", async () => {
    await seedStoresAndKeys(ctx);
    // 251 characters: the longest a POS may write leaves no room for the time prefix and ".report.json"
    const longRefused = `${"r".repeat(247)}.csv`;
    const longApplied = `${"a".repeat(247)}.csv`;
    await drop(longRefused, "store,sku,quantity\nS12,000123,0\n", 10);
    await drop(longApplied, "store,sku,on_hand\nS12,000124,3\n", 8);
    await drop("good.csv", "store,sku,on_hand\nS12,000123,14\n", 5);
    const outcomes = await run();
    expect(outcomes.map((o) => [o.file, o.outcome])).toEqual([
      [longRefused, "failed"],
      [longApplied, "processed"],
      ["good.csv", "processed"],
    ]);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 14 });
    expect(await stockOf(ctx, "S12", "000124")).toMatchObject({ on_hand: 3 });
    expect((await readdir(dir)).sort()).toEqual(["failed", "processed"]);
    const failed = await readdir(join(dir, "failed"));
    expect(failed).toHaveLength(2);
    for (const name of [...failed, ...(await readdir(join(dir, "processed")))]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    const problem = JSON.parse(await readFile(join(dir, "failed", failed.find((f) => f.endsWith(".report.json"))!), "utf8"));
    expect(problem).toMatchObject({ code: "missing_column" });

    // the next scans find nothing left to do: no new refused batch every minute
    ctx.clock.advance(60_000);
    expect(await run()).toEqual([]);
    expect((await batchesOf(ctx)).map((b) => b.status).sort()).toEqual(["applied", "applied", "rejected"]);
  });

  it("keeps long names that differ only at their end apart, multi-byte characters included", async () => {
    await seedStoresAndKeys(ctx);
    const stem = "é".repeat(120);
    await drop(`${stem}-1.csv`, "store,sku,on_hand\nS12,000123,1\n", 10);
    await drop(`${stem}-2.csv`, "store,sku,on_hand\nS12,000124,2\n", 5);
    expect((await run()).map((o) => o.outcome)).toEqual(["processed", "processed"]);
    const processed = await readdir(join(dir, "processed"));
    expect(new Set(processed).size).toBe(4);
    for (const name of processed) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      // a cut never splits a character
      expect(name).not.toContain("\uFFFD");
    }
    expect(processed.filter((f) => f.endsWith(".csv"))).toHaveLength(2);
  });

  it("hides a file it cannot move in place, so that it is not refused again on every scan", async () => {
    await seedStoresAndKeys(ctx);
    await drop("broken.csv", "store,sku,quantity\nS12,000123,0\n", 10);
    await drop("good.csv", "store,sku,on_hand\nS12,000123,14\n", 5);
    // something already sits where the refused file would go, and cannot be replaced
    const blocked = join(dir, "failed", archiveName(ctx.clock.now(), "broken.csv"));
    await mkdir(blocked, { recursive: true });
    await writeFile(join(blocked, "keep"), "");
    expect((await run()).map((o) => [o.file, o.outcome])).toEqual([
      ["broken.csv", "failed"],
      ["good.csv", "processed"],
    ]);
    expect((await readdir(dir)).filter((f) => f.includes("broken.csv"))).toEqual([`.${archiveName(ctx.clock.now(), "broken.csv")}.unfiled`]);
    ctx.clock.advance(60_000);
    expect(await run()).toEqual([]);
    expect((await batchesOf(ctx)).map((b) => b.status).sort()).toEqual(["applied", "rejected"]);
  });
});
