import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { useTestContext } from "../helpers/context.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { advertisedItemAtStore12, postStock } from "../notify/alert-fixtures.js";
import { addressOf, customerFlow } from "./customer-fixtures.js";

const ctx = useTestContext({
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  PUBLIC_URL: "https://shelfwatch.example",
  CUSTOMER_DATA_DAYS: "10",
});
const live = useTestSmtp(() => ctx.deps.log);
const flow = customerFlow(ctx, live);

const SERVED = "served.once@example.com";
const DEALS = "deal.follower@example.com";
const DAY = 86_400_000;

/** Where an address is still held: subscriptions, customer email in the outbox, rain checks. */
async function heldAbout(email: string) {
  const [row] = await queryRows<{ subscriptions: number; emails: number; rain_checks: number }>(
    ctx.db.db,
    sql`select (select count(*) from subscriptions where email = ${email})::int as subscriptions,
               (select count(*) from outbox where recipient = ${email})::int as emails,
               (select count(*) from rain_checks where email = ${email})::int as rain_checks`,
  );
  return row!;
}

describe("customer data retention", () => {
  it("forgets former customers CUSTOMER_DATA_DAYS after the fact and keeps what a live subscription needs", async () => {
    const keys = await advertisedItemAtStore12(ctx, 0);
    await flow.subscribe(SERVED);
    await flow.subscribe(DEALS, { deals: true });
    for (const message of await flow.send()) await flow.confirm(message);

    // back in stock: the restock-only subscription is served and ends; the deal follower stays and gets a rain check
    ctx.clock.advance(3600_000);
    await postStock(ctx, keys.chainKey, 110);
    expect((await flow.notices()).map(addressOf).sort()).toEqual([DEALS, SERVED]);
    const deal = (await flow.sweepAndNotices()).find((m) => addressOf(m) === DEALS)!;
    expect(deal.text).toMatch(/RC-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
    expect(await heldAbout(SERVED)).toEqual({ subscriptions: 1, emails: 2, rain_checks: 0 });
    expect(await heldAbout(DEALS)).toEqual({ subscriptions: 1, emails: 3, rain_checks: 1 });

    // nine days on, nothing is forgotten yet
    ctx.clock.advance(9 * DAY);
    await flow.notices();
    expect(await heldAbout(SERVED)).toEqual({ subscriptions: 1, emails: 2, rain_checks: 0 });

    // ten days after it ended, the served subscription and the email sent to it go; the live subscriber keeps its own
    ctx.clock.advance(DAY);
    await flow.notices();
    expect(await heldAbout(SERVED)).toEqual({ subscriptions: 0, emails: 0, rain_checks: 0 });
    expect(await heldAbout(DEALS)).toEqual({ subscriptions: 1, emails: 3, rain_checks: 1 });

    // the deal follower unsubscribes (one click from the deal notice); their rain check runs out 30 days after issue
    expect((await flow.unsubscribeOneClick(deal)).status).toBe(200);
    ctx.clock.advance(11 * DAY);
    await flow.notices();
    // the subscription and the email went; the rain check is still redeemable, so it still names its holder
    expect(await heldAbout(DEALS)).toEqual({ subscriptions: 0, emails: 0, rain_checks: 1 });

    // ten days after it expired, the rain check keeps its code and promotion but no longer names anyone
    ctx.clock.advance(30 * DAY);
    await flow.notices();
    expect(await heldAbout(DEALS)).toEqual({ subscriptions: 0, emails: 0, rain_checks: 0 });
    const [kept] = await queryRows<{ code: string; promotion_name: string; subscription_id: number | null }>(
      ctx.db.db,
      sql`select code, promotion_name, subscription_id from rain_checks`,
    );
    expect(kept).toMatchObject({ code: expect.stringMatching(/^RC[0-9A-Z]{12}$/), promotion_name: "Week 47 flyer", subscription_id: null });
  });
});
