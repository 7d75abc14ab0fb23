import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProblemBody } from "../../src/http/problem.js";
import { bearer, useTestContext } from "../helpers/context.js";
import { configureProperties, csvBytes, csvText, hostileCell, hostileJsonBody } from "../helpers/hostile-input.js";
import { seedOtherStoreData, storedDataChecksums, type AuthorisationWorld } from "../helpers/route-authorisation.js";

// every run is a request and two checksums of the stored data: few runs per endpoint keep the file well under a minute
configureProperties(8);

const ctx = useTestContext();

type OtherStoreWorld = Omit<AuthorisationWorld, "s12User">;

interface Target {
  method: string;
  path: (w: OtherStoreWorld) => string;
  /** a valid item, and where the body holds it */
  valid: Record<string, unknown>;
  wrap?: (item: Record<string, unknown>) => unknown;
  /** public endpoints take no key */
  anonymous?: boolean;
}

/** Every endpoint that takes a JSON body, with a body it would accept; the chain key may act on S7's rows. */
const JSON_TARGETS: Record<string, Target> = {
  "POST /v1/stock": {
    method: "POST",
    path: () => "/v1/stock",
    valid: { store: "S12", sku: "000123", onHand: 5, soldUnits: 2, observedAt: "2026-11-20T14:00:00Z" },
    wrap: (row) => ({ rows: [row] }),
  },
  "POST /v1/promotions": {
    method: "POST",
    path: () => "/v1/promotions",
    valid: { id: "FLYER-48", name: "Week 48 flyer", skus: ["000123"], stores: ["S12"], startDate: "2026-11-25", endDate: "2026-12-01", uplift: 1.8 },
    wrap: (promotion) => ({ promotions: [promotion] }),
  },
  "POST /v1/deliveries": {
    method: "POST",
    path: () => "/v1/deliveries",
    valid: { store: "S12", sku: "000123", quantity: 24, expectedDate: "2026-11-24", reference: "PO-9" },
    wrap: (delivery) => ({ deliveries: [delivery] }),
  },
  "POST /v1/deliveries/:id/receive": {
    method: "POST",
    path: (w) => `/v1/deliveries/${w.s7.deliveryId}/receive`,
    valid: { quantity: 20, receivedAt: "2026-11-20T12:00:00Z" },
  },
  "POST /v1/alerts/:id/snooze": { method: "POST", path: (w) => `/v1/alerts/${w.s7.alertId}/snooze`, valid: { hours: 4 } },
  "POST /v1/alerts/:id/resolve": { method: "POST", path: (w) => `/v1/alerts/${w.s7.alertId}/resolve`, valid: { reason: "shelf refilled" } },
  "POST /v1/stores/:store/recipients": {
    method: "POST",
    path: () => "/v1/stores/S7/recipients",
    valid: { email: "deputy@example.com", name: "Deputy", role: "staff", kinds: ["out_of_stock"], urgentEmails: true, digest: true, digestTime: "06:30" },
  },
  "PATCH /v1/stores/:store/recipients/:id": {
    method: "PATCH",
    path: (w) => `/v1/stores/S7/recipients/${w.s7.recipientId}`,
    valid: { name: "Night", digest: false, quietStart: "22:00", quietEnd: "06:00" },
  },
  "POST /v1/rain-checks/:code/redeem": { method: "POST", path: (w) => `/v1/rain-checks/${w.s7.rainCheckCode}/redeem`, valid: { store: "S7", by: "till 3" } },
  "POST /v1/subscriptions": {
    method: "POST",
    path: () => "/v1/subscriptions",
    valid: { email: "shopper@example.com", store: "S12", sku: "000123", restock: true, deals: false },
    anonymous: true,
  },
  "POST /v1/privacy/requests": { method: "POST", path: () => "/v1/privacy/requests", valid: { email: "shopper@example.com" }, anonymous: true },
};

/** Endpoints that read a CSV body, with the header a real file of theirs has. */
const CSV_TARGETS: Record<string, string[]> = {
  "/v1/imports": ["store", "sku", "on_hand", "sold_units", "observed_at"],
  "/v1/promotions/import": ["promotion_id", "name", "sku", "store", "start_date", "end_date", "uplift"],
  "/v1/deliveries/import": ["store", "sku", "quantity", "expected_date", "reference"],
};

