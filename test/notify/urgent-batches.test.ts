import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openDatabase, queryRows, type DatabaseHandle } from "../../src/db/client.js";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { mergeNotices, nextUrgentSlot } from "../../src/notify/urgent-batches.js";
import type { AlertNotice } from "../../src/db/schema/outbox.js";
import type { AlertFigures } from "../../src/alerts/alert-types.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { onPostgres } from "../helpers/database.js";
import { useTestSmtp, type TestSmtp } from "../helpers/smtp.js";
import { upload } from "../helpers/sync-requests.js";
import { postJson, salesHistory } from "./alert-fixtures.js";

// a cap of two an hour makes the third email of an hour wait
const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example", URGENT_EMAILS_PER_HOUR: "2" });
const live = useTestSmtp(() => ctx.deps.log);

const MINUTE = 60_000;
const managers = ["ana.manager@store12.example", "ben.manager@store12.example"];
const SKUS = Array.from({ length: 10 }, (_, i) => `10${String(i).padStart(2, "0")}`);
const nameOf = (sku: string) => `Flyer item ${sku}`;
const addressOf = (message: TestSmtp["messages"][number]) => (Array.isArray(message.to) ? message.to[0] : message.to)!.value[0]!.address!;

/**
 * Store 12 with 12 weeks of sales of ten items, all in the week-47 flyer (2026-11-20 to 2026-11-26), 600 of each on
 * hand (enough for the week); two managers who want urgent email and a staff member who does not.
 */
async function tenAdvertisedItems() {
  const keys = await seedStoresAndKeys(ctx);
  const history = SKUS.map((sku, i) => salesHistory(sku).split("\n").slice(i === 0 ? 0 : 1).join("\n")).join("");
  expect((await upload(ctx, keys.chainKey, history)).status).toBe(201);
  await setStock(keys.chainKey, Object.fromEntries(SKUS.map((sku) => [sku, 600])));
  await postJson(ctx, "/v1/promotions", keys.chainKey, {
    promotions: [{ id: "AD-2026-47", name: "Week 47 flyer", skus: SKUS, stores: ["S12"], startDate: "2026-11-20", endDate: "2026-11-26" }],
  });
  for (const recipient of [
    { email: managers[0], name: "Ana", role: "manager" },
    { email: managers[1], name: "Ben", role: "manager" },
    { email: "cy.staff@store12.example", name: "Cy", role: "staff", urgentEmails: false },
  ]) {
    await postJson(ctx, "/v1/stores/S12/recipients", keys.chainKey, recipient, 201);
  }
  return keys;
}

async function setStock(key: string, onHand: Record<string, number>) {
  const observedAt = ctx.clock.now().toISOString();
  const rows = Object.entries(onHand).map(([sku, units]) => ({ store: "S12", sku, onHand: units, observedAt, name: nameOf(sku), category: "Grocery" }));
  await postJson(ctx, "/v1/stock", key, { rows }, 201);
}

/** One sweep and one dispatcher run, the way the scheduler chains them; returns the emails that arrived. */
async function sweepAndSend() {
  const before = live.smtp.messages.length;
  await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
  await runDispatch({ ...ctx.deps, mailer: live.mailer });
  return live.smtp.messages.slice(before);
}

async function dispatchAt(iso: string) {
  ctx.clock.set(iso);
  const before = live.smtp.messages.length;
  await runDispatch({ ...ctx.deps, mailer: live.mailer });
  return live.smtp.messages.slice(before);
}

/** The items an email tells of, by their dashboard links, in the order they appear. */
function skusIn(text: string): string[] {
  return [...text.matchAll(/https:\/\/shelfwatch\.example\/dashboard\/stores\/S12\/items\/(\d+)/g)].map((match) => match[1]!);
}

