import { eq, sql } from "drizzle-orm";
import type { Config } from "../config.js";
import { queryRows, type Database } from "../db/client.js";
import { users } from "../db/schema/index.js";
import { spendVerificationTime, verifyPassword } from "./passwords.js";

export type SignInOutcome =
  | { ok: true; userId: number }
  /** the reason is for the log only: the person signing in hears the same answer for all three */
  | { ok: false; reason: "unknown_email" | "locked" | "wrong_password"; userId?: number; lockedUntil?: Date };

/**
 * Checks an email and password, with the lock-out: the attempt is counted before the password is checked, in one
 * UPDATE that also sets the lock when it is the last one allowed. Concurrent guesses therefore cannot get more than
 * DASHBOARD_LOCKOUT_ATTEMPTS checks in before the lock, and a locked account's password is never checked at all.
 * A correct password clears the count (and the lock its own attempt set).
 */
export async function checkCredentials(
  db: Database,
  config: Pick<Config, "DASHBOARD_LOCKOUT_ATTEMPTS" | "DASHBOARD_LOCKOUT_MINUTES">,
  credentials: { email: string; password: string },
  now: Date,
): Promise<SignInOutcome> {
  const email = credentials.email.trim().toLowerCase();
  const lockEnd = new Date(now.getTime() + config.DASHBOARD_LOCKOUT_MINUTES * 60_000);
  // a lock that has run out counts as a fresh start, and so does a last attempt longer ago than a lock lasts: a
  // mistyped password once a week must not add up to a lock-out
  const windowStart = new Date(now.getTime() - config.DASHBOARD_LOCKOUT_MINUTES * 60_000).toISOString();
  const counted = sql`(case when locked_until is null and last_attempt_at > ${windowStart}::timestamptz then failed_attempts else 0 end)`;
  const [claimed] = await queryRows<{ id: number; password_hash: string; locked_until: string | null }>(
    db,
    sql`update users set
          failed_attempts = ${counted} + 1,
          last_attempt_at = ${now.toISOString()}::timestamptz,
          locked_until = case when ${counted} + 1 >= ${config.DASHBOARD_LOCKOUT_ATTEMPTS}
                         then ${lockEnd.toISOString()}::timestamptz else null end
        where email = ${email} and (locked_until is null or locked_until <= ${now.toISOString()}::timestamptz)
        returning id, password_hash, to_json(locked_until) #>> '{}' as locked_until`,
  );
  if (!claimed) {
    await spendVerificationTime(credentials.password);
    const [locked] = await db.select({ id: users.id, lockedUntil: users.lockedUntil }).from(users).where(eq(users.email, email));
    if (!locked) return { ok: false, reason: "unknown_email" };
    return { ok: false, reason: "locked", userId: locked.id, lockedUntil: locked.lockedUntil ?? undefined };
  }
  if (!(await verifyPassword(credentials.password, claimed.password_hash))) {
    return {
      ok: false,
      reason: "wrong_password",
      userId: claimed.id,
      lockedUntil: claimed.locked_until === null ? undefined : new Date(claimed.locked_until),
    };
  }
  await db.update(users).set({ failedAttempts: 0, lockedUntil: null, lastSignInAt: now }).where(eq(users.id, claimed.id));
  return { ok: true, userId: claimed.id };
}
