import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { apiKeys, stores } from "../db/schema/index.js";
import { createApiKey } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import { administersAll, forbiddenStores, storeAccess, type Administrator } from "./admin-scope.js";
import type { NewApiKey } from "./admin.schemas.js";

/** An API key as listings show it: never its secret, only the first characters that tell keys apart. */
export interface AdminApiKey {
  id: number;
  name: string;
  prefix: string;
  /** "all", or the codes of the key's stores */
  stores: "all" | string[];
  admin: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

async function storeCodes(db: Database): Promise<Map<number, string>> {
  const rows = await db.select({ id: stores.id, code: stores.code }).from(stores);
  return new Map(rows.map((row) => [row.id, row.code]));
}

function present(row: typeof apiKeys.$inferSelect, codes: Map<number, string>): AdminApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    stores: row.storeIds === null ? "all" : row.storeIds.map((id) => codes.get(id) ?? `#${id}`).sort(),
    admin: row.admin,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** The keys in use that an admin administers: a store-limited admin sees the keys limited to its own stores. */
export async function listAdminApiKeys(db: Database, admin: Administrator): Promise<AdminApiKey[]> {
  const rows = await db.select().from(apiKeys).where(isNull(apiKeys.revokedAt)).orderBy(asc(apiKeys.id));
  const codes = await storeCodes(db);
  return rows.filter((row) => administersAll(admin, row.storeIds)).map((row) => present(row, codes));
}

/** Creates a key for stores the admin administers; its secret is in the answer and nowhere else. */
export async function createAdminApiKey(db: Database, admin: Administrator, input: NewApiKey): Promise<AdminApiKey & { key: string }> {
  const storeIds = await storeAccess(db, admin, input.stores);
  const created = await createApiKey(db, { name: input.name, storeIds, admin: input.admin });
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
  return { ...present(row!, await storeCodes(db)), key: created.key };
}

/** Revokes a key: its next request is refused. */
export async function revokeAdminApiKey(db: Database, admin: Administrator, id: number, now: Date): Promise<void> {
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  if (!row) throw new AppError({ code: "not_found", detail: `no API key ${id} in use` });
  if (!administersAll(admin, row.storeIds)) throw forbiddenStores(`API key ${id} is not limited to your stores`);
  await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id));
}
