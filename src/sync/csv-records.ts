import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { createTextDecoder, gunzipIfCompressed, sniffDelimiter, type DecodeReport } from "./decode-text.js";

export interface CsvRecord {
  record: string[];
  /** line number of the record in the file (1 = header) */
  line: number;
}

export interface CsvStream {
  records: AsyncGenerator<CsvRecord>;
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
  async function* records(): AsyncGenerator<CsvRecord> {
    const iterator = text[Symbol.asyncIterator]() as AsyncIterator<string>;
    const first = await iterator.next();
    if (first.done) return;
    delimiter = sniffDelimiter(first.value);
    const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true });
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
    for await (const entry of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { record: entry.record, line: entry.info.lines };
    }
    await feed;
  }
  return { records: records(), delimiter: () => delimiter, report: () => decoder.report() };
}
