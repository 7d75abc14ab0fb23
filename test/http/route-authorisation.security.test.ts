import { describe, expect, it } from "vitest";
import { bearer, useTestContext } from "../helpers/context.js";
import {
  expectApiRefusal,
  expectNoOtherStoreData,
  OTHER_STORE_SECRETS,
  seedAuthorisationWorld,
  storedDataChecksums,
  type AuthorisationWorld,
} from "../helpers/route-authorisation.js";

const METRICS_TOKEN = "metrics-token-for-the-route-table";
const ctx = useTestContext({ METRICS_TOKEN });

/** One request to a route, as S12's caller would aim it at S7's data. */
interface Probe {
  path: string;
  json?: unknown;
  csv?: string;
  form?: Record<string, string>;
}

/**
 * How a route decides who may call it. `otherStore` says what a caller limited to S12 gets when it aims at S7:
 * `refused` (a 403 or 404), `filtered` (a 2xx holding only its own stores' data) or `unscoped` (nothing of a store).
 */
type Access =
  | { kind: "public"; why: string }
  | { kind: "guard"; why: string }
  | { kind: "metrics-token" }
  | { kind: "signed-link"; probe: Probe }
  | { kind: "api-key"; otherStore: "refused" | "filtered"; probe: (w: AuthorisationWorld) => Probe }
  | { kind: "dashboard"; otherStore: "refused" | "filtered" | "unscoped"; probe: (w: AuthorisationWorld) => Probe }
  /** admin routes: the admin flag first; which stores an admin may administer is test/admin/admin-api.security.test.ts's */
  | { kind: "admin-api"; probe: Probe }
  | { kind: "admin-page"; probe: Probe };

const S7_ROW = { store: "S7", sku: "000123", onHand: 0, observedAt: "2026-11-20T14:00:00Z" };
const guard = (why: string): Access => ({ kind: "guard", why });
const apiRefused = (probe: (w: AuthorisationWorld) => Probe): Access => ({ kind: "api-key", otherStore: "refused", probe });
const apiFiltered = (path: string): Access => ({ kind: "api-key", otherStore: "filtered", probe: () => ({ path }) });
const pageRefused = (probe: (w: AuthorisationWorld) => Probe): Access => ({ kind: "dashboard", otherStore: "refused", probe });
const pageFiltered = (path: string): Access => ({ kind: "dashboard", otherStore: "filtered", probe: () => ({ path }) });
const adminApi = (path: string, json?: unknown): Access => ({ kind: "admin-api", probe: json === undefined ? { path } : { path, json } });
const adminPage = (path: string, form?: Record<string, string>): Access => ({ kind: "admin-page", probe: form === undefined ? { path } : { path, form } });

/**
 * Every route of the app, by `METHOD path` as Hono lists it. A route added without a line here fails the first test.
 * Routes of the admin API go here too, one line each (e.g. `"GET /v1/admin/keys": adminOnly(...)`).
 */
