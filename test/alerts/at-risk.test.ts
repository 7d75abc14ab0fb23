import { describe, expect, it } from "vitest";
import { runSweep } from "../../src/alerts/sweep.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { upload } from "../helpers/sync-requests.js";

const ctx = useTestContext();

/** 84 days of sales before the clock's day at S12, with a weekly pattern and a past promotion at twice the sales. */
function salesHistory(skus: string[]): string {
  const lines = ["store,sku,sold_units,sales_date"];
  for (const sku of skus) {
    for (let daysAgo = 84; daysAgo >= 1; daysAgo -= 1) {
      const date = new Date(Date.UTC(2026, 10, 20) - daysAgo * 86_400_000).toISOString().slice(0, 10);
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      // 2026-10-05 to 2026-10-11
      const pastPromotion = daysAgo >= 40 && daysAgo <= 46;
      const units = (weekday === 0 || weekday === 6 ? 13 : 9) * (pastPromotion ? 2 : 1);
      lines.push(`S12,${sku},${units},${date}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

async function post(path: string, key: string, body: unknown) {
  const res = await ctx.app.request(path, { method: "POST", headers: { ...bearer(key), "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

describe("GET /v1/stores/:store/at-risk", () => {
  it("puts an advertised item that will not last to its promotion's end on top; one with a delivery landing in time is not at risk", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const skus = ["0001", "0002", "0003", "0004"];
    expect((await upload(ctx, chainKey, salesHistory(skus))).status).toBe(201);
    const observedAt = "2026-11-20T14:00:00Z";
    const stock = await ctx.app.request("/v1/stock", {
      method: "POST",
      headers: { ...bearer(chainKey), "content-type": "application/json" },
      body: JSON.stringify({
        rows: [
          { store: "S12", sku: "0001", onHand: 30, observedAt, name: "Tomatoes 1 kg", category: "Produce" },
          { store: "S12", sku: "0002", onHand: 30, observedAt, name: "Basil", category: "Produce" },
          { store: "S12", sku: "0003", onHand: 2000, observedAt, name: "Rice 5 kg", category: "Pantry" },
          { store: "S12", sku: "0004", onHand: 12, observedAt, name: "Oat milk", category: "Dairy" },
        ],
      }),
    });
    expect(stock.status).toBe(201);
    await post("/v1/promotions", chainKey, {
      promotions: [
        { id: "AD-2026-47", name: "Week 47 flyer", skus: ["0001", "0002"], stores: ["S12"], startDate: "2026-11-20", endDate: "2026-11-26" },
        { id: "AD-2026-40", name: "Week 40 flyer", skus: skus, stores: ["S12"], startDate: "2026-10-05", endDate: "2026-10-11" },
      ],
    });
    await post("/v1/deliveries", chainKey, { deliveries: [{ store: "S12", sku: "0002", quantity: 400, expectedDate: "2026-11-21", reference: "PO-1001" }] });

    const sweep = await runSweep(ctx.deps, { now: ctx.clock.now() });
    expect(sweep).toMatchObject({ full: true, storeItems: 4 });

    const res = await ctx.app.request("/v1/stores/S12/at-risk", { headers: bearer(chainKey) });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<Record<string, unknown>> };
    expect(items.map((i) => i.sku)).toEqual(["0001", "0004"]);
    expect(items[0]).toMatchObject({ advertised: true, promotion: "AD-2026-47", promotionEnd: "2026-11-26", onHand: 30 });
    // about 18 a day on promotion: 30 units are gone on the second day
    expect(items[0]!.projectedStockoutDate).toMatch(/^2026-11-2[01]$/);
    expect(items[0]!.probability).toBeGreaterThan(0.95);
    expect(items[0]!.quantityToLastPromotion).toBeGreaterThan(60);
    expect(items[1]).toMatchObject({ advertised: false, onHand: 12 });

    const advertisedOnly = await ctx.app.request("/v1/stores/S12/at-risk?advertisedOnly=true", { headers: bearer(chainKey) });
    expect(((await advertisedOnly.json()) as { items: unknown[] }).items).toHaveLength(1);

    // the item with the delivery is computed, just not at risk
    const forecast = await ctx.app.request("/v1/stores/S12/items/0002/forecast", { headers: bearer(chainKey) });
    expect(forecast.status).toBe(200);
    const body = (await forecast.json()) as { risk: { probabilityBeforePromotionEnd: number }; deliveries: unknown[]; forecast: Array<{ promoted: boolean; mean: number }> };
    expect(body.risk.probabilityBeforePromotionEnd).toBeLessThan(0.2);
    expect(body.deliveries).toEqual([{ date: "2026-11-21", quantity: 400, source: "loaded" }]);
    const promoted = body.forecast.filter((d) => d.promoted).map((d) => d.mean);
    const regular = body.forecast.filter((d) => !d.promoted).map((d) => d.mean);
    expect(Math.min(...promoted)).toBeGreaterThan(Math.max(...regular));
  });

  it("learns an item's uplift from its promotion of months ago, further back than the recent history", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    // 200 days of 10 a day before the clock's day, and 30 a day during a week-long promotion 150 to 144 days ago
    const lines = ["store,sku,sold_units,sales_date"];
    const dayBefore = (daysAgo: number) => new Date(Date.UTC(2026, 10, 20) - daysAgo * 86_400_000).toISOString().slice(0, 10);
    for (let daysAgo = 200; daysAgo >= 1; daysAgo -= 1) lines.push(`S12,0009,${daysAgo >= 144 && daysAgo <= 150 ? 30 : 10},${dayBefore(daysAgo)}`);
    expect((await upload(ctx, chainKey, `${lines.join("\n")}\n`)).status).toBe(201);
    const stock = await ctx.app.request("/v1/stock", {
      method: "POST",
      headers: { ...bearer(chainKey), "content-type": "application/json" },
      body: JSON.stringify({ rows: [{ store: "S12", sku: "0009", onHand: 900, observedAt: "2026-11-20T14:00:00Z", name: "Coffee beans", category: "Pantry" }] }),
    });
    expect(stock.status).toBe(201);
    await post("/v1/promotions", chainKey, {
      promotions: [
        { id: "AD-2026-26", name: "Week 26 flyer", skus: ["0009"], stores: ["S12"], startDate: dayBefore(150), endDate: dayBefore(144) },
        { id: "AD-2026-48", name: "Week 48 flyer", skus: ["0009"], stores: ["S12"], startDate: "2026-11-23", endDate: "2026-11-29" },
      ],
    });

    const forecast = await ctx.app.request("/v1/stores/S12/items/0009/forecast", { headers: bearer(chainKey) });
    expect(forecast.status).toBe(200);
    const body = (await forecast.json()) as {
      model: { uplift: number; upliftSource: string };
      history: Array<{ date: string }>;
      promotions: unknown[];
      forecast: Array<{ promoted: boolean; mean: number }>;
    };
    // its own promotion, not the default of 1.8 an item without one gets
    expect(body.model.upliftSource).toBe("item");
    expect(body.model.uplift).toBeGreaterThan(2.5);
    expect(body.model.uplift).toBeLessThan(3.5);
    const promoted = body.forecast.filter((d) => d.promoted).map((d) => d.mean);
    const regular = body.forecast.filter((d) => !d.promoted).map((d) => d.mean);
    expect(Math.min(...promoted)).toBeGreaterThan(2.5 * Math.max(...regular));
    // what the item's page shows is still the recent history and the promotions around it
    expect(body.history).toHaveLength(84);
    expect(body.history[0]!.date).toBe(dayBefore(84));
    expect(body.promotions).toEqual([{ startDate: "2026-11-23", endDate: "2026-11-29" }]);
  });

  it("forecasts an item that sold only months ago, around a past promotion, from today, like an item that never sold", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const dayBefore = (daysAgo: number) => new Date(Date.UTC(2026, 10, 20) - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const lines = ["store,sku,sold_units,sales_date"];
    // 0011 sold 10 a day (30 on promotion) from 200 to 130 days ago, and nothing since; 0013 sells 3 a day now
    for (let daysAgo = 200; daysAgo >= 130; daysAgo -= 1) lines.push(`S12,0011,${daysAgo >= 144 && daysAgo <= 150 ? 30 : 10},${dayBefore(daysAgo)}`);
    for (let daysAgo = 84; daysAgo >= 1; daysAgo -= 1) lines.push(`S12,0013,3,${dayBefore(daysAgo)}`);
    expect((await upload(ctx, chainKey, `${lines.join("\n")}\n`)).status).toBe(201);
    const rows = ["0011", "0012", "0013"].map((sku) => ({ store: "S12", sku, onHand: 50, observedAt: "2026-11-20T14:00:00Z", category: "Seasonal" }));
    const stock = await ctx.app.request("/v1/stock", {
      method: "POST",
      headers: { ...bearer(chainKey), "content-type": "application/json" },
      body: JSON.stringify({ rows }),
    });
    expect(stock.status).toBe(201);
    await post("/v1/promotions", chainKey, {
      promotions: [{ id: "AD-2026-26", name: "Week 26 flyer", skus: ["0011"], stores: ["S12"], startDate: dayBefore(150), endDate: dayBefore(144) }],
    });

    const forecastOf = async (sku: string) => {
      const res = await ctx.app.request(`/v1/stores/S12/items/${sku}/forecast`, { headers: bearer(chainKey) });
      expect(res.status).toBe(200);
      return (await res.json()) as { model: { upliftSource: string }; forecast: Array<{ date: string; mean: number }> };
    };
    const pastOnly = await forecastOf("0011");
    const neverSold = await forecastOf("0012");
    // its old promotion still teaches its uplift
    expect(pastOnly.model.upliftSource).toBe("item");
    // but its demand from today on is the category's, as for the item that never sold here, not the 10 a day of months ago
    expect(pastOnly.forecast[0]!.date).toBe("2026-11-20");
    expect(pastOnly.forecast.map((d) => d.mean)).toEqual(neverSold.forecast.map((d) => d.mean));
    expect(Math.max(...pastOnly.forecast.map((d) => d.mean))).toBeLessThan(5);
  });

  it("forecasts an advertised item with its promotion's planned uplift until its own promotions say otherwise, and says which it used", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const dayBefore = (daysAgo: number) => new Date(Date.UTC(2026, 10, 20) - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const lines = ["store,sku,sold_units,sales_date"];
    // 0021 and 0022 sell 10 a day and were never advertised; 0023 sold ×2 in a promotion 30 to 24 days ago
    for (let daysAgo = 84; daysAgo >= 1; daysAgo -= 1) {
      lines.push(`S12,0021,10,${dayBefore(daysAgo)}`, `S12,0022,10,${dayBefore(daysAgo)}`);
      lines.push(`S12,0023,${daysAgo >= 24 && daysAgo <= 30 ? 20 : 10},${dayBefore(daysAgo)}`);
    }
    expect((await upload(ctx, chainKey, `${lines.join("\n")}\n`)).status).toBe(201);
    // each item in its own category, so that no category uplift is learned from the others
    const rows = ["0021", "0022", "0023"].map((sku) => ({ store: "S12", sku, onHand: 120, observedAt: "2026-11-20T14:00:00Z", category: `C${sku}` }));
    const stock = await ctx.app.request("/v1/stock", { method: "POST", headers: { ...bearer(chainKey), "content-type": "application/json" }, body: JSON.stringify({ rows }) });
    expect(stock.status).toBe(201);
    await post("/v1/promotions", chainKey, {
      promotions: [
        { id: "AD-PAST", name: "Past flyer", skus: ["0023"], stores: ["S12"], startDate: dayBefore(30), endDate: dayBefore(24) },
        // the planner expects ×4 of 0021 and 0023 (a deep discount), and has no figure for 0022
        { id: "AD-49", name: "Week 49 flyer", skus: ["0021", "0022", "0023"], stores: ["S12"], startDate: "2026-11-23", endDate: "2026-11-26", upliftBySku: { "0021": 4, "0023": 4 } },
      ],
    });

    const forecastOf = async (sku: string) => {
      const res = await ctx.app.request(`/v1/stores/S12/items/${sku}/forecast`, { headers: bearer(chainKey) });
      expect(res.status).toBe(200);
      return (await res.json()) as {
        model: { uplift: number; upliftSource: string; upliftPrior: string };
        promotion: { plannedUplift: number | null };
        risk: { probabilityBeforePromotionEnd: number };
        forecast: Array<{ promoted: boolean; mean: number }>;
      };
    };
    const planned = await forecastOf("0021");
    expect(planned.model).toMatchObject({ uplift: 4, upliftSource: "planned", upliftPrior: "planned" });
    expect(planned.promotion.plannedUplift).toBe(4);
    const promotedMean = planned.forecast.find((d) => d.promoted)!.mean;
    const ordinaryMean = planned.forecast.find((d) => !d.promoted)!.mean;
    expect(promotedMean / ordinaryMean).toBeCloseTo(4, 6);
    // no plan and no history: the default
    const unplanned = await forecastOf("0022");
    expect(unplanned.model).toMatchObject({ uplift: 1.8, upliftSource: "default" });
    // 30 ordinary units and 4 days at ×4 do not fit in 120 units; at ×1.8 they do (a planner's ×4 is itself unsure)
    expect(planned.risk.probabilityBeforePromotionEnd).toBeGreaterThan(0.8);
    expect(unplanned.risk.probabilityBeforePromotionEnd).toBeLessThan(0.4);
    // its own ×2 week pulls the plan down, not all the way
    const learned = await forecastOf("0023");
    expect(learned.model).toMatchObject({ upliftSource: "item", upliftPrior: "planned" });
    expect(learned.model.uplift).toBeGreaterThan(2.1);
    expect(learned.model.uplift).toBeLessThan(3.8);

    // the sweep stores what the forecast says
    await runSweep(ctx.deps, { now: ctx.clock.now() });
    const res = await ctx.app.request("/v1/stores/S12/at-risk", { headers: bearer(chainKey) });
    const { items } = (await res.json()) as { items: Array<{ sku: string; probability: number; promotionEnd: string | null }> };
    expect(items.find((item) => item.sku === "0021")).toMatchObject({ promotionEnd: "2026-11-26" });
    expect(items.find((item) => item.sku === "0021")!.probability).toBeGreaterThanOrEqual(planned.risk.probabilityBeforePromotionEnd);
  });

  it("refuses a key limited to another store", async () => {
    const { s12Key } = await seedStoresAndKeys(ctx);
    const res = await ctx.app.request("/v1/stores/S7/at-risk", { headers: bearer(s12Key) });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
