import { describe, expect, it } from "vitest";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { useTestContext } from "../helpers/context.js";
import { addUser, DashboardBrowser } from "../helpers/dashboard.js";
import { advertisedItemAtStore12 } from "../notify/alert-fixtures.js";

const ctx = useTestContext();

async function signedIn(email: string, storeIds: number[] | null): Promise<DashboardBrowser> {
  await addUser(ctx, { email, storeIds });
  const browser = new DashboardBrowser(ctx);
  expect((await browser.signIn(email)).status).toBe(303);
  return browser;
}

describe("the item page", () => {
  it("shows the forecast chart, the figures, the promotion and delivery, and the item's alert with its buttons", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 110);
    const res0 = await ctx.app.request("/v1/deliveries", {
      method: "POST",
      headers: { authorization: `Bearer ${chainKey}`, "content-type": "application/json" },
      body: JSON.stringify({ deliveries: [{ store: "S12", sku: "0001", quantity: 48, expectedDate: "2026-11-29", reference: "PO-1" }] }),
    });
    expect(res0.status).toBeLessThan(300);
    await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
    const browser = await signedIn("ana@store12.example", null);

    const res = await browser.get("/dashboard/stores/S12/items/0001");
    const html = await res.text();
    expect(res.status, html).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html).toContain("<h1>Tomatoes 1 kg");
    expect(html).toContain("Chance of running out before the ad ends");
    expect(html).toContain("Week 47 flyer");
    // where the promotion's multiplier came from: this item has no promotion history and its promotion no planned uplift
    expect(html.match(/sales expected ×[^<]*/)?.[0]).toBe("sales expected ×1.8 (the default: nothing learned yet)");
    expect(html).toContain(", 48 units (purchase order)");
    expect(html).toContain("+48");
    // the chart: sales bars, the forecast band, the stock line, the promotion shading and its accessible name
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"/);
    expect(html.match(/class="bar( stockout)?"/g)?.length).toBe(28);
    for (const part of ['class="band"', 'class="mean"', 'class="stock"', 'class="promotion"']) expect(html).toContain(part);
    expect(html).not.toMatch(/<svg[^>]*style=/);
    // the alert the sweep opened, with acknowledge and snooze forms that carry the CSRF token and come back here
    expect(html).toContain("Promotion stockout: open");
    expect(html).toMatch(/<form method="post" action="\/dashboard\/alerts\/\d+\/acknowledge"><input type="hidden" name="csrf" value="[^"]+"\/?><input type="hidden" name="next" value="\/dashboard\/stores\/S12\/items\/0001"\/?>/);
    expect(html).toContain("Customers waiting");
  });

  it("answers 404 for another store's item, an unknown store and an unknown SKU", async () => {
    const { s7 } = await advertisedItemAtStore12(ctx, 110);
    const s7Only = await signedIn("dee@store7.example", [s7.id]);
    expect((await s7Only.get("/dashboard/stores/S12/items/0001")).status).toBe(404);
    const chain = await signedIn("sam@chain.example", null);
    expect((await chain.get("/dashboard/stores/NOPE/items/0001")).status).toBe(404);
    const unknown = await chain.get("/dashboard/stores/S12/items/NOPE");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("no item with SKU NOPE");
  });
});