const ROUTES: Record<string, Access> = {
  "GET /healthz": { kind: "public", why: "liveness for the load balancer" },
  "GET /readyz": { kind: "public", why: "readiness for the load balancer" },
  "GET /favicon.ico": { kind: "public", why: "an empty icon" },
  "GET /metrics": { kind: "metrics-token" },
  "POST /v1/subscriptions": { kind: "public", why: "customers subscribe without an account; same answer for every address" },
  "POST /v1/privacy/requests": { kind: "public", why: "customers ask for their data by email link; same answer for every address" },
  "GET /s/:store/:sku": { kind: "public", why: "the customer's item page" },
  "POST /s/:store/:sku": { kind: "public", why: "the customer's subscribe form" },
  "GET /links/:token": { kind: "signed-link", probe: { path: "/links/AAAAAAAAAAAAAAAAAAAA.BBBBBBBBBB" } },
  "POST /links/:token": { kind: "signed-link", probe: { path: "/links/AAAAAAAAAAAAAAAAAAAA.BBBBBBBBBB" } },
  "GET /c/:token": { kind: "signed-link", probe: { path: "/c/AAAAAAAAAAAAAAAAAAAA.BBBBBBBBBB" } },
  "POST /c/:token": { kind: "signed-link", probe: { path: "/c/AAAAAAAAAAAAAAAAAAAA.BBBBBBBBBB" } },

  "ALL /*": guard("request id, request count and request log of every request"),
  "ALL /v1/*": guard("the API key check of the sync, plan and risk routers"),
  "ALL /v1/rain-checks/*": guard("the API key check of the rain-check routes"),
  "ALL /v1/alerts": guard("the API key check of the alert routes"),
  "ALL /v1/alerts/*": guard("the API key check of the alert routes"),
  "ALL /v1/stores/:store/recipients": guard("the API key check of the recipient routes"),
  "ALL /v1/stores/:store/recipients/*": guard("the API key check of the recipient routes"),
  "ALL /v1/outbox": guard("the API key check of the outbox"),
  "ALL /dashboard/*": guard("body limit, session and CSRF checks, and the dashboard's page-not-found"),
  "ALL /v1/admin/*": guard("the API key and admin flag check of the admin API"),
  "ALL /dashboard/admin/*": guard("the admin flag check of the admin pages"),

  "POST /v1/stock": apiRefused(() => ({ path: "/v1/stock", json: { rows: [S7_ROW] } })),
  "POST /v1/imports": apiRefused(() => ({ path: "/v1/imports", csv: "store,sku,on_hand\nS7,000123,0\n" })),
  "GET /v1/imports": apiFiltered("/v1/imports"),
  "GET /v1/imports/:id": apiRefused((w) => ({ path: `/v1/imports/${w.s7.importId}` })),
  "GET /v1/imports/:id/rejected.csv": apiRefused((w) => ({ path: `/v1/imports/${w.s7.importId}/rejected.csv` })),
  "POST /v1/promotions": apiRefused(() => ({
    path: "/v1/promotions",
    // S7's own promotion, claimed for S12: taking it over would silence S7's promotion alerts
    json: { promotions: [{ id: OTHER_STORE_SECRETS.promotionId, name: "Flyer", skus: ["000123"], stores: ["S12"], startDate: "2026-11-25", endDate: "2026-12-01" }] },
  })),
  "POST /v1/promotions/import": apiRefused(() => ({
    path: "/v1/promotions/import",
    csv: `promotion_id,sku,store,start_date,end_date\n${OTHER_STORE_SECRETS.promotionId},000123,S12,2026-11-25,2026-12-01\n`,
  })),
  "GET /v1/promotions": apiFiltered("/v1/promotions"),
  "POST /v1/deliveries": apiRefused(() => ({
    path: "/v1/deliveries",
    json: { deliveries: [{ store: "S7", sku: "000123", quantity: 5, expectedDate: "2026-11-25", reference: "PO-1" }] },
  })),
  "POST /v1/deliveries/import": apiRefused(() => ({
    path: "/v1/deliveries/import",
    csv: "store,sku,quantity,expected_date,reference\nS7,000123,5,2026-11-25,PO-1\n",
  })),
  "POST /v1/deliveries/:id/receive": apiRefused((w) => ({ path: `/v1/deliveries/${w.s7.deliveryId}/receive`, json: {} })),
  "GET /v1/stores/:store/at-risk": apiRefused(() => ({ path: "/v1/stores/S7/at-risk" })),
  "GET /v1/stores/:store/items/:sku/forecast": apiRefused(() => ({ path: `/v1/stores/S7/items/000123/forecast` })),
  "GET /v1/alerts": apiFiltered("/v1/alerts"),
  "GET /v1/alerts/:id": apiRefused((w) => ({ path: `/v1/alerts/${w.s7.alertId}` })),
  "POST /v1/alerts/:id/acknowledge": apiRefused((w) => ({ path: `/v1/alerts/${w.s7.alertId}/acknowledge` })),
  "POST /v1/alerts/:id/snooze": apiRefused((w) => ({ path: `/v1/alerts/${w.s7.alertId}/snooze`, json: { hours: 2 } })),
  "POST /v1/alerts/:id/resolve": apiRefused((w) => ({ path: `/v1/alerts/${w.s7.alertId}/resolve`, json: {} })),
  "GET /v1/stores/:store/recipients": apiRefused(() => ({ path: "/v1/stores/S7/recipients" })),
  "POST /v1/stores/:store/recipients": apiRefused(() => ({ path: "/v1/stores/S7/recipients", json: { email: "new.manager@example.com" } })),
  "PATCH /v1/stores/:store/recipients/:id": apiRefused((w) => ({ path: `/v1/stores/S7/recipients/${w.s7.recipientId}`, json: { digest: false } })),
  "DELETE /v1/stores/:store/recipients/:id": apiRefused((w) => ({ path: `/v1/stores/S7/recipients/${w.s7.recipientId}` })),
  "GET /v1/outbox": apiFiltered("/v1/outbox"),
  "GET /v1/rain-checks/:code": apiRefused((w) => ({ path: `/v1/rain-checks/${w.s7.rainCheckCode}` })),
  "POST /v1/rain-checks/:code/redeem": apiRefused((w) => ({ path: `/v1/rain-checks/${w.s7.rainCheckCode}/redeem`, json: { store: "S12" } })),

  "GET /v1/stores/:store/track-record": apiRefused(() => ({ path: "/v1/stores/S7/track-record" })),

  "GET /v1/admin/stores": adminApi("/v1/admin/stores"),
  "POST /v1/admin/stores": adminApi("/v1/admin/stores", { code: "S99", name: "Store 99", timeZone: "Europe/London" }),
  "GET /v1/admin/stores/:store": adminApi("/v1/admin/stores/S7"),
  "PATCH /v1/admin/stores/:store": adminApi("/v1/admin/stores/S7", { name: "Taken over" }),
  "POST /v1/admin/stores/:store/aliases": adminApi("/v1/admin/stores/S7/aliases", { aliases: ["Taken"] }),
  "DELETE /v1/admin/stores/:store/aliases/:alias": adminApi("/v1/admin/stores/S7/aliases/Harbour"),
  "PUT /v1/admin/stores/:store/thresholds": adminApi("/v1/admin/stores/S7/thresholds", { alertProbability: 0.99, resolveProbability: 0.9 }),
  "GET /v1/admin/stores/:store/recipients": adminApi("/v1/admin/stores/S7/recipients"),
  "POST /v1/admin/stores/:store/recipients": adminApi("/v1/admin/stores/S7/recipients", { email: "new.manager@example.com" }),
  "PATCH /v1/admin/stores/:store/recipients/:id": adminApi("/v1/admin/stores/S7/recipients/1", { digest: false }),
  "DELETE /v1/admin/stores/:store/recipients/:id": adminApi("/v1/admin/stores/S7/recipients/1"),
  "GET /v1/admin/keys": adminApi("/v1/admin/keys"),
  "POST /v1/admin/keys": adminApi("/v1/admin/keys", { name: "till", stores: ["S7"] }),
  "DELETE /v1/admin/keys/:id": adminApi("/v1/admin/keys/1"),
  "GET /v1/admin/users": adminApi("/v1/admin/users"),
  "POST /v1/admin/users": adminApi("/v1/admin/users", { email: "x@example.com", name: "X", role: "staff", stores: ["S7"], password: "a long enough password" }),
  "GET /v1/admin/users/:id": adminApi("/v1/admin/users/1"),
  "PATCH /v1/admin/users/:id": adminApi("/v1/admin/users/1", { admin: true }),
  "DELETE /v1/admin/users/:id": adminApi("/v1/admin/users/1"),

  "GET /dashboard/admin": adminPage("/dashboard/admin"),
  "POST /dashboard/admin/stores": adminPage("/dashboard/admin/stores", { code: "S99", name: "Store 99", timeZone: "Europe/London" }),
  "GET /dashboard/admin/stores/:code": adminPage("/dashboard/admin/stores/S7"),
  "POST /dashboard/admin/stores/:code": adminPage("/dashboard/admin/stores/S7", { name: "Taken over" }),
  "POST /dashboard/admin/stores/:code/thresholds": adminPage("/dashboard/admin/stores/S7/thresholds", { alertProbability: "0.99", resolveProbability: "0.9" }),
  "POST /dashboard/admin/stores/:code/aliases": adminPage("/dashboard/admin/stores/S7/aliases", { aliases: "Taken" }),
  "POST /dashboard/admin/stores/:code/aliases/remove": adminPage("/dashboard/admin/stores/S7/aliases/remove", { alias: "Harbour" }),
  "POST /dashboard/admin/stores/:code/recipients": adminPage("/dashboard/admin/stores/S7/recipients", { email: "new.manager@example.com" }),
  "POST /dashboard/admin/stores/:code/recipients/:id/remove": adminPage("/dashboard/admin/stores/S7/recipients/1/remove", {}),
  "GET /dashboard/admin/keys": adminPage("/dashboard/admin/keys"),
  "POST /dashboard/admin/keys": adminPage("/dashboard/admin/keys", { name: "till", stores: "S7" }),
  "POST /dashboard/admin/keys/:id/revoke": adminPage("/dashboard/admin/keys/1/revoke", {}),
  "GET /dashboard/admin/users": adminPage("/dashboard/admin/users"),
  "POST /dashboard/admin/users": adminPage("/dashboard/admin/users", { email: "x@example.com", name: "X", role: "staff", stores: "S7" }),
  "GET /dashboard/admin/users/:id": adminPage("/dashboard/admin/users/1"),
  "POST /dashboard/admin/users/:id": adminPage("/dashboard/admin/users/1", { name: "X" }),
  "POST /dashboard/admin/users/:id/remove": adminPage("/dashboard/admin/users/1/remove", {}),

  "GET /dashboard/login": { kind: "public", why: "the sign-in page" },
  "POST /dashboard/login": { kind: "public", why: "the sign-in form, guarded by its own CSRF cookie and rate limit" },
  "POST /dashboard/logout": { kind: "dashboard", otherStore: "unscoped", probe: () => ({ path: "/dashboard/logout", form: {} }) },
  "GET /dashboard": pageFiltered("/dashboard"),
  "GET /dashboard/stores/:code": { kind: "dashboard", otherStore: "unscoped", probe: () => ({ path: "/dashboard/stores/S7" }) },
  "GET /dashboard/stores/:code/items/:sku": pageRefused(() => ({ path: `/dashboard/stores/S7/items/${OTHER_STORE_SECRETS.sku}` })),
  "GET /dashboard/alerts": pageFiltered("/dashboard/alerts?state=all"),
  "POST /dashboard/alerts/:id/acknowledge": pageRefused((w) => ({ path: `/dashboard/alerts/${w.s7.alertId}/acknowledge`, form: {} })),
  "POST /dashboard/alerts/:id/snooze": pageRefused((w) => ({ path: `/dashboard/alerts/${w.s7.alertId}/snooze`, form: { hours: "2" } })),
  "GET /dashboard/imports": pageFiltered("/dashboard/imports"),
  "GET /dashboard/imports/:id/rejected.csv": pageRefused((w) => ({ path: `/dashboard/imports/${w.s7.importId}/rejected.csv` })),
  "GET /dashboard/subscribers": pageFiltered("/dashboard/subscribers"),
  "GET /dashboard/track-record": pageFiltered("/dashboard/track-record"),
  "GET /dashboard/rain-checks": { kind: "dashboard", otherStore: "unscoped", probe: () => ({ path: "/dashboard/rain-checks" }) },
  "POST /dashboard/rain-checks/:code/redeem": pageRefused((w) => ({ path: `/dashboard/rain-checks/${w.s7.rainCheckCode}/redeem`, form: { store: "S7" } })),
};

