import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Database } from "./client.js";

/*
 * COPY ... FROM STDIN is PostgreSQL's bulk path: several times faster than INSERT of the same rows, which is what a
 * million-row export needs. postgres.js streams it over the connection; PGlite reads it from a blob. Both take the
 * same text format, so the callers build one payload for either driver.
 */

interface PostgresJsClient {
  unsafe(query: string): { writable(): Promise<NodeJS.WritableStream> };
}
interface PgliteClient {
  query(query: string, params: unknown[], options: { blob: Blob }): Promise<unknown>;
}

/** The driver's own client under a drizzle handle (inside a transaction: the transaction's connection). */
function driverClient(db: Database): PostgresJsClient | PgliteClient {
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client;
  if (!client) throw new Error("COPY needs the drizzle handle of a postgres.js or PGlite database");
  return client as PostgresJsClient | PgliteClient;
}

/**
 * Copies rows in PostgreSQL's text format (tab-separated, `\N` for null, one row per line; see copyField) into a
 * table. Call it inside a transaction when the table is a temporary one: a pool would pick any connection.
 */
export async function copyRows(db: Database, table: string, columns: readonly string[], text: Buffer): Promise<void> {
  if (text.length === 0) return;
  const client = driverClient(db);
  const statement = `copy ${table} (${columns.join(", ")}) from`;
  if ("unsafe" in client) {
    const writable = await client.unsafe(`${statement} stdin`).writable();
    await pipeline(Readable.from([text]), writable);
  } else {
    await client.query(`${statement} '/dev/blob'`, [], { blob: new Blob([new Uint8Array(text)]) });
  }
}

/**
 * COPY text built row by row into one growing buffer. Each row's string dies young; a chunk held as a string instead
 * (appended with +=) keeps every row's pieces alive until it is sent, which multiplied the import's heap and its
 * garbage collection time (npm run bench:import).
 */
export class CopyText {
  private buffer = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  append(row: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit
    const needed = this.used + row.length * 3;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    this.used += this.buffer.write(row, this.used);
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.used);
  }
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One text value as a COPY text-format field: backslash, tab and line breaks escaped. */
export function copyField(text: string): string {
  return SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

/** The COPY text-format null marker. */
export const COPY_NULL = "\\N";
