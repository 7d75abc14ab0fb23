import type { Database } from "../db/client.js";
import { AppError, type ProblemDetail } from "../http/problem.js";
import { StoreDirectory, type StoreRef } from "../stores/store-directory.js";

/** Who administers: an admin API key or a dashboard user with the admin flag, limited to the stores it already sees. */
export interface Administrator {
  /** null: every store, and the chain-wide things (new stores, keys and users for every store) */
  storeIds: number[] | null;
  /** for the log: "api key 3", "dashboard: ana@example.com" */
  actor: string;
}

export function administers(admin: Administrator, storeId: number): boolean {
  return admin.storeIds === null || admin.storeIds.includes(storeId);
}

/** A set of stores (null: every store) lies within what the admin administers. */
export function administersAll(admin: Administrator, storeIds: number[] | null): boolean {
  if (admin.storeIds === null) return true;
  // an account with no store at all is no store-limited admin's to take over
  return storeIds !== null && storeIds.length > 0 && storeIds.every((id) => admin.storeIds!.includes(id));
}

const limitedDetail = "an admin limited to some stores administers only those stores";

export function forbiddenStores(detail: string, errors: ProblemDetail[] = []): AppError {
  return new AppError({ code: "forbidden_store", detail: `${detail}: ${limitedDetail}`, errors });
}

/** The store a request names (code, name or alias), if it exists (404) and the admin administers it (403). */
export async function administeredStore(db: Database, admin: Administrator, name: string): Promise<StoreRef> {
  const store = (await StoreDirectory.load(db)).resolve(name);
  if (!store) throw new AppError({ code: "not_found", detail: `no store "${name}"` });
  if (!administers(admin, store.id)) throw forbiddenStores(`store ${store.code} is not yours to administer`);
  return store;
}

/** The stores an access list names: "all", or store codes, names or aliases. Unknown names are 422, others' stores 403. */
export async function storeAccess(db: Database, admin: Administrator, stores: "all" | string[], field = "stores"): Promise<number[] | null> {
  if (stores === "all") {
    if (admin.storeIds !== null) throw forbiddenStores("only an admin of every store can give access to every store", [{ field, reason: "name your own stores instead of all" }]);
    return null;
  }
  const directory = await StoreDirectory.load(db);
  const resolved = stores.map((name, index) => ({ name, index, store: directory.resolve(name) }));
  const unknown = resolved.filter((entry) => !entry.store);
  if (unknown.length > 0) {
    throw new AppError({
      code: "validation_failed",
      detail: `no store ${unknown.map((entry) => `"${entry.name}"`).join(", ")}`,
      errors: unknown.map((entry) => ({ field: `${field}/${entry.index}`, reason: `no store "${entry.name}"` })),
    });
  }
  const refused = resolved.filter((entry) => !administers(admin, entry.store!.id));
  if (refused.length > 0) {
    throw forbiddenStores(
      `store ${refused.map((entry) => entry.store!.code).join(", ")} is not yours to administer`,
      refused.map((entry) => ({ field: `${field}/${entry.index}`, reason: `store ${entry.store!.code} is not yours to administer` })),
    );
  }
  return [...new Set(resolved.map((entry) => entry.store!.id))];
}
