import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { postStock } from "../notify/alert-fixtures.js";

const ctx = useTestContext({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", PUBLIC_URL: "https://shelfwatch.example" });

/** A browser without JavaScript: a plain url-encoded form post. */
async function submit(path: string, form: Record<string, string>): Promise<Response> {
  return ctx.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html,application/xhtml+xml" },
    body: new URLSearchParams(form).toString(),
  });
}

async function page(path: string): Promise<{ status: number; type: string | null; html: string }> {
  const res = await ctx.app.request(path, { headers: { accept: "text/html" } });
  return { status: res.status, type: res.headers.get("content-type"), html: await res.text() };
}

/** The opening tag of the element with this attribute, e.g. tagWith(html, 'name="deals"'). */
function tagWith(html: string, attribute: string): string {
  const tag = new RegExp(`<[a-z]+\\b[^>]*\\s${attribute.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^>]*>`).exec(html);
  expect(tag, `no element with ${attribute}`).not.toBeNull();
  return tag![0];
}

/** The label text wrapped around an input, or the label pointing at its id. */
function labelOf(html: string, name: string): string {
  const wrapped = new RegExp(`<label>\\s*<input[^>]*name="${name}"[^>]*>([^<]+)</label>`).exec(html);
  const pointing = new RegExp(`<label for="${name}">([^<]+)</label>`).exec(html);
  const label = (wrapped ?? pointing)?.[1]?.trim();
  if (!label) throw new Error(`no label for the input named ${name}`);
  return label;
}

async function subscriptionRows() {
  return queryRows<{ email: string; store: string; status: string; restock: boolean; deals: boolean; stay_subscribed: boolean }>(
    ctx.db.db,
    sql`select s.email, st.code as store, s.status, s.restock, s.deals, s.stay_subscribed
        from subscriptions s join stores st on st.id = s.store_id order by s.id`,
  );
}

async function outboxCount(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from outbox`);
  return Number(row!.n);
}

describe("the item page", () => {
  it("is a plain HTML form that posts to itself, with a labelled email field and three labelled choices", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    const { status, type, html } = await page("/s/S12/0001");
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/html/);
    expect(html).toContain("<title>Tomatoes 1 kg at Store 12 Mt Auburn · Shelfwatch</title>");
    // no JavaScript needed, none sent
    expect(html).not.toMatch(/<script/i);

    const form = tagWith(html, 'method="post"');
    expect(form).toMatch(/^<form\b/);
    expect(form).toContain('action="/s/S12/0001"');

    const email = tagWith(html, 'name="email"');
    expect(email).toMatch(/^<input\b/);
    expect(email).toContain('type="email"');
    expect(email).toContain('id="email"');
    expect(email).toContain(" required");
    expect(labelOf(html, "email")).toBe("Your email address");

    for (const [name, label] of [
      ["restock", "when it is back in stock"],
      ["deals", "when a deal on it is about to sell out (with a rain check)"],
      ["stay", "every time it comes back, not just the next time"],
    ] as const) {
      expect(tagWith(html, `name="${name}"`)).toContain('type="checkbox"');
      expect(labelOf(html, name)).toBe(label);
    }
    // back-in-stock is the default; the rest are opt-in
    expect(tagWith(html, 'name="restock"')).toContain(" checked");
    expect(tagWith(html, 'name="deals"')).not.toContain(" checked");
    expect(tagWith(html, 'name="stay"')).not.toContain(" checked");
    expect(tagWith(html, 'type="submit"')).toMatch(/^<button\b/);
  });

  it("says whether the item is on the shelf at that store now", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    const empty = await page("/s/S12/0001");
    expect(empty.html).toContain("Out of stock right now.");
    expect(empty.html).not.toContain("In stock now.");

    ctx.clock.advance(60_000);
    await postStock(ctx, chainKey, 6);
    const stocked = await page("/s/S12/0001");
    expect(stocked.html).toContain("In stock now.");
    expect(stocked.html).not.toContain("Out of stock right now.");

    // never stocked at S7: out of stock there; an alias of the store finds the same page
    expect((await page("/s/S7/0001")).html).toContain("Out of stock right now.");
    const byAlias = await page("/s/Mt%20Auburn/0001");
    expect(byAlias.status).toBe(200);
    expect(byAlias.html).toContain("In stock now.");
    // every store at once: no single stock level to show
    const everywhere = await page("/s/all/0001");
    expect(everywhere.html).toContain("Tomatoes 1 kg at any of our stores");
    expect(everywhere.html).not.toMatch(/In stock now|Out of stock right now/);
  });

  it("takes the posted form as a pending subscription with the ticked choices, and answers with a page", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    const res = await submit("/s/S12/0001", { email: " Form.Filler@Example.com ", deals: "on", stay: "on" });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1 style=\"font-size:22px\">Check your email</h1>");
    // restock was left unticked: absent from the form means no
    expect(await subscriptionRows()).toEqual([
      { email: "form.filler@example.com", store: "S12", status: "pending", restock: false, deals: true, stay_subscribed: true },
    ]);
    expect(await outboxCount()).toBe(1);
  });

  it("treats every unticked box as no", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    expect((await submit("/s/S7/0001", { email: "only.restock@example.com", restock: "on" })).status).toBe(202);
    expect(await subscriptionRows()).toEqual([
      { email: "only.restock@example.com", store: "S7", status: "pending", restock: true, deals: false, stay_subscribed: false },
    ]);
  });

  it("shows the form again with the errors listed and what was typed kept", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    const badEmail = await submit("/s/S12/0001", { email: "not an address", deals: "on", stay: "on" });
    expect(badEmail.status).toBe(422);
    expect(badEmail.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await badEmail.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain("<li>email: must be an email address like name@example.com</li>");
    expect(tagWith(html, 'name="email"')).toContain('value="not an address"');
    expect(tagWith(html, 'name="restock"')).not.toContain(" checked");
    expect(tagWith(html, 'name="deals"')).toContain(" checked");
    expect(tagWith(html, 'name="stay"')).toContain(" checked");
    // still the whole page, ready to post again
    expect(tagWith(html, 'method="post"')).toContain('action="/s/S12/0001"');
    expect(html).toContain("Out of stock right now.");

    const nothingTicked = await submit("/s/S12/0001", { email: "undecided@example.com" });
    expect(nothingTicked.status).toBe(422);
    const second = await nothingTicked.text();
    expect(second).toContain("<li>restock: choose back-in-stock notices, deal notices or both</li>");
    expect(tagWith(second, 'name="email"')).toContain('value="undecided@example.com"');

    expect(await subscriptionRows()).toEqual([]);
    expect(await outboxCount()).toBe(0);
  });

  it("answers an unknown SKU or store with 404, to a look and to a post", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    for (const path of ["/s/S12/9999", "/s/S99/0001"]) {
      const looked = await page(path);
      expect(looked.status, path).toBe(404);
      expect(looked.type).toMatch(/^text\/html/);
      const posted = await submit(path, { email: "lost@example.com", restock: "on" });
      expect(posted.status, path).toBe(404);
    }
    expect((await page("/s/S12/9999")).html).toContain("no item with SKU &quot;9999&quot;");
    expect(await subscriptionRows()).toEqual([]);
  });
});
