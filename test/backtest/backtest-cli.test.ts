import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktestCli } from "../../src/backtest/backtest-cli.js";
import { runGenerateCli } from "../../src/backtest/generate-cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let dir: string;

function capture() {
  const output = { out: "", err: "" };
  return { output, io: { out: (text: string) => void (output.out += text), err: (text: string) => void (output.err += text) } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shelfwatch-backtest-"));
  const { output, io } = capture();
  const status = await runGenerateCli(["--out", dir, "--stores", "2", "--items", "6", "--days", "200", "--seed", "3", "--truth"], io);
  expect(status, output.err).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const M_KEYS = ["recall", "precision", "f1", "medianLeadDays", "alertsPerStoreDay", "mase", "advertised"];

describe("npm run generate", () => {
  it("writes the three files", () => {
    expect(readFileSync(join(dir, "sales.csv"), "utf8").split("\n")).toHaveLength(1 + 2 * 6 * 200 + 1);
    expect(readFileSync(join(dir, "promotions.csv"), "utf8")).toMatch(/^promotion_id,name,sku,store,start_date,end_date,uplift\n/);
    expect(readFileSync(join(dir, "items.csv"), "utf8").trimEnd().split("\n")).toHaveLength(7);
  });

  it("writes truth.csv with --truth: a mean and size for every row of sales.csv", () => {
    const truth = readFileSync(join(dir, "truth.csv"), "utf8").split("\n");
    expect(truth[0]).toBe("date,store,sku,mean,size");
    expect(truth).toHaveLength(1 + 2 * 6 * 200 + 1);
    expect(truth[1]).toMatch(/^2025-01-01,S01,100001,\d+(\.\d+)?(e-\d+)?,\d+(\.\d+)?$/);
  });

  it("explains bad arguments", async () => {
    const { output, io } = capture();
    expect(await runGenerateCli(["--stores", "0", "--start", "2025-13-01"], io)).toBe(2);
    expect(output.err).toContain("--stores: must be at least 1");
    expect(output.err).toContain("--start: must be a date YYYY-MM-DD");
    expect(await runGenerateCli(["--colour", "red"], io)).toBe(2);
    expect(output.err).toContain("Unknown option '--colour'");
  });
});

describe("npm run backtest", () => {
  const files = () => ["--sales", join(dir, "sales.csv"), "--promotions", join(dir, "promotions.csv"), "--items", join(dir, "items.csv")];

  it("prints exactly the methods and calibration objects with --json", async () => {
    const { output, io } = capture();
    expect(await runBacktestCli([...files(), "--json", "--workers", "1"], io)).toBe(0);
    const parsed = JSON.parse(output.out) as { methods: Record<string, Record<string, unknown>>; calibration: Record<string, Array<Record<string, number>>> };
    expect(Object.keys(parsed)).toEqual(["methods", "calibration"]);
    expect(Object.keys(parsed.calibration)).toEqual(["shelfwatch"]);
    expect(parsed.calibration.shelfwatch!.map((band) => band.low)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(Object.keys(parsed.calibration.shelfwatch![0]!)).toEqual(["low", "high", "mornings", "meanPredicted", "observed"]);
    expect(Object.keys(parsed.methods)).toEqual(["shelfwatch", "reorderPoint", "daysOfCover"]);
    for (const metrics of Object.values(parsed.methods)) {
      expect(Object.keys(metrics)).toEqual(M_KEYS);
      for (const key of ["recall", "precision", "f1"]) {
        expect(metrics[key]).toBeGreaterThanOrEqual(0);
        expect(metrics[key]).toBeLessThanOrEqual(1);
      }
      expect(metrics.alertsPerStoreDay).toBeGreaterThanOrEqual(0);
      expect(metrics.mase).toBeGreaterThan(0);
      expect(Object.keys(metrics.advertised as object)).toEqual(["recall", "precision", "f1"]);
    }
  });

  it("prints the same numbers from the script on worker threads", async () => {
    const { output, io } = capture();
    await runBacktestCli([...files(), "--json", "--workers", "1"], io);
    const child = spawnSync(join(root, "node_modules/.bin/tsx"), ["scripts/backtest.ts", ...files(), "--json", "--workers", "2"], { cwd: root, encoding: "utf8" });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe(output.out);
  });

  it("prints a table of the three methods side by side", async () => {
    const { output, io } = capture();
    expect(await runBacktestCli([...files(), "--workers", "1"], io)).toBe(0);
    expect(output.out).toMatch(/Shelfwatch\s+Reorder point\s+Days of cover/);
    expect(output.out).toMatch(/of item-days short/);
    for (const row of ["recall", "precision", "F1", "median warning lead time", "alerts per store per day", "MASE", "Advertised items"]) expect(output.out).toContain(row);
    expect(output.out).toMatch(/^band\s+mornings\s+mean predicted\s+observed$/m);
    expect(output.out).toMatch(/^\[0\.0, 0\.1\)\s+\d+\s+[\d.]+%\s+[\d.]+%/m);
    expect(output.out).toMatch(/^\[0\.9, 1\.0\]\s+\d+/m);
  });

  it("adds the oracle with --truth: a fourth column and calibration columns, and \"oracle\" keys after the others in --json", async () => {
    const table = capture();
    expect(await runBacktestCli([...files(), "--truth", join(dir, "truth.csv"), "--workers", "1"], table.io)).toBe(0);
    expect(table.output.out).toMatch(/Shelfwatch\s+Reorder point\s+Days of cover\s+Oracle/);
    expect(table.output.out).not.toContain("Threshold sweep");
    expect(table.output.out).toMatch(/^\s+Shelfwatch\s+Oracle$/m);
    const json = capture();
    expect(await runBacktestCli([...files(), "--truth", join(dir, "truth.csv"), "--json", "--workers", "1"], json.io)).toBe(0);
    const parsed = JSON.parse(json.output.out) as { methods: Record<string, Record<string, unknown>>; calibration: Record<string, unknown> };
    expect(Object.keys(parsed)).toEqual(["methods", "calibration"]);
    expect(Object.keys(parsed.methods)).toEqual(["shelfwatch", "reorderPoint", "daysOfCover", "oracle"]);
    expect(Object.keys(parsed.calibration)).toEqual(["shelfwatch", "oracle"]);
    expect(Object.keys(parsed.methods.oracle!)).toEqual(M_KEYS);
  });

  it("sweeps thresholds on worker threads as in this thread, the oracle's too", async () => {
    const args = [...files(), "--truth", join(dir, "truth.csv"), "--threshold-sweep", "--json"];
    const { output, io } = capture();
    await runBacktestCli([...args, "--workers", "1"], io);
    const parsed = JSON.parse(output.out) as {
      methods: { oracle: Record<string, unknown> };
      thresholdSweep: Array<{ threshold: number; shelfwatch: object; oracle: object }>;
    };
    expect(parsed.thresholdSweep.map((row) => row.threshold)).toEqual([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
    // at the run's threshold the sweep is the run (its MASE belongs to the forecast, not to a threshold)
    const { mase: _mase, ...oracleAtThreshold } = parsed.methods.oracle;
    expect(parsed.thresholdSweep.find((row) => row.threshold === 0.5)!.oracle).toEqual(oracleAtThreshold);
    const child = spawnSync(join(root, "node_modules/.bin/tsx"), ["scripts/backtest.ts", ...args, "--workers", "2"], { cwd: root, encoding: "utf8" });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe(output.out);
  });

  it("prints the sweep and the best threshold of each method", async () => {
    const { output, io } = capture();
    expect(await runBacktestCli([...files(), "--truth", join(dir, "truth.csv"), "--threshold-sweep", "--workers", "1"], io)).toBe(0);
    expect(output.out).toContain("Threshold sweep");
    expect(output.out).toMatch(/^0\.50 \*/m);
    expect(output.out).toMatch(/Best advertised F1, Shelfwatch: [\d.]+% at 0\.\d\d/);
    expect(output.out).toMatch(/Best advertised F1, Oracle: [\d.]+% at 0\.\d\d/);
  });

  it("explains a bad command line and unreadable files", async () => {
    const { output, io } = capture();
    expect(await runBacktestCli(["--json"], io)).toBe(2);
    expect(output.err).toContain("--sales is required");
    expect(await runBacktestCli([...files(), "--threshold", "1.5", "--review-days", "x"], io)).toBe(2);
    expect(output.err).toContain("--threshold: must be at most 1");
    expect(output.err).toContain("--review-days: must be a whole number");
    expect(await runBacktestCli(["--sales", join(dir, "missing.csv")], io)).toBe(1);
    expect(output.err).toMatch(/cannot read the sales file .*missing.csv: ENOENT/);
    expect(await runBacktestCli([...files(), "--truth", join(dir, "sales.csv")], io)).toBe(1);
    expect(output.err).toMatch(/sales.csv: line 1: missing column mean, size/);
    const help = capture();
    expect(await runBacktestCli(["--help"], help.io)).toBe(0);
    expect(help.output.out).toContain("--service-level P");
  });
});