describe("urgent alerts raised by one sweep", () => {
  it("give each recipient one email that leads with the most urgent item and lists the other nine, each linked to its page", async () => {
    const { chainKey } = await tenAdvertisedItems();
    expect(await sweepAndSend()).toHaveLength(0);

    // the flyer sells more than planned: all ten shelves run low at once, the first lowest
    ctx.clock.advance(15 * MINUTE);
    await setStock(chainKey, Object.fromEntries(SKUS.map((sku, i) => [sku, 40 + 8 * i])));
    const emails = await sweepAndSend();

    expect(emails.map(addressOf).sort()).toEqual(managers);
    const alerts = await queryRows<{ id: number; sku: string; urgent: boolean; kind: string; figures: { projectedStockoutDate: string; probability: number } | string }>(
      ctx.db.db,
      sql`select a.id, i.sku, a.urgent, a.kind, a.figures from alerts a join items i on i.id = a.item_id order by a.id`,
    );
    expect(alerts).toHaveLength(10);
    expect(alerts.every((alert) => alert.urgent && alert.kind === "promotion_stockout")).toBe(true);
    for (const email of emails) {
      expect(email.subject).toMatch(/^10 urgent alerts at Store 12 Mt Auburn: Flyer item 1000 \(runs out \w+, ad ends Thu\) and 9 more$/);
      for (const part of [email.text!, email.html as string]) {
        const linked = skusIn(part);
        // the lead first (its page is its "Open item" button), then the nine others, each once
        expect(linked[0]).toBe("1000");
        expect([...new Set(linked)].sort()).toEqual(SKUS);
        for (const sku of SKUS) expect(part).toContain(nameOf(sku));
        expect(part).toContain("Week 47 flyer");
        expect(part).toContain("https://shelfwatch.example/dashboard/alerts?store=S12");
      }
      // one line per other item: its stock, its chance and when it runs out, and what to do
      const flat = email.text!.replace(/\s+/g, " ");
      expect(flat).toMatch(/\* Flyer item 1009 \(SKU 1009\): 112 units on hand · runs out \w+, ad ends Thu · \d+% chance\. Order or move \d+ units to last through Thu 26 Nov\. https:\/\/shelfwatch\.example\/dashboard\/stores\/S12\/items\/1009/);
      // signed links for the lead only: the others are acknowledged on their pages
      expect(email.text!.match(/\/links\//g)).toHaveLength(2);
    }
    // the lead is the one expected to run out first (and likelier to, on the same day)
    const parsed = alerts.map((a) => ({ ...a, figures: typeof a.figures === "string" ? (JSON.parse(a.figures) as { projectedStockoutDate: string; probability: number }) : a.figures }));
    const soonest = [...parsed].sort(
      (a, b) => a.figures.projectedStockoutDate.localeCompare(b.figures.projectedStockoutDate) || b.figures.probability - a.figures.probability,
    )[0]!;
    expect(soonest.sku).toBe("1000");

    // each alert shows the one email per manager that told of it
    for (const alert of alerts) {
      const res = await ctx.app.request(`/v1/alerts/${alert.id}`, { headers: bearer(chainKey) });
      const body = (await res.json()) as { emails: Array<{ recipient: string; status: string }> };
      expect(body.emails.map((e) => e.recipient).sort(), alert.sku).toEqual(managers);
      expect(body.emails.every((e) => e.status === "sent")).toBe(true);
    }
    const rows = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from outbox where category = 'alert'`);
    expect(rows[0]!.n).toBe(2);
  });
});

describe("the hourly cap on urgent email", () => {
  it("holds a recipient to two urgent emails in any hour; the alerts beyond it arrive in the next email the cap allows, once", async () => {
    ctx.clock.set("2026-11-20T14:30:00Z");
    const { chainKey } = await tenAdvertisedItems();
    expect(await sweepAndSend()).toHaveLength(0);
    const received = new Map<string, Array<{ at: string; subject: string; skus: string[] }>>(managers.map((m) => [m, []]));
    const note = (emails: TestSmtp["messages"]) => {
      for (const email of emails) received.get(addressOf(email))!.push({ at: ctx.clock.now().toISOString(), subject: email.subject!, skus: [...new Set(skusIn(email.text!))] });
      return emails;
    };
    const oneItemTurnsUrgent = async (iso: string, sku: string) => {
      ctx.clock.set(iso);
      await setStock(chainKey, { [sku]: 60 });
      return note(await sweepAndSend());
    };

    // 15:00 and 15:10: one alert a sweep, each its own email, the single-item email as before
    const first = await oneItemTurnsUrgent("2026-11-20T15:00:00Z", "1000");
    expect(first.map(addressOf).sort()).toEqual(managers);
    expect(first[0]!.subject).toMatch(/^Flyer item 1000: runs out \w+, ad ends Thu, Store 12 Mt Auburn$/);
    expect(first[0]!.text).toContain("Acknowledge: https://shelfwatch.example/links/");
    expect(first[0]!.text).not.toContain("Also urgent");
    expect(await oneItemTurnsUrgent("2026-11-20T15:10:00Z", "1001")).toHaveLength(2);

    // 15:20 and 15:30: the cap is reached; both alerts wait in one email for 16:00, an hour after the first
    expect(await oneItemTurnsUrgent("2026-11-20T15:20:00Z", "1002")).toHaveLength(0);
    expect(await oneItemTurnsUrgent("2026-11-20T15:30:00Z", "1003")).toHaveLength(0);
    const held = await queryRows<{ recipient: string; not_before: string }>(
      ctx.db.db,
      sql`select recipient, to_json(not_before) #>> '{}' as not_before from outbox where status = 'pending' order by recipient`,
    );
    expect(held.map((row) => [row.recipient, new Date(row.not_before).toISOString()])).toEqual(managers.map((m) => [m, "2026-11-20T16:00:00.000Z"]));
    expect(note(await dispatchAt("2026-11-20T15:59:00Z"))).toHaveLength(0);
    const late = note(await dispatchAt("2026-11-20T16:00:00Z"));
    expect(late.map(addressOf).sort()).toEqual(managers);
    expect(late[0]!.subject).toMatch(/^2 urgent alerts at Store 12 Mt Auburn: Flyer item 100[23] \(runs out \w+, ad ends Thu\) and 1 more$/);

    // 16:05: 15:10 and 16:00 are within the hour, so the next email waits for 16:10; nothing is sent twice meanwhile
    expect(await oneItemTurnsUrgent("2026-11-20T16:05:00Z", "1004")).toHaveLength(0);
    expect(note(await dispatchAt("2026-11-20T16:09:59Z"))).toHaveLength(0);
    expect(note(await dispatchAt("2026-11-20T16:10:00Z")).map(addressOf).sort()).toEqual(managers);
    for (const minute of [11, 30, 59]) expect(note(await dispatchAt(`2026-11-20T17:${minute}:00Z`))).toHaveLength(0);
    ctx.clock.set("2026-11-20T17:30:00Z");
    expect(note(await sweepAndSend())).toHaveLength(0);

    // each manager: four emails, every alert in exactly one of them, never two emails in a window that held two already
    for (const manager of managers) {
      const emails = received.get(manager)!;
      expect(emails.map((e) => e.at)).toEqual(["2026-11-20T15:00:00.000Z", "2026-11-20T15:10:00.000Z", "2026-11-20T16:00:00.000Z", "2026-11-20T16:10:00.000Z"]);
      expect(emails.map((e) => e.skus.sort())).toEqual([["1000"], ["1001"], ["1002", "1003"], ["1004"]]);
      for (const email of emails) {
        const within = emails.filter((other) => Date.parse(other.at) > Date.parse(email.at) - 60 * MINUTE && Date.parse(other.at) <= Date.parse(email.at));
        expect(within.length).toBeLessThanOrEqual(2);
      }
    }
    // the staff member who turned urgent email off heard nothing
    const all = await queryRows<{ recipient: string }>(ctx.db.db, sql`select distinct recipient from outbox order by recipient`);
    expect(all.map((r) => r.recipient)).toEqual(managers);
  });
});

describe("a held email and the dispatcher at the same moment", () => {
  let other: DatabaseHandle | undefined;
  beforeAll(() => {
    // on PostgreSQL the sweep runs on a connection of its own and really races the dispatcher; PGlite has one
    if (onPostgres) other = openDatabase({ url: ctx.db.url!, dataDir: "unused" });
  });
  afterAll(async () => {
    await other?.close();
  });

  it("tells each alert once: joined to the held email before it is taken, or in the next one after", async () => {
    ctx.clock.set("2026-11-20T14:30:00Z");
    const { chainKey } = await tenAdvertisedItems();
    expect(await sweepAndSend()).toHaveLength(0);
    const turnUrgent = async (iso: string, sku: string) => {
      ctx.clock.set(iso);
      await setStock(chainKey, { [sku]: 60 });
    };
    for (const [iso, sku] of [["2026-11-20T15:00:00Z", "1000"], ["2026-11-20T15:10:00Z", "1001"], ["2026-11-20T15:20:00Z", "1002"]] as const) {
      await turnUrgent(iso, sku);
      await sweepAndSend();
    }
    // 16:00: the email held since 15:20 is due, and a sweep raises another alert while the dispatcher sends
    const rounds: Array<[string, string]> = [["2026-11-20T16:00:00Z", "1003"], ["2026-11-20T16:10:00Z", "1004"], ["2026-11-20T17:00:00Z", "1005"]];
    for (const [iso, sku] of rounds) {
      await turnUrgent(iso, sku);
      await Promise.all([
        sweepWithAlerts({ ...ctx.deps, db: other?.db ?? ctx.db.db }, { now: ctx.clock.now() }),
        runDispatch({ ...ctx.deps, mailer: live.mailer }),
      ]);
    }
    for (let minute = 0; minute <= 180; minute += 5) await dispatchAt(new Date(Date.parse("2026-11-20T17:00:00Z") + minute * MINUTE).toISOString());

    for (const manager of managers) {
      const emails = live.smtp.messages.filter((m) => addressOf(m) === manager);
      const told = emails.flatMap((m) => [...new Set(skusIn(m.text!))]).sort();
      expect(told).toEqual(["1000", "1001", "1002", "1003", "1004", "1005"]);
    }
    const rows = await queryRows<{ recipient: string; at: string }>(
      ctx.db.db,
      sql`select recipient, to_json(sent_at) #>> '{}' as at from outbox where category = 'alert' and status = 'sent' order by sent_at`,
    );
    for (const manager of managers) {
      const times = rows.filter((row) => row.recipient === manager).map((row) => Date.parse(row.at));
      for (const t of times) expect(times.filter((u) => u > t - 60 * MINUTE && u <= t).length).toBeLessThanOrEqual(2);
    }
    const pending = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from outbox where status <> 'sent'`);
    expect(pending[0]!.n).toBe(0);
  });
});

describe("the next moment the cap allows", () => {
  const at = (hhmm: string) => new Date(`2026-11-20T${hhmm}:00Z`);
  const slot = (wanted: string, taken: string[], perHour = 2) => nextUrgentSlot(at(wanted), taken.map(at), perHour).toISOString().slice(11, 16);

  it("is now while the hour has room, else an hour after the email that frees a place", () => {
    expect(slot("15:20", [])).toBe("15:20");
    expect(slot("15:20", ["15:00"])).toBe("15:20");
    expect(slot("15:20", ["15:00", "15:10"])).toBe("16:00");
    expect(slot("16:05", ["15:00", "15:10", "16:00"])).toBe("16:10");
    // exactly an hour after an email is outside its hour
    expect(slot("16:00", ["15:00", "15:10"])).toBe("16:00");
    expect(slot("15:20", ["15:00", "15:10", "15:15"], 3)).toBe("16:00");
  });

  it("counts emails still waiting for a later moment, so that a new one does not crowd their hour", () => {
    // one sent at 15:00, one waiting for 15:50 (quiet hours): 15:20 would put three in 15:00–16:00 with a cap of two
    expect(slot("15:20", ["15:00", "15:50"])).toBe("16:00");
    // two waiting for 16:30 and 16:40: now is free, and 17:40 is the first moment after them
    expect(slot("15:00", ["16:30", "16:40"])).toBe("15:00");
    expect(slot("16:45", ["16:30", "16:40"])).toBe("17:30");
  });
});

describe("merging a held email's alerts with a later sweep's", () => {
  const figures = (onHand: number): AlertFigures => ({
    onHand,
    projectedStockoutDate: "2026-11-23",
    probability: 0.8,
    promotionName: "Week 47 flyer",
    promotionEnd: "2026-11-26",
    nextDeliveryDate: null,
    nextDeliveryQuantity: null,
    suggestedQuantity: 30,
    feedLastSeenAt: null,
  });
  const notice = (alertId: number, eventId: number, event: AlertNotice["event"], onHand: number, previous: number | null = null): AlertNotice => ({
    alertId,
    eventId,
    event,
    kind: "promotion_stockout",
    itemId: alertId * 10,
    figures: figures(onHand),
    previousFigures: previous === null ? null : figures(previous),
  });

  it("keeps one entry per alert with its latest figures, still new to a recipient who has not heard of it", () => {
    const merged = mergeNotices([notice(1, 11, "opened", 60), notice(2, 12, "escalated", 40, 70)], [notice(1, 21, "escalated", 30, 60), notice(3, 23, "opened", 50)]);
    expect(merged).toEqual([
      { ...notice(1, 21, "opened", 30), previousFigures: null },
      notice(2, 12, "escalated", 40, 70),
      notice(3, 23, "opened", 50),
    ]);
    // an escalation that gets worse again keeps what the recipient was last told
    expect(mergeNotices([notice(2, 12, "escalated", 40, 70)], [notice(2, 22, "escalated", 20, 40)])).toEqual([notice(2, 22, "escalated", 20, 70)]);
  });
});
