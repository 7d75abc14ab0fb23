import { randomInt } from "node:crypto";
import { sql } from "drizzle-orm";
import type { AppDeps } from "../app-env.js";
import type { Config } from "../config.js";
import { pruneTrackRecord, TRACK_RECORD_DAYS } from "../alerts/track-record.js";
import { queryRows, type Database } from "../db/client.js";
import { addDays } from "../forecast/calendar.js";
import { loadStoreForEmail } from "../notify/alert-notices.js";
import { instantAtLocal } from "../notify/local-time.js";
import { enqueueEmails, type NewEmail } from "../notify/outbox.js";
import { localDateAt } from "../stores/store-directory.js";
import { linkSecret } from "../notify/service-secrets.js";
import { normaliseEmail, suppressedAmong } from "../notify/suppressions.js";
import { forgetOldRequestCounts } from "./rate-limits.js";
import { renderRestockEmail, renderRunningLowEmail } from "./customer-templates.js";
import { forgetFormerCustomers } from "./privacy.js";
import { expireSubscriptions, noticeLinks, type SubscriptionConfig } from "./subscriptions.js";

export type NoticeConfig = SubscriptionConfig &
  Pick<Config, "NOTICES_PER_UNIT" | "RESTOCK_WAVE_MINUTES" | "RAIN_CHECK_DAYS" | "CUSTOMER_DATA_DAYS">;
type NoticeDeps = Pick<AppDeps, "db" | "log"> & { config: NoticeConfig };

