import fc from "fast-check";

/**
 * Property runs reproduce: the seed comes from FC_SEED when set, else a fixed one, and fast-check prints the seed
 * and path of a failing run in its error (rerun with FC_SEED=<seed> to replay it).
 */
export const PROPERTY_SEED = Number(process.env.FC_SEED ?? 20261207);

/** `numRuns` keeps CI bounded; FC_RUNS raises it for a longer hunt on a quiet machine. */
export function configureProperties(numRuns: number): void {
  fc.configureGlobal({ seed: PROPERTY_SEED, numRuns: Number(process.env.FC_RUNS ?? numRuns), endOnFailure: true });
}

/** Text a hostile or broken export may hold in a cell: quotes, separators, line breaks, BOMs, NULs, astral characters. */
export const hostileCell: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('"', ",", ";", "\t", "\r", "\n", "\uFEFF", "\u0000", "a", "0", "-", "=", " ", "é", "😀", "\uD800"), maxLength: 16 }),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom("", " ", "N/A", "1e309", "-0", "0x10", "1,5", "٣", "Infinity", "null", "2026-02-30", "9999-12-31T25:61:00Z"),
);

/** A line ending, as files edited on three systems mix them. */
export const lineEnding = fc.constantFrom("\n", "\r\n", "\r");

/** A CSV-shaped text: a header and records of hostile cells, quoted or not, joined by mixed line endings. */
export function csvText(header: fc.Arbitrary<string[]>): fc.Arbitrary<string> {
  const record = fc.array(fc.tuple(hostileCell, fc.boolean()), { minLength: 0, maxLength: 8 });
  return fc
    .record({
      bom: fc.boolean(),
      header,
      records: fc.array(fc.tuple(record, lineEnding), { maxLength: 12 }),
      delimiter: fc.constantFrom(",", ";", "\t"),
      tail: fc.constantFrom("", "\n", '"', '"\n', "\r\n\r\n"),
    })
    .map(({ bom, header, records, delimiter, tail }) => {
      const cell = ([text, quoted]: [string, boolean]) => (quoted ? `"${text.replaceAll('"', '""')}"` : text);
      const lines = [header.join(delimiter), ...records.map(([cells, end]) => cells.map(cell).join(delimiter) + end)];
      return `${bom ? "\uFEFF" : ""}${lines[0]}\n${lines.slice(1).join("")}${tail}`;
    });
}

/** Bytes as a CSV body may arrive: the text in UTF-8, Latin-1 (a wrong encoding), UTF-16 with its BOM, or random bytes. */
export function csvBytes(text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    text.map((t) => new Uint8Array(Buffer.from(t, "utf8"))),
    text.map((t) => new Uint8Array(Buffer.from(t, "latin1"))),
    text.map((t) => new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, "utf16le")]))),
    fc.uint8Array({ maxLength: 400 }),
  );
}

/** A JSON value with numbers and strings that break naive code: huge, negative, fractional, unicode, nested. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-1, 0, -0.5, 1.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, Number.MAX_SAFE_INTEGER, "", " ", "S12", "000123", "2026-11-20T14:00:00Z", null, [], {}),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("\u0000", "\uD800", "\u202E", "😀", "'", ";", "<", ">", "\\"), maxLength: 12 }),
);

/**
 * A body built from a valid one (`wrap` puts the item where the body holds it): a field replaced by a hostile value, a field dropped, extra fields added, or the
 * whole thing swapped for a hostile value or malformed JSON text. Returns the text to send.
 */
export function hostileJsonBody(
  valid: Record<string, unknown>,
  wrap: (item: Record<string, unknown>) => unknown = (item) => item,
): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  const mutated = fc
    .record({
      replace: fc.subarray(keys),
      drop: fc.subarray(keys, { maxLength: 1 }),
      values: fc.array(hostileJsonValue, { minLength: keys.length, maxLength: keys.length }),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), hostileJsonValue, { maxKeys: 2 }),
    })
    .map(({ replace, drop, values, extra }) => {
      const body: Record<string, unknown> = { ...extra, ...valid };
      replace.forEach((key) => (body[key] = values[keys.indexOf(key)]));
      drop.forEach((key) => delete body[key]);
      return JSON.stringify(wrap(body));
    });
  return fc.oneof(
    { weight: 3, arbitrary: mutated },
    { weight: 1, arbitrary: hostileJsonValue.map((value) => JSON.stringify(value) ?? "null") },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constantFrom("{", '{"rows":', "[1,2", '{"a":1}}', "\uFEFF{}", "{'single':1}", "NaN", '{"x":1e999}', "") },
  );
}
