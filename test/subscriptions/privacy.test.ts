import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { advertisedItemAtStore12, postStock } from "../notify/alert-fixtures.js";
import { addressOf, customerFlow, linkIn, type Message } from "./customer-fixtures.js";

const ctx = useTestContext({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);
const flow = customerFlow(ctx, live);

// typed in mixed case; held lower-case; searched for without regard to case
const PAT = "pat.privacy@example.com";
const OTHER = "other.customer@example.com";
const CODE = /RC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
  body: new URLSearchParams(fields).toString(),
});

/** Every column of every table of ours (cast to text, so jsonb and arrays too) that holds `needle`, any case. */
async function columnsHolding(needle: string): Promise<string[]> {
  const columns = await queryRows<{ table_name: string; column_name: string }>(
    ctx.db.db,
    sql`select c.table_name, c.column_name from information_schema.columns c
        join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        order by c.table_name, c.ordinal_position`,
  );
  expect(columns.length).toBeGreaterThan(50);
  const holding: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = await queryRows<{ n: number }>(
      ctx.db.db,
      sql`select count(*)::int as n from ${sql.identifier(table_name)} where ${sql.identifier(column_name)}::text ilike ${`%${needle}%`}`,
    );
    if (row!.n > 0) holding.push(`${table_name}.${column_name}`);
  }
  return holding;
}

async function askForPrivacyLink(email: string): Promise<unknown> {
  const res = await ctx.app.request("/v1/privacy/requests", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email }),
  });
  expect(res.status).toBe(202);
  return res.json();
}

/**
 * Pat and another customer, both subscribed to back-in-stock and deal notices for Store 12's advertised tomatoes:
 * each confirmed, heard the item was back, then got a running-low notice with a rain check.
 */
async function twoCustomersWithHistory() {
  const keys = await advertisedItemAtStore12(ctx, 0);
  await flow.subscribe("Pat.Privacy@Example.COM", { deals: true });
  await flow.subscribe(OTHER, { deals: true });
  for (const message of await flow.send()) await flow.confirm(message);

  ctx.clock.advance(3600_000);
  await postStock(ctx, keys.chainKey, 110);
  expect((await flow.notices()).map((m) => [addressOf(m), m.subject?.slice(0, 14)]).sort()).toEqual([
    [OTHER, "Back in stock:"],
    [PAT, "Back in stock:"],
  ]);
  const deals = (await flow.sweepAndNotices()).filter((m) => addressOf(m).endsWith("@example.com"));
  expect(deals.map(addressOf).sort()).toEqual([OTHER, PAT]);
  const codeOf = (email: string) => CODE.exec(deals.find((m) => addressOf(m) === email)!.text!)![0];
  return { keys, patCode: codeOf(PAT), otherCode: codeOf(OTHER) };
}

async function privacyEmailTo(email: string): Promise<Message> {
  const arrived = await flow.send();
  expect(arrived.map(addressOf)).toEqual([email]);
  return arrived[0]!;
}

