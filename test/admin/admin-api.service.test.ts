import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { runAdminScript } from "../helpers/admin-script.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";

const started: ServiceProcess[] = [];
let dataDir: string | undefined;
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>): ServiceProcess {
  const service = spawnService(env);
  started.push(service);
  return service;
}

/** The first admin key, made with the embedded database before the service runs (as `key:create --admin` does). */
async function firstAdminKey(directory: string): Promise<string> {
  const database = openDatabase({ dataDir: directory });
  try {
    await database.migrate();
    return (await createApiKey(database.db, { name: "head office", storeIds: null, admin: true })).key;
  } finally {
    await database.close();
  }
}

function call(port: number, key: string, method: string, path: string, body?: unknown) {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Signs in to the running service's dashboard as a person does: the sign-in page's token and cookie, then the form. */
async function signIn(port: number, email: string, password: string): Promise<number> {
  const page = await fetch(`http://127.0.0.1:${port}/dashboard/login`);
  const cookie = page.headers.getSetCookie().map((header) => header.split(";")[0]).join("; ");
  const csrf = /name="csrf" value="([^"]*)"/.exec(await page.text())![1]!;
  const res = await fetch(`http://127.0.0.1:${port}/dashboard/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf, email, password }).toString(),
  });
  return res.status;
}

describe("administration while the service runs on the embedded database", () => {
  it("each admin API change is visible to the running service at once, the admin command is refused pointing to the API, and all of it outlives a restart", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "shelfwatch-admin-api-"));
    const env = { DATABASE_URL: "", DATA_DIR: dataDir };
    const admin = await firstAdminKey(dataDir);
    const service = start(env);
    const port = await service.listening;

    // the command line cannot write the database the service holds: it says where to go instead, and changes nothing
    const refused = await runAdminScript(["store:add", "--code", "S04", "--name", "Store 4", "--tz", "UTC"], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`the Shelfwatch service (pid ${service.pid}) holds the embedded database in ${dataDir}`);
    expect(refused.stderr).toContain("the admin API (/v1/admin) or the dashboard's Admin pages (see Administration in the README)");
    expect((await call(port, admin, "GET", "/v1/admin/stores/S04")).status).toBe(404);

    // a store, then its alias, recipients and thresholds: each known to the next request
    expect((await call(port, admin, "GET", "/v1/stores/S03/recipients")).status).toBe(404);
    expect((await call(port, admin, "POST", "/v1/admin/stores", { code: "S03", name: "Store 3", timeZone: "America/Chicago" })).status).toBe(201);
    expect((await call(port, admin, "GET", "/v1/stores/S03/recipients")).status).toBe(200);
    expect((await call(port, admin, "POST", "/v1/admin/stores/S03/aliases", { aliases: ["Pleasant St"] })).status).toBe(200);
    expect((await call(port, admin, "GET", "/v1/stores/Pleasant_St/recipients")).status).toBe(200);
    expect((await call(port, admin, "POST", "/v1/admin/stores/S03/recipients", { email: "ana@store3.example" })).status).toBe(201);
    expect(await (await call(port, admin, "GET", "/v1/stores/S03/recipients")).json()).toMatchObject({ recipients: [{ email: "ana@store3.example" }] });
    expect((await call(port, admin, "PUT", "/v1/admin/stores/S03/thresholds", { alertProbability: 0.6, resolveProbability: 0.35 })).status).toBe(200);

    // a key works on its next request, and is refused on the one after its revocation
    const till = (await (await call(port, admin, "POST", "/v1/admin/keys", { name: "S03 till", stores: ["S03"] })).json()) as { id: number; key: string };
    expect((await call(port, till.key, "GET", "/v1/stores/S03/recipients")).status).toBe(200);
    expect((await call(port, admin, "DELETE", `/v1/admin/keys/${till.id}`)).status).toBe(204);
    expect((await call(port, till.key, "GET", "/v1/stores/S03/recipients")).status).toBe(401);

    // a dashboard user signs in at once
    const user = { email: "bo@store3.example", name: "Bo", role: "staff", stores: ["S03"], password: "correct horse battery staple" };
    expect((await call(port, admin, "POST", "/v1/admin/users", user)).status).toBe(201);
    expect(await signIn(port, user.email, user.password)).toBe(303);

    expect(await service.stop()).toBe(0);
    const again = start(env);
    const againPort = await again.listening;
    const store = await (await call(againPort, admin, "GET", "/v1/admin/stores/Pleasant%20St")).json();
    expect(store).toMatchObject({ code: "S03", aliases: ["pleasant st"], alertProbability: expect.closeTo(0.6, 6), resolveProbability: expect.closeTo(0.35, 6) });
    expect(await (await call(againPort, admin, "GET", "/v1/stores/S03/recipients")).json()).toMatchObject({ recipients: [{ email: "ana@store3.example" }] });
    expect((await call(againPort, till.key, "GET", "/v1/stores/S03/recipients")).status).toBe(401);
    expect(await signIn(againPort, user.email, user.password)).toBe(303);
    expect(await again.stop()).toBe(0);
  }, 180_000);
});
