import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestContext } from "../helpers/context.js";

const ctx = useTestContext();

describe("operations endpoints", () => {
  it("answers /healthz and, with the database reachable, /readyz", async () => {
    expect(await (await ctx.app.request("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await ctx.app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.headers.get("x-request-id")).toMatch(/[0-9a-f-]{36}/);
  });

  it("answers an unknown route with problem+json", async () => {
    const res = await ctx.app.request("/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 404, code: "not_found", requestId: expect.any(String) });
  });
});

describe("the service process", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "shelfwatch-service-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts on the embedded database with demo data, serves, and drains on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
      env: { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", SEED_DEMO: "true", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: Array<Record<string, unknown>> = [];
    let buffered = "";
    const listening = new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
          buffered = buffered.slice(newline + 1);
          lines.push(line);
          if (line.msg === "listening") resolve(line.port as number);
        }
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    const port = await listening;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const imports = await fetch(`${base}/v1/imports`, { headers: { authorization: "Bearer sw_demo_only_not_for_production" } });
    const body = (await imports.json()) as { imports: Array<{ source: string; rowsAccepted: number }> };
    // the demo feed is a file a day: together, its latest files hold thousands of rows
    expect(body.imports.length).toBeGreaterThan(1);
    expect(body.imports.every((batch) => batch.source === "demo")).toBe(true);
    expect(body.imports.reduce((sum, batch) => sum + batch.rowsAccepted, 0)).toBeGreaterThan(1000);

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["signal received", "stopped"]));
  // the demo seed imports sixteen weeks of a daily feed, a file a day, before it listens
  }, 120_000);
});
