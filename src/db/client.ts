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
