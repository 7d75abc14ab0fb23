import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { bearer, useTestContext } from "../helpers/context.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { advertisedItemAtStore12, postStock } from "../notify/alert-fixtures.js";
import { addressOf, customerFlow, headerLine, type Message } from "./customer-fixtures.js";

const ctx = useTestContext({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);
const flow = customerFlow(ctx, live);

const dealSubscribers = ["deal.one@example.com", "deal.two@example.com", "deal.three@example.com"];
const CODE = /RC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "Monday 23 November", worked out here rather than with the template's own helper */
function spelledOut(date: string): string {
  const day = new Date(`${date}T12:00:00Z`);
  return `${WEEKDAYS[day.getUTCDay()]} ${day.getUTCDate()} ${MONTHS[day.getUTCMonth()]}`;
}

/** the managers' alert emails go to @store12.example; customers are @example.com */
const customerMail = (messages: Message[]) => messages.filter((m) => addressOf(m).endsWith("@example.com"));

/**
 * Store 12's advertised tomatoes with 110 on the shelf (the sweep opens a promotion_stockout alert); three confirmed
 * deal subscribers, one confirmed restock-only subscriber, and one deal subscriber who never confirmed.
 */
async function dealSubscribersOfStore12() {
  const keys = await advertisedItemAtStore12(ctx, 110);
  await flow.subscribe(dealSubscribers[0]!, { deals: true });
  await flow.subscribe(dealSubscribers[1]!, { deals: true, restock: false });
  await flow.subscribe(dealSubscribers[2]!, { deals: true, stay: true });
  await flow.subscribe("restock.only@example.com");
  await flow.subscribe("never.confirms@example.com", { deals: true });
  const confirmations = await flow.send();
  expect(confirmations.map(addressOf).sort()).toEqual([...dealSubscribers, "restock.only@example.com", "never.confirms@example.com"].sort());
  for (const message of confirmations) if (addressOf(message) !== "never.confirms@example.com") await flow.confirm(message);
  return keys;
}

/** Issues the rain checks through the real path and returns each subscriber's code as printed in their email. */
async function issuedCodes() {
  const keys = await dealSubscribersOfStore12();
  const notices = customerMail(await flow.sweepAndNotices());
  expect(notices.map(addressOf).sort()).toEqual([...dealSubscribers].sort());
  return { keys, codes: new Map(notices.map((m) => [addressOf(m), CODE.exec(m.text ?? "")![0]])) };
}

async function lookUp(code: string, key: string | null) {
  return ctx.app.request(`/v1/rain-checks/${encodeURIComponent(code)}`, { headers: key ? bearer(key) : {} });
}

async function redeem(code: string, key: string | null, body: Record<string, unknown> = { store: "S12" }) {
  return ctx.app.request(`/v1/rain-checks/${encodeURIComponent(code)}/redeem`, {
    method: "POST",
    headers: { ...(key ? bearer(key) : {}), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function problemOf(res: Response): Promise<{ code: string; status: number; errors?: Array<{ field?: string; reason: string }> }> {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as { code: string; status: number; errors?: Array<{ field?: string; reason: string }> };
}

/** A code with one character changed to another of the alphabet: well-formed, but no rain check. */
function tampered(code: string): string {
  const last = code.at(-1)!;
  return `${code.slice(0, -1)}${last === "7" ? "8" : "7"}`;
}

describe("running-low notices with rain checks", () => {
  it("tells each confirmed deal subscriber once per promotion, with a rain check, the honest date and the store's address", async () => {
    const { chainKey } = await dealSubscribersOfStore12();
    // no alert yet: the job has nothing to say
    expect(await flow.notices()).toEqual([]);

    const arrived = await flow.sweepAndNotices();
    const [alert] = await queryRows<{ kind: string; state: string }>(ctx.db.db, sql`select kind, state from alerts`);
    expect(alert).toEqual({ kind: "promotion_stockout", state: "open" });
    const notices = customerMail(arrived);
    // the restock-only subscriber and the unconfirmed address hear nothing
    expect(notices.map(addressOf).sort()).toEqual([...dealSubscribers].sort());

    const [risk] = await queryRows<{ projected: string | null; ends: string }>(
      ctx.db.db,
      sql`select to_char(projected_stockout_date, 'YYYY-MM-DD') as projected, to_char(promotion_end, 'YYYY-MM-DD') as ends from stock_risks`,
    );
    expect(risk!.ends).toBe("2026-11-26");
    const when = risk!.projected && risk!.projected <= risk!.ends ? `by ${spelledOut(risk!.projected)}` : `before the deal ends on ${spelledOut(risk!.ends)}`;

    const stored = await queryRows<{ email: string; code: string; promotion_external_id: string; redeemed_at: string | null }>(
      ctx.db.db,
      sql`select email, code, promotion_external_id, redeemed_at from rain_checks order by email`,
    );
    expect(stored.map((r) => r.email)).toEqual([...dealSubscribers].sort());
    expect(stored.every((r) => r.promotion_external_id === "AD-2026-47" && r.redeemed_at === null)).toBe(true);

    for (const notice of notices) {
      expect(notice.subject).toBe(`Tomatoes 1 kg may sell out ${when} at Store 12 Mt Auburn: your rain check`);
      expect(headerLine(notice, "list-unsubscribe")).toMatch(/^<https:\/\/shelfwatch\.example\/c\/[A-Za-z0-9_.-]+>$/);
      expect(headerLine(notice, "list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
      const code = CODE.exec(notice.text ?? "")?.[0];
      expect(code, notice.text).toBeDefined();
      // the printed code is the stored one, grouped for reading out at a till
      expect(code!.replace(/-/g, "")).toBe(stored.find((r) => r.email === addressOf(notice))!.code);
      // plain text wraps long lines
      for (const body of [notice.text!, notice.html as string].map((b) => b.replace(/\s+/g, " "))) {
        expect(body).toContain(code);
        expect(body).toContain(when);
        expect(body).toContain("Week 47 flyer");
        expect(body).toContain("12 Mt Auburn St");
        expect(body).toContain("Cambridge");
        expect(body).toContain("Unsubscribe");
      }
    }
    expect(new Set(stored.map((r) => r.code)).size).toBe(3);

    // the same alert again, and then worse (managers hear of the escalation): no second notice to anyone
    ctx.clock.advance(15 * 60_000);
    expect(customerMail(await flow.sweepAndNotices())).toEqual([]);
    ctx.clock.advance(15 * 60_000);
    await postStock(ctx, chainKey, 70);
    const escalated = await flow.sweepAndNotices();
    expect(escalated.length).toBeGreaterThan(0);
    expect(customerMail(escalated)).toEqual([]);
    const perSubscriber = await queryRows<{ email: string; n: number }>(
      ctx.db.db,
      sql`select email, count(*)::int as n from rain_checks group by email order by email`,
    );
    expect(perSubscriber).toEqual([...dealSubscribers].sort().map((email) => ({ email, n: 1 })));
    const dealEmails = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from outbox where category = 'deal'`);
    expect(dealEmails[0]!.n).toBe(3);
  });

  it("still tells a deal subscriber who already had their one back-in-stock notice", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 0);
    await flow.subscribe("both@example.com", { deals: true });
    await flow.subscribe("restock.once@example.com");
    for (const message of await flow.send()) await flow.confirm(message);

    ctx.clock.advance(60 * 60_000);
    await postStock(ctx, chainKey, 110);
    const restocked = await flow.notices();
    expect(restocked.map((m) => [addressOf(m), m.subject])).toEqual(
      ["both@example.com", "restock.once@example.com"].map((email) => [email, "Back in stock: Tomatoes 1 kg at Store 12 Mt Auburn"]),
    );

    // the back-in-stock notice was the one they asked for; the deal notices they asked for go on
    const notices = customerMail(await flow.sweepAndNotices());
    expect(notices.map(addressOf)).toEqual(["both@example.com"]);
    expect(notices[0]!.subject).toMatch(/^Tomatoes 1 kg may sell out .* your rain check$/);
    const states = await queryRows<{ email: string; status: string; restock: boolean; deals: boolean }>(
      ctx.db.db,
      sql`select email, status, restock, deals from subscriptions order by email`,
    );
    expect(states).toEqual([
      { email: "both@example.com", status: "active", restock: false, deals: true },
      { email: "restock.once@example.com", status: "ended", restock: true, deals: false },
    ]);

    // and the next restock does not bring a second back-in-stock notice
    await postStock(ctx, chainKey, 0);
    await flow.notices();
    ctx.clock.advance(24 * 3600_000);
    await postStock(ctx, chainKey, 50);
    expect(customerMail(await flow.notices())).toEqual([]);
  });
});

describe("rain checks at the till", () => {
  it("looks a code up without customer data, redeems it once at its own store, forgives case and dashes", async () => {
    const { keys, codes } = await issuedCodes();
    const code = codes.get(dealSubscribers[0]!)!;

    const found = await lookUp(code, keys.chainKey);
    expect(found.status).toBe(200);
    const text = await found.clone().text();
    expect(await found.json()).toMatchObject({
      code,
      store: "S12",
      sku: "0001",
      item: "Tomatoes 1 kg",
      promotion: { id: "AD-2026-47", name: "Week 47 flyer" },
      redeemedAt: null,
      status: "valid",
    });
    expect(text).not.toContain("@");
    for (const email of dealSubscribers) expect(text.toLowerCase()).not.toContain(email.split("@")[0]);

    // typed at a till: lower case, no dashes, stray spaces
    for (const typed of [code.toLowerCase(), code.replace(/-/g, ""), ` ${code.toLowerCase().replace(/-/g, " ")} `]) {
      const res = await lookUp(typed, keys.s12Key);
      expect(res.status, typed).toBe(200);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }

    // at the wrong store: refused, and not used up
    const elsewhere = await redeem(code, keys.chainKey, { store: "S7" });
    expect(elsewhere.status).toBe(403);
    expect((await problemOf(elsewhere)).code).toBe("rain_check_wrong_store");

    const first = await redeem(code, keys.s12Key, { store: "S12", by: "till 3" });
    expect(first.status, await first.clone().text()).toBe(200);
    expect(await first.json()).toMatchObject({ code, status: "redeemed", redeemedBy: "till 3", redeemedAt: expect.any(String) });
    const second = await redeem(code.toLowerCase().replace(/-/g, ""), keys.chainKey);
    expect(second.status).toBe(409);
    expect((await problemOf(second)).code).toBe("rain_check_redeemed");
    expect(await (await lookUp(code, keys.chainKey)).json()).toMatchObject({ status: "redeemed", redeemedBy: "till 3" });

    // another subscriber's code is untouched, and the key name is recorded when the till gives none
    const other = await redeem(codes.get(dealSubscribers[1]!)!.toLowerCase(), keys.chainKey);
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ status: "redeemed", redeemedBy: "chain" });
    const left = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from rain_checks where redeemed_at is null`);
    expect(left[0]!.n).toBe(1);
  });

  it("refuses a tampered, malformed or unknown code, another store's key, and a request without a key", async () => {
    const { keys, codes } = await issuedCodes();
    const s7Key = (await createApiKey(ctx.db.db, { name: "s7 till", storeIds: [keys.s7.id] })).key;
    const code = codes.get(dealSubscribers[2]!)!;

    const altered = tampered(code);
    expect(altered).toMatch(CODE);
    for (const res of [await lookUp(altered, keys.chainKey), await redeem(altered, keys.chainKey)]) {
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe("not_found");
    }

    for (const malformed of ["RC-1234", "RC-ABCD-EFGH-IJKL", `${code}0`, "XX-0000-0000-0000"]) {
      const res = await lookUp(malformed, keys.chainKey);
      expect(res.status, malformed).toBe(422);
      const problem = await problemOf(res);
      expect(problem.code).toBe("validation_failed");
      expect(problem.errors?.map((e) => e.field)).toEqual(["code"]);
    }

    // a key of another store: the code answers as if it did not exist; it cannot redeem at S12 either
    const hidden = await lookUp(code, s7Key);
    expect(hidden.status).toBe(404);
    expect((await problemOf(hidden)).code).toBe("not_found");
    const forbidden = await redeem(code, s7Key, { store: "S12" });
    expect(forbidden.status).toBe(403);
    expect((await problemOf(forbidden)).code).toBe("forbidden_store");
    // redeeming at its own store tells it no more than the lookup did (not "good at S12 only")
    const atS7 = await redeem(code, s7Key, { store: "S7" });
    expect(atS7.status).toBe(404);
    expect((await problemOf(atS7)).code).toBe("not_found");

    for (const res of [await lookUp(code, null), await redeem(code, null), await lookUp(code, "sw_not-a-real-key")]) {
      expect(res.status).toBe(401);
      expect((await problemOf(res)).code).toBe("unauthorized");
    }

    // none of that used it up
    expect((await redeem(code, keys.s12Key)).status).toBe(200);
  });

  it("is good until the end of the store's day RAIN_CHECK_DAYS (30) after issue, then expires", async () => {
    const { keys, codes } = await issuedCodes();
    const [kept, lapsed] = [codes.get(dealSubscribers[0]!)!, codes.get(dealSubscribers[1]!)!];
    // issued Friday 20 November in Cambridge MA: good all of Sunday 20 December, local time (EST, UTC-5)
    const view = (await (await lookUp(kept, keys.chainKey)).json()) as { expiresAt: string };
    expect(new Date(view.expiresAt).toISOString()).toBe("2026-12-21T04:59:59.999Z");

    ctx.clock.set("2026-12-21T04:59:00Z");
    expect(await (await lookUp(lapsed, keys.chainKey)).json()).toMatchObject({ status: "valid" });
    expect((await redeem(kept, keys.chainKey)).status).toBe(200);

    ctx.clock.set("2026-12-21T05:00:00Z");
    expect(await (await lookUp(lapsed, keys.chainKey)).json()).toMatchObject({ status: "expired" });
    const late = await redeem(lapsed, keys.chainKey);
    expect(late.status).toBe(410);
    expect((await problemOf(late)).code).toBe("rain_check_expired");
    // redeemed in time stays redeemed, not expired
    expect(await (await lookUp(kept, keys.chainKey)).json()).toMatchObject({ status: "redeemed" });
    const [row] = await queryRows<{ redeemed_at: string | null }>(ctx.db.db, sql`select redeemed_at from rain_checks where code = ${lapsed.replace(/-/g, "")}`);
    expect(row!.redeemed_at).toBeNull();
  });

  it("lets exactly one of two tills redeeming the same code at once win, each pressing twice", async () => {
    const { keys, codes } = await issuedCodes();
    const code = codes.get(dealSubscribers[0]!)!;
    const results = await Promise.all(
      ["till 1", "till 2", "till 1", "till 2"].map((by, i) => redeem(i % 2 ? code.toLowerCase() : code, i % 2 ? keys.s12Key : keys.chainKey, { store: "S12", by })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const [row] = await queryRows<{ redeemed_by: string }>(ctx.db.db, sql`select redeemed_by from rain_checks where code = ${code.replace(/-/g, "")}`);
    const winner = results.find((r) => r.status === 200)!;
    expect(((await winner.json()) as { redeemedBy: string }).redeemedBy).toBe(row!.redeemed_by);
  });
});
