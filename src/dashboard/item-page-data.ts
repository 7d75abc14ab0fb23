import { listAlertHistory, listAlerts } from "../alerts/alert-reads.js";
import type { Database } from "../db/client.js";
import { countSubscribersByItem } from "../subscriptions/subscriber-counts.js";
import type { ItemAlert } from "./item-page.js";

/** The most recent alerts of one item at one store (each with its history) and how many customers wait for it. */
export async function loadItemPageExtras(
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
