import { createHmac } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { suppressions } from "../db/schema/index.js";
import { storedSecret } from "../notify/service-secrets.js";

/**
 * A keyed hash of an address: lets the suppression list and rate limits recognise an address without keeping it.
 * The key is the service's own and never rotates with LINK_SECRET, or the list would forget everyone.
 */
export async function hashEmail(db: Database, email: string): Promise<string> {
  return createHmac("sha256", await storedSecret(db, "email_hash"))
    .update(email.trim().toLowerCase())
    .digest("base64url");
}

export async function isSuppressed(db: Database, email: string): Promise<boolean> {
  const rows = await db.select({ hash: suppressions.emailHash }).from(suppressions).where(eq(suppressions.emailHash, await hashEmail(db, email)));
  return rows.length > 0;
}

/** No customer email goes to this address again, and its subscriptions end. */
export async function suppressEmail(db: Database, email: string, reason: string, now: Date): Promise<void> {
  await db
    .insert(suppressions)
    .values({ emailHash: await hashEmail(db, email), reason, createdAt: now })
    .onConflictDoNothing();
  await db.execute(
    sql`update subscriptions set status = 'ended', end_reason = 'suppressed', ended_at = ${now.toISOString()}::timestamptz
        where email = ${email.trim().toLowerCase()} and status <> 'ended'`,
  );
}
