import { expect } from "vitest";
import { bearer, seedStoresAndKeys, type TestContext } from "../helpers/context.js";
import { upload } from "../helpers/sync-requests.js";

/** 84 days of sales of one item at S12 before 2026-11-20, with a past promotion at twice the sales. */
export function salesHistory(sku: string, end = "2026-11-20"): string {
  const lines = ["store,sku,sold_units,sales_date"];
  const endMs = Date.parse(`${end}T00:00:00Z`);
  for (let daysAgo = 84; daysAgo >= 1; daysAgo -= 1) {
    const date = new Date(endMs - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const pastPromotion = daysAgo >= 40 && daysAgo <= 46;
    const units = (weekday === 0 || weekday === 6 ? 13 : 9) * (pastPromotion ? 2 : 1);
    lines.push(`S12,${sku},${units},${date}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function postJson(ctx: TestContext, path: string, key: string, body: unknown, status = 200): Promise<Record<string, unknown>> {
  const res = await ctx.app.request(path, { method: "POST", headers: { ...bearer(key), "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as Record<string, unknown>;
}

export async function postStock(ctx: TestContext, key: string, onHand: number, observedAt = ctx.clock.now().toISOString()): Promise<void> {
  await postJson(ctx, "/v1/stock", key, { rows: [{ store: "S12", sku: "0001", onHand, observedAt, name: "Tomatoes 1 kg", category: "Produce" }] }, 201);
}

/**
 * Store 12 with 12 weeks of sales of Tomatoes 1 kg, in the week-47 flyer from 2026-11-20 to 2026-11-26 (a Thursday),
 * and the given stock; recipients: two managers, a staff member who turned urgent email off, and S7's manager.
 */
export async function advertisedItemAtStore12(ctx: TestContext, onHand: number) {
  const keys = await seedStoresAndKeys(ctx);
  expect((await upload(ctx, keys.chainKey, salesHistory("0001"))).status).toBe(201);
  await postStock(ctx, keys.chainKey, onHand);
  await postJson(ctx, "/v1/promotions", keys.chainKey, {
    promotions: [{ id: "AD-2026-47", name: "Week 47 flyer", skus: ["0001"], stores: ["S12"], startDate: "2026-11-20", endDate: "2026-11-26" }],
  });
  const recipients = [
    ["S12", { email: "Ana.Manager@store12.example", name: "Ana", role: "manager" }],
    ["S12", { email: "ben.manager@store12.example", name: "Ben", role: "manager" }],
    ["S12", { email: "cy.staff@store12.example", name: "Cy", role: "staff", urgentEmails: false }],
    ["S7", { email: "dee.manager@store7.example", name: "Dee", role: "manager" }],
  ] as const;
  for (const [store, recipient] of recipients) await postJson(ctx, `/v1/stores/${store}/recipients`, keys.chainKey, recipient, 201);
  return keys;
}
