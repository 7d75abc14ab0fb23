import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openDatabase, type DatabaseHandle } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { TestClock } from "../helpers/context.js";
import { expectProblem } from "../helpers/sync-requests.js";

const opened: DatabaseHandle[] = [];
afterEach(async () => {
  for (const handle of opened.splice(0)) await handle.close().catch(() => {});
});

function appOn(handle: DatabaseHandle) {
  opened.push(handle);
  const config = loadConfig({ LOG_LEVEL: "silent" });
  return createApp({ db: handle.db, config, clock: new TestClock(), log: createLogger(config.LOG_LEVEL) });
}

/** A port on this machine that nothing listens on: a PostgreSQL server that is down. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function expectUnavailable(res: Response): Promise<void> {
  const problem = await expectProblem(res, 503, "unavailable");
  expect(problem.detail).toMatch(/database/);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
}

describe("requests while the database is down", () => {
  it("answer 503 with Retry-After when the PostgreSQL server refuses connections", async () => {
    const app = appOn(openDatabase({ url: `postgres://postgres@127.0.0.1:${await closedPort()}/shelfwatch`, dataDir: "unused", maxConnections: 1 }));
    await expectUnavailable(await app.request("/v1/stock", { headers: { authorization: "Bearer sw_anything_at_all" } }));
    await expectUnavailable(await app.request("/v1/alerts", { headers: { authorization: "Bearer sw_anything_at_all" } }));
    await expectUnavailable(await app.request("/readyz"));
  });

  it("answer 503 with Retry-After when the embedded database has been closed", async () => {
    const handle = openDatabase({ dataDir: "memory://" });
    await handle.close();
    const app = appOn(handle);
    await expectUnavailable(await app.request("/v1/alerts", { headers: { authorization: "Bearer sw_anything_at_all" } }));
  });

  it("still answer 500 for an error that is not the database's availability", async () => {
    const handle = openDatabase({ dataDir: "memory://" });
    // not migrated: the tables are missing, which waiting will not fix
    const app = appOn(handle);
    const res = await app.request("/v1/alerts", { headers: { authorization: "Bearer sw_anything_at_all" } });
    await expectProblem(res, 500, "internal");
    expect(res.headers.get("retry-after")).toBeNull();
  });
});
