import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { storedSecret } from "./service-secrets.js";

/**
 * A keyed hash of an address: lets the suppression list and rate limits recognise an address without keeping it.
 * The key is the service's own and never rotates with LINK_SECRET, or the list would forget everyone.
 */
export function hashEmailWith(key: string, email: string): string {
  return createHmac("sha256", key).update(normaliseEmail(email)).digest("base64url");
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function hashEmail(db: Database, email: string): Promise<string> {
  return hashEmailWith(await storedSecret(db, "email_hash"), email);
}

/** The addresses among these that get no customer email, normalised (trimmed, lower-case). */
export async function suppressedAmong(db: Database, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const key = await storedSecret(db, "email_hash");
  const byHash = new Map(emails.map((email) => [hashEmailWith(key, email), normaliseEmail(email)]));
  const rows = await queryRows<{ email_hash: string }>(
    db,
    sql`select email_hash from suppressions where email_hash in (select value from json_array_elements_text(${JSON.stringify([...byHash.keys()])}::json))`,
  );
  return new Set(rows.map((r) => byHash.get(r.email_hash)!));
}

export async function isSuppressed(db: Database, email: string): Promise<boolean> {
  return (await suppressedAmong(db, [email])).size > 0;
}

/** Puts addresses on the suppression list (as hashes); an address already there keeps its first reason. */
export async function addSuppressions(db: Database, emails: string[], reason: string, now: Date): Promise<void> {
  if (emails.length === 0) return;
  const key = await storedSecret(db, "email_hash");
  const hashes = [...new Set(emails.map((email) => hashEmailWith(key, email)))];
  await db.execute(
    sql`insert into suppressions (email_hash, reason, created_at)
        select value, ${reason}, ${now.toISOString()}::timestamptz from json_array_elements_text(${JSON.stringify(hashes)}::json)
        on conflict (email_hash) do nothing`,
  );
}
