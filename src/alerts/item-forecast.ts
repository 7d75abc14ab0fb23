import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { forecastDays } from "../forecast/index.js";
import { AppError } from "../http/problem.js";
import type { StoreRef } from "../stores/store-directory.js";
import { assessItem, loadStoreInputs } from "./sweep.js";

/**
 * One item at one store as the sweep sees it now: its history, the fitted model, the forecast with bands, projected
 * stock and risk, promotions, and deliveries loaded or inferred from its receipts. Shared by the forecast API and the dashboard's item page.
 */
export async function loadItemForecast(db: Database, store: StoreRef, sku: string, now: Date, options: { leadDays: number }) {
  const [item] = await queryRows<{ id: number; name: string | null; category: string | null; unit: string }>(
    db,
    sql`select id, name, category, unit from items where sku = ${sku}`,
  );
  if (!item) throw new AppError({ code: "not_found", detail: `no item with SKU ${sku}` });
  // the category's items come along: they are the prior a short history shrinks toward
  const inputs = await loadStoreInputs(db, { id: store.id, time_zone: store.timeZone }, {
    now,
    itemFilter: item.category === null ? sql`and s.item_id = ${item.id}` : sql`and i.category = ${item.category}`,
  });
  const target = inputs.items.find((candidate) => Number(candidate.row.item_id) === Number(item.id));
  if (!target) throw new AppError({ code: "not_found", detail: `no stock recorded for ${sku} at ${store.code}` });
  const { model, risk, promotion, days, nextDelivery, probability } = assessItem(target, inputs.peerLevels, inputs.today, options);
  return {
    item: { id: Number(item.id), sku, name: item.name, category: item.category, unit: item.unit },
    today: inputs.today,
    onHand: Number(target.row.on_hand),
    stockObservedAt: new Date(target.row.observed_at).toISOString(),
    model,
    history: target.history,
    forecast: forecastDays(model, days),
    risk,
    /** what an alert is judged on, as the sweep stores it */
    probability,
    promotion,
    windows: target.windows,
    /** loaded deliveries first, then those the item's receipts lead to expect, each with its source */
    deliveries: risk.deliveries,
    nextDelivery,
    replenishment: risk.pattern,
  };
}
