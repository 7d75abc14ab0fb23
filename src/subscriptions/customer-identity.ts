import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { addSuppressions } from "../notify/suppressions.js";

export { hashEmail, isSuppressed } from "../notify/suppressions.js";

/** No customer email goes to this address again, and its subscriptions end. */
export async function suppressEmail(db: Database, email: string, reason: string, now: Date): Promise<void> {
  await addSuppressions(db, [email], reason, now);
  await db.execute(
    sql`update subscriptions set status = 'ended', end_reason = 'suppressed', ended_at = ${now.toISOString()}::timestamptz
        where email = ${email.trim().toLowerCase()} and status <> 'ended'`,
  );
}
