import { z } from "zod";
import type { Database } from "../db/client.js";
import { storeAliases, stores } from "../db/schema/index.js";
import { isValidTimeZone, normaliseAlias } from "./store-directory.js";

export const newStoreSchema = z.object({
  code: z.string().trim().min(1).max(40),
  name: z.string().trim().min(1).max(200),
  timeZone: z.string().refine(isValidTimeZone, { error: "must be an IANA time zone such as America/New_York" }),
  addressLine1: z.string().trim().max(200).optional(),
  addressLine2: z.string().trim().max(200).optional(),
  city: z.string().trim().max(100).optional(),
  region: z.string().trim().max(100).optional(),
  postalCode: z.string().trim().max(20).optional(),
  country: z.string().trim().max(60).optional(),
  feedIntervalMinutes: z.number().int().positive().optional(),
  aliases: z.array(z.string().trim().min(1).max(100)).default([]),
});
export type NewStore = z.input<typeof newStoreSchema>;

/** Creates a store with the names its POS exports use for it. */
export async function createStore(db: Database, input: NewStore): Promise<{ id: number; code: string }> {
  const store = newStoreSchema.parse(input);
  const { aliases, ...columns } = store;
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(stores).values(columns).returning({ id: stores.id, code: stores.code });
    await addStoreAliases(tx as unknown as Database, row!.id, aliases);
    return row!;
  });
}

export async function addStoreAliases(db: Database, storeId: number, aliases: string[]): Promise<void> {
  // "Mt_Auburn" and "Mt Auburn" normalise to the same alias
  const distinct = [...new Set(aliases.map(normaliseAlias))];
  if (distinct.length === 0) return;
  await db
    .insert(storeAliases)
    .values(distinct.map((alias) => ({ alias, storeId })))
    .onConflictDoUpdate({ target: storeAliases.alias, set: { storeId } });
}
