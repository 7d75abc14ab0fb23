import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { upload } from "../helpers/sync-requests.js";
import { postJson, postStock, salesHistory } from "../notify/alert-fixtures.js";
import { decodeBarcodePng } from "./barcode-reader.js";
import { addressOf, customerFlow, type Message } from "./customer-fixtures.js";

const ctx = useTestContext({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);
const flow = customerFlow(ctx, live);

const customerMail = (messages: Message[]) => messages.filter((m) => addressOf(m).endsWith("@example.com"));

/**
 * The case that was reported: on Monday 7 December, store 12 (Cambridge MA, UTC-5) has 19 tomatoes for an ad running
 * Thursday 10 to Wednesday 16 December at $2.99, and a confirmed deal subscriber.
 */
async function adStartingThursday() {
  ctx.clock.set("2026-12-07T15:00:00Z");
  const keys = await seedStoresAndKeys(ctx);
  expect((await upload(ctx, keys.chainKey, salesHistory("0001", "2026-12-07"))).status).toBe(201);
  await postStock(ctx, keys.chainKey, 19);
  await postJson(ctx, "/v1/promotions", keys.chainKey, {
    promotions: [
      { id: "AD-2026-50", name: "Week 50 flyer", skus: ["0001"], stores: ["S12"], startDate: "2026-12-10", endDate: "2026-12-16", advertisedPrice: "$2.99" },
    ],
  });
  await flow.subscribe("deal.fan@example.com", { deals: true, restock: false });
  for (const message of await flow.send()) await flow.confirm(message);
  return keys;
}

async function rainCheckCount(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from rain_checks`);
  return row!.n;
}

async function redeem(code: string, key: string) {
  return ctx.app.request(`/v1/rain-checks/${code}/redeem`, {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify({ store: "S12", by: "till 1" }),
  });
}

describe("running-low notices wait for the promotion", () => {
  it("tells the store ahead of the ad but the customer only from its first morning, with the price, the dates and a barcode", async () => {
    const keys = await adStartingThursday();

    // Monday: the forecast sees the ad coming and the store's alert opens; the customer hears nothing, no rain check
    const monday = await flow.sweepAndNotices();
    const [alert] = await queryRows<{ kind: string; state: string }>(ctx.db.db, sql`select kind, state from alerts`);
    expect(alert).toEqual({ kind: "promotion_stockout", state: "open" });
    expect(customerMail(monday)).toEqual([]);
    expect(await rainCheckCount()).toBe(0);

    // Wednesday 23:30 in Cambridge (04:30 UTC Thursday): still the day before
    ctx.clock.set("2026-12-10T04:30:00Z");
    await postStock(ctx, keys.chainKey, 19);
    expect(customerMail(await flow.sweepAndNotices())).toEqual([]);
    expect(await rainCheckCount()).toBe(0);

    // Thursday 06:00 local, the ad's first morning: the notice goes, once
    ctx.clock.set("2026-12-10T11:00:00Z");
    await postStock(ctx, keys.chainKey, 19);
    const thursday = customerMail(await flow.sweepAndNotices());
    expect(thursday.map(addressOf)).toEqual(["deal.fan@example.com"]);
    const notice = thursday[0]!;
    const text = notice.text!.replace(/\s+/g, " ");
    expect(text).toContain(`in "Week 50 flyer" from Thursday 10 December to Wednesday 16 December, at $2.99.`);
    expect(text).toContain("buy the item at the advertised price of $2.99, from Thursday 10 December until");
    expect(text).not.toContain("faster than we expected");

    // the barcode travels as an inline image, and a scanner reads the stored code from it
    const [stored] = await queryRows<{ code: string; valid_from: string; promotion_start: string; advertised_price: string }>(
      ctx.db.db,
      sql`select code, to_json(valid_from) #>> '{}' as valid_from, to_char(promotion_start, 'YYYY-MM-DD') as promotion_start, advertised_price from rain_checks`,
    );
    const images = notice.attachments.filter((a) => a.contentType === "image/png");
    expect(images).toHaveLength(1);
    expect(images[0]!.contentDisposition).toBe("inline");
    // the HTML shows that very attachment (the mail reader resolves the img's cid: reference to the attachment's bytes)
    expect(notice.html).toContain(`src="data:image/png;base64,${images[0]!.content.toString("base64")}"`);
    expect(decodeBarcodePng(images[0]!.content)).toBe(stored!.code);
    expect(notice.html).toContain('alt="Barcode of rain check RC-');
    expect(stored!.promotion_start).toBe("2026-12-10");
    expect(stored!.advertised_price).toBe("$2.99");
    // good from midnight at the store on the ad's first day
    expect(new Date(stored!.valid_from).toISOString()).toBe("2026-12-10T05:00:00.000Z");

    expect(customerMail(await flow.sweepAndNotices())).toEqual([]);
    expect(await rainCheckCount()).toBe(1);

    const lookup = await ctx.app.request(`/v1/rain-checks/${stored!.code}`, { headers: bearer(keys.s12Key) });
    expect(await lookup.json()).toMatchObject({
      promotion: { id: "AD-2026-50", name: "Week 50 flyer", startDate: "2026-12-10", endDate: "2026-12-16", advertisedPrice: "$2.99" },
      status: "valid",
    });
  });

  it("refuses to redeem a rain check before its promotion's first store-local day, with a problem naming the day", async () => {
    const keys = await adStartingThursday();
    ctx.clock.set("2026-12-10T11:00:00Z");
    await postStock(ctx, keys.chainKey, 19);
    expect(customerMail(await flow.sweepAndNotices())).toHaveLength(1);
    const [{ code }] = (await queryRows<{ code: string }>(ctx.db.db, sql`select code from rain_checks`)) as [{ code: string }];

    // a minute before midnight at the store on Wednesday: the validity is checked at the till, not only at issue
    ctx.clock.set("2026-12-10T04:59:00Z");
    const early = await redeem(code, keys.s12Key);
    expect(early.status).toBe(409);
    expect(early.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await early.json()) as { code: string; detail: string };
    expect(problem.code).toBe("rain_check_not_yet_valid");
    expect(problem.detail).toContain('Thursday 10 December, when "Week 50 flyer" starts');
    const looked = await ctx.app.request(`/v1/rain-checks/${code}`, { headers: bearer(keys.s12Key) });
    expect(await looked.json()).toMatchObject({ status: "not_yet_valid", validFrom: expect.stringMatching(/^2026-12-10T05:00:00/) });
    const [row] = await queryRows<{ redeemed_at: string | null }>(ctx.db.db, sql`select redeemed_at from rain_checks`);
    expect(row!.redeemed_at).toBeNull();

    // midnight: good
    ctx.clock.set("2026-12-10T05:00:00Z");
    const onTime = await redeem(code, keys.s12Key);
    expect(onTime.status, await onTime.clone().text()).toBe(200);
    expect(await onTime.json()).toMatchObject({ status: "redeemed", redeemedBy: "till 1" });
  });
});
