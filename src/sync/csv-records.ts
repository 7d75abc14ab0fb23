import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { createTextDecoder, gunzipIfCompressed, sniffDelimiter, type DecodeReport } from "./decode-text.js";

const BATCH_RECORDS = 1000;

export interface CsvRecord {
  record: string[];
  /** line number of the record in the file (1 = header) */
  line: number;
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
 * with their line numbers, never holding the whole file in memory.
 */
export function streamCsvRecords(body: Readable, options: { maxBytes: number }): CsvStream {
  const decoder = createTextDecoder({ maxBytes: options.maxBytes });
  const unzipped = gunzipIfCompressed(body);
  // errors upstream of the decoder (a broken gzip stream, a dropped connection) must fail the read, not hang it:
  // pipe() does not forward them, and the gzip stage reports both its own and the body's errors
  unzipped.on("error", (error) => decoder.destroy(error));
  const text = unzipped.pipe(decoder);
  let delimiter = ",";
  async function* batches(): AsyncGenerator<CsvRecord[]> {
    const iterator = text[Symbol.asyncIterator]() as AsyncIterator<string>;
    const first = await iterator.next();
    if (first.done) return;
    delimiter = sniffDelimiter(first.value);
    // csv-parse's own line numbers (info: true) copy an object per record and double the parsing time, so lines are
    // counted here: one per record plus the line breaks inside its quoted fields; empty lines are skipped here too
    const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true });
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
    let line = 1;
    let batch: CsvRecord[] = [];
    for await (const record of parser as AsyncIterable<string[]>) {
      const start = line;
      line += 1;
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
