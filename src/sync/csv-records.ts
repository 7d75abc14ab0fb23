import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CsvError, parse } from "csv-parse";
import type { Config } from "../config.js";
import { AppError } from "../http/problem.js";
import {
  BodyTooLargeError,
  CompressionRatioError,
  UndecodableBodyError,
  createTextDecoder,
  gunzipIfCompressed,
  sniffDelimiter,
  type DecodeReport,
} from "./decode-text.js";

const BATCH_RECORDS = 1000;

export interface CsvRecord {
  record: string[];
  /** line number of the record in the file (1 = header) */
  line: number;
}

/** What one uploaded or dropped CSV may cost: every reader of such a file applies all of them. */
export interface CsvLimits {
  /** decompressed bytes */
  maxBytes: number;
  /** longest record, quoted line breaks included: an unclosed quote would otherwise swallow the rest of the file */
  maxRecordBytes: number;
  /** a gzip body may inflate to maxInflateRatio × the compressed bytes read so far, plus inflateFloorBytes */
  maxInflateRatio: number;
  inflateFloorBytes: number;
}

/** The configured limits, with a smaller byte cap for files that are small by nature (an ad calendar). */
export function csvLimits(config: Config, maxBytes = config.IMPORT_MAX_BYTES): CsvLimits {
  return {
    maxBytes,
    maxRecordBytes: config.IMPORT_MAX_RECORD_BYTES,
    maxInflateRatio: config.IMPORT_MAX_GZIP_RATIO,
    inflateFloorBytes: config.IMPORT_GZIP_FLOOR_BYTES,
  };
}

export interface CsvStream {
  /** records in batches: one await per batch rather than per record, which matters at a million rows */
  batches: AsyncGenerator<CsvRecord[]>;
  /** the file's delimiter, known once the first record has been read */
  delimiter(): string;
  /** encoding, byte count and checksum, complete once records are exhausted */
  report(): DecodeReport;
}

/**
 * Streams a CSV body (optionally gzip-compressed, UTF-8 or Windows-1252, comma, semicolon or tab separated) as records
 * with their line numbers, never holding the whole file in memory. A body or record past `limits` fails the read with
 * an AppError (413 or 422) naming the limit, and the body stops being read.
 */
export function streamCsvRecords(body: Readable, limits: CsvLimits): CsvStream {
  const decoder = createTextDecoder({ maxBytes: limits.maxBytes });
  const unzipped = gunzipIfCompressed(body, { maxRatio: limits.maxInflateRatio, floorBytes: limits.inflateFloorBytes });
  // errors upstream of the decoder (a broken gzip stream, a dropped connection) must fail the read, not hang it:
  // pipe() does not forward them, and the gzip stage reports both its own and the body's errors
  unzipped.on("error", (error) => decoder.destroy(error));
  const text = unzipped.pipe(decoder);
  let delimiter = ",";
  /** line number where the next record to be read starts, and the records read so far (empty lines included) */
  let line = 1;
  let recordsRead = 0;
  async function* batches(): AsyncGenerator<CsvRecord[]> {
    try {
      yield* parseBatches();
    } catch (error) {
      // the parser runs ahead of this reader and its failure drops the records it had queued: each took at least a
      // line (exact unless one of them had a quoted line break)
      const queued = error instanceof CsvError ? Math.max(0, (error as CsvError & { records?: number }).records ?? 0) - recordsRead : 0;
      throw readProblem(error, line + Math.max(0, queued), limits);
    }
  }
  async function* parseBatches(): AsyncGenerator<CsvRecord[]> {
    const iterator = text[Symbol.asyncIterator]() as AsyncIterator<string>;
    const first = await iterator.next();
    if (first.done) return;
    delimiter = sniffDelimiter(first.value);
    // csv-parse's own line numbers (info: true) copy an object per record and double the parsing time, so lines are
    // counted here: one per record plus the line breaks inside its quoted fields; empty lines are skipped here too
    const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, max_record_size: limits.maxRecordBytes });
    const feed = pipeline(
      Readable.from(
        (async function* () {
          yield first.value;
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
        })(),
        { objectMode: false },
      ),
      parser,
    );
    // the same error reaches the consumer through the parser's iterator
    feed.catch(() => {});
    let batch: CsvRecord[] = [];
    for await (const record of parser as AsyncIterable<string[]>) {
      const start = line;
      line += 1;
      recordsRead += 1;
      for (const field of record) {
        for (let at = field.indexOf("\n"); at !== -1; at = field.indexOf("\n", at + 1)) line += 1;
      }
      if (record.length === 1 && record[0]!.trim() === "") continue;
      batch.push({ record, line: start });
      if (batch.length >= BATCH_RECORDS) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    await feed;
  }
  return { batches: batches(), delimiter: () => delimiter, report: () => decoder.report() };
}

/** The problem a failed read of the body is to the client; errors that are not the body's pass unchanged. */
function readProblem(error: unknown, line: number, limits: CsvLimits): unknown {
  if (error instanceof BodyTooLargeError) return new AppError({ code: "payload_too_large", detail: error.message });
  if (error instanceof CompressionRatioError) {
    return new AppError({
      code: "payload_too_large",
      detail: `${error.message} (limit: IMPORT_MAX_GZIP_RATIO ${limits.maxInflateRatio} beyond the first ${limits.inflateFloorBytes} bytes)`,
    });
  }
  if (error instanceof UndecodableBodyError) {
    return new AppError({ code: "undecodable_body", detail: `${error.message} (at byte ${error.byteOffset})` });
  }
  if (isZlibError(error)) {
    return new AppError({ code: "undecodable_body", detail: `the body is gzip-compressed but cannot be decompressed (${error.message}): was the upload cut short?` });
  }
  if (error instanceof CsvError && error.code === "CSV_MAX_RECORD_SIZE") {
    const reason = `the record starting at line ${line} is longer than ${limits.maxRecordBytes} bytes (IMPORT_MAX_RECORD_BYTES): is a quote (") left open?`;
    return new AppError({ code: "malformed_csv", detail: `the CSV cannot be read: ${reason}`, errors: [{ line, reason }] });
  }
  if (error instanceof CsvError) {
    const at = (error as CsvError & { lines?: number }).lines;
    return new AppError({
      code: "malformed_csv",
      detail: `the CSV cannot be read: ${error.message}`,
      errors: [{ ...(at ? { line: at } : {}), reason: error.message }],
    });
  }
  return error;
}

function isZlibError(error: unknown): error is Error {
  return error instanceof Error && /^Z_/.test(String((error as NodeJS.ErrnoException).code ?? ""));
}
