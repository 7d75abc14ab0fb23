import { describe, expect, it } from "vitest";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { addUser, TEST_PASSWORD } from "../helpers/dashboard.js";
import { seriousAccessibilityViolations, useLiveSite } from "../helpers/browser.js";
import { FIRST_MORNING, morningOf, replayMornings } from "../helpers/track-record-ledger.js";

const ctx = useTestContext({ ORDER_LEAD_DAYS: "3" });
const site = useLiveSite(() => ctx.app);

describe("the track record in a real browser", () => {
  it("shows a store's track record and an item's past predictions, accessibly, on a laptop and at 390 px", async () => {
    const { chainKey, s12 } = await seedStoresAndKeys(ctx);
    await replayMornings(ctx, chainKey, 32);
    await addUser(ctx, { email: "ana@store12.example", storeIds: [s12.id] });

    const { context, page, errors } = await site.newVisitor();
    await page.goto(`${site.baseUrl}/dashboard/login`);
    await page.getByLabel("Email").fill("ana@store12.example");
    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${site.baseUrl}/dashboard`);

    await page.getByRole("link", { name: "Track record" }).click();
    await page.waitForURL(/\/dashboard\/track-record$/);
    // the period through the form, as a person picks it
    await page.getByLabel("From", { exact: true }).fill(FIRST_MORNING);
    await page.getByLabel("To", { exact: true }).fill(morningOf(31));
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/from=2026-09-01/);

    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.getByRole("heading", { name: "Track record of Store 12 Mt Auburn" }).waitFor();
      await page.getByRole("img", { name: "Reliability of the predicted chances of running out" }).waitFor();
      expect(await page.getByRole("region", { name: /Shelfwatch's alerts and a reorder-point rule/ }).textContent()).toContain("Precision");
      const violations = await seriousAccessibilityViolations(page);
      expect(violations, `track record at ${width}px: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
      // wide tables scroll inside their region: the page itself never scrolls sideways
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await site.screenshot(page, `track-record-${width}`);
    }

    await page.goto(`${site.baseUrl}/dashboard/stores/S12/items/B-RUNS-DRY`);
    const predictions = page.getByRole("region", { name: "Recent morning predictions and what happened" });
    expect(await predictions.textContent()).toContain("ran out");
    const violations = await seriousAccessibilityViolations(page);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await site.screenshot(page, "track-record-item-390");

    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
