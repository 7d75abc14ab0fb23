import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestContext } from "../helpers/context.js";
import { spawnService } from "../helpers/service-process.js";

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
    const service = spawnService({ DATABASE_URL: "", DATA_DIR: dataDir, SEED_DEMO: "true" });
    const port = await service.listening;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const imports = await fetch(`${base}/v1/imports`, { headers: { authorization: "Bearer sw_demo_only_not_for_production" } });
    const body = (await imports.json()) as { imports: Array<{ source: string; rowsAccepted: number }> };
    // the demo feed is a file a day: together, its latest files hold thousands of rows
    expect(body.imports.length).toBeGreaterThan(1);
    expect(body.imports.every((batch) => batch.source === "demo")).toBe(true);
    expect(body.imports.reduce((sum, batch) => sum + batch.rowsAccepted, 0)).toBeGreaterThan(1000);

    expect(await service.stop()).toBe(0);
    expect(service.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["signal received", "stopped"]));
  // the demo seed imports sixteen weeks of a daily feed, a file a day, before it listens
  }, 120_000);
});
