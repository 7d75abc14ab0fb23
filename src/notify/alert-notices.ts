import { and, eq, inArray, sql } from "drizzle-orm";
import type { AlertKind } from "../alerts/alert-types.js";
import type { AlertTransition } from "../alerts/alert-writes.js";
import { runSweep, type SweepResult } from "../alerts/sweep.js";
import type { AppDeps } from "../app-env.js";
import type { Config } from "../config.js";
import { queryRows, type Database } from "../db/client.js";
import { items, outbox, recipients, stores } from "../db/schema/index.js";
import type { AlertNotice } from "../db/schema/outbox.js";
import { localDateAt } from "../stores/store-directory.js";
import {
  orderByUrgency,
  renderAlertBatchEmail,
  renderAlertEmail,
  type ItemForEmail,
  type RenderedEmail,
  type StoreForEmail,
} from "./alert-templates.js";
import { afterQuietHours } from "./local-time.js";
import { enqueueEmails, type NewEmail } from "./outbox.js";
import { linkSecret } from "./service-secrets.js";
import { newNonce, signLink } from "./signed-links.js";
import { mergeNotices, nextUrgentSlot } from "./urgent-batches.js";

export type NoticeConfig = Pick<
  Config,
  "MAIL_FROM" | "OUTBOX_GIVE_UP_MINUTES" | "PUBLIC_URL" | "PORT" | "LINK_SECRET" | "LINK_TTL_HOURS" | "SNOOZE_HOURS" | "URGENT_EMAILS_PER_HOUR"
>;

export function publicUrl(config: Pick<Config, "PUBLIC_URL" | "PORT">): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, "");
}

export interface AlertLinks {
  acknowledge: string;
  snooze: string;
  dashboard: string;
}

