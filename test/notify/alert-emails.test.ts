import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { queryRows } from "../../src/db/client.js";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { bearer, useTestContext } from "../helpers/context.js";
import { useTestSmtp, type TestSmtp } from "../helpers/smtp.js";
import { advertisedItemAtStore12, postJson, postStock } from "./alert-fixtures.js";

const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);

/** One sweep and one dispatcher run, the way the scheduler chains them; returns the emails that arrived. */
async function sweepAndSend(options: { full?: boolean } = {}) {
  const before = live.smtp.messages.length;
  await sweepWithAlerts(ctx.deps, { now: ctx.clock.now(), ...options });
  await runDispatch({ ...ctx.deps, mailer: live.mailer });
  return live.smtp.messages.slice(before);
}

async function alertOf(key: string, id: number) {
  const res = await ctx.app.request(`/v1/alerts/${id}`, { headers: bearer(key) });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    state: string;
    figures: { onHand: number; projectedStockoutDate: string; probability: number; suggestedQuantity: number };
    history: Array<{ event: string; cause: string }>;
    emails: Array<{ recipient: string; status: string }>;
  };
}

const managers = ["ana.manager@store12.example", "ben.manager@store12.example"];
const recipientsOf = (messages: TestSmtp["messages"]) => messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address).sort();

describe("urgent alert emails", () => {
  it("emails the managers once when an advertised item will not last its promotion, escalates when worse, resolves quietly on receipt", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 110);

    const opened = await sweepAndSend();
    expect(recipientsOf(opened)).toEqual(managers);
    const [alert] = (await queryRows<{ id: number; kind: string }>(ctx.db.db, sql`select id, kind from alerts`)) ;
    expect(alert!.kind).toBe("promotion_stockout");
    const { figures } = await alertOf(chainKey, alert!.id);
    const email = opened[0]!;
    // 2026-11-26 is the Thursday the ad ends; the projected day is named by its weekday too
    const weekday = new Date(`${figures.projectedStockoutDate}T12:00:00Z`).toLocaleDateString("en-US", { weekday: "short", timeZone: "UTC" });
    expect(email.subject).toBe(`Tomatoes 1 kg: runs out ${weekday}, ad ends Thu, Store 12 Mt Auburn`);
    expect(email.messageId).toMatch(/^<[0-9a-f-]{36}@shelfwatch\.localhost>$/);
    for (const text of [email.text!, email.html as string]) {
      expect(text).toContain("110");
      expect(text).toContain(`${Math.round(figures.probability * 100)}%`);
      expect(text).toContain("Week 47 flyer");
      expect(text).toContain("Thu 26 Nov");
      expect(text).toContain(`${figures.suggestedQuantity} units`);
      expect(text).toContain("https://shelfwatch.example/links/");
      expect(text).toContain("https://shelfwatch.example/dashboard/stores/S12/items/0001");
      expect(text).toContain("12 Mt Auburn St");
    }
    expect(figures.suggestedQuantity).toBeGreaterThan(0);

    // the same data again, even recomputed in full: nothing new to say
    ctx.clock.advance(15 * 60_000);
    expect(await sweepAndSend({ full: true })).toHaveLength(0);

    // the shelf sells down faster than planned: earlier stockout, one escalation to each manager
    ctx.clock.advance(15 * 60_000);
    await postStock(ctx, chainKey, 70);
    const escalated = await sweepAndSend();
    expect(recipientsOf(escalated)).toEqual(managers);
    expect(escalated[0]!.subject).toMatch(/^Worse: Tomatoes 1 kg: runs out \w{3}, ad ends Thu, Store 12 Mt Auburn$/);
    expect(escalated[0]!.messageId).not.toBe(email.messageId);

    // a delivery is received: the risk passes, the alert resolves, nobody is emailed
    ctx.clock.advance(15 * 60_000);
    await postStock(ctx, chainKey, 600);
    expect(await sweepAndSend()).toHaveLength(0);
    const resolved = await alertOf(chainKey, alert!.id);
    expect(resolved.state).toBe("resolved");
    expect(resolved.history.map((h) => h.event)).toEqual(["opened", "escalated", "resolved"]);
    expect(resolved.history[2]!.cause).toMatch(/^risk passed/);
    expect(resolved.emails.map((e) => e.recipient).sort()).toEqual([...managers, ...managers].sort());
    expect(resolved.emails.every((e) => e.status === "sent")).toBe(true);
    // the staff member who turned urgent email off, and the other store's manager, never heard a thing
    const all = await queryRows<{ recipient: string }>(ctx.db.db, sql`select distinct recipient from outbox order by recipient`);
    expect(all.map((r) => r.recipient)).toEqual(managers);
  });

  it("holds an urgent email through the recipient's quiet hours, then sends it", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 110);
    // 15:00 UTC is 10:00 in Cambridge MA
    const listed = (await (await ctx.app.request("/v1/stores/S12/recipients", { headers: bearer(chainKey) })).json()) as { recipients: Array<{ id: number; email: string }> };
    const ana = listed.recipients.find((r) => r.email === managers[0])!;
    const patched = await ctx.app.request(`/v1/stores/S12/recipients/${ana.id}`, {
      method: "PATCH",
      headers: { ...bearer(chainKey), "content-type": "application/json" },
      body: JSON.stringify({ quietStart: "09:00", quietEnd: "11:30" }),
    });
    expect(patched.status).toBe(200);
    expect(recipientsOf(await sweepAndSend())).toEqual([managers[1]]);
    ctx.clock.set("2026-11-20T16:29:00Z");
    await runDispatch({ ...ctx.deps, mailer: live.mailer });
    expect(live.smtp.messages).toHaveLength(1);
    ctx.clock.set("2026-11-20T16:30:00Z");
    await runDispatch({ ...ctx.deps, mailer: live.mailer });
    expect(recipientsOf(live.smtp.messages)).toEqual(managers);
  });
});

