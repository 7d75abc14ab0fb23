import { listAlertHistory, listAlerts } from "../alerts/alert-reads.js";
import { loadItemForecast } from "../alerts/item-forecast.js";
import { loadItemPredictions } from "../alerts/track-record.js";
import type { Database } from "../db/client.js";
import { countSubscribersByItem } from "../subscriptions/subscriber-counts.js";
import type { ItemAlert, ItemPageProps } from "./item-page.js";
import type { VisibleStore } from "./viewer-stores.js";

/** days of sales history on the item chart: the last four weeks */
const CHART_HISTORY_DAYS = 28;
/** the item's own past predictions shown against what happened */
const ITEM_PREDICTIONS = 30;

/** Everything the item page shows of one item at one store, but who looks at it and where from. */
export async function loadItemPage(
  db: Database,
  store: VisibleStore,
  sku: string,
  now: Date,
  options: { leadDays: number },
): Promise<Omit<ItemPageProps, "viewer" | "snoozeHours" | "path">> {
  const found = await loadItemForecast(db, store, sku, now, options);
  const extras = await loadItemPageExtras(db, store.id, found.item.sku);
  const predictions = await loadItemPredictions(db, store.id, found.item.sku, ITEM_PREDICTIONS);
  return {
    store: { code: store.code, name: store.name, timeZone: store.timeZone },
    item: found.item,
    onHand: found.onHand,
    stockObservedAt: found.stockObservedAt,
    risk: found.risk,
    probability: found.probability,
    promotion: found.promotion,
    uplift: { multiplier: found.model.uplift, source: found.model.upliftSource, prior: found.model.upliftPrior ?? null },
    nextDelivery: found.nextDelivery,
    replenishment: found.replenishment,
    chart: {
      today: found.today,
      history: found.history.slice(-CHART_HISTORY_DAYS),
      forecast: found.forecast,
      onHand: found.onHand,
      projectedStock: found.risk.projectedStock,
      promotions: found.windows.map((w) => ({ name: w.name ?? "Promotion", startDate: w.startDate, endDate: w.endDate })),
      deliveries: found.deliveries,
      projectedStockoutDate: found.risk.projectedStockoutDate,
      unit: found.item.unit,
    },
    ...extras,
    predictions,
  };
}

/** The most recent alerts of one item at one store (each with its history) and how many customers wait for it. */
async function loadItemPageExtras(
  db: Database,
  storeId: number,
  sku: string,
): Promise<{ alerts: ItemAlert[]; subscribers: { restock: number; deals: number } }> {
  const records = await listAlerts(db, { storeIds: [storeId], storeId, sku, limit: 20 });
  const alerts = await Promise.all(
    records.map(async (record) => ({
      id: record.id,
      kind: record.kind,
      state: record.state,
      openedAt: record.openedAt,
      updatedAt: record.updatedAt,
      snoozedUntil: record.snoozedUntil,
      events: await listAlertHistory(db, record),
    })),
  );
  const [counts] = await countSubscribersByItem(db, { storeIds: [storeId], sku, limit: 1 });
  return { alerts, subscribers: { restock: counts?.restock ?? 0, deals: counts?.deals ?? 0 } };
}
