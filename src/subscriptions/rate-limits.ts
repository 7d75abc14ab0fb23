import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";

export type RateCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts one request against a key in a fixed window, in the database so that every replica counts together.
 * The count goes up even when refused: hammering does not earn a fresh allowance.
 */
export async function countRequest(db: Database, key: string, limit: number, windowMs: number, now: Date): Promise<RateCheck> {
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`insert into rate_limits (key, window_start, count) values (${key}, ${windowStart.toISOString()}::timestamptz, 1)
        on conflict (key, window_start) do update set count = rate_limits.count + 1
        returning count`,
  );
  if (Number(row!.count) <= limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000)) };
}

/** Drops windows that ended: the table holds the current hour only. */
export async function forgetOldRequestCounts(db: Database, windowMs: number, now: Date): Promise<void> {
  await db.execute(sql`delete from rate_limits where window_start < ${new Date(now.getTime() - windowMs).toISOString()}::timestamptz`);
}
