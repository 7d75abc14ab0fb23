import { createHash, randomBytes } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { queryRows, type Database } from "../db/client.js";
import { apiKeys } from "../db/schema/index.js";
import { StoreDirectory, type StoreRef } from "../stores/store-directory.js";
import { AppError } from "./problem.js";

export interface ApiKeyPrincipal {
  id: number;
  name: string;
  /** null = every store */
  storeIds: number[] | null;
  /** may use the admin API, for the same stores */
  admin: boolean;
}

const KEY_PREFIX = "sw_";

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Creates a key; the clear text is returned once and only its hash is stored. */
export async function createApiKey(
  db: Database,
  options: { name: string; storeIds: number[] | null; admin?: boolean },
): Promise<{ id: number; key: string }> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiKeys)
    .values({ name: options.name, prefix: key.slice(0, 10), keyHash: hashApiKey(key), storeIds: options.storeIds, admin: options.admin ?? false })
    .returning({ id: apiKeys.id });
  return { id: row!.id, key };
}

export async function findApiKey(db: Database, key: string): Promise<ApiKeyPrincipal | null> {
  // one round trip: the key, and its last use noted at most once a minute, so that a busy till does not turn every
  // request into an update
  const [row] = await queryRows<{ id: number; name: string; store_ids: number[] | null; admin: boolean }>(
    db,
    sql`with found as (
          select id, name, store_ids, admin, last_used_at from api_keys
          where key_hash = ${hashApiKey(key)} and revoked_at is null
          limit 1
        ), used as (
          update api_keys set last_used_at = now()
          from found
          where api_keys.id = found.id and (found.last_used_at is null or found.last_used_at < now() - interval '1 minute')
        )
        select id, name, store_ids, admin from found`,
  );
  if (!row) return null;
  return { id: Number(row.id), name: row.name, storeIds: row.store_ids === null ? null : row.store_ids.map(Number), admin: Boolean(row.admin) };
}

export function canUseStore(principal: ApiKeyPrincipal, storeId: number): boolean {
  return principal.storeIds === null || principal.storeIds.includes(storeId);
}

/** The store a request names, if it exists (404) and the key may use it (403). */
export async function visibleStore(db: Database, apiKey: ApiKeyPrincipal, name: string): Promise<StoreRef> {
  const store = (await StoreDirectory.load(db)).resolve(name);
  if (!store) throw new AppError({ code: "not_found", detail: `no store "${name}"` });
  if (!canUseStore(apiKey, store.id)) throw new AppError({ code: "forbidden_store", detail: `this API key may not use store ${store.code}` });
  return store;
}

/** A SQL condition limiting rows to the key's (or a dashboard user's) stores (`column` holds the store id). */
export function storeScope(apiKey: Pick<ApiKeyPrincipal, "storeIds">, column: SQL): SQL {
  if (apiKey.storeIds === null) return sql`true`;
  return sql`${column} in (select value::int from json_array_elements_text(${JSON.stringify(apiKey.storeIds)}::json))`;
}

/** Requires `Authorization: Bearer <key>` naming a key that is not revoked. */
export function requireApiKey(db: Database) {
  return createMiddleware<{ Variables: { apiKey: ApiKeyPrincipal } }>(async (c, next) => {
    // routers mounted on the same prefix each declare this; the key is checked once per request
    if (c.get("apiKey")) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const challenge = { "www-authenticate": 'Bearer realm="shelfwatch"' };
    if (!match) {
      throw new AppError({ code: "unauthorized", detail: "send the API key as Authorization: Bearer <key>", headers: challenge });
    }
    const principal = await findApiKey(db, match[1]!);
    if (!principal) throw new AppError({ code: "unauthorized", detail: "the API key is unknown or revoked", headers: challenge });
    c.set("apiKey", principal);
    await next();
  });
}
