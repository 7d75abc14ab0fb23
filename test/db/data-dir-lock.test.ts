import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { runAdminScript } from "../helpers/admin-script.js";
import { createTestDatabase, onPostgres } from "../helpers/database.js";
import { spawnService as spawnServiceProcess, type ServiceProcess } from "../helpers/service-process.js";

// a test that fails half-way still stops the services it started
const started: ServiceProcess[] = [];
const spawnService = (env: Record<string, string>) => {
  const service = spawnServiceProcess(env);
  started.push(service);
  return service;
};
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()));
});

const heldBy = (holder: string, pid: number, dataDir: string) =>
  `${holder} (pid ${pid}) holds the embedded database in ${dataDir}; stop it first, or make the change through the running service: the admin API (/v1/admin) or the dashboard's Admin pages (see Administration in the README)`;

/** Two API keys for every store in a new embedded database, added before any service runs. */
async function prepareKeys(dataDir: string): Promise<{ till: string; old: { id: number; key: string } }> {
  const database = openDatabase({ dataDir });
  try {
    await database.migrate();
    const till = await createApiKey(database.db, { name: "till", storeIds: null });
    const old = await createApiKey(database.db, { name: "old till", storeIds: null });
    return { till: till.key, old };
  } finally {
    await database.close();
  }
}

const recipientsOf = (port: number, store: string, key: string) =>
  fetch(`http://127.0.0.1:${port}/v1/stores/${store}/recipients`, { headers: { authorization: `Bearer ${key}` } });

const migrateScript = (env: Record<string, string>) =>
  new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.once("close", (status) => resolve({ status, output }));
  });

describe("the embedded database is one process's at a time", () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "shelfwatch-lock-"));
    env = { DATABASE_URL: "", DATA_DIR: dataDir };
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses the admin commands, the migrations and a second service while the service runs; once it stops they run and it sees their changes", async () => {
    const keys = await prepareKeys(dataDir);
    const service = spawnService(env);
    const port = await service.listening;
    try {
      const message = heldBy("the Shelfwatch service", service.pid, dataDir);
      const second = spawnService(env);
      const [storeAdd, recipientAdd, keyRevoke, userAdd, migrate, secondExit] = await Promise.all([
        runAdminScript(["store:add", "--code", "S03", "--name", "Store 3", "--tz", "America/New_York"], env),
        runAdminScript(["recipient:add", "S03", "ana@store3.example"], env),
        runAdminScript(["key:revoke", "--id", String(keys.old.id)], env),
        runAdminScript(["user:add", "ana@store3.example", "--name", "Ana", "--role", "staff", "--stores", "all"], { ...env, SHELFWATCH_PASSWORD: "a long pass phrase" }),
        migrateScript(env),
        second.exited,
      ]);
      for (const refused of [storeAdd, recipientAdd, keyRevoke, userAdd]) expect(refused).toEqual({ status: 1, stdout: "", stderr: `error: ${message}\n` });
      expect(migrate.status).toBe(1);
      expect(migrate.output).toContain(message);
      expect(secondExit).toBe(1);
      expect(second.lines.at(-1)).toMatchObject({ level: 60, msg: message });

      // the running service is untouched: no store S03, the old key still works
      expect((await recipientsOf(port, "S03", keys.till)).status).toBe(404);
      expect((await recipientsOf(port, "S03", keys.old.key)).status).toBe(404);
    } finally {
      expect(await service.stop()).toBe(0);
    }
    expect(existsSync(join(dataDir, "pglite.lock"))).toBe(false);

    expect(await runAdminScript(["store:add", "--code", "S03", "--name", "Store 3", "--tz", "America/New_York"], env)).toMatchObject({ status: 0, stderr: "" });
    expect(await runAdminScript(["recipient:add", "S03", "ana@store3.example"], env)).toMatchObject({ status: 0, stderr: "" });
    expect(await runAdminScript(["key:revoke", "--id", String(keys.old.id)], env)).toEqual({ status: 0, stdout: `API key ${keys.old.id} revoked\n`, stderr: "" });

    const again = spawnService(env);
    const againPort = await again.listening;
    try {
      const recipients = await recipientsOf(againPort, "S03", keys.till);
      expect(recipients.status).toBe(200);
      expect(await recipients.json()).toMatchObject({ recipients: [{ email: "ana@store3.example" }] });
      expect((await recipientsOf(againPort, "S03", keys.old.key)).status).toBe(401);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  }, 180_000);

  it("takes over a lock left by a service killed with SIGKILL, for the admin commands and the next start", async () => {
    const killed = spawnService(env);
    await killed.listening;
    process.kill(killed.pid, "SIGKILL");
    await killed.exited;
    expect(JSON.parse(await readFile(join(dataDir, "pglite.lock"), "utf8"))).toMatchObject({ pid: killed.pid });

    expect(await runAdminScript(["store:add", "--code", "S03", "--name", "Store 3", "--tz", "America/New_York"], env)).toMatchObject({ status: 0, stderr: "" });
    const next = spawnService(env);
    await next.listening;
    expect(await next.stop()).toBe(0);
    expect(existsSync(join(dataDir, "pglite.lock"))).toBe(false);
  }, 180_000);

  it("refuses a second open in the same process, and opens again once the first is closed", async () => {
    const first = openDatabase({ dataDir, holder: "the first opener" });
    try {
      expect(() => openDatabase({ dataDir })).toThrow(heldBy("the first opener", process.pid, dataDir));
    } finally {
      await first.close();
    }
    await openDatabase({ dataDir }).close();
  }, 60_000);

  it.runIf(existsSync("/proc/self/stat"))("takes over a lock whose pid now belongs to a process started later (a reused pid)", async () => {
    await writeFile(join(dataDir, "pglite.lock"), JSON.stringify({ pid: process.pid, startTime: "1", hostname: hostname(), holder: "the Shelfwatch service" }));
    await openDatabase({ dataDir }).close();
    expect(existsSync(join(dataDir, "pglite.lock"))).toBe(false);
  }, 60_000);

  it("refuses a lock taken on another host, whose pid it cannot check", async () => {
    await writeFile(join(dataDir, "pglite.lock"), JSON.stringify({ pid: 1, startTime: null, hostname: "elsewhere", holder: "the Shelfwatch service" }));
    expect(() => openDatabase({ dataDir })).toThrow(
      `the Shelfwatch service (pid 1 on host elsewhere) holds the embedded database in ${dataDir}; stop it first, or make the change through the running service: the admin API (/v1/admin) or the dashboard's Admin pages (see Administration in the README). If it no longer runs, remove ${join(dataDir, "pglite.lock")}`,
    );
  });
});

describe.runIf(onPostgres)("on PostgreSQL", () => {
  it("runs the admin commands while the service runs, and the service sees their changes", async () => {
    const database = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), "shelfwatch-lock-"));
    const env = { DATABASE_URL: database.url!, DATA_DIR: dataDir };
    const service = spawnService(env);
    try {
      const port = await service.listening;
      const { key } = await createApiKey(database.db, { name: "till", storeIds: null });
      expect(await runAdminScript(["store:add", "--code", "S03", "--name", "Store 3", "--tz", "America/New_York"], env)).toMatchObject({ status: 0, stderr: "" });
      expect(await runAdminScript(["recipient:add", "S03", "ana@store3.example"], env)).toMatchObject({ status: 0, stderr: "" });
      expect(await (await recipientsOf(port, "S03", key)).json()).toMatchObject({ recipients: [{ email: "ana@store3.example" }] });
    } finally {
      expect(await service.stop()).toBe(0);
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
