import { describe, expect, it } from "vitest";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { useTestContext } from "../helpers/context.js";
import { addRisk, addUser, TEST_PASSWORD } from "../helpers/dashboard.js";
import { overflowsOf, PHONE_VIEWPORT, seriousAccessibilityViolations, useLiveSite } from "../helpers/browser.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { advertisedItemAtStore12 } from "../notify/alert-fixtures.js";
import { addressOf, customerFlow } from "../subscriptions/customer-fixtures.js";

const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example" });
const site = useLiveSite(() => ctx.app);
const flow = customerFlow(ctx, useTestSmtp(() => ctx.deps.log));

/** Sign-in through the form, as a person does it. */
async function signIn(page: import("playwright-core").Page, email: string) {
  await page.goto(`${site.baseUrl}/dashboard`);
  await page.waitForURL(/\/dashboard\/login/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${site.baseUrl}/dashboard`);
}

async function expectAccessible(page: import("playwright-core").Page, what: string) {
  const violations = await seriousAccessibilityViolations(page);
  expect(violations, `${what}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

describe("the dashboard in a real browser", () => {
  it("a manager signs in, sees the advertised item at risk first, opens its chart, acknowledges its alert and signs out", async () => {
    const { s12, s7 } = await advertisedItemAtStore12(ctx, 110);
    // quieter items at the same store and another store's item: the advertised one must still lead
    await addRisk(ctx, s12.id, { name: "Rice 1 kg", probability: 0.95, projectedStockoutDate: "2026-11-22" });
    await addRisk(ctx, s7.id, { name: "Harbour Biscuits", probability: 0.9, advertised: false });
    await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
    await addUser(ctx, { email: "ana@store12.example", storeIds: [s12.id] });

    const { context, page, errors } = await site.newVisitor();
    await page.goto(`${site.baseUrl}/dashboard/login`);
    await expectAccessible(page, "sign-in page");
    await site.screenshot(page, "01-sign-in");
    await signIn(page, "ana@store12.example");

    // the at-risk list: the advertised item first
    const firstRow = page.locator("tbody tr").first();
    expect(await firstRow.getByRole("link").first().textContent()).toBe("Tomatoes 1 kg");
    expect(await firstRow.textContent()).toContain("Advertised");
    expect(await page.locator("body").textContent()).not.toContain("Harbour Biscuits");
    await expectAccessible(page, "at-risk page");
    await site.screenshot(page, "02-at-risk");

    // its page: the chart with its accessible name, and the open alert
    await firstRow.getByRole("link", { name: "Tomatoes 1 kg" }).click();
    await page.waitForURL(/\/dashboard\/stores\/S12\/items\/0001$/);
    const chart = page.getByRole("img", { name: /Sales, forecast and stock of Tomatoes 1 kg/ });
    await chart.waitFor();
    expect(await page.locator("svg rect.bar").count()).toBe(28);
    await expectAccessible(page, "item page");
    await site.screenshot(page, "03-item");

    await page.getByRole("button", { name: "Acknowledge alert" }).click();
    await page.waitForURL(/\/dashboard\/stores\/S12\/items\/0001$/);
    expect(await page.locator("section.alert h3").first().textContent()).toContain("acknowledged");
    await site.screenshot(page, "04-acknowledged");

    // the other pages of the dashboard: no console errors, no serious accessibility violations
    for (const [name, path] of [["05-alerts", "/dashboard/alerts?state="], ["06-imports", "/dashboard/imports"], ["07-subscribers", "/dashboard/subscribers"]] as const) {
      const response = await page.goto(`${site.baseUrl}${path}`);
      expect(response!.status(), path).toBe(200);
      await expectAccessible(page, path);
      // nothing widens the page past a 1280-pixel window: wide tables scroll inside their own region
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(1280);
      await site.screenshot(page, name);
    }
    expect(await page.locator("main").textContent()).not.toContain("Harbour");
    // a manager on a laptop reaches the alert's buttons without scrolling sideways
    await page.goto(`${site.baseUrl}/dashboard/alerts`);
    const snooze = await page.getByRole("button", { name: /^Snooze/ }).first().boundingBox();
    expect(snooze, "the Snooze button").not.toBeNull();
    expect(snooze!.x + snooze!.width).toBeLessThanOrEqual(1280);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/dashboard\/login/);
    // the session is over on the server: the dashboard asks for a sign-in again
    await page.goto(`${site.baseUrl}/dashboard`);
    await page.waitForURL(/\/dashboard\/login/);

    expect(errors).toEqual([]);
    await context.close();
  }, 150_000);

  it("a user of another store sees none of this store's data, and a form without its CSRF token is refused", async () => {
    const { s12, s7 } = await advertisedItemAtStore12(ctx, 110);
    await addRisk(ctx, s7.id, { name: "Harbour Biscuits", probability: 0.9 });
    await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
    await addUser(ctx, { email: "dee@store7.example", storeIds: [s7.id] });
    void s12;

    const { context, page, errors } = await site.newVisitor();
    await signIn(page, "dee@store7.example");
    const body = (await page.locator("main").textContent()) ?? "";
    expect(body).toContain("Harbour Biscuits");
    expect(body).not.toContain("Tomatoes");
    await site.screenshot(page, "08-other-store");

    const denied = await page.goto(`${site.baseUrl}/dashboard/stores/S12/items/0001`);
    expect(denied!.status()).toBe(404);
    expect(await page.locator("main").textContent()).not.toContain("Tomatoes");

    // a forged post: the session cookie goes along (same browser), the token does not
    const forged = await context.request.post(`${site.baseUrl}/dashboard/logout`, { form: { csrf: "" }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    // still signed in: the forged sign-out did nothing
    await page.goto(`${site.baseUrl}/dashboard`);
    expect(page.url()).toBe(`${site.baseUrl}/dashboard`);
    await site.screenshot(page, "09-after-forged-post");

    // the 404 page above is an expected answer, not a page error
    expect(errors.filter((e) => !e.includes("404"))).toEqual([]);
    await context.close();
  });

  it("every page fits a 390-pixel phone: no sideways scroll, tables as one card per row, no serious accessibility violation", async () => {
    const { s12, s7 } = await advertisedItemAtStore12(ctx, 110);
    // long names and every column filled: the widest rows a store has
    await addRisk(ctx, s12.id, { name: "Organic Free-Range Large Brown Eggs, 12-pack (Barn Laid)", probability: 0.95, projectedStockoutDate: "2026-11-22", nextDelivery: { date: "2026-11-24", quantity: 48 }, quantityToLastPromotion: 36 });
    await addRisk(ctx, s7.id, { name: "Harbour Biscuits Family Assortment Tin 1.2 kg", probability: 0.9, promotion: { externalId: "AD-2026-47B", endDate: "2026-11-26" } });
    for (const email of ["first.customer@example.com", "second.customer@example.com"]) await flow.subscribe(email, { deals: true });
    for (const message of await flow.send()) await flow.confirm(message);
    const notices = (await flow.sweepAndNotices()).filter((m) => addressOf(m).endsWith("@example.com"));
    const code = /RC-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(notices[0]!.text ?? "")![0];
    await addUser(ctx, { email: "area.manager.with.a.long.address@store12.example", storeIds: null });

    const { context, page, errors } = await site.newVisitor(PHONE_VIEWPORT);
    const pages: Array<[name: string, path: string, status: number]> = [
      ["phone-01-sign-in", "/dashboard/login", 200],
      ["phone-02-at-risk", "/dashboard", 200],
      ["phone-03-item", "/dashboard/stores/S12/items/0001", 200],
      ["phone-04-alerts", "/dashboard/alerts?state=", 200],
      ["phone-05-imports", "/dashboard/imports", 200],
      ["phone-06-subscribers", "/dashboard/subscribers", 200],
      ["phone-07-rain-checks", `/dashboard/rain-checks?code=${code}`, 200],
      ["phone-08-not-found", "/dashboard/stores/S99/items/0001", 404],
    ];
    for (const [name, path, status] of pages) {
      if (name === "phone-02-at-risk") await signIn(page, "area.manager.with.a.long.address@store12.example");
      const response = await page.goto(`${site.baseUrl}${path}`);
      expect(response!.status(), path).toBe(status);
      await site.screenshot(page, name);
      expect(await overflowsOf(page), path).toEqual([]);
      await expectAccessible(page, `${path} at 390 px`);
    }

    // the chart, scaled down to the phone's width, keeps its words at least 10 px high
    await page.goto(`${site.baseUrl}/dashboard/stores/S12/items/0001`);
    const smallestText = await page.locator("figure.chart svg").evaluate((svg) => {
      const scale = svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width;
      return Math.min(...[...svg.querySelectorAll("text")].map((text) => parseFloat(getComputedStyle(text).fontSize) * scale));
    });
    expect(smallestText).toBeGreaterThanOrEqual(10);

    // a table row is a card: the chance and the date sit under the item's name, inside the window
    await page.goto(`${site.baseUrl}/dashboard`);
    const card = page.locator("tbody tr").first();
    const chance = card.locator("td", { hasText: "%" }).first();
    const box = await chance.boundingBox();
    expect(box, "the chance of running out").not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
    expect(await chance.evaluate((cell) => getComputedStyle(cell, "::before").content)).toBe('"Chance of running out"');
    // the alert's buttons are reachable without scrolling sideways
    await page.goto(`${site.baseUrl}/dashboard/alerts`);
    const snooze = await page.getByRole("button", { name: /^Snooze/ }).first().boundingBox();
    expect(snooze!.x + snooze!.width).toBeLessThanOrEqual(PHONE_VIEWPORT.width);

    expect(errors.filter((e) => !e.includes("404"))).toEqual([]);
    await context.close();
  }, 180_000);
});
