import { randomBytes } from "node:crypto";
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Config } from "../config.js";
import { queryRows, type Database } from "../db/client.js";
import { items, stores, subscriptions } from "../db/schema/index.js";
import { AppError } from "../http/problem.js";
import type { ItemForEmail } from "../notify/alert-templates.js";
import { loadStoreForEmail, publicUrl } from "../notify/alert-notices.js";
import { enqueueEmails, type NewEmail } from "../notify/outbox.js";
import { linkSecret } from "../notify/service-secrets.js";
import { newNonce, signToken } from "../notify/signed-links.js";
import { StoreDirectory } from "../stores/store-directory.js";
import { isSuppressed, suppressEmail } from "./customer-identity.js";
import { renderConfirmationEmail, type NoticeLinks } from "./customer-templates.js";
import type { CustomerLink, SubscribeRequest } from "./subscription.schemas.js";

export type SubscriptionConfig = Pick<
  Config,
  "MAIL_FROM" | "OUTBOX_GIVE_UP_MINUTES" | "PUBLIC_URL" | "PORT" | "LINK_SECRET" | "CONFIRM_TTL_HOURS" | "SUBSCRIPTION_DAYS"
>;

/** Unsubscribe links must keep working long after the email: as long as any subscription could last, and more. */
const UNSUBSCRIBE_LINK_DAYS = 2 * 365;

function unixSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

/** A link in a customer email, signed with the service's link secret (read once per batch by the caller). */
export function customerLinkUrl(secret: string, config: SubscriptionConfig, link: CustomerLink): string {
  return `${publicUrl(config)}/c/${signToken(secret, link)}`;
}

export function itemPageUrl(config: Pick<Config, "PUBLIC_URL" | "PORT">, storeCode: string, sku: string): string {
  return `${publicUrl(config)}/s/${encodeURIComponent(storeCode)}/${encodeURIComponent(sku)}`;
}

/** The unsubscribe, stop-all and item links of one notice. */
export function noticeLinks(
  secret: string,
  config: SubscriptionConfig,
  subscription: { requestId: string; storeCode: string; sku: string },
  now: Date,
): NoticeLinks {
  const expires = unixSeconds(now) + UNSUBSCRIBE_LINK_DAYS * 86_400;
  return {
    unsubscribe: customerLinkUrl(secret, config, { purpose: "unsubscribe", request: subscription.requestId, expires }),
    stopAll: customerLinkUrl(secret, config, { purpose: "stop", request: subscription.requestId, expires }),
    itemPage: itemPageUrl(config, subscription.storeCode, subscription.sku),
  };
}

export interface SubscriptionTarget {
  item: ItemForEmail & { id: number };
  stores: Array<{ id: number; code: string; name: string }>;
  allStores: boolean;
}

/** The item and stores a subscribe request names; an unknown one is a 404 naming the field (they are public facts). */
export async function resolveTarget(db: Database, storeName: string, sku: string): Promise<SubscriptionTarget> {
  const [item] = await db.select({ id: items.id, sku: items.sku, name: items.name }).from(items).where(eq(items.sku, sku));
  if (!item) throw new AppError({ code: "not_found", detail: `no item with SKU "${sku}"`, errors: [{ field: "sku", reason: "unknown SKU" }] });
  if (storeName.toLowerCase() === "all") {
    const all = await db.select({ id: stores.id, code: stores.code, name: stores.name }).from(stores).orderBy(asc(stores.code));
    return { item, stores: all, allStores: true };
  }
  const store = (await StoreDirectory.load(db)).resolve(storeName);
  if (!store) throw new AppError({ code: "not_found", detail: `no store "${storeName}"`, errors: [{ field: "store", reason: "unknown store" }] });
  const [named] = await db.select({ id: stores.id, code: stores.code, name: stores.name }).from(stores).where(eq(stores.id, store.id));
  return { item, stores: [named!], allStores: false };
}

/**
 * Records a subscribe request as pending rows and writes the confirmation email, in one transaction. The caller answers
 * the same whatever happens here: an address already subscribed, or suppressed, must not be told apart from a new one.
 * Returns what happened, for logs and tests only.
 */
export async function requestSubscription(
  db: Database,
  config: SubscriptionConfig,
  request: SubscribeRequest,
  now: Date,
): Promise<"pending" | "resent" | "already_active" | "suppressed"> {
  const target = await resolveTarget(db, request.store, request.sku);
  if (await isSuppressed(db, request.email)) return "suppressed";
  return db.transaction(async (tx) => {
    const requestId = randomBytes(12).toString("base64url");
    const expiresAt = new Date(now.getTime() + config.CONFIRM_TTL_HOURS * 3600_000);
    // a lapsed unconfirmed request the expiry job has not yet removed must not block a fresh one
    await tx.execute(
      sql`delete from subscriptions where email = ${request.email} and item_id = ${target.item.id} and status = 'pending' and expires_at <= ${now.toISOString()}::timestamptz`,
    );
    const inserted = await tx
      .insert(subscriptions)
      .values(
        target.stores.map((store) => ({
          storeId: store.id,
          itemId: target.item.id,
          email: request.email,
          restock: request.restock,
          deals: request.deals,
          staySubscribed: request.stay,
          requestId,
          status: "pending",
          createdAt: now,
          expiresAt,
        })),
      )
      .onConflictDoNothing()
      .returning({ storeId: subscriptions.storeId });
    if (inserted.length > 0) {
      await enqueueConfirmation(tx, config, { requestId, target, storeIds: inserted.map((r) => r.storeId), request, now });
      return "pending";
    }
    // every store already has a live subscription for this address: resend a pending one's confirmation, else nothing
    const [pending] = await tx
      .select()
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.itemId, target.item.id),
          eq(subscriptions.email, request.email),
          eq(subscriptions.status, "pending"),
          inArray(
            subscriptions.storeId,
            target.stores.map((s) => s.id),
          ),
        ),
      )
      .limit(1);
    if (!pending) return "already_active";
    await tx.update(subscriptions).set({ expiresAt }).where(and(eq(subscriptions.requestId, pending.requestId), eq(subscriptions.status, "pending")));
    await enqueueConfirmation(tx, config, {
      requestId: pending.requestId,
      target,
      storeIds: [pending.storeId],
      request: { ...request, restock: pending.restock, deals: pending.deals },
      now,
    });
    return "resent";
  });
}

