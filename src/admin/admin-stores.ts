import { and, asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { storeAliases, stores } from "../db/schema/index.js";
import { AppError, type ProblemDetail } from "../http/problem.js";
import { normaliseAlias, StoreDirectory } from "../stores/store-directory.js";
import type { z } from "zod";
import { administeredStore, forbiddenStores, type Administrator } from "./admin-scope.js";
import type { AlertThresholds, newStoreSchema, StoreChanges } from "./admin.schemas.js";

export interface AdminStore {
  id: number;
  code: string;
  name: string;
  timeZone: string;
  aliases: string[];
  alertProbability: number;
  resolveProbability: number;
  feedIntervalMinutes: number;
  feedLastSeenAt: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  createdAt: string;
}

/** The stores an admin administers, by code, with their aliases and thresholds. */
export async function listAdminStores(db: Database, admin: Administrator): Promise<AdminStore[]> {
  if (admin.storeIds !== null && admin.storeIds.length === 0) return [];
  const query = db.select().from(stores);
  const rows = await (admin.storeIds === null ? query : query.where(inArray(stores.id, admin.storeIds))).orderBy(asc(stores.code));
  if (rows.length === 0) return [];
  const aliases = await db
    .select()
    .from(storeAliases)
    .where(inArray(storeAliases.storeId, rows.map((row) => row.id)))
    .orderBy(asc(storeAliases.alias));
  return rows.map(({ feedLastObservedAt: _observed, feedLastSeenAt, createdAt, ...row }) => ({
    ...row,
    aliases: aliases.filter((alias) => alias.storeId === row.id).map((alias) => alias.alias),
    feedLastSeenAt: feedLastSeenAt?.toISOString() ?? null,
    createdAt: createdAt.toISOString(),
  }));
}

export async function findAdminStore(db: Database, admin: Administrator, name: string): Promise<AdminStore> {
  const store = await administeredStore(db, admin, name);
  return (await listAdminStores(db, { ...admin, storeIds: [store.id] }))[0]!;
}

/**
 * A name may stand for one store only: refuses names that already stand for another store (its code, name or alias),
 * whichever store that is, so that a store-limited admin cannot take a name from a store it does not administer.
 */
async function refuseTakenNames(db: Database, storeId: number | null, names: Array<{ field: string; name: string }>): Promise<void> {
  const directory = await StoreDirectory.load(db);
  const taken: ProblemDetail[] = [];
  for (const { field, name } of names) {
    const holder = directory.resolve(name);
    if (holder && holder.id !== storeId) taken.push({ field, reason: `"${name}" already names store ${holder.code}` });
  }
  if (taken.length > 0) throw new AppError({ code: "conflict", detail: taken.map((t) => t.reason).join("; "), errors: taken });
}

async function insertAliases(db: Database, storeId: number, aliases: string[], field: string): Promise<void> {
  await refuseTakenNames(db, storeId, aliases.map((name, index) => ({ field: `${field}/${index}`, name })));
  const distinct = [...new Set(aliases.map(normaliseAlias))];
  if (distinct.length === 0) return;
  // the primary key decides between two admins adding one alias at once; the loser's alias already names a store
  await db.insert(storeAliases).values(distinct.map((alias) => ({ alias, storeId }))).onConflictDoNothing();
  const existing = await db.select().from(storeAliases).where(inArray(storeAliases.alias, distinct));
  const lost = existing.filter((row) => row.storeId !== storeId);
  if (lost.length > 0) {
    throw new AppError({ code: "conflict", detail: `${lost.map((row) => `"${row.alias}"`).join(", ")} already names another store`, errors: lost.map((row) => ({ field, reason: `"${row.alias}" already names another store` })) });
  }
}

/** Creates a store and its aliases: for an admin of every store only. */
export async function createAdminStore(db: Database, admin: Administrator, input: z.output<typeof newStoreSchema>): Promise<AdminStore> {
  if (admin.storeIds !== null) throw forbiddenStores("only an admin of every store can create stores", [{ field: "code", reason: "ask an admin of every store to create it" }]);
  const { aliases, ...columns } = input;
  await refuseTakenNames(db, null, [
    { field: "code", name: columns.code },
    { field: "name", name: columns.name },
  ]);
  const id = await db.transaction(async (tx) => {
    const [row] = await tx.insert(stores).values(columns).onConflictDoNothing({ target: stores.code }).returning({ id: stores.id });
    if (!row) throw new AppError({ code: "conflict", detail: `store ${columns.code} already exists`, errors: [{ field: "code", reason: "already a store's code" }] });
    await insertAliases(tx as unknown as Database, row.id, aliases, "aliases");
    return row.id;
  });
  return (await listAdminStores(db, { ...admin, storeIds: [id] }))[0]!;
}

/** Renames a store, moves it to another time zone or changes how often its feed is expected; the next sweep uses them. */
export async function updateAdminStore(db: Database, admin: Administrator, name: string, changes: StoreChanges): Promise<AdminStore> {
  const store = await administeredStore(db, admin, name);
  if (changes.name !== undefined) await refuseTakenNames(db, store.id, [{ field: "name", name: changes.name }]);
  if (Object.keys(changes).length > 0) await db.update(stores).set(changes).where(eq(stores.id, store.id));
  return findAdminStore(db, admin, store.code);
}

export async function addAdminAliases(db: Database, admin: Administrator, name: string, aliases: string[]): Promise<AdminStore> {
  const store = await administeredStore(db, admin, name);
  // all or none: an alias refused leaves the others unadded
  await db.transaction((tx) => insertAliases(tx as unknown as Database, store.id, aliases, "aliases"));
  return findAdminStore(db, admin, store.code);
}

export async function removeAdminAlias(db: Database, admin: Administrator, name: string, alias: string): Promise<AdminStore> {
  const store = await administeredStore(db, admin, name);
  const removed = await db
    .delete(storeAliases)
    .where(and(eq(storeAliases.storeId, store.id), eq(storeAliases.alias, normaliseAlias(alias))))
    .returning({ alias: storeAliases.alias });
  if (removed.length === 0) throw new AppError({ code: "not_found", detail: `store ${store.code} has no alias "${alias}"` });
  return findAdminStore(db, admin, store.code);
}

/** The probabilities at which the store's item alerts open and resolve; the next sweep applies them. */
export async function setAlertThresholds(db: Database, admin: Administrator, name: string, thresholds: AlertThresholds): Promise<AdminStore> {
  const store = await administeredStore(db, admin, name);
  await db.update(stores).set(thresholds).where(eq(stores.id, store.id));
  return findAdminStore(db, admin, store.code);
}
