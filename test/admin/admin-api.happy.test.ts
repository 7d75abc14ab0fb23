import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiKeys, stores } from "../../src/db/schema/index.js";
import { adminRequest, seedAdminKeys } from "../helpers/admin-api.js";
import { useTestContext } from "../helpers/context.js";
import { DashboardBrowser, pageHtml } from "../helpers/dashboard.js";
import { expectJson } from "../helpers/sync-requests.js";

const ctx = useTestContext();
const isoTime = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

describe("the admin API: stores", () => {
  it("creates a store with aliases that the rest of the service knows from the next request", async () => {
    const { chainAdmin, chainKey } = await seedAdminKeys(ctx);
    // the store is unknown before
    expect((await adminRequest(ctx, "GET", "/v1/stores/Pleasant%20St/recipients", chainKey)).status).toBe(404);

    const created = await expectJson(
      await adminRequest(ctx, "POST", "/v1/admin/stores", chainAdmin, { code: "S03", name: "Store 3 Pleasant St", timeZone: "America/Chicago", aliases: ["Pleasant_St", "S-03"] }),
      201,
    );
    expect(created).toEqual({
      id: expect.any(Number),
      code: "S03",
      name: "Store 3 Pleasant St",
      timeZone: "America/Chicago",
      aliases: ["pleasant st", "s-03"],
      alertProbability: 0.5,
      resolveProbability: 0.3,
      feedIntervalMinutes: 1440,
      feedLastSeenAt: null,
      addressLine1: null,
      addressLine2: null,
      city: null,
      region: null,
      postalCode: null,
      country: null,
      createdAt: isoTime,
    });
    expect((await adminRequest(ctx, "GET", "/v1/stores/Pleasant%20St/recipients", chainKey)).status).toBe(200);
    const listed = await expectJson<{ stores: Array<{ code: string }> }>(await adminRequest(ctx, "GET", "/v1/admin/stores", chainAdmin), 200);
    expect(listed.stores.map((s) => s.code)).toEqual(["S03", "S12", "S7"]);
    expect(await expectJson(await adminRequest(ctx, "GET", "/v1/admin/stores/s-03", chainAdmin), 200)).toEqual(created);
  });

  it("renames a store, moves its time zone, adds and removes aliases and sets its alert thresholds", async () => {
    const { chainAdmin, chainKey, s12 } = await seedAdminKeys(ctx);
    const renamed = await expectJson(await adminRequest(ctx, "PATCH", "/v1/admin/stores/S12", chainAdmin, { name: "Store 12 Harvard Sq", timeZone: "America/Los_Angeles" }), 200);
    expect(renamed).toMatchObject({ code: "S12", name: "Store 12 Harvard Sq", timeZone: "America/Los_Angeles" });

    const aliased = await expectJson(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/aliases", chainAdmin, { aliases: ["Harvard Square", "HSQ"] }), 200);
    expect(aliased).toMatchObject({ aliases: ["harvard square", "hsq", "mt auburn"] });
    expect((await adminRequest(ctx, "GET", "/v1/stores/HSQ/recipients", chainKey)).status).toBe(200);

    // the alias is gone from the next request on
    const removed = await expectJson(await adminRequest(ctx, "DELETE", "/v1/admin/stores/S12/aliases/Mt_Auburn", chainAdmin), 200);
    expect(removed).toMatchObject({ aliases: ["harvard square", "hsq"] });
    expect((await adminRequest(ctx, "GET", "/v1/stores/Mt%20Auburn/recipients", chainKey)).status).toBe(404);

    const thresholds = await expectJson(await adminRequest(ctx, "PUT", "/v1/admin/stores/S12/thresholds", chainAdmin, { alertProbability: 0.7, resolveProbability: 0.4 }), 200);
    expect(thresholds).toMatchObject({ alertProbability: expect.closeTo(0.7, 6), resolveProbability: expect.closeTo(0.4, 6) });
    const [row] = await ctx.db.db.select().from(stores).where(eq(stores.id, s12.id));
    expect(row).toMatchObject({ name: "Store 12 Harvard Sq", timeZone: "America/Los_Angeles", alertProbability: expect.closeTo(0.7, 6), resolveProbability: expect.closeTo(0.4, 6) });
  });
});

describe("the admin API: API keys", () => {
  it("creates a key whose secret is shown once and works at once, lists keys without secrets, and revokes one: its next request is refused", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    const created = await expectJson<{ id: number; key: string; prefix: string }>(
      await adminRequest(ctx, "POST", "/v1/admin/keys", chainAdmin, { name: "S7 till", stores: ["Harbour"] }),
      201,
    );
    expect(created).toEqual({ id: expect.any(Number), name: "S7 till", prefix: created.key.slice(0, 10), stores: ["S7"], admin: false, createdAt: isoTime, lastUsedAt: null, key: expect.stringMatching(/^sw_[A-Za-z0-9_-]{43}$/) });
    expect((await adminRequest(ctx, "GET", "/v1/stores/S7/recipients", created.key)).status).toBe(200);
    expect((await adminRequest(ctx, "GET", "/v1/stores/S12/recipients", created.key)).status).toBe(403);

    const listing = await adminRequest(ctx, "GET", "/v1/admin/keys", chainAdmin);
    const text = await listing.text();
    expect(listing.status).toBe(200);
    expect(text).not.toContain(created.key);
    const [stored] = await ctx.db.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(text).not.toContain(stored!.keyHash);
    const { keys } = JSON.parse(text) as { keys: Array<{ name: string; stores: unknown; admin: boolean; lastUsedAt: string | null }> };
    expect(keys.map((k) => [k.name, k.stores, k.admin])).toEqual([
      ["chain", "all", false],
      ["s12 till", ["S12"], false],
      ["head office", "all", true],
      ["S12 manager", ["S12"], true],
      ["S7 till", ["S7"], false],
    ]);
    expect(keys.at(-1)!.lastUsedAt).toEqual(isoTime);

    expect((await adminRequest(ctx, "DELETE", `/v1/admin/keys/${created.id}`, chainAdmin)).status).toBe(204);
    expect((await adminRequest(ctx, "GET", "/v1/stores/S7/recipients", created.key)).status).toBe(401);
    const after = await expectJson<{ keys: Array<{ id: number }> }>(await adminRequest(ctx, "GET", "/v1/admin/keys", chainAdmin), 200);
    expect(after.keys.map((k) => k.id)).not.toContain(created.id);
  });

  it("creates an admin key that can administer at once", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    const { key } = await expectJson<{ key: string }>(await adminRequest(ctx, "POST", "/v1/admin/keys", chainAdmin, { name: "second office", stores: "all", admin: true }), 201);
    expect((await adminRequest(ctx, "GET", "/v1/admin/stores", key)).status).toBe(200);
  });
});