/** The app's own list of routes: `METHOD path`, once each (middleware on one path shows once). */
function appRoutes(): string[] {
  return [...new Set(ctx.app.routes.map((route) => `${route.method} ${route.path}`))];
}

function methodOf(route: string): string {
  return route.slice(0, route.indexOf(" "));
}

function requestInit(method: string, probe: Probe, headers: Record<string, string>): RequestInit {
  if (probe.json !== undefined) return { method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(probe.json) };
  if (probe.csv !== undefined) return { method, headers: { ...headers, "content-type": "text/csv" }, body: probe.csv };
  if (probe.form !== undefined) {
    return { method, headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(probe.form).toString() };
  }
  return { method, headers };
}

/** What a probe sends, which a refusal may name back. */
function sentText(probe: Probe): string {
  return [probe.path, JSON.stringify(probe.json ?? ""), probe.csv ?? "", JSON.stringify(probe.form ?? "")].join("\n");
}

function routesOf<K extends Access["kind"]>(kind: K): Array<[string, Extract<Access, { kind: K }>]> {
  return Object.entries(ROUTES).filter((entry): entry is [string, Extract<Access, { kind: K }>] => entry[1].kind === kind);
}

describe("the route table", () => {
  it("classifies every route the app serves, and lists none it does not", () => {
    const served = appRoutes();
    expect(served.filter((route) => !(route in ROUTES)), "routes with no line in ROUTES: say who may call them").toEqual([]);
    expect(Object.keys(ROUTES).filter((route) => !served.includes(route)), "lines in ROUTES for routes the app no longer serves").toEqual([]);
  });
});

