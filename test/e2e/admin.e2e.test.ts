import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { seriousAccessibilityViolations, useLiveSite } from "../helpers/browser.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { addUser, TEST_PASSWORD } from "../helpers/dashboard.js";

const ctx = useTestContext();
const site = useLiveSite(() => ctx.app);

async function signIn(page: Page, email: string) {
  await page.goto(`${site.baseUrl}/dashboard/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${site.baseUrl}/dashboard`);
}

/** No serious or critical axe violation, and nothing wider than the window (wide tables scroll in their own region). */
async function expectAccessible(page: Page, what: string) {
  const violations = await seriousAccessibilityViolations(page);
  expect(violations, `${what}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
  const width = page.viewportSize()!.width;
  expect(await page.evaluate(() => document.documentElement.scrollWidth), what).toBeLessThanOrEqual(width);
}

describe("the administration pages in a real browser", () => {
  it("an admin onboards a store from the dashboard: store, thresholds, recipient, API key, user; each page passes axe", async () => {
    await seedStoresAndKeys(ctx);
    await addUser(ctx, { email: "admin@chain.example", storeIds: null, admin: true });
    const { context, page, errors } = await site.newVisitor();
    await signIn(page, "admin@chain.example");

    await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Admin" }).click();
    await page.waitForURL(`${site.baseUrl}/dashboard/admin`);
    await expectAccessible(page, "admin: stores");
    await site.screenshot(page, "admin-01-stores");

    await page.getByLabel("Code").fill("S03");
    await page.getByLabel("Name", { exact: true }).fill("Store 3 Pleasant St");
    await page.getByLabel("Time zone").selectOption("America/Chicago");
    await page.getByLabel("Aliases in exports (comma-separated)").fill("Pleasant St, P-03");
    await page.getByRole("button", { name: "Add store" }).click();
    await page.waitForURL(/\/dashboard\/admin\/stores\/S03\?saved=store$/);
    expect(await page.getByRole("status").first().textContent()).toBe("The store is saved.");
    await expectAccessible(page, "admin: store page");

    await page.getByLabel("Alert at (%)").fill("65");
    await page.getByLabel("Resolve below (%)").fill("40");
    await page.getByRole("button", { name: "Save thresholds" }).click();
    await page.waitForURL(/saved=thresholds$/);
    expect(await page.getByLabel("Alert at (%)").inputValue()).toBe("65");

    await page.getByLabel("Email", { exact: true }).fill("ana@store3.example");
    await page.getByRole("button", { name: "Add recipient" }).click();
    await page.waitForURL(/saved=recipients$/);
    expect(await page.getByRole("region", { name: "Who receives the alert emails of S03" }).textContent()).toContain("ana@store3.example");
    await expectAccessible(page, "admin: store page with a recipient");
    await site.screenshot(page, "admin-02-store");

    // a refused form says why, by field
    await page.getByLabel("Alert at (%)").fill("30");
    await page.getByLabel("Resolve below (%)").fill("50");
    await page.getByRole("button", { name: "Save thresholds" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("resolveProbability: must be below alertProbability");
    await expectAccessible(page, "admin: refused form");

    await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name", { exact: true }).fill("S03 till");
    await page.getByLabel("S03 · Store 3 Pleasant St").check();
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.locator("code.sku").textContent())!;
    expect(key).toMatch(/^sw_[A-Za-z0-9_-]{43}$/);
    expect((await ctx.app.request("/v1/stores/S03/recipients", { headers: bearer(key) })).status).toBe(200);
    await expectAccessible(page, "admin: new key");
    await site.screenshot(page, "admin-03-keys");
    await page.getByRole("button", { name: "Revoke key S03 till" }).click();
    await page.waitForURL(/saved=revoked$/);
    expect((await ctx.app.request("/v1/stores/S03/recipients", { headers: bearer(key) })).status).toBe(401);

    await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Users" }).click();
    await page.getByLabel("Email", { exact: true }).fill("bo@store3.example");
    await page.getByLabel("Name", { exact: true }).fill("Bo Chen");
    await page.getByLabel("Role").selectOption("staff");
    await page.getByLabel(/^Password/).fill(TEST_PASSWORD);
    await page.getByLabel("S03 · Store 3 Pleasant St").check();
    await page.getByRole("button", { name: "Add user" }).click();
    await page.waitForURL(/saved=user$/);
    await expectAccessible(page, "admin: users");
    await site.screenshot(page, "admin-04-users");
    await page.getByRole("link", { name: "bo@store3.example" }).click();
    await expectAccessible(page, "admin: user page");
    await site.screenshot(page, "admin-05-user");

    // the same pages on a phone: no sideways scrolling of the page itself
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ["/dashboard/admin", "/dashboard/admin/stores/S03", "/dashboard/admin/keys", "/dashboard/admin/users"]) {
      await page.goto(`${site.baseUrl}${path}`);
      await expectAccessible(page, `${path} at 390 px`);
    }
    await site.screenshot(page, "admin-06-users-phone");

    // the refused form's 422 is an expected answer, not a page error
    expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
    await context.close();

    // the new user is no admin: no Admin link in their navigation
    const staff = await site.newVisitor();
    await signIn(staff.page, "bo@store3.example");
    expect(await staff.page.getByRole("link", { name: "Admin" }).count()).toBe(0);
    await staff.context.close();
  }, 180_000);
});
