import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { addDays, futureDays } from "../../src/alerts/risk-inputs.js";
import { DEFAULT_UPLIFT, HISTORY_DAYS, HORIZON_DAYS, runSweep } from "../../src/alerts/sweep.js";
import { serviceForecaster } from "../../src/backtest/service-forecaster.js";
import { queryRows } from "../../src/db/client.js";
import type { DayRecord } from "../../src/forecast/forecast-types.js";
import { alertRiskProbability } from "../../src/alerts/alert-policy.js";
import { assessShelfRisk, inferReplenishment, type ReceiptRecord } from "../../src/forecast/index.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext({ ORDER_LEAD_DAYS: "3" });

/** The clock's store-local day at S12 (a Friday). */
const TODAY = "2026-11-20";
const OBSERVED_AT = "2026-11-20T14:00:00Z";

/** 84 days of sales before today: 9 a weekday, 13 a weekend day. */
function salesDays(): Array<{ date: string; units: number }> {
  const days: Array<{ date: string; units: number }> = [];
  for (let back = HISTORY_DAYS; back >= 1; back -= 1) {
    const date = addDays(TODAY, -back);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    days.push({ date, units: weekday === 0 || weekday === 6 ? 13 : 9 });
  }
  return days;
}

/** Twelve weekly receipts on Mondays, topping the shelf up to 90, the last on 2026-11-16. */
function weeklyReceipts(): ReceiptRecord[] {
  return Array.from({ length: 12 }, (_, week) => ({ date: addDays("2026-11-16", -7 * (11 - week)), units: 68 + (week % 5), onHandAfter: 90 }));
}

/**
 * The constructed ledger: items with today's stock (posted), their sales history and, for those named, their receipts,
 * written as the import writes them.
 */
async function buildLedger(items: Array<{ sku: string; category: string; onHand: number; receipts: ReceiptRecord[] }>) {
  const { chainKey } = await seedStoresAndKeys(ctx);
  await postRowsOk(
    ctx,
    chainKey,
    items.map((item) => ({ store: "S12", sku: item.sku, onHand: item.onHand, observedAt: OBSERVED_AT, name: `Item ${item.sku}`, category: item.category })),
  );
  const sales = items.flatMap((item) => salesDays().map((day) => ({ s: "S12", k: item.sku, d: day.date, u: day.units })));
  await ctx.db.db.execute(
    sql`insert into daily_sales (store_id, item_id, sales_date, units, source)
        select st.id, i.id, x.d, x.u, 'reported'
        from json_to_recordset(${JSON.stringify(sales)}::json) as x(s text, k text, d date, u int)
        join stores st on st.code = x.s join items i on i.sku = x.k`,
  );
  const receipts = items.flatMap((item) => item.receipts.map((r) => ({ s: "S12", k: item.sku, d: r.date, u: r.units, h: r.onHandAfter ?? null })));
  if (receipts.length > 0) {
    await ctx.db.db.execute(
      sql`insert into stock_receipts (store_id, item_id, receipt_date, units, on_hand_after, source)
          select st.id, i.id, x.d, x.u, x.h, 'observed'
          from json_to_recordset(${JSON.stringify(receipts)}::json) as x(s text, k text, d date, u int, h int)
          join stores st on st.code = x.s join items i on i.sku = x.k`,
    );
  }
  return { chainKey };
}

async function storedRisk(sku: string) {
  const [row] = await queryRows<{ probability: number; next_delivery_date: string | null; next_delivery_quantity: string | null; next_delivery_source: string | null }>(
    ctx.db.db,
    sql`select r.probability, r.next_delivery_date::text as next_delivery_date, r.next_delivery_quantity, r.next_delivery_source
        from stock_risks r join items i on i.id = r.item_id where i.sku = ${sku}`,
  );
  // quantities are numeric, which both drivers answer as text
  const quantity = row!.next_delivery_quantity;
  return { ...row!, probability: Number(row!.probability), next_delivery_quantity: quantity === null ? null : Number(quantity) };
}

