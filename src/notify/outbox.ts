import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Config } from "../config.js";
import { queryRows, type Database } from "../db/client.js";
import { outbox } from "../db/schema/index.js";
import type { AlertNotice } from "../db/schema/outbox.js";

/** Staff email, and customer email (which no suppressed address ever gets). */
export const EMAIL_CATEGORIES = ["alert", "digest", "confirmation", "restock", "deal", "privacy"] as const;
export type EmailCategory = (typeof EMAIL_CATEGORIES)[number];
export const CUSTOMER_CATEGORIES: readonly EmailCategory[] = ["confirmation", "restock", "deal", "privacy"];

export interface NewEmail {
  storeId: number;
  category: EmailCategory;
  /** one row per key: an alert event and recipient, or a digest day and recipient */
  dedupeKey: string;
  alertId?: number | null;
  /** urgent alert email: the alert events it tells of */
  alertNotices?: AlertNotice[] | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** not before this time (quiet hours) */
  notBefore: Date;
}

/** The domain part of MAIL_FROM, for Message-IDs. */
export function mailDomain(from: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(from);
  return match?.[1] ?? "shelfwatch.localhost";
}

/**
 * Writes emails to the outbox; call it inside the transaction of the change that caused them. Returns how many rows
 * were new: a key already present (a replica got there first) is left as it is.
 */
export async function enqueueEmails(
  tx: Database,
  config: Pick<Config, "MAIL_FROM" | "OUTBOX_GIVE_UP_MINUTES">,
  emails: NewEmail[],
  now: Date,
): Promise<number> {
  if (emails.length === 0) return 0;
  const domain = mailDomain(config.MAIL_FROM);
  const rows = await tx
    .insert(outbox)
    .values(
      emails.map((email) => ({
        storeId: email.storeId,
        category: email.category,
        dedupeKey: email.dedupeKey,
        messageId: `<${randomUUID()}@${domain}>`,
        alertId: email.alertId ?? null,
        alertNotices: email.alertNotices ?? null,
        recipient: email.to,
        sender: config.MAIL_FROM,
        subject: email.subject,
        textBody: email.text,
        htmlBody: email.html,
        headers: email.headers ?? null,
        notBefore: email.notBefore,
        giveUpAt: new Date(Math.max(email.notBefore.getTime(), now.getTime()) + config.OUTBOX_GIVE_UP_MINUTES * 60_000),
        createdAt: now,
      })),
    )
    .onConflictDoNothing({ target: outbox.dedupeKey })
    .returning({ id: outbox.id });
  return rows.length;
}

/** Whether a digest (or other keyed email) was already written: saves rendering one that would be dropped. */
export async function outboxHasKey(db: Database, dedupeKey: string): Promise<boolean> {
  const rows = await queryRows(db, sql`select 1 from outbox where dedupe_key = ${dedupeKey} limit 1`);
  return rows.length > 0;
}
