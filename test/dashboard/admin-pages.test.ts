import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiKeys, recipients, stores, storeAliases, users } from "../../src/db/schema/index.js";
import { addRecipient } from "../../src/notify/recipients.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { addUser, csrfFieldOf, DashboardBrowser, pageHtml } from "../helpers/dashboard.js";

const ctx = useTestContext();

/** A browser signed in as an admin of every store (storeIds null) or of some stores. */
async function adminBrowser(email: string, storeIds: number[] | null, admin = true) {
  await addUser(ctx, { email, storeIds, admin });
  const browser = new DashboardBrowser(ctx);
  expect((await browser.signIn(email)).status).toBe(303);
  return browser;
}

/** Posts a form of a page with the page's CSRF token. */
async function submit(browser: DashboardBrowser, page: string, action: string, fields: Record<string, string | string[]>) {
  const csrf = csrfFieldOf(await pageHtml(browser, page));
  const body = new URLSearchParams({ csrf });
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
  return browser.request(action, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
}

describe("the administration pages", () => {
  it("are in the navigation of admins only; others get 403", async () => {
    await seedStoresAndKeys(ctx);
    const admin = await adminBrowser("admin@example.com", null);
    expect(await pageHtml(admin, "/dashboard")).toContain('href="/dashboard/admin"');
    const manager = await adminBrowser("manager@example.com", null, false);
    expect(await pageHtml(manager, "/dashboard")).not.toContain('href="/dashboard/admin"');
    for (const path of ["/dashboard/admin", "/dashboard/admin/keys", "/dashboard/admin/users", "/dashboard/admin/stores/S12"]) {
      expect(await pageHtml(manager, path, 403)).toContain("Administration is for admins");
    }
    const refused = await submit(manager, "/dashboard", "/dashboard/admin/stores", { code: "S03", name: "Store 3", timeZone: "UTC" });
    expect(refused.status).toBe(403);
    expect(await ctx.db.db.select().from(stores).where(eq(stores.code, "S03"))).toEqual([]);
  });

  it("adds a store, renames it, sets its thresholds, aliases and recipients; a form without the CSRF token changes nothing", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const admin = await adminBrowser("admin@example.com", null);
    const forged = await admin.post("/dashboard/admin/stores", { code: "S03", name: "Store 3", timeZone: "UTC" });
    expect(forged.status).toBe(403);
    expect(await ctx.db.db.select().from(stores).where(eq(stores.code, "S03"))).toEqual([]);

    const created = await submit(admin, "/dashboard/admin", "/dashboard/admin/stores", { code: "S03", name: "Store 3 Pleasant St", timeZone: "America/Chicago", aliases: "Pleasant St, P-03" });
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toBe("/dashboard/admin/stores/S03?saved=store");
    // known to the API at once
    expect((await ctx.app.request("/v1/stores/P-03/recipients", { headers: bearer(chainKey) })).status).toBe(200);

    const page = "/dashboard/admin/stores/S03";
    expect((await submit(admin, page, page, { name: "Store 3 Main St", timeZone: "America/Denver", feedIntervalMinutes: "60" })).status).toBe(303);
    expect((await submit(admin, page, `${page}/thresholds`, { alertPercent: "70", resolvePercent: "40" })).status).toBe(303);
    expect((await submit(admin, page, `${page}/aliases`, { aliases: "Main St" })).status).toBe(303);
    expect((await submit(admin, page, `${page}/aliases/remove`, { alias: "p-03" })).status).toBe(303);
    expect((await submit(admin, page, `${page}/recipients`, { email: "Ana@Store3.example", name: "Ana", role: "staff" })).status).toBe(303);
    const [row] = await ctx.db.db.select().from(stores).where(eq(stores.code, "S03"));
    expect(row).toMatchObject({ name: "Store 3 Main St", timeZone: "America/Denver", feedIntervalMinutes: 60, alertProbability: expect.closeTo(0.7, 6), resolveProbability: expect.closeTo(0.4, 6) });
    expect((await ctx.db.db.select().from(storeAliases).where(eq(storeAliases.storeId, row!.id))).map((a) => a.alias).sort()).toEqual(["main st", "pleasant st"]);

    const html = await pageHtml(admin, `${page}?saved=recipients`);
    expect(html).toContain("The recipients are saved.");
    expect(html).toContain("ana@store3.example");
    const [recipient] = await ctx.db.db.select().from(recipients).where(eq(recipients.storeId, row!.id));
    expect((await submit(admin, page, `${page}/recipients/${recipient!.id}/remove`, {})).status).toBe(303);
    expect(await ctx.db.db.select().from(recipients).where(eq(recipients.storeId, row!.id))).toEqual([]);
  });

  it("shows a refused form's reasons, naming the field, and changes nothing", async () => {
    await seedStoresAndKeys(ctx);
    const admin = await adminBrowser("admin@example.com", null);
    const page = "/dashboard/admin/stores/S12";
    const flapping = await submit(admin, page, `${page}/thresholds`, { alertPercent: "30", resolvePercent: "60" });
    expect(flapping.status).toBe(422);
    const html = await flapping.text();
    expect(html).toContain("resolveProbability: must be below alertProbability");
    expect(html).toContain('role="alert"');
    const taken = await submit(admin, page, `${page}/aliases`, { aliases: "Harbour" });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain("&quot;Harbour&quot; already names store S7");
    const [row] = await ctx.db.db.select().from(stores).where(eq(stores.code, "S12"));
    expect(row).toMatchObject({ alertProbability: 0.5, resolveProbability: 0.3 });
  });

  it("creates an API key and shows its secret once; revokes it and its next request is refused", async () => {
    await seedStoresAndKeys(ctx);
    const admin = await adminBrowser("admin@example.com", null);
    const created = await submit(admin, "/dashboard/admin/keys", "/dashboard/admin/keys", { name: "S7 till", stores: "S7" });
    expect(created.status).toBe(201);
    const html = await created.text();
    const key = /<code class="sku">(sw_[A-Za-z0-9_-]{43})<\/code>/.exec(html)?.[1];
    expect(key).toBeDefined();
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect((await ctx.app.request("/v1/stores/S7/recipients", { headers: bearer(key!) })).status).toBe(200);
    // the listing shows its start, never the whole key
    const listing = await pageHtml(admin, "/dashboard/admin/keys");
    expect(listing).toContain(`${key!.slice(0, 10)}…`);
    expect(listing).not.toContain(key!);

    const [row] = await ctx.db.db.select().from(apiKeys).where(eq(apiKeys.name, "S7 till"));
    const revoked = await submit(admin, "/dashboard/admin/keys", `/dashboard/admin/keys/${row!.id}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect((await ctx.app.request("/v1/stores/S7/recipients", { headers: bearer(key!) })).status).toBe(401);
  });

  it("adds a user who sees the stores ticked, changes them and removes the user", async () => {
    await seedStoresAndKeys(ctx);
    const admin = await adminBrowser("admin@example.com", null);
    const added = await submit(admin, "/dashboard/admin/users", "/dashboard/admin/users", { email: "bo@example.com", name: "Bo", role: "staff", password: "correct horse battery staple", stores: ["S7"] });
    expect(added.status).toBe(303);
    const bo = new DashboardBrowser(ctx);
    expect((await bo.signIn("bo@example.com")).status).toBe(303);
    expect(await pageHtml(bo, "/dashboard/imports")).not.toContain("Store 12 Mt Auburn");

    const users = await pageHtml(admin, "/dashboard/admin/users");
    const id = /href="\/dashboard\/admin\/users\/(\d+)">bo@example.com/.exec(users)?.[1];
    expect(id).toBeDefined();
    const userPage = `/dashboard/admin/users/${id}`;
    expect((await submit(admin, userPage, userPage, { name: "Bo Chen", role: "manager", stores: ["S7", "S12"], admin: "on" })).status).toBe(303);
    expect(await pageHtml(bo, "/dashboard/imports")).toContain("Store 12 Mt Auburn");
    expect(await pageHtml(bo, "/dashboard")).toContain('href="/dashboard/admin"');
    expect((await submit(admin, userPage, `${userPage}/remove`, {})).status).toBe(303);
    expect((await bo.get("/dashboard")).status).toBe(303);
  });
});

describe("an admin limited to S12 on the administration pages", () => {
  it("sees only S12 and is refused (403) for S7, which stays as it was", async () => {
    const { s12, s7 } = await seedStoresAndKeys(ctx);
    await addRecipient(ctx.db.db, s7.id, { email: "harbour@example.com" });
    await addUser(ctx, { email: "head@example.com", storeIds: null });
    const admin = await adminBrowser("s12admin@example.com", [s12.id]);

    const list = await pageHtml(admin, "/dashboard/admin");
    expect(list).toContain('href="/dashboard/admin/stores/S12"');
    expect(list).not.toContain("S7");
    expect(list).not.toContain("Add a store");
    expect(await pageHtml(admin, "/dashboard/admin/stores/S7", 403)).toContain("administers only those stores");

    const page = "/dashboard/admin";
    for (const [action, fields] of [
      ["/dashboard/admin/stores/S7", { name: "Mine", timeZone: "UTC", feedIntervalMinutes: "60" }],
      ["/dashboard/admin/stores/S7/thresholds", { alertPercent: "90", resolvePercent: "10" }],
      ["/dashboard/admin/stores/Harbour/aliases", { aliases: "taken" }],
      ["/dashboard/admin/stores/S7/recipients", { email: "spy@example.com" }],
      ["/dashboard/admin/stores", { code: "S03", name: "Store 3", timeZone: "UTC" }],
      ["/dashboard/admin/keys", { name: "everywhere", allStores: "on" }],
      ["/dashboard/admin/keys", { name: "harbour till", stores: "S7" }],
      ["/dashboard/admin/users", { email: "x@example.com", name: "X", role: "staff", password: "correct horse battery staple", stores: "S7" }],
    ] as const) {
      const res = await submit(admin, page, action, fields);
      expect(res.status, action).toBe(403);
    }
    const [row] = await ctx.db.db.select().from(stores).where(eq(stores.id, s7.id));
    expect(row).toMatchObject({ name: "Store 7 Harbour", alertProbability: 0.5 });
    expect((await ctx.db.db.select().from(recipients).where(eq(recipients.storeId, s7.id))).map((r) => r.email)).toEqual(["harbour@example.com"]);
    expect(await ctx.db.db.select().from(stores).where(eq(stores.code, "S03"))).toEqual([]);

    // the chain's user is not on its list, and cannot be changed
    expect(await pageHtml(admin, "/dashboard/admin/users")).not.toContain("head@example.com");
    const [head] = await ctx.db.db.select().from(users).where(eq(users.email, "head@example.com"));
    expect((await pageHtml(admin, `/dashboard/admin/users/${head!.id}`, 403))).toContain("sees stores that are not yours");
    expect((await submit(admin, page, `/dashboard/admin/users/${head!.id}/remove`, {})).status).toBe(403);
    expect(await ctx.db.db.select().from(users).where(eq(users.email, "head@example.com"))).toHaveLength(1);
  });
});
