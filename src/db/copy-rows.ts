import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Database } from "./client.js";

/*
 * COPY ... FROM STDIN is PostgreSQL's bulk path: several times faster than INSERT of the same rows, which is what a
 * million-row export needs. postgres.js streams it over the connection; PGlite reads it from a blob. Both take the
 * same text format, so the callers build one payload for either driver.
 */

interface PostgresJsClient {
  unsafe(query: string): Promise<unknown> & { writable(): Promise<Writable> };
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
    await copyWithPostgresJs(client, `${statement} stdin`, text);
  } else {
    await client.query(`${statement} '/dev/blob'`, [], { blob: new Blob([new Uint8Array(text.buffer as ArrayBuffer, text.byteOffset, text.length)]) });
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

/**
 * postgres.js 3.4 never finishes a COPY stream that the server refuses after its last byte was sent (porsager/postgres
 * issue 1173): awaiting it would hang the import, and its transaction would hold the stock-apply lock for good. So once
 * the data is sent, a query queued behind the COPY on the same connection settles either way: it fails when the
 * COPY did (the transaction is aborted), and then the import fails and rolls back instead of waiting.
 */
async function copyWithPostgresJs(client: PostgresJsClient, statement: string, text: Buffer): Promise<void> {
  const writable = await client.unsafe(statement).writable();
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  const sendCopyDone = writable._final!.bind(writable);
  writable._final = (callback) => {
    sendCopyDone(callback);
    markSent();
  };
  const copied = pipeline(Readable.from([text]), writable);
  // settled below through the race, or never (the case this works around)
  copied.catch(() => {});
  try {
    await Promise.race([copied, sent.then(() => client.unsafe("select 1"))]);
  } catch (error) {
    throw new Error(`PostgreSQL refused the data of "${statement}" (its log says why)`, { cause: error });
  }
  await copied;
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One text value as a COPY text-format field: backslash, tab and line breaks escaped. */
export function copyField(text: string): string {
  return SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

/** The COPY text-format null marker. */
export const COPY_NULL = "\\N";