// Seeding signs a user in (a slow password hash), so each test seeds once and walks every route of its kind.
describe("API routes", () => {
  it("refuse no key, an unknown key, a revoked key, other credentials and a dashboard session, and change nothing", async () => {
    const world = await seedAuthorisationWorld(ctx);
    const before = await storedDataChecksums(ctx);
    const session = [...world.s12User.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const callers: Array<[string, Record<string, string>]> = [
      ["no key", {}],
      ["an unknown key", bearer("sw_this-key-was-never-issued")],
      ["a revoked key", bearer(world.revokedKey)],
      ["the metrics token", bearer(METRICS_TOKEN)],
      ["a dashboard session cookie", { cookie: session }],
      ["a key sent as Basic", { authorization: `Basic ${Buffer.from(`${world.chainKey}:`).toString("base64")}` }],
    ];
    for (const [route, access] of routesOf("api-key")) {
      const probe = access.probe(world);
      for (const [caller, headers] of callers) {
        const res = await ctx.app.request(probe.path, requestInit(methodOf(route), probe, headers));
        const problem = await expectApiRefusal(res, [401], `${route} with ${caller}`, sentText(probe));
        expect(problem.code, route).toBe("unauthorized");
        expect(res.headers.get("www-authenticate"), route).toBe('Bearer realm="shelfwatch"');
      }
    }
    expect(await storedDataChecksums(ctx)).toEqual(before);
  });

  it("give a key limited to S12 nothing of S7: a refusal (403 or 404) that changes nothing, or a list of S12's data only", async () => {
    const world = await seedAuthorisationWorld(ctx);
    for (const [route, access] of routesOf("api-key")) {
      const before = await storedDataChecksums(ctx);
      const probe = access.probe(world);
      const res = await ctx.app.request(probe.path, requestInit(methodOf(route), probe, bearer(world.s12Key)));
      if (access.otherStore === "refused") {
        await expectApiRefusal(res, [403, 404], `${route} with S12's key`, sentText(probe));
      } else {
        const text = await res.text();
        expect(res.status, `${route}: ${text}`).toBe(200);
        expectNoOtherStoreData(text, `${route} with S12's key`);
        // the chain-wide key does get S7's rows there: the list is filtered, not empty by accident
        const chain = await (await ctx.app.request(probe.path, requestInit(methodOf(route), probe, bearer(world.chainKey)))).text();
        expect(chain, `${route} with the chain key`).not.toEqual(text);
      }
      expect(await storedDataChecksums(ctx), route).toEqual(before);
    }
  });
});

describe("dashboard routes", () => {
  it("send a visitor with no session, a forged session or an API key to the sign-in page, and change nothing", async () => {
    const world = await seedAuthorisationWorld(ctx);
    const before = await storedDataChecksums(ctx);
    for (const [route, access] of routesOf("dashboard")) {
      const probe = access.probe(world);
      for (const headers of [{}, bearer(world.chainKey), { cookie: "shelfwatch_session=forged-session-token" }]) {
        const res = await ctx.app.request(probe.path, requestInit(methodOf(route), probe, headers));
        expect(res.status, `${route} ${JSON.stringify(headers)}`).toBe(303);
        expect(res.headers.get("location"), route).toMatch(/^\/dashboard\/login(\?|$)/);
        expectNoOtherStoreData(await res.text(), route);
      }
    }
    expect(await storedDataChecksums(ctx)).toEqual(before);
  });

  it("refuse (403) a signed-in form with no CSRF token, and change nothing", async () => {
    const world = await seedAuthorisationWorld(ctx);
    const before = await storedDataChecksums(ctx);
    for (const [route, access] of routesOf("dashboard").filter(([route]) => methodOf(route) === "POST")) {
      const probe = access.probe(world);
      const res = await world.s12User.request(probe.path, requestInit("POST", probe, {}));
      expect(res.status, route).toBe(403);
      expectNoOtherStoreData(await res.text(), route);
    }
    expect(await storedDataChecksums(ctx)).toEqual(before);
  });

  it("give a user of S12 nothing of S7: a 404 page that changes nothing, or a page of S12's data only", async () => {
    const world = await seedAuthorisationWorld(ctx);
    const csrf = await world.s12User.csrfToken();
    for (const [route, access] of routesOf("dashboard").filter(([, access]) => access.otherStore !== "unscoped")) {
      const before = await storedDataChecksums(ctx);
      const probe = access.probe(world);
      const form = probe.form && { ...probe.form, csrf };
      const res = await world.s12User.request(probe.path, requestInit(methodOf(route), { ...probe, form }, {}));
      const text = await res.text();
      expect(res.status, `${route}: ${text.slice(0, 300)}`).toBe(access.otherStore === "refused" ? 404 : 200);
      expect(res.headers.get("content-type"), route).toMatch(/^text\/html/);
      expectNoOtherStoreData(text, `${route} as a user of S12`);
      expect(await storedDataChecksums(ctx), route).toEqual(before);
    }
  });
});

describe("admin routes", () => {
  it("refuse no key, an unknown or revoked key (401) and a key without the admin flag (403), and change nothing", async () => {
    const world = await seedAuthorisationWorld(ctx);
    const before = await storedDataChecksums(ctx);
    for (const [route, { probe }] of routesOf("admin-api")) {
      for (const [caller, headers] of [["no key", {}], ["an unknown key", bearer("sw_this-key-was-never-issued")], ["a revoked key", bearer(world.revokedKey)]] as const) {
        const res = await ctx.app.request(probe.path, requestInit(methodOf(route), probe, headers));
        expect((await expectApiRefusal(res, [401], `${route} with ${caller}`, sentText(probe))).code, route).toBe("unauthorized");
      }
      for (const key of [world.chainKey, world.s12Key]) {
        const res = await ctx.app.request(probe.path, requestInit(methodOf(route), probe, bearer(key)));
        expect((await expectApiRefusal(res, [403], `${route} with a key that is not an admin's`, sentText(probe))).code, route).toBe("admin_required");
      }
    }
    expect(await storedDataChecksums(ctx)).toEqual(before);
  });

  it("pages send a visitor with no session to sign-in and refuse a signed-in user who is not an admin, and change nothing", async () => {
    const world = await seedAuthorisationWorld(ctx);
    const before = await storedDataChecksums(ctx);
    const csrf = await world.s12User.csrfToken();
    for (const [route, { probe }] of routesOf("admin-page")) {
      const visitor = await ctx.app.request(probe.path, requestInit(methodOf(route), probe, {}));
      expect(visitor.status, route).toBe(303);
      expect(visitor.headers.get("location"), route).toMatch(/^\/dashboard\/login(\?|$)/);
      const form = probe.form && { ...probe.form, csrf };
      const res = await world.s12User.request(probe.path, requestInit(methodOf(route), { ...probe, form }, {}));
      const text = await res.text();
      expect([403, 404], `${route}: ${res.status} ${text.slice(0, 300)}`).toContain(res.status);
      expectNoOtherStoreData(text, `${route} as a user of S12 who is not an admin`);
    }
    expect(await storedDataChecksums(ctx)).toEqual(before);
  });
});

describe("signed links and metrics", () => {
  it("links refuse (400) a token the service did not sign, and change nothing", async () => {
    await seedAuthorisationWorld(ctx);
    const before = await storedDataChecksums(ctx);
    for (const [route, access] of routesOf("signed-link")) {
      const res = await ctx.app.request(access.probe.path, requestInit(methodOf(route), access.probe, { accept: "application/json" }));
      const problem = await expectApiRefusal(res, [400], route);
      expect(problem.code, route).toBe("link_invalid");
    }
    expect(await storedDataChecksums(ctx)).toEqual(before);
  });

  it("metrics refuse (401) no token, a wrong token and an API key, and answer the token", async () => {
    const world = await seedAuthorisationWorld(ctx);
    for (const [route] of routesOf("metrics-token")) {
      const path = route.slice(route.indexOf(" ") + 1);
      for (const headers of [{}, bearer("not-the-metrics-token-at-all"), bearer(`${METRICS_TOKEN}x`), bearer(world.chainKey)]) {
        await expectApiRefusal(await ctx.app.request(path, { headers }), [401], `${route} ${JSON.stringify(headers)}`);
      }
      expect((await ctx.app.request(path, { headers: bearer(METRICS_TOKEN) })).status, route).toBe(200);
    }
  });
});
