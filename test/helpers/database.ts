import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { openDatabase, queryRows, type DatabaseHandle } from "../../src/db/client.js";

export interface TestDatabase extends DatabaseHandle {
  /** empties every table, keeping the schema */
  reset(): Promise<void>;
  /** the URL of a PostgreSQL test database, when running against the server */
  url?: string;
}

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A fresh, migrated database for one test file: an in-memory PGlite by default, or with TEST_DATABASE_URL a new
 * database on that server (dropped again on close), so test files running side by side never share tables.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  let handle: DatabaseHandle;
  let url: string | undefined;
  let dropDatabase = async () => {};
  if (serverUrl) {
    const name = `shelfwatch_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const target = new URL(serverUrl);
    target.pathname = `/${name}`;
    url = target.toString();
    handle = openDatabase({ url, dataDir: "unused" });
    dropDatabase = async () => {
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    };
  } else {
    handle = openDatabase({ dataDir: "memory://" });
  }
  await handle.migrate();
  return {
    ...handle,
    url,
    async reset() {
      // every table of ours; drizzle's own migration journal lives in another schema
      const [tables] = await queryRows<{ list: string }>(
        handle.db,
        sql`select string_agg(format('%I', tablename), ', ') as list from pg_tables where schemaname = 'public'`,
      );
      await handle.db.execute(sql.raw(`truncate ${tables!.list} restart identity cascade`));
    },
    async close() {
      await handle.close();
      await dropDatabase();
    },
  };
}
