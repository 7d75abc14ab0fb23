import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, gt, lt } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { sessions, users, userStores } from "../db/schema/index.js";

/** Dashboard sessions: a random token in an HttpOnly cookie, its SHA-256 in the database, a CSRF token bound to it. */

export const SESSION_COOKIE = "sw_session";

export type UserRole = "manager" | "staff";

/** Who is looking at a dashboard page, and which stores they may see. */
export interface Viewer {
  userId: number;
  email: string;
  name: string;
  role: UserRole;
  /** null: every store */
  storeIds: number[] | null;
  /** may open the administration pages, for the same stores */
  admin: boolean;
  /** sha256 of the cookie's token: the sessions row */
  sessionId: string;
  /** the hidden field every POST form of this session carries */
  csrfToken: string;
  expiresAt: Date;
}

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** HMAC of the session id under the session's own secret: fixed for the session, useless for any other. */
export function csrfTokenFor(sessionId: string, csrfSecret: string): string {
  return createHmac("sha256", csrfSecret).update(sessionId).digest("base64url");
}

/** Compares two secrets in constant time, whatever their lengths. */
export function secretsMatch(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Opens a session for a user who just proved their password; returns the token for the cookie (shown only now). */
export async function startSession(db: Database, userId: number, options: { now: Date; hours: number }): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(options.now.getTime() + options.hours * 3600_000);
  // housekeeping on the rare write: expired sessions of anyone go
  await db.delete(sessions).where(lt(sessions.expiresAt, options.now));
  await db.insert(sessions).values({
    id: hashSessionToken(token),
    userId,
    createdAt: options.now,
    expiresAt,
    csrfSecret: randomBytes(32).toString("base64url"),
  });
  return { token, expiresAt };
}

/** The viewer a session cookie stands for, or null when the token is unknown, signed out or expired. */
export async function findSession(db: Database, token: string, now: Date): Promise<Viewer | null> {
  const sessionId = hashSessionToken(token);
  const [row] = await db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      allStores: users.allStores,
      admin: users.admin,
      expiresAt: sessions.expiresAt,
      csrfSecret: sessions.csrfSecret,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!row) return null;
  const storeIds = row.allStores ? null : await storesOfUser(db, row.userId);
  return {
    userId: row.userId,
    email: row.email,
    name: row.name,
    role: row.role as UserRole,
    storeIds,
    admin: row.admin,
    sessionId,
    csrfToken: csrfTokenFor(sessionId, row.csrfSecret),
    expiresAt: row.expiresAt,
  };
}

export async function storesOfUser(db: Database, userId: number): Promise<number[]> {
  const rows = await db.select({ storeId: userStores.storeId }).from(userStores).where(eq(userStores.userId, userId));
  return rows.map((r) => r.storeId);
}

/** Signs the session out on the server: the cookie, if kept or copied, opens nothing any more. */
export async function endSession(db: Database, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Signs a user out everywhere (new password, account removed). */
export async function endSessionsOfUser(db: Database, userId: number): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
}
