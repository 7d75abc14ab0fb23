import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows, type Database } from "../../src/db/client.js";
import { COPY_NULL, CopyText, copyField, copyRows } from "../../src/db/copy-rows.js";
import { useTestContext } from "../helpers/context.js";

const ctx = useTestContext();

/** Copies rows into a temporary table inside a transaction and reads them back. */
async function copyAndRead(rows: string[]): Promise<Array<{ n: number; label: string | null }>> {
  return ctx.db.db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    await t.execute(sql`create temp table copied (n int, label text) on commit drop`);
    const text = new CopyText();
    for (const row of rows) text.append(row);
    await copyRows(t, "copied", ["n", "label"], text.bytes());
    return queryRows<{ n: number; label: string | null }>(t, sql`select n, label from copied order by n`);
  });
}

describe("copyRows", () => {
  it("copies text-format rows, with escaped text and nulls, through the database's own driver", async () => {
    const labels = ["plain", "back\\slash", "tab\there", "two\nlines", "carriage\rreturn", "\\N", "ünïcödé €"];
    const rows = labels.map((label, i) => `${i}\t${copyField(label)}\n`);
    rows.push(`${labels.length}\t${COPY_NULL}\n`);
    expect(await copyAndRead(rows)).toEqual([...labels.map((label, n) => ({ n, label })), { n: labels.length, label: null }]);
  });

  it("grows its buffer past its first size", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i}\t${"x".repeat(40)}\n`);
    const copied = await copyAndRead(rows);
    expect(copied).toHaveLength(5000);
    expect(copied.at(-1)).toEqual({ n: 4999, label: "x".repeat(40) });
  });

  it("fails, rather than waiting for ever, when the database refuses the data, and leaves the database usable", async () => {
    // the bad row comes last, after the whole payload was sent: the case postgres.js alone never finishes
    const rows = [...Array.from({ length: 20_000 }, (_, i) => `${i}\tfine\n`), "not a number\tbad\n"];
    await expect(copyAndRead(rows)).rejects.toThrow(/refused the data|invalid input syntax/);
    expect(await copyAndRead(["1\tagain\n"])).toEqual([{ n: 1, label: "again" }]);
  }, 20_000);
});
