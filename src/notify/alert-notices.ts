import { and, eq, inArray } from "drizzle-orm";
import type { AlertKind } from "../alerts/alert-types.js";
import type { AlertTransition } from "../alerts/alert-writes.js";
import { runSweep, type SweepResult } from "../alerts/sweep.js";
import type { AppDeps } from "../app-env.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { items, recipients, stores } from "../db/schema/index.js";
import { localDateAt } from "../stores/store-directory.js";
import { renderAlertEmail, type ItemForEmail, type StoreForEmail } from "./alert-templates.js";
import { afterQuietHours } from "./local-time.js";
import { enqueueEmails, type NewEmail } from "./outbox.js";
import { linkSecret } from "./service-secrets.js";
import { newNonce, signLink } from "./signed-links.js";

export type NoticeConfig = Pick<
  Config,
  "MAIL_FROM" | "OUTBOX_GIVE_UP_MINUTES" | "PUBLIC_URL" | "PORT" | "LINK_SECRET" | "LINK_TTL_HOURS" | "SNOOZE_HOURS"
>;

export function publicUrl(config: Pick<Config, "PUBLIC_URL" | "PORT">): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, "");
}

export interface AlertLinks {
  acknowledge: string;
  snooze: string;
  dashboard: string;
}

/** Signed, expiring, single-purpose links for one alert, and the dashboard page of its item. */
export function alertLinks(
  config: NoticeConfig,
  secret: string,
  alert: { alertId: number; storeCode: string; sku: string | null },
  now: Date,
): AlertLinks {
  const base = publicUrl(config);
  const expires = Math.floor(now.getTime() / 1000) + config.LINK_TTL_HOURS * 3600;
  const link = (purpose: "acknowledge" | "snooze") =>
    `${base}/links/${signLink(secret, { purpose, alertId: alert.alertId, expires, nonce: newNonce(), ...(purpose === "snooze" ? { hours: config.SNOOZE_HOURS } : {}) })}`;
  const store = encodeURIComponent(alert.storeCode);
  return {
    acknowledge: link("acknowledge"),
    snooze: link("snooze"),
    dashboard: alert.sku ? `${base}/dashboard/stores/${store}/items/${encodeURIComponent(alert.sku)}` : `${base}/dashboard/stores/${store}`,
  };
}

export async function loadStoreForEmail(db: Database, storeId: number): Promise<StoreForEmail & { id: number }> {
  const [store] = await db.select().from(stores).where(eq(stores.id, storeId));
  if (!store) throw new Error(`store ${storeId} vanished while its alerts were written`);
  const cityLine = [[store.city, store.region].filter(Boolean).join(", "), store.postalCode].filter(Boolean).join(" ");
  return {
    id: store.id,
    code: store.code,
    name: store.name,
    timeZone: store.timeZone,
    addressLines: [store.addressLine1, store.addressLine2, cityLine, store.country].filter((line): line is string => Boolean(line)),
  };
}

export async function loadItemsForEmail(db: Database, itemIds: number[]): Promise<Map<number, ItemForEmail>> {
  if (itemIds.length === 0) return new Map();
  const rows = await db.select({ id: items.id, sku: items.sku, name: items.name, unit: items.unit }).from(items).where(inArray(items.id, itemIds));
  return new Map(rows.map((r) => [r.id, { sku: r.sku, name: r.name, unit: r.unit }]));
}

/** Recipients of a store who want urgent email about an alert kind. */
async function urgentRecipients(db: Database, storeId: number) {
  return db
    .select()
    .from(recipients)
    .where(and(eq(recipients.storeId, storeId), eq(recipients.urgentEmails, true)));
}

/**
 * Writes the urgent emails that alert transitions call for, inside the sweep's transaction: an urgent alert opened, or
 * an open one got worse. One row per transition and recipient, held back through the recipient's quiet hours.
 */
export async function enqueueAlertEmails(
  tx: Database,
  config: NoticeConfig,
  storeId: number,
  transitions: AlertTransition[],
  now: Date,
): Promise<number> {
  const due = transitions.filter((t) => t.notify && (t.event === "opened" || t.event === "escalated"));
  if (due.length === 0) return 0;
  const people = await urgentRecipients(tx, storeId);
  if (people.length === 0) return 0;
  const store = await loadStoreForEmail(tx, storeId);
  const itemsById = await loadItemsForEmail(tx, due.flatMap((t) => (t.itemId === null ? [] : [t.itemId])));
  const secret = await linkSecret(tx, config);
  const today = localDateAt(now, store.timeZone);
  const emails: NewEmail[] = [];
  for (const transition of due) {
    const item = transition.itemId === null ? null : (itemsById.get(transition.itemId) ?? null);
    for (const person of people) {
      if (!person.kinds.includes(transition.kind as AlertKind)) continue;
      // links of their own per person: one person's click does not use up another's link
      const links = alertLinks(config, secret, { alertId: transition.alertId, storeCode: store.code, sku: item?.sku ?? null }, now);
      const rendered = renderAlertEmail({
        event: transition.event === "escalated" ? "escalated" : "opened",
        kind: transition.kind,
        store,
        item,
        figures: transition.figures,
        previous: transition.previousFigures,
        today,
        links,
      });
      emails.push({
        storeId,
        category: "alert",
        dedupeKey: `alert:${transition.alertId}:${transition.eventId}:${person.id}`,
        alertId: transition.alertId,
        to: person.email,
        ...rendered,
        notBefore: afterQuietHours(now, store.timeZone, { start: person.quietStart, end: person.quietEnd }),
      });
    }
  }
  return enqueueEmails(tx, config, emails, now);
}

/** The risk sweep with its alert emails written in the same transactions as the alert changes. */
export function sweepWithAlerts(deps: Pick<AppDeps, "db" | "log" | "config">, options: { now: Date; full?: boolean }): Promise<SweepResult> {
  return runSweep(deps, {
    ...options,
    onAlertTransitions: async (tx, store, transitions, now) => {
      await enqueueAlertEmails(tx, deps.config, store.id, transitions, now);
    },
  });
}
