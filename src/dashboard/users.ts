import { asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client.js";
import { stores, users, userStores } from "../db/schema/index.js";
import { hashPassword, MIN_PASSWORD_LENGTH } from "../http/passwords.js";
import { endSessionsOfUser, type UserRole } from "../http/sessions.js";

/** Dashboard accounts: created, listed, removed and given new passwords from the command line (users-cli.ts). */

export const userEmailSchema = z
  .email({ error: "must be an email address" })
  .max(254)
  .transform((v) => v.toLowerCase());

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { error: `must be at least ${MIN_PASSWORD_LENGTH} characters` })
  .max(1024, { error: "must be at most 1024 characters" });

export const newUserSchema = z.object({
  email: userEmailSchema,
  name: z.string().trim().min(1).max(200),
  role: z.enum(["manager", "staff"]),
  /** store ids, or null for every store (including stores added later) */
  storeIds: z.array(z.number().int().positive()).min(1).nullable(),
  password: passwordSchema,
  /** may open the administration pages, for the same stores */
  admin: z.boolean().default(false),
});
export type NewUser = z.input<typeof newUserSchema>;

export interface UserSummary {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  /** "all", or the codes of the user's stores */
  stores: "all" | string[];
  lockedUntil: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
}

export class UserExistsError extends Error {
  constructor(email: string) {
    super(`a user with the email ${email} already exists`);
  }
}

export async function createUser(db: Database, input: NewUser, now: Date): Promise<UserSummary> {
  const user = newUserSchema.parse(input);
  const passwordHash = await hashPassword(user.password);
  const id = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({ email: user.email, name: user.name, role: user.role, admin: user.admin, allStores: user.storeIds === null, passwordHash, createdAt: now })
      // the unique index decides, also between two admins adding the same person at once
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id });
    if (!row) throw new UserExistsError(user.email);
    if (user.storeIds !== null) await tx.insert(userStores).values([...new Set(user.storeIds)].map((storeId) => ({ userId: row.id, storeId })));
    return row.id;
  });
  return (await listUsers(db)).find((u) => u.id === id)!;
}

export async function listUsers(db: Database): Promise<UserSummary[]> {
  const rows = await db.select().from(users).orderBy(asc(users.email));
  const memberships =
    rows.length === 0
      ? []
      : await db
          .select({ userId: userStores.userId, code: stores.code })
          .from(userStores)
          .innerJoin(stores, eq(stores.id, userStores.storeId))
          .where(inArray(userStores.userId, rows.map((r) => r.id)))
          .orderBy(asc(stores.code));
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as UserRole,
    stores: row.allStores ? "all" : memberships.filter((m) => m.userId === row.id).map((m) => m.code),
    lockedUntil: row.lockedUntil,
    lastSignInAt: row.lastSignInAt,
    createdAt: row.createdAt,
  }));
}

export async function findUserByEmail(db: Database, email: string): Promise<UserSummary | undefined> {
  const normalised = email.trim().toLowerCase();
  return (await listUsers(db)).find((u) => u.email === normalised);
}

/** Removes an account; its sessions and store list go with it (foreign keys cascade). */
export async function removeUser(db: Database, email: string): Promise<boolean> {
  const removed = await db.delete(users).where(eq(users.email, email.trim().toLowerCase())).returning({ id: users.id });
  return removed.length > 0;
}

/** Sets a new password, lifts a lock-out, and signs the user out everywhere. */
export async function setUserPassword(db: Database, email: string, password: string): Promise<boolean> {
  const passwordHash = await hashPassword(passwordSchema.parse(password));
  const [row] = await db
    .update(users)
    .set({ passwordHash, failedAttempts: 0, lockedUntil: null })
    .where(eq(users.email, email.trim().toLowerCase()))
    .returning({ id: users.id });
  if (!row) return false;
  await endSessionsOfUser(db, row.id);
  return true;
}
