import { asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { stores, users, userStores } from "../db/schema/index.js";
import { createUser, setUserPassword, UserExistsError } from "../dashboard/users.js";
import { AppError } from "../http/problem.js";
import { endSessionsOfUser } from "../http/sessions.js";
import { administersAll, forbiddenStores, storeAccess, type Administrator } from "./admin-scope.js";
import type { NewAdminUser, UserChanges } from "./admin.schemas.js";

/** A dashboard account as the admin API and pages show it: never its password hash. */
export interface AdminUser {
  id: number;
  email: string;
  name: string;
  role: "manager" | "staff";
  admin: boolean;
  /** "all", or the codes of the stores the user sees */
  stores: "all" | string[];
  storeIds: number[] | null;
  lockedUntil: string | null;
  lastSignInAt: string | null;
  createdAt: string;
}

async function loadUsers(db: Database, ids?: number[]): Promise<AdminUser[]> {
  const query = db.select().from(users);
  const rows = await (ids ? query.where(inArray(users.id, ids)) : query).orderBy(asc(users.email));
  const memberships =
    rows.length === 0
      ? []
      : await db
          .select({ userId: userStores.userId, storeId: stores.id, code: stores.code })
          .from(userStores)
          .innerJoin(stores, eq(stores.id, userStores.storeId))
          .where(inArray(userStores.userId, rows.map((row) => row.id)))
          .orderBy(asc(stores.code));
  return rows.map((row) => {
    const own = memberships.filter((m) => m.userId === row.id);
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role as AdminUser["role"],
      admin: row.admin,
      stores: row.allStores ? "all" : own.map((m) => m.code),
      storeIds: row.allStores ? null : own.map((m) => m.storeId),
      lockedUntil: row.lockedUntil?.toISOString() ?? null,
      lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
    };
  });
}

/** The accounts an admin administers: a store-limited admin sees the users who see only stores of its own. */
export async function listAdminUsers(db: Database, admin: Administrator): Promise<AdminUser[]> {
  return (await loadUsers(db)).filter((user) => administersAll(admin, user.storeIds));
}

/** The account, if it exists (404) and sees only stores the admin administers (403). */
export async function findAdminUser(db: Database, admin: Administrator, id: number): Promise<AdminUser> {
  const [user] = await loadUsers(db, [id]);
  if (!user) throw new AppError({ code: "not_found", detail: `no user ${id}` });
  if (!administersAll(admin, user.storeIds)) throw forbiddenStores(`user ${id} sees stores that are not yours`);
  return user;
}

export async function createAdminUser(db: Database, admin: Administrator, input: NewAdminUser, now: Date): Promise<AdminUser> {
  const storeIds = await storeAccess(db, admin, input.stores);
  try {
    const { stores: _stores, ...user } = input;
    const created = await createUser(db, { ...user, storeIds }, now);
    return findAdminUser(db, admin, created.id);
  } catch (error) {
    if (error instanceof UserExistsError) throw new AppError({ code: "conflict", detail: error.message, errors: [{ field: "email", reason: "already has an account" }] });
    throw error;
  }
}

/**
 * Changes an account. New stores, role or admin rights hold from the user's next page (sessions read them each time);
 * a new password signs the user out everywhere.
 */
export async function updateAdminUser(db: Database, admin: Administrator, id: number, changes: UserChanges): Promise<AdminUser> {
  const user = await findAdminUser(db, admin, id);
  const storeIds = changes.stores === undefined ? undefined : await storeAccess(db, admin, changes.stores);
  await db.transaction(async (tx) => {
    const columns = {
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.role === undefined ? {} : { role: changes.role }),
      ...(changes.admin === undefined ? {} : { admin: changes.admin }),
      ...(storeIds === undefined ? {} : { allStores: storeIds === null }),
    };
    if (Object.keys(columns).length > 0) await tx.update(users).set(columns).where(eq(users.id, id));
    if (storeIds !== undefined) {
      await tx.delete(userStores).where(eq(userStores.userId, id));
      if (storeIds !== null) await tx.insert(userStores).values(storeIds.map((storeId) => ({ userId: id, storeId })));
    }
  });
  if (changes.password !== undefined) await setUserPassword(db, user.email, changes.password);
  return findAdminUser(db, { ...admin, storeIds: null }, id);
}

/** Removes an account; its sessions end with it. */
export async function removeAdminUser(db: Database, admin: Administrator, id: number): Promise<void> {
  await findAdminUser(db, admin, id);
  await endSessionsOfUser(db, id);
  await db.delete(users).where(eq(users.id, id));
}
