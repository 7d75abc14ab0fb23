import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { loadStoreForEmail } from "../notify/alert-notices.js";
import { CUSTOMER_CATEGORIES, enqueueEmails } from "../notify/outbox.js";
import { linkSecret } from "../notify/service-secrets.js";
import { newNonce } from "../notify/signed-links.js";
import { isSuppressed } from "./customer-identity.js";
import { renderPrivacyEmail } from "./customer-templates.js";
import { customerLinkUrl, type SubscriptionConfig } from "./subscriptions.js";

/** A privacy link works for a day: long enough to find the email, short enough not to linger in an inbox. */
export const PRIVACY_LINK_HOURS = 24;

const customerCategories = sql`(select value from json_array_elements_text(${JSON.stringify(CUSTOMER_CATEGORIES)}::json))`;

/**
 * Sends the address a signed link to see or delete its data, when there is any data and the address may get email.
 * The caller answers the same in every case.
 */
export async function requestPrivacyLink(db: Database, config: SubscriptionConfig, email: string, now: Date): Promise<"sent" | "no_data" | "suppressed"> {
  const [latest] = await queryRows<{ store_id: number }>(
    db,
    // customer email counts as data too: an unconfirmed request is deleted, the confirmation email it sent is not
    sql`select store_id from (
          select store_id, created_at from subscriptions where email = ${email}
          union all select store_id, issued_at from rain_checks where email = ${email}
          union all select store_id, created_at from outbox where recipient = ${email} and category in ${customerCategories}
        ) held order by created_at desc limit 1`,
  );
  if (!latest) return "no_data";
  if (await isSuppressed(db, email)) return "suppressed";
  const store = await loadStoreForEmail(db, Number(latest.store_id));
  const privacyUrl = customerLinkUrl(await linkSecret(db, config), config, {
    purpose: "privacy",
    email,
    expires: Math.floor(now.getTime() / 1000) + PRIVACY_LINK_HOURS * 3600,
    nonce: newNonce(),
  });
  await enqueueEmails(
    db,
    config,
    [{ storeId: store.id, category: "privacy", dedupeKey: `privacy:${newNonce()}`, to: email, ...renderPrivacyEmail({ store, privacyUrl, expiresHours: PRIVACY_LINK_HOURS }), notBefore: now }],
    now,
  );
  return "sent";
}

/** Everything held about an address, as the customer may download it. */
export async function exportCustomerData(db: Database, email: string): Promise<Record<string, unknown>> {
  const subscriptionRows = await queryRows(
    db,
    sql`select st.code as store, i.sku, i.name as item, s.restock as "backInStock", s.deals, s.stay_subscribed as "staySubscribed",
               s.status, s.end_reason as "endReason", to_json(s.created_at) #>> '{}' as "createdAt",
               to_json(s.confirmed_at) #>> '{}' as "confirmedAt", to_json(s.expires_at) #>> '{}' as "expiresAt",
               to_json(s.ended_at) #>> '{}' as "endedAt"
        from subscriptions s join stores st on st.id = s.store_id join items i on i.id = s.item_id
        where s.email = ${email} order by s.created_at, s.id`,
  );
  const rainCheckRows = await queryRows(
    db,
    sql`select rc.code, st.code as store, i.sku, rc.promotion_name as promotion, to_json(rc.issued_at) #>> '{}' as "issuedAt",
               to_json(rc.expires_at) #>> '{}' as "expiresAt", to_json(rc.redeemed_at) #>> '{}' as "redeemedAt"
        from rain_checks rc join stores st on st.id = rc.store_id join items i on i.id = rc.item_id
        where rc.email = ${email} order by rc.issued_at`,
  );
  const emailRows = await queryRows(
    db,
    sql`select category, subject, status, to_json(created_at) #>> '{}' as "createdAt", to_json(sent_at) #>> '{}' as "sentAt"
        from outbox where recipient = ${email} and category in ${customerCategories} order by created_at, id`,
  );
  return {
    email,
    subscriptions: subscriptionRows,
    rainChecks: rainCheckRows,
    emails: emailRows,
    suppressed: await isSuppressed(db, email),
  };
}

/**
 * Deletes what is held about an address: its subscriptions and the email sent to it; its rain checks stay valid but
 * no longer name it. The suppression list keeps only a keyed hash, so a "stop all email" survives the deletion.
 */
export async function deleteCustomerData(db: Database, email: string): Promise<{ subscriptions: number; rainChecks: number; emails: number }> {
  return db.transaction(async (tx) => {
    const deletedSubscriptions = await queryRows(tx, sql`delete from subscriptions where email = ${email} returning id`);
    const anonymised = await queryRows(tx, sql`update rain_checks set email = null, subscription_id = null where email = ${email} returning id`);
    const deletedEmails = await queryRows(tx, sql`delete from outbox where recipient = ${email} and category in ${customerCategories} returning id`);
    return { subscriptions: deletedSubscriptions.length, rainChecks: anonymised.length, emails: deletedEmails.length };
  });
}

/**
 * Data minimisation: what is held about former customers goes after CUSTOMER_DATA_DAYS. Ended subscriptions are
 * deleted; rain checks used or expired that long ago keep their code but no longer name anyone; customer email sent
 * that long ago to an address without a live (pending or active) subscription is deleted. Email to an address still
 * subscribed stays, so that its notices are never sent twice. The suppression list is kept: it holds no address.
 */
export async function forgetFormerCustomers(
  db: Database,
  now: Date,
  retentionDays: number,
): Promise<{ subscriptions: number; rainChecks: number; emails: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  return db.transaction(async (tx) => {
    const subscriptions = await queryRows(
      tx,
      sql`delete from subscriptions where status = 'ended' and ended_at <= ${cutoff}::timestamptz returning id`,
    );
    const rainChecks = await queryRows(
      tx,
      sql`update rain_checks rc set email = null, subscription_id = null
          where rc.email is not null and coalesce(rc.redeemed_at, rc.expires_at) <= ${cutoff}::timestamptz
            and not exists (select 1 from subscriptions s where s.id = rc.subscription_id and s.status <> 'ended')
          returning rc.id`,
    );
    const emails = await queryRows(
      tx,
      sql`delete from outbox o
          where o.category in ${customerCategories} and o.status <> 'pending' and o.created_at <= ${cutoff}::timestamptz
            and not exists (select 1 from subscriptions s where s.email = o.recipient and s.status <> 'ended')
          returning o.id`,
    );
    return { subscriptions: subscriptions.length, rainChecks: rainChecks.length, emails: emails.length };
  });
}