describe("the admin API: recipients", () => {
  it("adds, lists, changes and removes a store's alert recipients", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    const ana = await expectJson<{ id: number }>(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/recipients", chainAdmin, { email: "Ana@Store12.example", name: "Ana Ruiz" }), 201);
    expect(ana).toMatchObject({ email: "ana@store12.example", name: "Ana Ruiz", role: "manager", digestTime: "07:00" });
    const changed = await expectJson(await adminRequest(ctx, "PATCH", `/v1/admin/stores/S12/recipients/${ana.id}`, chainAdmin, { digestTime: "06:30", urgentEmails: false }), 200);
    expect(changed).toMatchObject({ id: ana.id, digestTime: "06:30", urgentEmails: false });
    const listed = await expectJson<{ recipients: unknown[] }>(await adminRequest(ctx, "GET", "/v1/admin/stores/Mt%20Auburn/recipients", chainAdmin), 200);
    expect(listed.recipients).toEqual([changed]);
    expect((await adminRequest(ctx, "DELETE", `/v1/admin/stores/S12/recipients/${ana.id}`, chainAdmin)).status).toBe(204);
    expect(await expectJson(await adminRequest(ctx, "GET", "/v1/admin/stores/S12/recipients", chainAdmin), 200)).toEqual({ recipients: [] });
  });
});

describe("the admin API: dashboard users", () => {
  it("creates a user who can sign in, changes the stores they see (at once, in their open session) and removes them (signed out)", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    const created = await expectJson<{ id: number }>(
      await adminRequest(ctx, "POST", "/v1/admin/users", chainAdmin, { email: "Bo@Store7.example", name: "Bo Chen", role: "staff", stores: ["S7"], password: "correct horse battery staple" }),
      201,
    );
    expect(created).toEqual({ id: expect.any(Number), email: "bo@store7.example", name: "Bo Chen", role: "staff", admin: false, stores: ["S7"], lockedUntil: null, lastSignInAt: null, createdAt: isoTime });

    const browser = new DashboardBrowser(ctx);
    expect((await browser.signIn("bo@store7.example")).status).toBe(303);
    const before = await pageHtml(browser, "/dashboard/imports");
    expect(before).toContain("Store 7 Harbour");
    expect(before).not.toContain("Store 12 Mt Auburn");

    const moved = await expectJson(await adminRequest(ctx, "PATCH", `/v1/admin/users/${created.id}`, chainAdmin, { stores: ["S12"], role: "manager", admin: true }), 200);
    expect(moved).toMatchObject({ stores: ["S12"], role: "manager", admin: true });
    const after = await pageHtml(browser, "/dashboard/imports");
    expect(after).toContain("Store 12 Mt Auburn");
    expect(after).not.toContain("Store 7 Harbour");

    const listed = await expectJson<{ users: Array<{ email: string }> }>(await adminRequest(ctx, "GET", "/v1/admin/users", chainAdmin), 200);
    expect(listed.users.map((u) => u.email)).toEqual(["bo@store7.example"]);
    expect(JSON.stringify(listed)).not.toContain("scrypt");

    expect((await adminRequest(ctx, "DELETE", `/v1/admin/users/${created.id}`, chainAdmin)).status).toBe(204);
    const signedOut = await browser.get("/dashboard/imports");
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toMatch(/^\/dashboard\/login/);
  });

  it("sets a new password: the old one stops working and the user's sessions end", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    const { id } = await expectJson<{ id: number }>(
      await adminRequest(ctx, "POST", "/v1/admin/users", chainAdmin, { email: "cy@example.com", name: "Cy", role: "manager", stores: "all", password: "correct horse battery staple" }),
      201,
    );
    const browser = new DashboardBrowser(ctx);
    expect((await browser.signIn("cy@example.com")).status).toBe(303);
    expect((await adminRequest(ctx, "PATCH", `/v1/admin/users/${id}`, chainAdmin, { password: "a brand new pass phrase" })).status).toBe(200);
    expect((await browser.get("/dashboard")).status).toBe(303);
    expect((await new DashboardBrowser(ctx).signIn("cy@example.com")).status).toBe(401);
    expect((await new DashboardBrowser(ctx).signIn("cy@example.com", "a brand new pass phrase")).status).toBe(303);
  });
});