describe("acknowledge and snooze links", () => {
  const linkIn = (text: string, label: string) => {
    const match = new RegExp(`${label}: https://shelfwatch\\.example(/links/\\S+)`).exec(text);
    expect(match, `no ${label} link in\n${text}`).not.toBeNull();
    return match![1]!;
  };
  const html = { accept: "text/html" };

  it("acknowledges once, refuses a second use, a tampered or an expired link, and stops urgent email for the alert", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 110);
    const [first] = await sweepAndSend();
    const acknowledge = linkIn(first!.text!, "Acknowledge");

    // opening the link only shows a button: mail scanners fetch links
    const page = await ctx.app.request(acknowledge, { headers: html });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<form method="post" action="${acknowledge}">`);
    const [{ state: unchanged }] = (await queryRows<{ state: string }>(ctx.db.db, sql`select state from alerts`)) as [{ state: string }];
    expect(unchanged).toBe("open");

    const [token] = acknowledge.split("/").slice(-1);
    const [body, mac] = token!.split(".");
    const tampered = `/links/${body!.slice(0, -2)}${body!.slice(-2) === "fQ" ? "fR" : "fQ"}.${mac}`;
    const forged = await ctx.app.request(tampered, { method: "POST" });
    expect(forged.status).toBe(400);
    expect(forged.headers.get("content-type")).toBe("application/problem+json");
    expect(((await forged.json()) as { code: string }).code).toBe("link_invalid");

    const done = await ctx.app.request(acknowledge, { method: "POST", headers: html });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("is acknowledged");
    const again = await ctx.app.request(acknowledge, { method: "POST" });
    expect(again.status).toBe(410);
    expect(((await again.json()) as { code: string }).code).toBe("link_used");

    const alert = (await queryRows<{ id: number; state: string }>(ctx.db.db, sql`select id, state from alerts`))[0]!;
    expect(alert.state).toBe("acknowledged");
    // worse, but acknowledged: the escalation is recorded, no email goes out
    ctx.clock.advance(30 * 60_000);
    await postStock(ctx, chainKey, 50);
    expect(await sweepAndSend()).toHaveLength(0);
    const events = await queryRows<{ event: string; actor: string }>(ctx.db.db, sql`select event, actor from alert_events where alert_id = ${alert.id} order by id`);
    expect(events).toEqual([
      { event: "opened", actor: "sweep" },
      { event: "acknowledged", actor: "email link" },
      { event: "escalated", actor: "sweep" },
    ]);

    // Ben's snooze link still works for the same alert until it expires (7 days by default)
    const bens = live.smtp.messages.find((m) => recipientsOf([m])[0] === managers[1])!;
    const snooze = linkIn(bens.text!, "Snooze");
    ctx.clock.advance(7 * 24 * 3600_000 + 60_000);
    const expired = await ctx.app.request(snooze, { method: "POST", headers: html });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain("This link has expired");
  });

  it("snoozes: no urgent email until the snooze ends, then escalations are sent again", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 110);
    const [first] = await sweepAndSend();
    const snoozed = await ctx.app.request(linkIn(first!.text!, "Snooze"), { method: "POST" });
    expect(snoozed.status, await snoozed.clone().text()).toBe(200);
    expect(await snoozed.json()).toMatchObject({ state: "snoozed" });

    ctx.clock.advance(60 * 60_000);
    await postStock(ctx, chainKey, 70);
    expect(await sweepAndSend()).toHaveLength(0);

    // 24 hours later the snooze is over; a further drop is news again
    ctx.clock.advance(24 * 3600_000);
    await postStock(ctx, chainKey, 30);
    const after = await sweepAndSend();
    expect(recipientsOf(after)).toEqual(managers);
    expect(after[0]!.subject).toMatch(/^Worse: /);
  });
});

describe("stale feeds", () => {
  it("raises its own urgent alert and holds back stockout alerts for the store until data arrives", async () => {
    // the POS last sent data two days ago; the store expects a feed every day
    ctx.clock.set("2026-11-18T15:00:00Z");
    const { chainKey } = await advertisedItemAtStore12(ctx, 110);
    ctx.clock.set("2026-11-20T15:00:00Z");

    const stale = await sweepAndSend();
    expect(recipientsOf(stale)).toEqual(managers);
    expect(stale[0]!.subject).toBe("Store 12 Mt Auburn: no POS data since Wed 10:00");
    const kinds = await queryRows<{ kind: string; state: string }>(ctx.db.db, sql`select kind, state from alerts order by id`);
    expect(kinds).toEqual([{ kind: "stale_feed", state: "open" }]);

    // data arrives: the feed alert resolves and the item's risk is alerted on fresh data
    await postStock(ctx, chainKey, 110);
    const fresh = await sweepAndSend();
    expect(fresh.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Tomatoes 1 kg: runs out/),
      expect.stringMatching(/^Tomatoes 1 kg: runs out/),
    ]);
    const after = await queryRows<{ kind: string; state: string }>(ctx.db.db, sql`select kind, state from alerts order by id`);
    expect(after).toEqual([
      { kind: "stale_feed", state: "resolved" },
      { kind: "promotion_stockout", state: "open" },
    ]);
    expect(await postJson(ctx, "/v1/alerts/1/acknowledge", chainKey, {}, 409)).toMatchObject({ code: "conflict" });
  });
});