/** The dashboard page of an item at a store, or of the store when there is no item (a stale feed). */
export function itemPage(config: Pick<Config, "PUBLIC_URL" | "PORT">, storeCode: string, sku: string | null): string {
  const store = `${publicUrl(config)}/dashboard/stores/${encodeURIComponent(storeCode)}`;
  return sku ? `${store}/items/${encodeURIComponent(sku)}` : store;
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
  return { acknowledge: link("acknowledge"), snooze: link("snooze"), dashboard: itemPage(config, alert.storeCode, alert.sku) };
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

/**
 * Recipients of a store who want urgent email, locked for the sweep's transaction: the hourly cap counts a recipient's
 * emails and then writes one, and two sweeps doing that at once could both see room for the last one.
 */
async function urgentRecipients(db: Database, storeId: number) {
  return db
    .select()
    .from(recipients)
    .where(and(eq(recipients.storeId, storeId), eq(recipients.urgentEmails, true)))
    .orderBy(recipients.id)
    .for("update");
}

type Recipient = typeof recipients.$inferSelect;

interface UrgentContext {
  config: NoticeConfig;
  store: StoreForEmail & { id: number };
  secret: string;
  now: Date;
}

function toNotice(transition: AlertTransition): AlertNotice {
  return {
    alertId: transition.alertId,
    eventId: transition.eventId,
    event: transition.event === "escalated" ? "escalated" : "opened",
    kind: transition.kind,
    itemId: transition.itemId,
    figures: transition.figures,
    previousFigures: transition.previousFigures,
  };
}

/** One email of a recipient's urgent alerts: the single-alert email for one, else the most urgent in full and a line each. */
async function renderUrgentEmail(tx: Database, context: UrgentContext, notices: AlertNotice[]): Promise<RenderedEmail & { alertId: number }> {
  const { config, store, secret, now } = context;
  const itemsById = await loadItemsForEmail(tx, notices.flatMap((n) => (n.itemId === null ? [] : [n.itemId])));
  const today = localDateAt(now, store.timeZone);
  const withItems = notices.map((notice) => {
    const item = notice.itemId === null ? null : (itemsById.get(notice.itemId) ?? null);
    return { ...notice, item, previous: notice.previousFigures, page: itemPage(config, store.code, item?.sku ?? null) };
  });
  const [lead, ...others] = orderByUrgency(withItems, today);
  if (!lead) throw new Error("an urgent email needs an alert to tell of");
  // links of their own per person: one person's click does not use up another's link
  const links = alertLinks(config, secret, { alertId: lead.alertId, storeCode: store.code, sku: lead.item?.sku ?? null }, now);
  const rendered =
    others.length === 0
      ? renderAlertEmail({ event: lead.event, kind: lead.kind, store, item: lead.item, figures: lead.figures, previous: lead.previous, today, links })
      : renderAlertBatchEmail({
          store,
          today,
          notices: [lead, ...others],
          leadLinks: { acknowledge: links.acknowledge, snooze: links.snooze },
          alertsPage: `${publicUrl(config)}/dashboard/alerts?store=${encodeURIComponent(store.code)}`,
        });
  return { ...rendered, alertId: lead.alertId };
}

type HeldEmail = { store_id: number; id: number; alert_notices: AlertNotice[] | string; not_before: string };

/**
 * Queues one recipient's urgent alerts from one sweep. They join the recipient's urgent email that is still waiting
 * (never tried, nobody sending it: the dispatcher's lease and its FOR UPDATE SKIP LOCKED leave it to us once locked);
 * otherwise they make a new email, at the first moment the hourly cap allows. Returns the emails written or rewritten.
 */
async function queueUrgentEmail(tx: Database, context: UrgentContext, person: Recipient, fresh: AlertNotice[]): Promise<number> {
  const { config, store, now } = context;
  const wanted = afterQuietHours(now, store.timeZone, { start: person.quietStart, end: person.quietEnd });
  const [held] = await queryRows<HeldEmail>(
    tx,
    sql`select store_id, id, alert_notices, to_json(not_before) #>> '{}' as not_before from outbox
        where store_id = ${store.id} and recipient = ${person.email} and category = 'alert' and status = 'pending'
          and attempts = 0 and lease_until is null and alert_notices is not null
        order by not_before, id limit 1
        for update`,
  );
  if (held) {
    const heldNotices = typeof held.alert_notices === "string" ? (JSON.parse(held.alert_notices) as AlertNotice[]) : held.alert_notices;
    const notices = mergeNotices(heldNotices, fresh);
    const notBefore = new Date(Math.max(Date.parse(held.not_before), wanted.getTime()));
    const rendered = await renderUrgentEmail(tx, context, notices);
    await tx
      .update(outbox)
      .set({
        alertId: rendered.alertId,
        alertNotices: notices,
        subject: rendered.subject,
        textBody: rendered.text,
        htmlBody: rendered.html,
        notBefore,
        giveUpAt: new Date(Math.max(notBefore.getTime(), now.getTime()) + config.OUTBOX_GIVE_UP_MINUTES * 60_000),
      })
      .where(and(eq(outbox.storeId, Number(held.store_id)), eq(outbox.id, Number(held.id))));
    return 1;
  }
  // the recipient's urgent emails that count against the cap: waiting or being retried, or sent within the hour
  const taken = await queryRows<{ at: string }>(
    tx,
    sql`select to_json(coalesce(sent_at, not_before)) #>> '{}' as at from outbox
        where store_id = ${store.id} and recipient = ${person.email} and category = 'alert'
          and (sent_at > ${new Date(wanted.getTime() - 3600_000).toISOString()}::timestamptz or (sent_at is null and status = 'pending'))`,
  );
  const notBefore = nextUrgentSlot(wanted, taken.map((row) => new Date(row.at)), config.URGENT_EMAILS_PER_HOUR);
  const rendered = await renderUrgentEmail(tx, context, fresh);
  const first = fresh.reduce((a, b) => (b.eventId < a.eventId ? b : a));
  const email: NewEmail = {
    storeId: store.id,
    category: "alert",
    // the first alert event and the recipient: a second writer of the same sweep's email finds the key taken
    dedupeKey: `alert:${first.alertId}:${first.eventId}:${person.id}`,
    alertId: rendered.alertId,
    alertNotices: fresh,
    to: person.email,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    notBefore,
  };
  return enqueueEmails(tx, config, [email], now);
}

/**
 * Writes the urgent emails that alert transitions call for, inside the sweep's transaction: an urgent alert opened, or
 * an open one got worse. One email per recipient for all of them, held back through the recipient's quiet hours and
 * by the hourly cap.
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
  const context: UrgentContext = { config, store: await loadStoreForEmail(tx, storeId), secret: await linkSecret(tx, config), now };
  let written = 0;
  for (const person of people) {
    const notices = due.filter((t) => person.kinds.includes(t.kind as AlertKind)).map(toNotice);
    if (notices.length > 0) written += await queueUrgentEmail(tx, context, person, notices);
  }
  return written;
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
