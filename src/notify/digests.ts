import { and, eq, gt, inArray, ne } from "drizzle-orm";
import type { AlertKind } from "../alerts/alert-types.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { alertEvents, alerts, recipients, stores } from "../db/schema/index.js";
import type { Logger } from "../log.js";
import { itemPage, loadItemsForEmail, loadStoreForEmail, type NoticeConfig } from "./alert-notices.js";
import { renderDigestEmail, type DigestAlert, type DigestChange } from "./alert-templates.js";
import { localClock, minutesOfDay } from "./local-time.js";
import { enqueueEmails, outboxHasKey } from "./outbox.js";

export interface DigestDeps {
  db: Database;
  config: NoticeConfig;
  clock: Clock;
  log: Logger;
}

const DIGEST_EVENTS = new Set(["opened", "escalated", "resolved", "acknowledged", "snoozed"]);

/**
 * Writes each recipient's daily digest once their store-local digest time has come that day. The outbox key
 * (recipient and local date) makes it once per day whoever runs it and however often: replicas, restarts, and the
 * 23- and 25-hour days of daylight-saving changes. A recipient with nothing live and nothing changed gets no email.
 */
export async function runDigests(deps: DigestDeps): Promise<{ written: number }> {
  const { db, config, clock, log } = deps;
  const now = clock.now();
  const people = await db
    .select({ recipient: recipients, timeZone: stores.timeZone })
    .from(recipients)
    .innerJoin(stores, eq(stores.id, recipients.storeId))
    .where(eq(recipients.digest, true));
  let written = 0;
  for (const { recipient, timeZone } of people) {
    const local = localClock(now, timeZone);
    if (local.minutes < minutesOfDay(recipient.digestTime)) continue;
    const dedupeKey = `digest:${recipient.id}:${local.date}`;
    if (await outboxHasKey(db, dedupeKey)) continue;
    written += await db.transaction(async (transaction) => {
      const tx = transaction as unknown as Database;
      const content = await digestContent(tx, config, recipient, now);
      if (content.alerts.length === 0 && content.changes.length === 0) return 0;
      const store = await loadStoreForEmail(tx, recipient.storeId);
      const rendered = renderDigestEmail({
        store,
        localDate: local.date,
        recipientName: recipient.name,
        alerts: content.alerts,
        changes: content.changes,
        links: { dashboard: itemPage(config, store.code, null) },
      });
      return enqueueEmails(tx, config, [{ storeId: recipient.storeId, category: "digest", dedupeKey, to: recipient.email, ...rendered, notBefore: now }], now);
    });
  }
  if (written > 0) log.info({ written }, "digests written");
  return { written };
}

async function digestContent(
  db: Database,
  config: NoticeConfig,
  recipient: typeof recipients.$inferSelect,
  now: Date,
): Promise<{ alerts: DigestAlert[]; changes: DigestChange[] }> {
  const kinds = recipient.kinds;
  const live = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.storeId, recipient.storeId), ne(alerts.state, "resolved"), inArray(alerts.kind, kinds)));
  const since = new Date(now.getTime() - 24 * 3600_000);
  const events = await db
    .select({ at: alertEvents.at, event: alertEvents.event, cause: alertEvents.cause, kind: alerts.kind, itemId: alerts.itemId })
    .from(alertEvents)
    .innerJoin(alerts, and(eq(alerts.storeId, alertEvents.storeId), eq(alerts.id, alertEvents.alertId)))
    .where(and(eq(alertEvents.storeId, recipient.storeId), gt(alertEvents.at, since), inArray(alerts.kind, kinds)))
    .orderBy(alertEvents.at);
  const itemIds = [...live.map((a) => a.itemId), ...events.map((e) => e.itemId)].filter((id): id is number => id !== null);
  const itemsById = await loadItemsForEmail(db, [...new Set(itemIds)]);
  const [store] = await db.select({ code: stores.code }).from(stores).where(eq(stores.id, recipient.storeId));
  return {
    alerts: live.map((alert) => {
      const item = alert.itemId === null ? null : (itemsById.get(alert.itemId) ?? null);
      return {
        kind: alert.kind as AlertKind,
        state: alert.state as DigestAlert["state"],
        item,
        figures: alert.figures,
        urgent: alert.urgent,
        links: { page: itemPage(config, store!.code, item?.sku ?? null) },
      };
    }),
    changes: events
      .filter((e) => DIGEST_EVENTS.has(e.event))
      .map((e) => ({
        at: e.at.toISOString(),
        event: e.event as DigestChange["event"],
        kind: e.kind as AlertKind,
        item: e.itemId === null ? null : (itemsById.get(e.itemId) ?? null),
        cause: e.cause,
      })),
  };
}
