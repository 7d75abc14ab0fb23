import { mkdirSync } from "node:fs";
import { basename } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { lockDataDir, type DataDirLock } from "./data-dir-lock.js";
import * as schema from "./schema/index.js";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  driver: "pglite" | "postgres";
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = new URL("../../drizzle", import.meta.url).pathname;

/**
 * PostgreSQL through postgres.js when a URL is given, else embedded PGlite (file-backed, or in memory for "memory://").
 * A file-backed PGlite database is this process's alone until close(): opening one that another process holds throws
 * DataDirLockedError, naming `holder` of the process that has it (by default this script's file name).
 */
export function openDatabase(options: { url?: string; dataDir: string; maxConnections?: number; holder?: string }): DatabaseHandle {
  if (options.url) {
    const client = postgres(options.url, { max: options.maxConnections ?? 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema, casing: "snake_case" }) as unknown as Database;
    return {
      db,
      driver: "postgres",
      migrate: () => migratePostgres(db as never, { migrationsFolder }),
      close: () => client.end({ timeout: 5 }),
    };
  }
  let client: PGlite;
  let lock: DataDirLock | null = null;
  if (options.dataDir === "memory://") {
    client = new PGlite();
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    lock = lockDataDir(options.dataDir, options.holder ?? `the Shelfwatch command ${basename(process.argv[1] ?? "node")}`);
    client = new PGlite(`${options.dataDir}/pglite`);
  }
  const db = drizzlePglite(client, { schema, casing: "snake_case" }) as unknown as Database;
  return {
    db,
    driver: "pglite",
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    async close() {
      await client.close();
      // only once the files are closed; should closing fail, the lock goes stale when this process exits
      lock?.release();
    },
  };
}

/** Runs raw SQL and returns its rows, whichever driver is underneath (postgres.js answers an array, PGlite `{ rows }`). */
export async function queryRows<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}

// Socket errors, postgres.js connection errors, and SQLSTATEs of a server that is going away, starting, or full
// (08xxx connection exceptions, 53300 too many connections, 57P01-57P03 shutdown or not yet accepting connections).
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "53300",
  "57P01",
  "57P02",
  "57P03",
]);

/**
 * Whether an error means the database cannot be reached right now (down, restarting, closed), as opposed to a query
 * that is wrong: the first is worth retrying later. Looks through drizzle's wrapping (`cause`) and the per-address
 * errors of a refused connection (AggregateError).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
  if (error.message === "PGlite is closed") return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(error.cause, depth + 1);
}

/** Whether PostgreSQL undid this transaction to break a deadlock (SQLSTATE 40P01): sending it again may succeed. */
export function isDeadlock(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if ((error as { code?: unknown }).code === "40P01") return true;
  return isDeadlock(error.cause, depth + 1);
}
