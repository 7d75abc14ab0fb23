import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { ALERT_KINDS } from "../alerts/alert-types.js";
import type { Database } from "../db/client.js";
import { recipients } from "../db/schema/index.js";

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "must be a 24-hour time HH:MM, e.g. 07:00" });

const recipientFields = {
  email: z
    .email({ error: "must be an email address" })
    .max(254)
    .transform((v) => v.toLowerCase()),
  name: z.string().trim().min(1).max(200).nullable(),
  role: z.enum(["manager", "staff"]),
  /** the alert kinds this person hears about */
  kinds: z.array(z.enum(ALERT_KINDS)).min(1).max(ALERT_KINDS.length),
  urgentEmails: z.boolean(),
  digest: z.boolean(),
  /** store-local time of the daily digest */
  digestTime: clockTime,
  quietStart: clockTime.nullable(),
  quietEnd: clockTime.nullable(),
};

const quietHoursTogether = (v: { quietStart?: string | null; quietEnd?: string | null }) =>
  (v.quietStart === undefined || v.quietStart === null) === (v.quietEnd === undefined || v.quietEnd === null);
const quietHoursError = { error: "give both quietStart and quietEnd, or neither", path: ["quietStart"] };

export const newRecipientSchema = z
  .object({
    email: recipientFields.email,
    name: recipientFields.name.optional(),
    role: recipientFields.role.default("manager"),
    kinds: recipientFields.kinds.default([...ALERT_KINDS]),
    urgentEmails: recipientFields.urgentEmails.default(true),
    digest: recipientFields.digest.default(true),
    digestTime: recipientFields.digestTime.default("07:00"),
    quietStart: recipientFields.quietStart.optional(),
    quietEnd: recipientFields.quietEnd.optional(),
  })
  .refine(quietHoursTogether, quietHoursError);
export type NewRecipient = z.input<typeof newRecipientSchema>;

export const recipientChangesSchema = z
  .object({
    name: recipientFields.name,
    role: recipientFields.role,
    kinds: recipientFields.kinds,
    urgentEmails: recipientFields.urgentEmails,
    digest: recipientFields.digest,
    digestTime: recipientFields.digestTime,
    quietStart: recipientFields.quietStart,
    quietEnd: recipientFields.quietEnd,
  })
  .partial()
  .refine((v) => (v.quietStart === undefined) === (v.quietEnd === undefined), quietHoursError)
  .refine(quietHoursTogether, quietHoursError);

export type Recipient = typeof recipients.$inferSelect;

export function presentRecipient(row: Recipient) {
  const { storeId: _storeId, createdAt, ...rest } = row;
  return { ...rest, createdAt: createdAt.toISOString() };
}

export class RecipientExistsError extends Error {}

export async function addRecipient(db: Database, storeId: number, input: NewRecipient): Promise<Recipient> {
  const recipient = newRecipientSchema.parse(input);
  const [row] = await db
    .insert(recipients)
    .values({ storeId, ...recipient, name: recipient.name ?? null, quietStart: recipient.quietStart ?? null, quietEnd: recipient.quietEnd ?? null })
    .onConflictDoNothing({ target: [recipients.storeId, recipients.email] })
    .returning();
  if (!row) throw new RecipientExistsError(`${recipient.email} already receives this store's alerts`);
  return row;
}

export async function listRecipients(db: Database, storeId: number): Promise<Recipient[]> {
  return db.select().from(recipients).where(eq(recipients.storeId, storeId)).orderBy(recipients.email);
}

export async function updateRecipient(
  db: Database,
  storeId: number,
  id: number,
  changes: z.output<typeof recipientChangesSchema>,
): Promise<Recipient | null> {
  if (Object.keys(changes).length === 0) {
    const [row] = await db.select().from(recipients).where(and(eq(recipients.storeId, storeId), eq(recipients.id, id)));
    return row ?? null;
  }
  const [row] = await db
    .update(recipients)
    .set(changes)
    .where(and(eq(recipients.storeId, storeId), eq(recipients.id, id)))
    .returning();
  return row ?? null;
}

export async function removeRecipient(db: Database, storeId: number, id: number): Promise<boolean> {
  const rows = await db
    .delete(recipients)
    .where(and(eq(recipients.storeId, storeId), eq(recipients.id, id)))
    .returning({ id: recipients.id });
  return rows.length > 0;
}