/**
 * Sends one hostile request and checks the answer: never a 5xx; a refusal is problem+json with a reason (a 422 names
 * the field or line) and leaves every stored row as it was.
 */
async function expectHandled(what: string, send: () => Response | Promise<Response>): Promise<void> {
  const before = await storedDataChecksums(ctx);
  const res = await send();
  const text = await res.text();
  expect(res.status, `${what}: ${text.slice(0, 500)}`).toBeLessThan(500);
  if (res.status < 400) return;
  expect(res.headers.get("content-type"), `${what}: ${text.slice(0, 200)}`).toBe("application/problem+json");
  const problem = JSON.parse(text) as ProblemBody;
  expect(problem.status, what).toBe(res.status);
  expect(problem.detail, what).toMatch(/\S/);
  if (problem.code === "validation_failed" || problem.code === "malformed_csv") {
    expect(problem.errors?.length, `${what}: ${text}`).toBeGreaterThan(0);
    for (const error of problem.errors ?? []) {
      expect(error.reason, what).toMatch(/\S/);
      expect(error.field !== undefined || error.line !== undefined, `${what}: ${text}`).toBe(true);
    }
  }
  expect(await storedDataChecksums(ctx), `${what}: the refusal changed stored data`).toEqual(before);
}

describe("JSON endpoints under generated hostile bodies", () => {
  it.each(Object.entries(JSON_TARGETS))("%s never fails with a 5xx, refuses with a reason, and a refusal changes nothing", async (route, target) => {
    const world = await seedOtherStoreData(ctx);
    const path = target.path(world);
    const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded");
    await fc.assert(
      fc.asyncProperty(hostileJsonBody(target.valid, target.wrap), contentType, async (body, type) => {
        await expectHandled(`${route} ${type} ${body.slice(0, 300)}`, () =>
          ctx.app.request(path, {
            method: target.method,
            headers: { "content-type": type, ...(target.anonymous ? {} : bearer(world.chainKey)) },
            body,
          }),
        );
      }),
    );
  });
});

describe("text that is not text", () => {
  // found by the properties above: a NUL in a free-text field reached PostgreSQL, which refused it with a 500
  it.each([
    ["POST /v1/alerts/:id/resolve", (w: OtherStoreWorld) => `/v1/alerts/${w.s7.alertId}/resolve`, { reason: "shelf\u0000refilled" }, "reason"],
    ["POST /v1/rain-checks/:code/redeem", (w: OtherStoreWorld) => `/v1/rain-checks/${w.s7.rainCheckCode}/redeem`, { store: "S7", by: "till \ud800" }, "by"],
    ["POST /v1/promotions", () => "/v1/promotions", { promotions: [{ id: "F\u0000", name: "Flyer", skus: ["000123"], stores: "all", startDate: "2026-11-25", endDate: "2026-12-01" }] }, "promotions/0/id"],
  ] as const)("%s refuses a NUL or a lone surrogate (422 naming the field) and changes nothing", async (_route, path, body, field) => {
    const world = await seedOtherStoreData(ctx);
    const before = await storedDataChecksums(ctx);
    const res = await ctx.app.request(path(world), { method: "POST", headers: { "content-type": "application/json", ...bearer(world.chainKey) }, body: JSON.stringify(body) });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await res.json()) as ProblemBody;
    expect(problem.errors).toEqual([{ field, reason: "holds a NUL or a broken character (half of a UTF-16 surrogate pair)" }]);
    expect(await storedDataChecksums(ctx)).toEqual(before);
  });
});

describe("CSV endpoints under generated hostile files", () => {
  it.each(Object.entries(CSV_TARGETS))("POST %s never fails with a 5xx, refuses with a reason and line, and a refusal changes nothing", async (path, columns) => {
    const world = await seedOtherStoreData(ctx);
    const header = fc.oneof(
      fc.shuffledSubarray(columns, { minLength: 1 }),
      fc.array(fc.oneof(fc.constantFrom(...columns), hostileCell), { minLength: 1, maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(csvBytes(csvText(header)), async (bytes) => {
        await expectHandled(`POST ${path} ${JSON.stringify(Buffer.from(bytes).toString("latin1").slice(0, 300))}`, () =>
          ctx.app.request(path, { method: "POST", headers: { "content-type": "text/csv", ...bearer(world.chainKey) }, body: bytes as BodyInit }),
        );
      }),
    );
  });
});