async function enqueueConfirmation(
  tx: Database,
  config: SubscriptionConfig,
  options: { requestId: string; target: SubscriptionTarget; storeIds: number[]; request: SubscribeRequest; now: Date },
): Promise<void> {
  const { requestId, target, request, now } = options;
  const store = await loadStoreForEmail(tx, options.storeIds[0]!);
  const confirmUrl = customerLinkUrl(await linkSecret(tx, config), config, {
    purpose: "confirm",
    request: requestId,
    expires: unixSeconds(now) + config.CONFIRM_TTL_HOURS * 3600,
    nonce: newNonce(),
  });
  const email: NewEmail = {
    storeId: store.id,
    category: "confirmation",
    // a resend is a new row: the rate limit per address, not the key, bounds how many
    dedupeKey: `confirm:${requestId}:${now.getTime()}`,
    to: request.email,
    ...renderConfirmationEmail({
      store,
      allStores: target.allStores,
      item: target.item,
      restock: request.restock,
      deals: request.deals,
      confirmUrl,
      expiresHours: config.CONFIRM_TTL_HOURS,
    }),
    notBefore: now,
  };
  await enqueueEmails(tx, config, [email], now);
}

export type ConfirmOutcome = "confirmed" | "already_confirmed" | "expired" | "gone";

/**
 * Confirms the pending rows of a request. A subscriber who confirms while the item is on the shelf waits for the next
 * restock: they count as having heard of the current one.
 */
export async function confirmSubscription(db: Database, config: Pick<Config, "SUBSCRIPTION_DAYS">, requestId: string, now: Date): Promise<ConfirmOutcome> {
  // the watch starts now, so that the next return to the shelf counts as a restock even before the job has run
  await db.execute(
    sql`insert into restock_watches (store_id, item_id, available, restock_seq, checked_at)
        select s.store_id, s.item_id, coalesce(sl.on_hand, 0) > 0, 0, ${now.toISOString()}::timestamptz
        from subscriptions s left join stock_levels sl on sl.store_id = s.store_id and sl.item_id = s.item_id
        where s.request_id = ${requestId} and s.status = 'pending' and s.restock
        on conflict (store_id, item_id) do nothing`,
  );
  const confirmed = await queryRows(
    db,
    sql`update subscriptions s
        set status = 'active', confirmed_at = ${now.toISOString()}::timestamptz, expires_at = ${new Date(now.getTime() + config.SUBSCRIPTION_DAYS * 86_400_000).toISOString()}::timestamptz,
            last_restock_seq = coalesce((select w.restock_seq from restock_watches w
                                         where w.store_id = s.store_id and w.item_id = s.item_id and w.available), 0)
        where s.request_id = ${requestId} and s.status = 'pending' and s.expires_at > ${now.toISOString()}::timestamptz
        returning s.id`,
  );
  if (confirmed.length > 0) return "confirmed";
  const rows = await db.select({ status: subscriptions.status, endReason: subscriptions.endReason }).from(subscriptions).where(eq(subscriptions.requestId, requestId));
  if (rows.some((r) => r.status === "active")) return "already_confirmed";
  if (rows.some((r) => r.status === "pending")) return "expired";
  return "gone";
}

/** Ends every live row of a request: the one-click unsubscribe. Safe to repeat. */
export async function unsubscribe(db: Database, requestId: string, now: Date): Promise<number> {
  const ended = await db
    .update(subscriptions)
    .set({ status: "ended", endReason: "unsubscribed", endedAt: now })
    .where(and(eq(subscriptions.requestId, requestId), ne(subscriptions.status, "ended")))
    .returning({ id: subscriptions.id });
  return ended.length;
}

/** Stops all customer email to the address behind a request. Returns false when the request no longer exists. */
export async function stopAllEmail(db: Database, requestId: string, now: Date): Promise<boolean> {
  const [row] = await db.select({ email: subscriptions.email }).from(subscriptions).where(eq(subscriptions.requestId, requestId)).limit(1);
  if (!row) return false;
  await suppressEmail(db, row.email, "asked to stop all email", now);
  return true;
}

/** Pending requests nobody confirmed are deleted (they were never consent); lapsed subscriptions end. */
export async function expireSubscriptions(db: Database, now: Date): Promise<{ deleted: number; expired: number }> {
  const deleted = await queryRows(db, sql`delete from subscriptions where status = 'pending' and expires_at <= ${now.toISOString()}::timestamptz returning id`);
  const expired = await queryRows(
    db,
    sql`update subscriptions set status = 'ended', end_reason = 'expired', ended_at = ${now.toISOString()}::timestamptz
        where status = 'active' and expires_at <= ${now.toISOString()}::timestamptz returning id`,
  );
  return { deleted: deleted.length, expired: expired.length };
}
