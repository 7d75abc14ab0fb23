import { eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { alerts, apiKeys, items, outbox, rainChecks } from "../../src/db/schema/index.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { feedFigures } from "../../src/alerts/alert-lifecycle.js";
import type { ProblemBody } from "../../src/http/problem.js";
import { bearer, seedStoresAndKeys, type TestContext } from "./context.js";
import { DashboardBrowser, signedInBrowser } from "./dashboard.js";
import { expectJson } from "./sync-requests.js";

/**
 * Text that exists only in store S7's data. A refusal, or a list answered to a caller limited to S12, must contain none
 * of it; the values are never part of a request, so a detail that echoes the request cannot trip the check.
 */
export const OTHER_STORE_SECRETS = {
  recipientEmail: "harbour.night.manager@example.com",
  itemName: "Harbour Smoked Kippers",
  sku: "707070",
  promotionId: "HARBOUR-ONLY-FLYER",
  deliveryReference: "PO-HARBOUR-4417",
  rainCheckCode: "RC7HARB0R7HARB",
} as const;

/** The two fixture stores with keys and a user of S12, and data at S7 that S12's callers must never reach. */
export interface AuthorisationWorld {
  chainKey: string;
  s12Key: string;
  revokedKey: string;
  /** ids of S7's rows, for requests that name them */
  s7: { alertId: number; recipientId: number; deliveryId: number; importId: number; rainCheckCode: string };
  /** a dashboard user limited to S12 */
  s12User: DashboardBrowser;
}

/** The world with a signed-in dashboard user of S12. */
export async function seedAuthorisationWorld(ctx: TestContext): Promise<AuthorisationWorld> {
  const world = await seedOtherStoreData(ctx);
  const [s12] = await queryRows<{ id: number }>(ctx.db.db, sql`select id from stores where code = 'S12'`);
  return { ...world, s12User: await signedInBrowser(ctx, "s12.staff@example.com", [Number(s12!.id)]) };
}

/**
 * The stores, keys and S7's data, without the dashboard user (signing in hashes a password: slow), seeded through the
 * API where there is one (what a caller would do) and the tables where there is none.
 */
export async function seedOtherStoreData(ctx: TestContext): Promise<Omit<AuthorisationWorld, "s12User">> {
  const { s12, s7, chainKey, s12Key } = await seedStoresAndKeys(ctx);
  const db = ctx.db.db;
  const revoked = await createApiKey(db, { name: "old till", storeIds: [s12.id] });
  // what `npm run admin -- key:revoke` does
  await db.update(apiKeys).set({ revokedAt: ctx.clock.now() }).where(eq(apiKeys.id, revoked.id));

  const secret = OTHER_STORE_SECRETS;
  const post = async (path: string, body: unknown, status = 200) =>
    expectJson<Record<string, unknown>>(
      await ctx.app.request(path, { method: "POST", headers: { ...bearer(chainKey), "content-type": "application/json" }, body: JSON.stringify(body) }),
      status,
    );
  const imported = await expectJson<{ batchId: number }>(
    await ctx.app.request("/v1/imports?format=generic", {
      method: "POST",
      headers: { ...bearer(chainKey), "content-type": "text/csv" },
      body: `store,sku,name,on_hand,observed_at\nS7,${secret.sku},${secret.itemName},4,2026-11-20T10:00:00Z\n`,
    }),
    201,
  );
  const recipient = await post("/v1/stores/S7/recipients", { email: secret.recipientEmail, name: "Night Manager" }, 201);
  const { deliveries } = (await post("/v1/deliveries", {
    deliveries: [{ store: "S7", sku: secret.sku, quantity: 24, expectedDate: "2026-11-24", reference: secret.deliveryReference }],
  })) as { deliveries: Array<{ id: number }> };
  await post("/v1/promotions", {
    promotions: [{ id: secret.promotionId, name: "Harbour flyer", skus: [secret.sku], stores: ["S7"], startDate: "2026-11-18", endDate: "2026-11-28" }],
  });

  const now = ctx.clock.now();
  const [item] = await db.select({ id: items.id }).from(items).where(eq(items.sku, secret.sku));
  const [alert] = await db
    .insert(alerts)
    .values({ storeId: s7.id, itemId: item!.id, kind: "out_of_stock", urgent: true, figures: feedFigures(now), notifiedFigures: feedFigures(now), openedAt: now, updatedAt: now })
    .returning({ id: alerts.id });
  await db.insert(rainChecks).values({
    storeId: s7.id,
    code: secret.rainCheckCode,
    itemId: item!.id,
    promotionId: 1,
    promotionExternalId: secret.promotionId,
    promotionName: "Harbour flyer",
    email: secret.recipientEmail,
    issuedAt: now,
    expiresAt: new Date(now.getTime() + 30 * 86_400_000),
  });

  await db.insert(outbox).values({
    storeId: s7.id,
    category: "alert",
    alertId: alert!.id,
    dedupeKey: `alert-${alert!.id}`,
    messageId: "<route-table@shelfwatch.test>",
    recipient: secret.recipientEmail,
    sender: "alerts@shelfwatch.test",
    subject: `Out of stock: ${secret.itemName}`,
    textBody: secret.itemName,
    htmlBody: secret.itemName,
    notBefore: now,
    giveUpAt: new Date(now.getTime() + 86_400_000),
    createdAt: now,
  });

  return {
    chainKey,
    s12Key,
    revokedKey: revoked.key,
    s7: { alertId: alert!.id, recipientId: Number(recipient.id), deliveryId: deliveries[0]!.id, importId: imported.batchId, rainCheckCode: secret.rainCheckCode },
  };
}

/** Every table that holds a store's data; api keys, sessions and rate limits change on every request by design. */
const STORE_DATA_TABLES = [
  "stores",
  "store_aliases",
  "items",
  "stock_levels",
  "daily_sales",
  "stock_receipts",
  "stock_risks",
  "promotions",
  "promotion_items",
  "promotion_stores",
  "deliveries",
  "alerts",
  "alert_events",
  "recipients",
  "subscriptions",
  "restock_watches",
  "rain_checks",
  "outbox",
  "import_batches",
  "import_rejections",
  "idempotency_records",
  "used_links",
] as const;

/**
 * One checksum per table of stored data (every row, every column): equal before and after means nothing changed. The
 * record of a refused upload (a `rejected` batch) is the audit trail of the refusal, so it is left out.
 */
export async function storedDataChecksums(ctx: TestContext): Promise<Record<string, string>> {
  const parts = STORE_DATA_TABLES.map((table) => {
    const rows =
      table === "import_batches"
        ? sql`(select * from import_batches where status <> 'rejected')`
        : table === "import_rejections"
          ? sql`(select r.* from import_rejections r join import_batches b on b.id = r.batch_id where b.status <> 'rejected')`
          : sql.identifier(table);
    return sql`select ${table} as name, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from ${rows} t`;
  });
  const rows = await queryRows<{ name: string; sum: string }>(ctx.db.db, sql.join(parts, sql` union all `));
  return Object.fromEntries(rows.map((row) => [row.name, row.sum]));
}

/**
 * Asserts an API refusal: this status, application/problem+json, a reason, and none of S7's data in the body beyond
 * what the request itself sent (`sent`: its path and body), which a detail may name.
 */
export async function expectApiRefusal(res: Response, statuses: number[], what: string, sent = ""): Promise<ProblemBody> {
  const text = await res.text();
  expect(statuses, `${what}: ${res.status} ${text}`).toContain(res.status);
  expect(res.headers.get("content-type"), what).toBe("application/problem+json");
  const body = JSON.parse(text) as ProblemBody;
  expect(body.status, what).toBe(res.status);
  expect(body.detail, what).toEqual(expect.any(String));
  expectNoOtherStoreData(text, what, sent);
  return body;
}

/** Asserts that a body holds none of S7's data, except what the request sent. */
export function expectNoOtherStoreData(text: string, what: string, sent = ""): void {
  for (const [name, value] of Object.entries(OTHER_STORE_SECRETS)) {
    if (sent.includes(value)) continue;
    expect(text.includes(value), `${what}: the body holds S7's ${name}`).toBe(false);
  }
}