describe("privacy requests", () => {
  it("exports and then deletes by signed link, leaving the address in no column of any table", async () => {
    const { keys, patCode, otherCode } = await twoCustomersWithHistory();
    const otherBefore = await columnsHolding(OTHER);
    const patBefore = await columnsHolding(PAT);
    // the scan does find the address where it is held
    expect(patBefore).toEqual(expect.arrayContaining(["subscriptions.email", "rain_checks.email", "outbox.recipient"]));

    // the same answer for a known and an unknown address; only the known one gets email
    const known = await askForPrivacyLink("PAT.Privacy@example.com");
    const unknown = await askForPrivacyLink("nobody.here@example.com");
    expect(known).toEqual(unknown);
    const message = await privacyEmailTo(PAT);
    expect(message.subject).toBe("Your data at Store 12 Mt Auburn");
    const link = linkIn(message, "/c/");

    // opening the link acts on nothing: a page with two buttons
    const page = await ctx.app.request(link, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.match(/<form method="post"/g)).toHaveLength(2);
    expect(html).toContain(`<input type="hidden" name="action" value="export">`);
    expect(html).toContain("Download my data");
    expect(html).toContain(`<input type="hidden" name="action" value="delete">`);
    expect(html).toContain("Delete my data");
    expect(await columnsHolding(PAT)).toEqual(patBefore);

    const exported = await ctx.app.request(link, form({ action: "export" }));
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toBe('attachment; filename="my-data.json"');
    const data = (await exported.json()) as {
      email: string;
      subscriptions: Array<Record<string, unknown>>;
      rainChecks: Array<{ code: string; store: string; promotion: string; redeemedAt: string | null }>;
      emails: Array<{ category: string; subject: string; status: string }>;
      suppressed: boolean;
    };
    expect(data.email).toBe(PAT);
    expect(data.suppressed).toBe(false);
    expect(data.subscriptions).toEqual([
      expect.objectContaining({ store: "S12", sku: "0001", item: "Tomatoes 1 kg", deals: true, status: "active", confirmedAt: expect.any(String) }),
    ]);
    expect(data.rainChecks).toEqual([expect.objectContaining({ store: "S12", sku: "0001", promotion: "Week 47 flyer", redeemedAt: null })]);
    expect(data.rainChecks[0]!.code.replace(/-/g, "")).toBe(patCode.replace(/-/g, ""));
    expect(data.emails.map((e) => e.category)).toEqual(["confirmation", "restock", "deal", "privacy"]);
    expect(data.emails.slice(0, 3).every((e) => e.status === "sent")).toBe(true);
    expect(JSON.stringify(data)).not.toContain(OTHER);

    const deleted = await ctx.app.request(link, form({ action: "delete" }));
    expect(deleted.status, await deleted.clone().text()).toBe(200);
    expect(await deleted.json()).toEqual({ status: "deleted" });

    expect(await columnsHolding(PAT)).toEqual([]);
    expect(await columnsHolding("pat.privacy")).toEqual([]);
    // the other customer's data is all still there
    expect(await columnsHolding(OTHER)).toEqual(otherBefore);
    const others = await queryRows<{ status: string; n: number }>(
      ctx.db.db,
      sql`select (select status from subscriptions where email = ${OTHER}) as status,
                 (select count(*)::int from outbox where recipient = ${OTHER}) as n`,
    );
    expect(others).toEqual([{ status: "active", n: 3 }]);

    // Pat's rain check still works at the till, naming nobody
    const [kept] = await queryRows<{ email: string | null; subscription_id: number | null }>(
      ctx.db.db,
      sql`select email, subscription_id from rain_checks where code = ${patCode.replace(/-/g, "")}`,
    );
    expect(kept).toEqual({ email: null, subscription_id: null });
    const lookup = await ctx.app.request(`/v1/rain-checks/${patCode}`, { headers: bearer(keys.s12Key) });
    expect(await lookup.json()).toMatchObject({ code: patCode, status: "valid" });
    const redeemed = await ctx.app.request(`/v1/rain-checks/${patCode}/redeem`, {
      method: "POST",
      headers: { ...bearer(keys.s12Key), "content-type": "application/json" },
      body: JSON.stringify({ store: "S12" }),
    });
    expect(redeemed.status).toBe(200);
    expect((await ctx.app.request(`/v1/rain-checks/${otherCode}`, { headers: bearer(keys.s12Key) })).status).toBe(200);

    // nothing brings the address back: asking again (same answer, no email), the jobs, a worse forecast
    expect(await askForPrivacyLink(PAT)).toEqual(unknown);
    ctx.clock.advance(30 * 60_000);
    await postStock(ctx, keys.chainKey, 60);
    const later = await flow.sweepAndNotices();
    expect(later.map(addressOf)).not.toContain(PAT);
    expect(await columnsHolding(PAT)).toEqual([]);
  });

  it("reaches an address whose only trace is a confirmation email it never used", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    await flow.subscribe(PAT);
    expect((await flow.send()).map(addressOf)).toEqual([PAT]);
    // unconfirmed past CONFIRM_TTL_HOURS (72): the job deletes the request; the email it sent is still held
    ctx.clock.advance(73 * 3600_000);
    await flow.notices();
    expect(await queryRows(ctx.db.db, sql`select id from subscriptions`)).toEqual([]);
    expect(await columnsHolding(PAT)).toEqual(["outbox.recipient"]);

    await askForPrivacyLink(PAT);
    const link = linkIn(await privacyEmailTo(PAT), "/c/");
    const exported = (await (await ctx.app.request(link, form({ action: "export" }))).json()) as { subscriptions: unknown[]; emails: Array<{ category: string }> };
    expect(exported.subscriptions).toEqual([]);
    expect(exported.emails.map((e) => e.category)).toEqual(["confirmation", "privacy"]);
    expect((await ctx.app.request(link, form({ action: "delete" }))).status).toBe(200);
    expect(await columnsHolding(PAT)).toEqual([]);
  });

  it("refuses a tampered, forged or expired privacy link, and a post that is neither export nor delete", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    await flow.subscribe(PAT);
    await flow.subscribe(OTHER);
    await flow.send();
    await askForPrivacyLink(PAT);
    const link = linkIn(await privacyEmailTo(PAT), "/c/");
    const [body, mac] = link.slice("/c/".length).split(".") as [string, string];

    // one character of the payload changed; and the payload rewritten to name someone else, with Pat's signature
    const flipped = `/c/${body.slice(0, -1)}${body.at(-1) === "A" ? "B" : "A"}.${mac}`;
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { purpose: string; email: string };
    expect(payload).toMatchObject({ purpose: "privacy", email: PAT });
    const forged = `/c/${Buffer.from(JSON.stringify({ ...payload, email: OTHER })).toString("base64url")}.${mac}`;
    for (const path of [flipped, forged]) {
      const res = await ctx.app.request(path, form({ action: "export" }));
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(((await res.json()) as { code: string }).code).toBe("link_invalid");
      const deleting = await ctx.app.request(path, form({ action: "delete" }));
      expect(deleting.status).toBe(400);
    }
    const page = await ctx.app.request(forged, { headers: { accept: "text/html" } });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("This link is not valid");

    const neither = await ctx.app.request(link, form({ action: "erase" }));
    expect(neither.status).toBe(422);
    expect(((await neither.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(["action"]);

    // a day is 24 hours: still good just before, gone after
    ctx.clock.advance(24 * 3600_000 - 60_000);
    expect((await ctx.app.request(link, { headers: { accept: "text/html" } })).status).toBe(200);
    ctx.clock.advance(60 * 60_000);
    const expired = await ctx.app.request(link, form({ action: "delete" }));
    expect(expired.status).toBe(410);
    expect(((await expired.json()) as { code: string }).code).toBe("link_expired");

    // nobody's data was touched by any of it
    const left = await queryRows<{ email: string }>(ctx.db.db, sql`select email from subscriptions order by email`);
    expect(left.map((r) => r.email)).toEqual([OTHER, PAT]);
  });

  it("keeps a 'stop all email' only as a keyed hash, which outlives the deletion of everything else", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    await flow.subscribe(PAT, { stay: true });
    for (const message of await flow.send()) await flow.confirm(message);
    ctx.clock.advance(3600_000);
    await postStock(ctx, chainKey, 5);
    const [notice] = await flow.notices();
    expect(addressOf(notice!)).toBe(PAT);

    // the privacy link is asked for first, then Pat stops all email from the notice's footer
    await askForPrivacyLink(PAT);
    const privacyLink = linkIn(await privacyEmailTo(PAT), "/c/");
    const stopLink = [...notice!.text!.matchAll(/Stop all email from us: https:\/\/shelfwatch\.example(\/c\/[A-Za-z0-9_.-]+)/g)].at(-1)![1]!;
    const stopped = await ctx.app.request(stopLink, { method: "POST", headers: { accept: "application/json" } });
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toEqual({ status: "stopped" });

    const suppressed = await queryRows<{ email_hash: string; reason: string }>(ctx.db.db, sql`select email_hash, reason from suppressions`);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]!.email_hash).not.toContain("@");
    // keyed: not a plain hash anyone could compute from a list of addresses
    for (const plain of [createHash("sha256").update(PAT).digest("hex"), createHash("sha256").update(PAT).digest("base64url")]) {
      expect(suppressed[0]!.email_hash).not.toBe(plain);
    }
    const suppressionColumns = (await columnsHolding(PAT)).filter((column) => column.startsWith("suppressions."));
    expect(suppressionColumns).toEqual([]);

    // the privacy link still deletes everything; the suppression stays and nothing names Pat
    const deleted = await ctx.app.request(privacyLink, form({ action: "delete" }));
    expect(deleted.status).toBe(200);
    expect(await columnsHolding(PAT)).toEqual([]);
    expect(await queryRows(ctx.db.db, sql`select email_hash from suppressions`)).toEqual([{ email_hash: suppressed[0]!.email_hash }]);

    // subscribing again: the usual answer, and still no email
    await flow.subscribe("PAT.privacy@example.com");
    expect(await flow.send()).toEqual([]);
  });
});
