import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { stores } from "./stores.js";

/** People who sign in to the dashboard: store managers and staff. */
export const users = pgTable(
  "users",
  {
    id: serial().primaryKey(),
    /** kept lower-case: the sign-in form finds an account whatever the case typed */
    email: text().notNull(),
    name: text().notNull(),
    /** scrypt$n=…,r=…,p=…$salt$key (see src/http/passwords.ts): the parameters travel with the hash */
    passwordHash: text().notNull(),
    role: text().notNull(),
    /** true: every store, present and future; false: the stores in user_stores */
    allStores: boolean().notNull().default(false),
    /** may open the administration pages, for the same stores the user sees */
    admin: boolean().notNull().default(false),
    /**
     * wrong passwords in a row since the last success or lock-out, each within DASHBOARD_LOCKOUT_MINUTES of the one
     * before; reaching DASHBOARD_LOCKOUT_ATTEMPTS locks the account
     */
    failedAttempts: integer().notNull().default(0),
    /** when the last sign-in attempt was counted, so that old mistakes stop counting */
    lastAttemptAt: timestamp({ withTimezone: true }),
    lockedUntil: timestamp({ withTimezone: true }),
    lastSignInAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_idx").on(t.email),
    check("users_email_lower_case", sql`${t.email} = lower(${t.email})`),
    check("users_role", sql`${t.role} in ('manager', 'staff')`),
  ],
);

/** The stores a user who is not allowed all of them may see. */
export const userStores = pgTable(
  "user_stores",
  {
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    storeId: integer()
      .notNull()
      .references(() => stores.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.storeId] }), index("user_stores_store_idx").on(t.storeId)],
);

/** A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a leaked table opens nothing. */
export const sessions = pgTable(
  "sessions",
  {
    /** sha256 (hex) of the cookie's token */
    id: text().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    /** keys the HMAC that makes this session's CSRF token: the token cannot be computed from the cookie alone */
    csrfSecret: text().notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);