/** Crockford's base 32: no I, L, O or U to misread at a till. */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** `RC` and 12 random characters: 60 bits, so an altered or guessed code names no rain check. */
export function newRainCheckCode(): string {
  let code = "RC";
  for (let i = 0; i < 12; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** How many subscribers one wave tells: the units on the shelf times the notices per unit, at least one. */
export function waveSize(onHand: number, noticesPerUnit: number): number {
  return onHand <= 0 ? 0 : Math.max(1, Math.floor(onHand * noticesPerUnit));
}

/**
 * Notes which watched items came back on the shelf (a restock, numbered) or went empty. Only items someone waits for
 * are watched; an item that was never out of stock since its watch began has had no restock.
 */
async function updateRestockWatches(db: Database, now: Date): Promise<void> {
  await db.execute(sql`
    insert into restock_watches as w (store_id, item_id, available, restock_seq, checked_at)
    select s.store_id, s.item_id, coalesce(max(sl.on_hand), 0) > 0, 0, ${now.toISOString()}::timestamptz
    from subscriptions s
    left join stock_levels sl on sl.store_id = s.store_id and sl.item_id = s.item_id
    where s.status = 'active' and s.restock
    group by s.store_id, s.item_id
    on conflict (store_id, item_id) do update set
      restock_seq = w.restock_seq + case when excluded.available and not w.available then 1 else 0 end,
      restocked_at = case when excluded.available and not w.available then ${now.toISOString()}::timestamptz else w.restocked_at end,
      last_wave_at = case when excluded.available and not w.available then null else w.last_wave_at end,
      available = excluded.available,
      checked_at = ${now.toISOString()}::timestamptz`);
}

interface WaveCandidate extends Record<string, unknown> {
  store_id: number;
  item_id: number;
  restock_seq: number;
}

/**
 * Back-in-stock notices: for each restock, tells waiting subscribers first come, first served, in waves sized to the
 * units on the shelf. Before each wave the stock is read again; when the shelf is empty the rest wait for the next
 * restock. Each subscriber hears once per restock, and unless they chose to stay subscribed, their subscription ends.
 */
export async function runRestockNotices(deps: NoticeDeps, now: Date): Promise<{ notices: number; waves: number }> {
  const { db, config } = deps;
  await updateRestockWatches(db, now);
  const waveDue = new Date(now.getTime() - config.RESTOCK_WAVE_MINUTES * 60_000);
  const candidates = await queryRows<WaveCandidate>(
    db,
    sql`select w.store_id, w.item_id, w.restock_seq from restock_watches w
        where w.available and w.restock_seq > 0 and (w.last_wave_at is null or w.last_wave_at <= ${waveDue.toISOString()}::timestamptz)
          and exists (select 1 from subscriptions s where s.store_id = w.store_id and s.item_id = w.item_id
                        and s.status = 'active' and s.restock and s.last_restock_seq < w.restock_seq and s.expires_at > ${now.toISOString()}::timestamptz)`,
  );
  let notices = 0;
  let waves = 0;
  for (const candidate of candidates) {
    const sent = await db.transaction((tx) => sendWave(tx, config, candidate, now));
    if (sent > 0) waves += 1;
    notices += sent;
  }
  if (notices > 0) deps.log.info({ notices, waves }, "back-in-stock notices written");
  return { notices, waves };
}

async function sendWave(tx: Database, config: NoticeConfig, candidate: WaveCandidate, now: Date): Promise<number> {
  const storeId = Number(candidate.store_id);
  const itemId = Number(candidate.item_id);
  // the watch row is the wave's lock: a replica that gets here second finds the wave already sent
  const [watch] = await queryRows<{ restock_seq: number; available: boolean; last_wave_at: Date | null }>(
    tx,
    sql`select restock_seq, available, last_wave_at from restock_watches where store_id = ${storeId} and item_id = ${itemId} for update`,
  );
  const waveDue = now.getTime() - config.RESTOCK_WAVE_MINUTES * 60_000;
  if (!watch || !watch.available || Number(watch.restock_seq) !== Number(candidate.restock_seq)) return 0;
  if (watch.last_wave_at && new Date(watch.last_wave_at).getTime() > waveDue) return 0;
  const seq = Number(watch.restock_seq);
  const [stock] = await queryRows<{ on_hand: number }>(tx, sql`select on_hand from stock_levels where store_id = ${storeId} and item_id = ${itemId}`);
  const size = waveSize(Number(stock?.on_hand ?? 0), config.NOTICES_PER_UNIT);
  if (size === 0) {
    await tx.execute(sql`update restock_watches set available = false, checked_at = ${now.toISOString()}::timestamptz where store_id = ${storeId} and item_id = ${itemId}`);
    return 0;
  }
  const waiting = await queryRows<{ id: number; email: string; request_id: string; stay_subscribed: boolean; sku: string; name: string | null; code: string }>(
    tx,
    sql`select s.id, s.email, s.request_id, s.stay_subscribed, i.sku, i.name, st.code
        from subscriptions s join items i on i.id = s.item_id join stores st on st.id = s.store_id
        where s.store_id = ${storeId} and s.item_id = ${itemId} and s.status = 'active' and s.restock
          and s.last_restock_seq < ${seq} and s.expires_at > ${now.toISOString()}::timestamptz
        order by s.created_at, s.id
        limit ${size}
        for update of s skip locked`,
  );
  if (waiting.length === 0) return 0;
  const store = await loadStoreForEmail(tx, storeId);
  const secret = await linkSecret(tx, config);
  // the suppression list is checked at every send, not only when the subscription ended
  const suppressed = await suppressedAmong(tx, waiting.map((s) => s.email));
  const emails: NewEmail[] = [];
  for (const subscriber of waiting) {
    if (suppressed.has(normaliseEmail(subscriber.email))) continue;
    const links = noticeLinks(secret, config, { requestId: subscriber.request_id, storeCode: subscriber.code, sku: subscriber.sku }, now);
    emails.push({
      storeId,
      category: "restock",
      dedupeKey: `restock:${subscriber.id}:${seq}`,
      to: subscriber.email,
      ...renderRestockEmail({ store, item: { sku: subscriber.sku, name: subscriber.name }, staySubscribed: subscriber.stay_subscribed, links }),
      notBefore: now,
    });
  }
  const ids = waiting.map((s) => Number(s.id));
  const idList = sql`(select value::int from json_array_elements_text(${JSON.stringify(ids)}::json))`;
  // the one back-in-stock notice ends the restock part only: deal notices the subscriber also asked for go on
  await tx.execute(
    sql`update subscriptions set last_restock_seq = ${seq},
          restock = case when stay_subscribed or not deals then restock else false end,
          status = case when stay_subscribed or deals then status else 'ended' end,
          end_reason = case when stay_subscribed or deals then end_reason else 'notified' end,
          ended_at = case when stay_subscribed or deals then ended_at else ${now.toISOString()}::timestamptz end
        where store_id = ${storeId} and id in ${idList}`,
  );
  // the other stores of a request for every store stop back-in-stock notices too: the customer heard the item is back
  // somewhere; their deal notices, if asked for, go on
  await tx.execute(
    sql`update subscriptions set restock = not deals,
          status = case when deals then status else 'ended' end,
          end_reason = case when deals then end_reason else 'notified' end,
          ended_at = case when deals then ended_at else ${now.toISOString()}::timestamptz end
        where status <> 'ended' and not stay_subscribed and restock
          and request_id in (select request_id from subscriptions where store_id = ${storeId} and id in ${idList} and not stay_subscribed)`,
  );
  await tx.execute(sql`update restock_watches set last_wave_at = ${now.toISOString()}::timestamptz where store_id = ${storeId} and item_id = ${itemId}`);
  return enqueueEmails(tx, config, emails, now);
}

interface DealCandidate extends Record<string, unknown> {
  subscription_id: number;
  store_id: number;
  email: string;
  request_id: string;
  sku: string;
  name: string | null;
  code: string;
  promotion_id: number;
  promotion_external_id: string;
  promotion_name: string;
  promotion_start: string;
  promotion_end: string;
  advertised_price: string | null;
  projected_stockout_date: string | null;
}

/**
 * Running-low notices: while an advertised item has a live "runs out before the promotion ends" alert and its
 * promotion runs (from the first store-local day: an alert raised ahead of an ad tells the store, not its customers),
 * each confirmed deal subscriber gets one heads-up with a rain check, once per promotion.
 */
export async function runDealNotices(deps: NoticeDeps, now: Date): Promise<{ notices: number }> {
  const { db, config } = deps;
  const candidates = await queryRows<DealCandidate>(
    db,
    sql`select s.id as subscription_id, s.store_id, s.email, s.request_id, i.sku, i.name, st.code,
               p.id as promotion_id, p.external_id as promotion_external_id, p.name as promotion_name,
               to_char(p.start_date, 'YYYY-MM-DD') as promotion_start, to_char(r.promotion_end, 'YYYY-MM-DD') as promotion_end,
               p.advertised_price,
               to_char(r.projected_stockout_date, 'YYYY-MM-DD') as projected_stockout_date
        from alerts a
        join stock_risks r on r.store_id = a.store_id and r.item_id = a.item_id
        join promotions p on p.id = r.promotion_id
        join subscriptions s on s.store_id = a.store_id and s.item_id = a.item_id
        join items i on i.id = a.item_id
        join stores st on st.id = a.store_id
        where a.kind = 'promotion_stockout' and a.state <> 'resolved' and r.advertised and r.promotion_end is not null
          and (${now.toISOString()}::timestamptz at time zone st.time_zone)::date between p.start_date and r.promotion_end
          and s.status = 'active' and s.deals and s.expires_at > ${now.toISOString()}::timestamptz
          and not exists (select 1 from rain_checks rc where rc.subscription_id = s.id and rc.promotion_id = p.id)
        order by s.store_id, s.created_at, s.id`,
  );
  let notices = 0;
  const byStore = new Map<number, DealCandidate[]>();
  for (const candidate of candidates) byStore.set(Number(candidate.store_id), [...(byStore.get(Number(candidate.store_id)) ?? []), candidate]);
  for (const [storeId, rows] of byStore) {
    notices += await db.transaction(async (tx) => {
      const store = await loadStoreForEmail(tx, storeId);
      const secret = await linkSecret(tx, config);
      const suppressed = await suppressedAmong(tx, rows.map((row) => row.email));
      const expires = addDays(localDateAt(now, store.timeZone), config.RAIN_CHECK_DAYS);
      const wanted = rows.filter((row) => !suppressed.has(normaliseEmail(row.email))).map((row) => ({ ...row, rainCheckCode: newRainCheckCode() }));
      // one statement for the store's rain checks; the unique (subscription, promotion) index makes a second replica's
      // rows no-ops, and then no email goes either
      const issued = wanted.length === 0 ? [] : await queryRows<{ subscription_id: number; promotion_id: number }>(
        tx,
        sql`insert into rain_checks (store_id, code, item_id, promotion_id, promotion_external_id, promotion_name, promotion_start, promotion_end,
                                     advertised_price, subscription_id, email, issued_at, valid_from, expires_at)
            select s.store_id, w.code, s.item_id, w.promotion_id, w.promotion_external_id, w.promotion_name, w.promotion_start, w.promotion_end,
                   w.advertised_price, s.id, s.email, ${now.toISOString()}::timestamptz, w.valid_from,
                   ${endOfLocalDay(expires, store.timeZone).toISOString()}::timestamptz
            from json_to_recordset(${JSON.stringify(wanted.map((w) => ({
              subscription_id: Number(w.subscription_id),
              promotion_id: Number(w.promotion_id),
              promotion_external_id: w.promotion_external_id,
              promotion_name: w.promotion_name,
              promotion_start: w.promotion_start,
              promotion_end: w.promotion_end,
              advertised_price: w.advertised_price,
              valid_from: startOfLocalDay(w.promotion_start, store.timeZone).toISOString(),
              code: w.rainCheckCode,
            })))}::json)
                 as w(subscription_id int, promotion_id int, promotion_external_id text, promotion_name text, promotion_start date,
                      promotion_end date, advertised_price text, valid_from timestamptz, code text)
            join subscriptions s on s.store_id = ${storeId} and s.id = w.subscription_id
            on conflict do nothing returning subscription_id, promotion_id`,
      );
      const issuedKeys = new Set(issued.map((r) => `${r.subscription_id}:${r.promotion_id}`));
      const emails: NewEmail[] = [];
      for (const row of wanted) {
        if (!issuedKeys.has(`${row.subscription_id}:${row.promotion_id}`)) continue;
        const code = row.rainCheckCode;
        const links = noticeLinks(secret, config, { requestId: row.request_id, storeCode: row.code, sku: row.sku }, now);
        emails.push({
          storeId,
          category: "deal",
          dedupeKey: `deal:${row.subscription_id}:${row.promotion_id}`,
          to: row.email,
          ...renderRunningLowEmail({
            store,
            item: { sku: row.sku, name: row.name },
            promotion: { name: row.promotion_name, start: row.promotion_start, end: row.promotion_end, advertisedPrice: row.advertised_price },
            expectedSellOut: row.projected_stockout_date && row.projected_stockout_date <= row.promotion_end ? row.projected_stockout_date : null,
            rainCheck: { code, validFrom: row.promotion_start, expires },
            links,
          }),
          notBefore: now,
        });
      }
      return enqueueEmails(tx, config, emails, now);
    });
  }
  if (notices > 0) deps.log.info({ notices }, "running-low notices with rain checks written");
  return { notices };
}

/** The last instant of a store-local day: a rain check "good until Friday" works all Friday. */
function endOfLocalDay(date: string, timeZone: string): Date {
  return new Date(startOfLocalDay(addDays(date, 1), timeZone).getTime() - 1);
}

function startOfLocalDay(date: string, timeZone: string): Date {
  return instantAtLocal(date, "00:00", timeZone);
}

/**
 * The customer-notice job: expire lapsed subscriptions and forget former customers past CUSTOMER_DATA_DAYS (and, once
 * a day, the track record's mornings past TRACK_RECORD_DAYS), then back-in-stock waves, then running-low notices.
 */
export async function runCustomerNotices(deps: NoticeDeps, now: Date): Promise<{ restock: number; deals: number }> {
  await expireSubscriptions(deps.db, now);
  const forgotten = await forgetFormerCustomers(deps.db, now, deps.config.CUSTOMER_DATA_DAYS);
  if (forgotten.subscriptions + forgotten.rainChecks + forgotten.emails > 0) {
    deps.log.info({ ...forgotten, retentionDays: deps.config.CUSTOMER_DATA_DAYS }, "former customers' data deleted");
  }
  await forgetOldRequestCounts(deps.db, 3600_000, now);
  const pruned = await pruneTrackRecord(deps.db, now);
  if (pruned) deps.log.info({ mornings: pruned, retentionDays: TRACK_RECORD_DAYS }, "old track record mornings deleted");
  const restock = await runRestockNotices(deps, now);
  const deals = await runDealNotices(deps, now);
  return { restock: restock.notices, deals: deals.notices };
}
