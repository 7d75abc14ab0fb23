import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { useTestContext } from "../helpers/context.js";
import { csrfFieldOf, pageHtml, signedInBrowser, type DashboardBrowser } from "../helpers/dashboard.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { advertisedItemAtStore12 } from "../notify/alert-fixtures.js";
import { addressOf, customerFlow } from "../subscriptions/customer-fixtures.js";

const ctx = useTestContext({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);
const flow = customerFlow(ctx, live);

const CODE = /RC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;

/** Two deal subscribers at store 12 get their rain checks through the real path; their codes as their emails print them. */
async function issuedCodes() {
  const keys = await advertisedItemAtStore12(ctx, 110);
  for (const email of ["first@example.com", "second@example.com"]) await flow.subscribe(email, { deals: true });
  for (const message of await flow.send()) await flow.confirm(message);
  const notices = (await flow.sweepAndNotices()).filter((m) => addressOf(m).endsWith("@example.com"));
  expect(notices).toHaveLength(2);
  const codes = notices.map((m) => CODE.exec(m.text ?? "")![0]);
  return { keys, codes: codes as [string, string] };
}

async function redeemedBy(code: string): Promise<string | null> {
  const [row] = await queryRows<{ redeemed_by: string | null }>(ctx.db.db, sql`select redeemed_by from rain_checks where code = ${code.replace(/-/g, "")}`);
  return row!.redeemed_by;
}

/** The page's text without tags, for reading it as a person does. */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

/** A refusal shown on the page, which left the rain check as it was. */
async function expectRefused(res: Response, status: number, says: string, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(textOf(await res.text())).toContain(says);
  expect(await redeemedBy(code)).toBeNull();
}

async function redeemForm(browser: DashboardBrowser, code: string): Promise<{ action: string; csrf: string; store: string }> {
  const html = await pageHtml(browser, `/dashboard/rain-checks?code=${encodeURIComponent(code)}`);
  const action = /<form method="post" action="([^"]+\/redeem)"/.exec(html)?.[1];
  expect(action, "a redeem form").toBeDefined();
  const form = html.slice(html.indexOf(`action="${action}"`));
  return { action: action!, csrf: csrfFieldOf(form), store: /name="store" value="([^"]+)"/.exec(form)![1]! };
}

describe("rain checks on the dashboard", () => {
  it("staff look a code up as typed or scanned, see the offer in the store's time, and redeem it once with the form", async () => {
    const { keys, codes } = await issuedCodes();
    const [code, other] = codes;
    const staff = await signedInBrowser(ctx, "till@store12.example", [keys.s12.id]);

    const empty = await pageHtml(staff, "/dashboard/rain-checks");
    expect(empty).toContain('aria-current="page">');
    expect(empty).toMatch(/<label for="rain-check-code">Rain check code<\/label>/);

    // scanned: the barcode carries the code without dashes
    const page = textOf(await pageHtml(staff, `/dashboard/rain-checks?code=${code.replace(/-/g, "")}`));
    expect(page).toContain(`${code}: Good now`);
    expect(page).toContain("Tomatoes 1 kg (SKU 0001)");
    expect(page).toContain("S12 · Store 12 Mt Auburn");
    expect(page).toContain("Week 47 flyer Fri 20 Nov to Thu 26 Nov");
    // the promotion's first day from midnight at the store, in its own zone
    expect(page).toContain("Good from Fri 20 Nov, 00:00 EST");
    expect(page).toContain("Good until Sun 20 Dec, 23:59 EST");

    const form = await redeemForm(staff, code.toLowerCase());
    expect(form.store).toBe("S12");
    // without the session's token: refused, nothing redeemed
    expect((await staff.post(form.action, { store: "S12", csrf: "" })).status).toBe(403);
    expect(await redeemedBy(code)).toBeNull();

    const redeemed = await staff.post(form.action, { store: form.store, csrf: form.csrf });
    expect(redeemed.status, await redeemed.clone().text()).toBe(303);
    const after = textOf(await pageHtml(staff, redeemed.headers.get("location")!));
    expect(after).toContain(`Rain check ${code} is redeemed: sell Tomatoes 1 kg at the advertised price.`);
    expect(after).toContain(`${code}: Already redeemed`);
    expect(after).toContain("by dashboard: till@store12.example");
    expect(await redeemedBy(code)).toBe("dashboard: till@store12.example");
    expect(after).not.toContain("/redeem");

    // pressed again (a second tab): refused on the page, once is once
    const again = await staff.post(form.action, { store: form.store, csrf: form.csrf });
    expect(again.status).toBe(409);
    expect(textOf(await again.text())).toContain("This rain check was already redeemed");
    // the other customer's rain check is untouched
    expect(await redeemedBy(other)).toBeNull();
  });

  it("answers a malformed code, another store's code and another store's redeem like codes that do not exist", async () => {
    const { keys, codes } = await issuedCodes();
    const [code] = codes;
    const s7 = await signedInBrowser(ctx, "till@store7.example", [keys.s7.id]);

    expect(textOf(await pageHtml(s7, "/dashboard/rain-checks?code=RC-1234", 422))).toContain("is not a rain check code");
    const hidden = textOf(await pageHtml(s7, `/dashboard/rain-checks?code=${code}`, 404));
    expect(hidden).toContain(`There is no rain check ${code} among your stores`);
    expect(hidden).not.toContain("Tomatoes");

    const csrf = await s7.csrfToken();
    const path = `/dashboard/rain-checks/${code}/redeem`;
    // at S12, which this person may not use; at S7, where the code does not belong and which may not see it
    expect((await s7.post(path, { store: "S12", csrf })).status).toBe(404);
    const atS7 = await s7.post(path, { store: "S7", csrf });
    expect(atS7.status).toBe(404);
    expect(await atS7.text()).not.toContain("Tomatoes");
    expect(await redeemedBy(code)).toBeNull();

    // a manager of every store at the wrong store: told where it is good, nothing used up
    const manager = await signedInBrowser(ctx, "area@chain.example", null);
    const wrong = await manager.post(path, { store: "S7", csrf: await manager.csrfToken() });
    await expectRefused(wrong, 403, "this rain check is good at store S12 only", code);
  });

  it("refuses a rain check before its promotion's first day at the store, on the page, and takes it from midnight", async () => {
    const { keys, codes } = await issuedCodes();
    const [code] = codes;
    const staff = await signedInBrowser(ctx, "till@store12.example", [keys.s12.id]);
    const form = await redeemForm(staff, code);

    // 23:59 on Thursday 19 November in Cambridge MA: the week-47 flyer starts tomorrow
    ctx.clock.set("2026-11-20T04:59:00Z");
    expect(textOf(await pageHtml(staff, `/dashboard/rain-checks?code=${code}`))).toContain(`${code}: Not valid yet`);
    const early = await staff.post(form.action, { store: form.store, csrf: form.csrf });
    const says = 'This rain check is not valid yet: this rain check is good from Friday 20 November, when "Week 47 flyer" starts. Nothing was changed.';
    await expectRefused(early, 409, says, code);

    ctx.clock.set("2026-11-20T05:00:00Z");
    expect((await staff.post(form.action, { store: form.store, csrf: form.csrf })).status).toBe(303);
    expect(await redeemedBy(code)).toBe("dashboard: till@store12.example");
  });
});
