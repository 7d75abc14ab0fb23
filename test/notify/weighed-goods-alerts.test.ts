import { describe, expect, it } from "vitest";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { pageHtml, signedInBrowser } from "../helpers/dashboard.js";
import { useTestSmtp } from "../helpers/smtp.js";
import { expectJson, importCsv } from "../helpers/sync-requests.js";
import { postJson } from "./alert-fixtures.js";

const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);

const SQUARE_SALES_HEADER =
  "Date,Time,Time Zone,Category,Item,Qty,Price Point Name,SKU,Modifiers Applied,Gross Sales,Discounts,Net Sales,Tax," +
  "Transaction ID,Payment ID,Device Name,Notes,Details,Event Type,Location,Dining Option,Customer ID,Customer Name," +
  "Customer Reference ID,Unit,Count,Itemization Type";

/** 84 days of banana sales at Mt Auburn before 2026-11-20 as a Square sales export: two weighed lines a day, in pounds. */
function bananaSales(): string {
  const lines = [SQUARE_SALES_HEADER];
  const end = Date.parse("2026-11-20T00:00:00Z");
  for (let daysAgo = 84; daysAgo >= 1; daysAgo -= 1) {
    const date = new Date(end - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const weekend = [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
    // 9.35 lb on a weekday, 13.4 lb on a weekend day
    const weights = weekend ? ["6.15", "7.25"] : ["4.1", "5.25"];
    weights.forEach((qty, index) => {
      lines.push([date, "11:00:00", "Eastern Time (US & Canada)", "Produce", "Bananas", qty, "Regular", "4011", "", "$3.00", "$0.00", "$3.00",
        "$0.00", `T${daysAgo}-${index}`, `P${daysAgo}-${index}`, "Scale 1", "", "", "Payment", "Mt Auburn", "", "", "", "", "lb", "", "Physical Item"].join(","));
    });
  }
  return `${lines.join("\n")}\n`;
}

interface AtRiskItem {
  sku: string;
  onHand: number;
  unit: string;
  quantityToLastPromotion: number | null;
  probability: number;
}

describe("alerts about goods sold by weight", () => {
  it("forecasts from pounds sold, and the at-risk list, the forecast, the email and the dashboard show pounds", async () => {
    const { s12, chainKey } = await seedStoresAndKeys(ctx);
    const sales = await importCsv(ctx, chainKey, bananaSales());
    expect(sales).toMatchObject({ status: "applied", format: "square-sales", rowsAccepted: 168, rowsRejected: 0 });
    const stock = await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,4011,24.35\n");
    expect(stock).toMatchObject({ status: "applied", rowsAccepted: 1, rowsRejected: 0 });
    await postJson(ctx, "/v1/promotions", chainKey, {
      promotions: [{ id: "AD-47", name: "Week 47 flyer", skus: ["4011"], stores: ["S12"], startDate: "2026-11-20", endDate: "2026-11-26" }],
    });
    await postJson(ctx, "/v1/stores/S12/recipients", chainKey, { email: "ana.manager@store12.example", name: "Ana", role: "manager" }, 201);

    await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
    await runDispatch({ ...ctx.deps, mailer: live.mailer });

    const atRisk = await expectJson<{ items: AtRiskItem[] }>(await ctx.app.request("/v1/stores/S12/at-risk", { headers: bearer(chainKey) }), 200);
    expect(atRisk.items).toHaveLength(1);
    const [bananas] = atRisk.items;
    expect(bananas).toMatchObject({ sku: "4011", onHand: 24.35, unit: "lb" });
    // a week of 9.35 to 13.4 lb a day, advertised, against 24.35 lb: the order is many pounds
    expect(bananas!.probability).toBeGreaterThan(0.9);
    expect(bananas!.quantityToLastPromotion).toBeGreaterThan(50);

    const forecast = await expectJson<{ unit: string; onHand: number; history: Array<{ date: string; units: number }>; forecast: Array<{ mean: number }> }>(
      await ctx.app.request("/v1/stores/S12/items/4011/forecast", { headers: bearer(chainKey) }),
      200,
    );
    expect(forecast).toMatchObject({ unit: "lb", onHand: 24.35 });
    expect(forecast.history.find((day) => day.date === "2026-11-19")).toMatchObject({ units: 9.35 });
    expect(forecast.history.find((day) => day.date === "2026-11-15")).toMatchObject({ units: 13.4 });
    // the level learned from fractional days lies between a weekday's and a weekend day's sales, before the uplift
    const level = forecast.forecast.reduce((sum, day) => sum + day.mean, 0) / forecast.forecast.length;
    expect(level).toBeGreaterThan(9);

    expect(live.smtp.messages).toHaveLength(1);
    const email = live.smtp.messages[0]!;
    expect(email.subject).toBe("Bananas: runs out tomorrow, ad ends Thu, Store 12 Mt Auburn");
    for (const text of [email.text!, email.html as string]) {
      expect(text).toContain("24.35 lb");
      expect(text).toContain(`Order or move ${bananas!.quantityToLastPromotion!.toLocaleString("en-US")} lb to last through`);
      expect(text).not.toMatch(/\bunits?\b/);
    }

    const manager = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const list = await pageHtml(manager, "/dashboard");
    expect(list).toContain("24.35 lb");
    const page = await pageHtml(manager, "/dashboard/stores/S12/items/4011");
    expect(page).toContain("24.35 lb");
    expect(page).toContain(`order or move ${bananas!.quantityToLastPromotion!.toLocaleString("en-US")} lb`);
  });
});
