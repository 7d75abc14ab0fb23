import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consecutiveDates } from "../../src/backtest/calendar-days.js";
import { defaultRealDataDir, runRealBacktestCli } from "../../src/backtest/real-backtest-cli.js";

let dir: string;

function capture(defaultDir: string) {
  const output = { out: "", err: "" };
  return { output, io: { out: (text: string) => void (output.out += text), err: (text: string) => void (output.err += text), defaultDir } };
}

/** `date,store,sku,units,advertised` for two SKUs at one store: a steady weekly pattern, a 5-day promotion every 30 days at ×4 */
function salesCsv(days: number, base: number): string {
  const lines = ["date,store,sku,units,advertised"];
  consecutiveDates("2024-01-01", days).forEach((date, d) => {
    for (const [i, sku] of ["A1", "B2"].entries()) {
      const advertised = d % 30 >= 20 && d % 30 < 25 ? 1 : 0;
      const units = (base + i + ((d * 7) % 5)) * (advertised ? 4 : 1);
      lines.push(`${date},S1,${sku},${units},${advertised}`);
    }
  });
  return `${lines.join("\n")}\n`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "shelfwatch-backtest-real-"));
  // written out of name order; the out-of-stock file is not a sales file
  writeFileSync(join(dir, "zeta_sales.csv"), salesCsv(120, 6));
  writeFileSync(join(dir, "alpha_sales.csv"), salesCsv(100, 3));
  writeFileSync(join(dir, "alpha_oos.csv"), "date,store,sku,oos_hours\n2024-01-01,S1,A1,0\n");
  mkdirSync(join(dir, "empty"));
  writeFileSync(join(dir, "empty", "notes.txt"), "no sales here\n");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run backtest:real", () => {
  it("runs every sales file in name order: a heading, the methods side by side and the calibration table each, then the total time", async () => {
    const { output, io } = capture(dir);
    expect(await runRealBacktestCli(["--workers", "1"], io), output.err).toBe(0);
    // its NAME_oos.csv is read as the retailer's record of empty shelves, not run as a sales file
    const alpha = output.out.indexOf("=== alpha_sales.csv: 2 series, 100 days, stockout hours from alpha_oos.csv ===");
    const zeta = output.out.indexOf("=== zeta_sales.csv: 2 series, 120 days ===");
    expect(alpha).toBe(0);
    expect(zeta).toBeGreaterThan(alpha);
    expect(output.out).not.toContain("=== alpha_oos.csv");
    for (const part of [output.out.slice(alpha, zeta), output.out.slice(zeta)]) {
      expect(part).toMatch(/Shelfwatch\s+Reorder point\s+Days of cover/);
      expect(part).toContain("Advertised items");
      expect(part).toMatch(/^band\s+mornings\s+mean predicted\s+observed$/m);
      expect(part).toMatch(/^\[0\.9, 1\.0\]/m);
    }
    expect(output.out).toMatch(/\nbacktest:real: 2 files in \d+\.\d s\n$/);
  });

  it("passes the backtest's options on to every file, and keys --json by file name", async () => {
    const table = capture(dir);
    expect(await runRealBacktestCli(["--workers", "1", "--threshold", "0.4"], table.io)).toBe(0);
    expect(table.output.out.match(/or before the promotion's end\) ≥ 0\.4 /g)).toHaveLength(2);
    const json = capture(dir);
    expect(await runRealBacktestCli(["--workers", "1", "--json"], json.io)).toBe(0);
    const parsed = JSON.parse(json.output.out) as Record<string, { methods: object; calibration: { shelfwatch: unknown[] } }>;
    expect(Object.keys(parsed)).toEqual(["alpha_sales.csv", "zeta_sales.csv"]);
    for (const report of Object.values(parsed)) {
      expect(Object.keys(report)).toEqual(["methods", "calibration"]);
      expect(report.calibration.shelfwatch).toHaveLength(10);
    }
    expect(json.output.err).toMatch(/^backtest:real: 2 files in \d+\.\d s\n$/);
  });

  it("skips cleanly, saying where it looked, when the folder is absent or holds no sales file", async () => {
    const absent = capture(join(dir, "absent"));
    expect(await runRealBacktestCli([], absent.io)).toBe(0);
    expect(absent.output.out).toBe("");
    expect(absent.output.err).toBe(`backtest:real: ${join(dir, "absent")} does not exist; skipped\n`);
    const empty = capture(join(dir, "absent"));
    expect(await runRealBacktestCli(["--dir", join(dir, "empty")], empty.io)).toBe(0);
    expect(empty.output.out).toBe("");
    expect(empty.output.err).toBe(`backtest:real: no *_sales.csv file in ${join(dir, "empty")}; skipped\n`);
  });

  it("takes the real data folder beside the repository by default, and no per-file inputs", async () => {
    expect(defaultRealDataDir("/work/repo")).toBe(resolve("/work/shared/data/real"));
    const { output, io } = capture(dir);
    expect(await runRealBacktestCli(["--sales", join(dir, "alpha_sales.csv")], io)).toBe(2);
    expect(output.err).toContain("Unknown option '--sales'");
    expect(await runRealBacktestCli(["--horizon-days", "5"], io)).toBe(2);
    expect(output.err).toContain("--horizon-days: must cover at least one order cycle");
  });
});
