import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { postJson, postStock } from "../notify/alert-fixtures.js";
import { addressOf, customerFlow, headerLine, linkIn } from "./customer-fixtures.js";

const ctx = useTestContext({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", PUBLIC_URL: "https://shelfwatch.example", NOTICES_PER_UNIT: "1", RESTOCK_WAVE_MINUTES: "60" });
const live = useTestSmtp(() => ctx.deps.log);

const flow = customerFlow(ctx, live);
/** The job run and a dispatcher run, as the scheduler chains them; returns what arrived over SMTP. */
const noticesAndSend = flow.notices;
const send = flow.send;

async function subscribe(email: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return ctx.app.request("/v1/subscriptions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, store: "S12", sku: "0001", ...extra }),
  });
}

const subscribers = Array.from({ length: 10 }, (_, i) => `shopper${i}@example.com`);

describe("back-in-stock notices", () => {
  it("confirms by link, tells the earliest subscribers in waves sized to the stock, and keeps the rest for the next restock", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);

    // ten subscribers a minute apart, one who never confirms, and the same answer for a repeat
    for (const email of [...subscribers, "never.confirms@example.com"]) {
      const res = await subscribe(email);
      expect(res.status).toBe(202);
      ctx.clock.advance(60_000);
    }
    const repeat = await subscribe(subscribers[0]!);
    const fresh = await subscribe("brand.new@example.com");
    expect(repeat.status).toBe(fresh.status);
    expect(await repeat.json()).toEqual(await fresh.json());

    const confirmations = await send();
    expect(confirmations.every((m) => m.subject?.startsWith("Confirm:"))).toBe(true);
    // repeat of a pending request resends its confirmation; the brand-new address gets one too
    expect(new Set(confirmations.map(addressOf))).toEqual(new Set([...subscribers, "never.confirms@example.com", "brand.new@example.com"]));

    // confirm the ten (the link shows a button on GET and acts on POST)
    for (const email of subscribers) {
      const message = confirmations.find((m) => addressOf(m) === email)!;
      const path = linkIn(message, "/c/");
      const page = await ctx.app.request(path, { headers: { accept: "text/html" } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Confirm subscription");
      const confirmed = await ctx.app.request(path, { method: "POST", headers: { accept: "application/json" } });
      expect(confirmed.status).toBe(200);
      expect(await confirmed.json()).toEqual({ status: "confirmed" });
    }

    // still out of stock: nobody hears anything
    expect(await noticesAndSend()).toEqual([]);

    // 3 units arrive: the three earliest subscribers hear, nobody else
    ctx.clock.advance(3600_000);
    await postStock(ctx, chainKey, 3);
    const firstWave = await noticesAndSend();
    expect(firstWave.map(addressOf).sort()).toEqual(subscribers.slice(0, 3));
    const notice = firstWave[0]!;
    expect(notice.subject).toBe("Back in stock: Tomatoes 1 kg at Store 12 Mt Auburn");
    expect(headerLine(notice, "list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    expect(headerLine(notice, "list-unsubscribe")).toMatch(/^<https:\/\/shelfwatch\.example\/c\/[A-Za-z0-9_.-]+>$/);
    for (const body of [notice.text!, notice.html as string]) {
      expect(body).toContain("12 Mt Auburn St");
      expect(body).toContain("Unsubscribe");
    }

    // the same run again, and again before the wave interval: nothing new
    expect(await noticesAndSend()).toEqual([]);
    ctx.clock.advance(30 * 60_000);
    expect(await noticesAndSend()).toEqual([]);

    // sold out before the next wave: the rest wait
    await postStock(ctx, chainKey, 0);
    ctx.clock.advance(60 * 60_000);
    expect(await noticesAndSend()).toEqual([]);

    // the next restock, 2 units: the next two in line, not the three who already heard
    ctx.clock.advance(24 * 3600_000);
    await postStock(ctx, chainKey, 2);
    const secondRestock = await noticesAndSend();
    expect(secondRestock.map(addressOf).sort()).toEqual(subscribers.slice(3, 5));

    // an hour later the 2 units are still there: a second wave of 2 goes to the next in line
    ctx.clock.advance(61 * 60_000);
    const secondWave = await noticesAndSend();
    expect(secondWave.map(addressOf).sort()).toEqual(subscribers.slice(5, 7));

    // nobody got two notices; the unconfirmed address got only its confirmation
    const notices = live.smtp.messages.filter((m) => m.subject?.startsWith("Back in stock"));
    expect(new Set(notices.map(addressOf)).size).toBe(notices.length);
    expect(live.smtp.messages.filter((m) => addressOf(m) === "never.confirms@example.com").map((m) => m.subject?.slice(0, 8))).toEqual(["Confirm:"]);

    // those who heard are unsubscribed (they did not choose to stay); the rest still wait
    const states = await queryRows<{ email: string; status: string; end_reason: string | null }>(
      ctx.db.db,
      sql`select email, status, end_reason from subscriptions where email like 'shopper%' order by email`,
    );
    expect(states.filter((s) => s.status === "ended").map((s) => s.email)).toEqual(subscribers.slice(0, 7));
    expect(states.filter((s) => s.status === "active").map((s) => s.email)).toEqual(subscribers.slice(7));
  });

  it("sends nothing to the unsubscribed (one-click POST, no login) or to an address that stopped all email", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    for (const email of ["stays@example.com", "leaves@example.com", "stops@example.com"]) {
      expect((await subscribe(email, { stay: true })).status).toBe(202);
      ctx.clock.advance(60_000);
    }
    for (const message of await send()) {
      expect((await ctx.app.request(linkIn(message, "/c/"), { method: "POST" })).status).toBe(200);
    }
    await postStock(ctx, chainKey, 5);
    const first = await noticesAndSend();
    expect(first.map(addressOf).sort()).toEqual(["leaves@example.com", "stays@example.com", "stops@example.com"]);

    // a mail program's one-click unsubscribe: a POST to the List-Unsubscribe address with the RFC 8058 body
    const leaving = first.find((m) => addressOf(m) === "leaves@example.com")!;
    expect((await flow.unsubscribeOneClick(leaving)).status).toBe(200);
    // "stop all email" from the footer
    const stopping = first.find((m) => addressOf(m) === "stops@example.com")!;
    const stopPath = /https:\/\/shelfwatch\.example(\/c\/[A-Za-z0-9_.-]+)/g;
    const links = [...(stopping.text ?? "").matchAll(stopPath)].map((m) => m[1]!);
    const stopLink = links.at(-1)!;
    expect(await (await ctx.app.request(stopLink, { headers: { accept: "text/html" } })).text()).toContain("Stop all email");
    expect((await ctx.app.request(stopLink, { method: "POST" })).status).toBe(200);

    // the next restock: only the one who stayed hears
    await postStock(ctx, chainKey, 0);
    await noticesAndSend();
    ctx.clock.advance(3 * 3600_000);
    await postStock(ctx, chainKey, 4);
    expect((await noticesAndSend()).map(addressOf)).toEqual(["stays@example.com"]);

    // a suppressed address asking again gets the same answer, and no email at all
    const again = await subscribe("stops@example.com");
    expect(again.status).toBe(202);
    expect(await send()).toEqual([]);
  });

  it("tells a subscriber to every store once, at the first store that restocks; deal notices they asked for go on", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postStock(ctx, chainKey, 0);
    await postJson(ctx, "/v1/stock", chainKey, { rows: [{ store: "S7", sku: "0001", onHand: 0, observedAt: ctx.clock.now().toISOString() }] }, 201);
    expect((await subscribe("everywhere@example.com", { store: "all", deals: true })).status).toBe(202);
    ctx.clock.advance(60_000);
    expect((await subscribe("anywhere@example.com", { store: "all" })).status).toBe(202);
    for (const message of await send()) expect((await ctx.app.request(linkIn(message, "/c/"), { method: "POST" })).status).toBe(200);

    ctx.clock.advance(3600_000);
    await postStock(ctx, chainKey, 5);
    expect((await noticesAndSend()).map(addressOf).sort()).toEqual(["anywhere@example.com", "everywhere@example.com"]);

    ctx.clock.advance(3600_000);
    await postJson(ctx, "/v1/stock", chainKey, { rows: [{ store: "S7", sku: "0001", onHand: 5, observedAt: ctx.clock.now().toISOString() }] }, 201);
    expect(await noticesAndSend()).toEqual([]);

    const rows = await queryRows<{ email: string; store: string; status: string; restock: boolean; deals: boolean }>(
      ctx.db.db,
      sql`select s.email, st.code as store, s.status, s.restock, s.deals from subscriptions s join stores st on st.id = s.store_id order by s.email, st.code`,
    );
    expect(rows).toEqual([
      { email: "anywhere@example.com", store: "S12", status: "ended", restock: true, deals: false },
      { email: "anywhere@example.com", store: "S7", status: "ended", restock: true, deals: false },
      { email: "everywhere@example.com", store: "S12", status: "active", restock: false, deals: true },
      { email: "everywhere@example.com", store: "S7", status: "active", restock: false, deals: true },
    ]);
  });
});