async function getJson<T>(path: string, key: string): Promise<T> {
  const res = await ctx.app.request(path, { headers: bearer(key) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

type AtRiskItem = { sku: string; probability: number; nextDeliveryDate: string | null; nextDeliveryQuantity: number | null; nextDeliverySource: string | null };

describe("the sweep learns replenishment from the ledger's receipts", () => {
  it("counts the deliveries an item's weekly receipts lead to expect, and says they are inferred", async () => {
    const { chainKey } = await buildLedger([
      { sku: "0001", category: "Dairy", onHand: 40, receipts: weeklyReceipts() },
      { sku: "0002", category: "Pantry", onHand: 40, receipts: [] },
      // the same receipts, but too little on the shelf to reach Monday's
      { sku: "0003", category: "Dairy", onHand: 6, receipts: weeklyReceipts() },
    ]);
    await runSweep(ctx.deps, { now: ctx.clock.now() });

    const weekly = await storedRisk("0001");
    // the next Monday, topping the shelf back up to about 90
    expect(weekly).toMatchObject({ next_delivery_date: "2026-11-23", next_delivery_source: "inferred" });
    expect(Number(weekly.next_delivery_quantity)).toBeGreaterThan(70);
    expect(weekly.probability).toBeLessThan(0.5);
    // the same shelf with no receipts runs out within the month and nothing is coming
    const none = await storedRisk("0002");
    expect(none).toMatchObject({ next_delivery_date: null, next_delivery_source: null });
    expect(none.probability).toBeGreaterThan(0.95);

    const listed = await getJson<{ items: AtRiskItem[] }>("/v1/stores/S12/at-risk", chainKey);
    expect(listed.items.map((item) => item.sku)).toEqual(["0003", "0002"]);
    expect(listed.items[0]).toMatchObject({ nextDeliveryDate: "2026-11-23", nextDeliverySource: "inferred" });
    expect(listed.items[1]).toMatchObject({ nextDeliveryDate: null, nextDeliverySource: null });

    const forecast = await getJson<{ probability: number; nextDelivery: unknown; replenishment: { intervalDays: number; sizing: string } }>(
      "/v1/stores/S12/items/0001/forecast",
      chainKey,
    );
    expect(forecast.probability).toBeCloseTo(weekly.probability, 6);
    expect(forecast.nextDelivery).toMatchObject({ date: "2026-11-23", source: "inferred" });
    expect(forecast.replenishment).toMatchObject({ intervalDays: 7, sizing: "level" });
  });

  it("lets a loaded delivery take precedence: nothing is inferred on or before it, and the API says it is loaded", async () => {
    const { chainKey } = await buildLedger([{ sku: "0001", category: "Dairy", onHand: 40, receipts: weeklyReceipts() }]);
    const res = await ctx.app.request("/v1/deliveries", {
      method: "POST",
      headers: { ...bearer(chainKey), "content-type": "application/json" },
      body: JSON.stringify({ deliveries: [{ store: "S12", sku: "0001", quantity: 50, expectedDate: "2026-11-24", reference: "PO-9" }] }),
    });
    expect(res.status).toBe(200);
    await runSweep(ctx.deps, { now: ctx.clock.now() });

    expect(await storedRisk("0001")).toMatchObject({ next_delivery_date: "2026-11-24", next_delivery_quantity: 50, next_delivery_source: "loaded" });
    const all = await getJson<{ items: AtRiskItem[] }>("/v1/stores/S12/at-risk?minProbability=0", chainKey);
    expect(all.items[0]).toMatchObject({ sku: "0001", nextDeliveryDate: "2026-11-24", nextDeliverySource: "loaded" });
    const forecast = await getJson<{ deliveries: Array<{ date: string; source: string }> }>("/v1/stores/S12/items/0001/forecast", chainKey);
    expect(forecast.deliveries[0]).toEqual({ date: "2026-11-24", quantity: 50, source: "loaded" });
    const inferred = forecast.deliveries.filter((delivery) => delivery.source === "inferred");
    expect(inferred.length).toBeGreaterThan(0);
    expect(inferred.every((delivery) => delivery.date > "2026-11-24")).toBe(true);
  });
});

describe("parity with the backtest", () => {
  it("stores the probability the backtest's path computes from the same ledger", async () => {
    const receipts = weeklyReceipts();
    const onHand = 35;
    await buildLedger([{ sku: "0001", category: "Dairy", onHand, receipts }]);
    await runSweep(ctx.deps, { now: ctx.clock.now() });
    const stored = await storedRisk("0001");

    // what the backtest does each morning (shelf-simulation): fit the model on the history, learn the pattern from
    // the receipts so far as of tomorrow, assess the shelf with no loaded orders, judge the alert probability
    const history: DayRecord[] = salesDays().map((day) => ({ date: day.date, units: day.units, stockout: false, promoted: false }));
    // the sweep's prior: the item's category at the store, which is this item alone
    const peerLevel = history.reduce((sum, day) => sum + day.units, 0) / history.length;
    const model = serviceForecaster.fitDemand(history, { peerLevel, defaultUplift: DEFAULT_UPLIFT });
    const days = futureDays(TODAY, { horizonDays: HORIZON_DAYS, until: [], promotions: [] });
    const risk = assessShelfRisk(
      { today: TODAY, onHand, model, days, loaded: [], pattern: inferReplenishment(receipts, addDays(TODAY, 1)), leadDays: ctx.config.ORDER_LEAD_DAYS },
      serviceForecaster.assessStockout,
    );
    const expected = alertRiskProbability(risk);
    expect(risk.deliveries[0]).toMatchObject({ source: "inferred" });
    expect(expected).toBeGreaterThan(0.001);
    expect(expected).toBeLessThan(0.999);
    // stored as real (single precision)
    expect(stored.probability).toBeCloseTo(expected, 6);
    expect(stored).toMatchObject({ next_delivery_date: risk.deliveries[0]!.date, next_delivery_quantity: risk.deliveries[0]!.quantity });
  });
});
