import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { queryRows, type Database } from "../db/client.js";
import type { Logger } from "../log.js";
import type { Mailer } from "./mail-types.js";
import { CUSTOMER_CATEGORIES } from "./outbox.js";
import { addSuppressions, normaliseEmail, suppressedAmong } from "./suppressions.js";

export interface DispatchDeps {
  db: Database;
  config: Pick<Config, "OUTBOX_LEASE_SECONDS">;
  clock: Clock;
  log: Logger;
  mailer: Mailer;
}

export interface DispatchOptions {
  /** rows taken per round trip */
  batchSize?: number;
  /** jitter source, for tests */
  random?: () => number;
}

export interface DispatchResult {
  sent: number;
  /** failed this time, to be tried again later */
  deferred: number;
  /** given up: past their time, or refused for good by the server */
  failed: number;
}

type ClaimedRow = {
  store_id: number;
  id: number;
  category: string;
  message_id: string;
  recipient: string;
  sender: string;
  subject: string;
  text_body: string;
  html_body: string;
  headers: Record<string, string> | string | null;
  attempts: number;
  give_up_at: Date | string;
};

/** Staff email goes to whoever a store set up; customer email never goes past the suppression list. */
function isCustomerEmail(row: { category: string }): boolean {
  return (CUSTOMER_CATEGORIES as readonly string[]).includes(row.category);
}

class SuppressedAddressError extends Error {
  readonly permanent = true;
  constructor() {
    super("suppressed: the address is on the suppression list");
  }
}

const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 30 * 60_000;

/** Exponential backoff with jitter: 30 s, 1 min, 2 min … up to 30 min, each between half and all of it. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const full = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(full * (0.5 + 0.5 * random()));
}

/** A 5xx answer means the server will never take this message (bad address, policy): retrying only delays the news. */
export function isPermanentFailure(error: unknown): boolean {
  const { permanent, responseCode } = (error ?? {}) as { permanent?: unknown; responseCode?: unknown };
  if (typeof permanent === "boolean") return permanent;
  return typeof responseCode === "number" && responseCode >= 500 && responseCode < 600;
}

/**
 * Sends due outbox rows until none are left. Each batch is taken with `FOR UPDATE SKIP LOCKED` and leased, so that
 * replicas never take the same row; a dispatcher that dies after taking rows leaves them to whoever comes after its
 * lease. When a whole batch fails (the server is down) the run stops instead of burning through every row's retries.
 */
export async function runDispatch(deps: DispatchDeps, options: DispatchOptions = {}): Promise<DispatchResult> {
  const { db, mailer, clock, log } = deps;
  const batchSize = options.batchSize ?? 200;
  const random = options.random ?? Math.random;
  const result: DispatchResult = { sent: 0, deferred: 0, failed: 0 };
  for (;;) {
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + deps.config.OUTBOX_LEASE_SECONDS * 1000);
    const rows = await queryRows<ClaimedRow>(
      db,
      sql`update outbox o set lease_until = ${leaseUntil.toISOString()}::timestamptz, attempts = o.attempts + 1
          from (select store_id, id from outbox
                where status = 'pending' and not_before <= ${now.toISOString()}::timestamptz
                  and (lease_until is null or lease_until <= ${now.toISOString()}::timestamptz)
                order by not_before, id
                limit ${batchSize}
                for update skip locked) due
          where o.store_id = due.store_id and o.id = due.id
          returning o.store_id, o.id, o.category, o.message_id, o.recipient, o.sender, o.subject, o.text_body, o.html_body, o.headers,
                    o.attempts, o.give_up_at`,
    );
    if (rows.length === 0) break;
    // the suppression list is checked at the last moment: an address may have stopped all email after the row was written
    const suppressed = await suppressedAmong(db, rows.filter(isCustomerEmail).map((row) => row.recipient));
    const outcomes = await Promise.allSettled(
      rows.map((row) =>
        isCustomerEmail(row) && suppressed.has(normaliseEmail(row.recipient))
          ? Promise.reject(new SuppressedAddressError())
          : mailer.send({
          messageId: row.message_id,
          from: row.sender,
          to: row.recipient,
          subject: row.subject,
          text: row.text_body,
          html: row.html_body,
          ...(row.headers ? { headers: typeof row.headers === "string" ? (JSON.parse(row.headers) as Record<string, string>) : row.headers } : {}),
        }),
      ),
    );
    const sentKeys: Array<{ store_id: number; id: number }> = [];
    const retries: Array<{ store_id: number; id: number; status: "pending" | "failed"; not_before: string; last_error: string }> = [];
    const finishedAt = clock.now();
    const bounced: string[] = [];
    let skipped = 0;
    outcomes.forEach((outcome, i) => {
      const row = rows[i]!;
      if (outcome.status === "fulfilled") {
        sentKeys.push({ store_id: Number(row.store_id), id: Number(row.id) });
        return;
      }
      const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      const permanent = isPermanentFailure(outcome.reason);
      const giveUp = permanent || finishedAt.getTime() >= new Date(row.give_up_at).getTime();
      const retryAt = new Date(finishedAt.getTime() + retryDelayMs(Number(row.attempts), random));
      retries.push({ store_id: Number(row.store_id), id: Number(row.id), status: giveUp ? "failed" : "pending", not_before: retryAt.toISOString(), last_error: message.slice(0, 1000) });
      if (outcome.reason instanceof SuppressedAddressError) {
        skipped += 1;
        log.info({ outboxId: row.id, messageId: row.message_id, category: row.category }, "email not sent: address suppressed");
        return;
      }
      // a customer address the receiving server refuses for good gets no more customer email (a hard bounce)
      if (permanent && isCustomerEmail(row)) bounced.push(row.recipient);
      log.warn({ outboxId: row.id, messageId: row.message_id, attempts: row.attempts, giveUp, err: outcome.reason }, "email not sent");
    });
    await addSuppressions(db, bounced, "refused for good by the receiving server", finishedAt);
    // matched on the whole primary key: on id alone every batch would scan the outbox, which keeps every email ever sent
    if (sentKeys.length > 0) {
      await db.execute(
        sql`update outbox o set status = 'sent', sent_at = ${finishedAt.toISOString()}::timestamptz, lease_until = null, last_error = null
            from json_to_recordset(${JSON.stringify(sentKeys)}::json) as s(store_id int, id int)
            where o.store_id = s.store_id and o.id = s.id`,
      );
    }
    if (retries.length > 0) {
      await db.execute(
        sql`update outbox o set status = r.status, not_before = r.not_before, lease_until = null, last_error = r.last_error
            from json_to_recordset(${JSON.stringify(retries)}::json) as r(store_id int, id int, status text, not_before timestamptz, last_error text)
            where o.store_id = r.store_id and o.id = r.id and o.status = 'pending'`,
      );
    }
    result.sent += sentKeys.length;
    result.failed += retries.filter((r) => r.status === "failed").length;
    result.deferred += retries.filter((r) => r.status === "pending").length;
    // a batch where nothing went (and not because of the suppression list) means the server is down: stop for now
    if (sentKeys.length === 0 && skipped < rows.length) break;
  }
  if (result.sent + result.deferred + result.failed > 0) log.info(result, "outbox dispatched");
  return result;
}
