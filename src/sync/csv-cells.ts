import { parse } from "csv-parse/sync";

/** What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A cell that is entirely a number ("-3", "+2.5", "-1e3"): a value, not a formula, and it must stay usable as one. */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A cell as the service may hand it to a spreadsheet: one that would start a formula gets a leading single quote, which
 * spreadsheets show as text and never run. Every CSV the service writes for people passes its cells through here.
 */
export function spreadsheetSafeCell(cell: string): string {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell) ? `'${cell}` : cell;
}

/** Rebuilds a CSV record as text (RFC 4180 quoting), byte-faithful: what the service stores to write back later. */
export function formatCsvRecord(fields: string[], delimiter: string): string {
  return fields.map((field) => quoteCell(field, delimiter, false)).join(delimiter);
}

/** A CSV record for a spreadsheet: each cell made safe, and a neutralised cell always quoted. */
export function formatSafeCsvRecord(fields: string[], delimiter: string): string {
  return fields.map((field) => quoteCell(field, delimiter, true)).join(delimiter);
}

/**
 * A record stored by formatCsvRecord, made safe for a spreadsheet. Only a record holding one of the starting
 * characters is parsed again: most rejected rows hold none.
 */
export function spreadsheetSafeRecord(record: string, delimiter: string): string {
  if (!/[=+\-@\t\r]/.test(record)) return record;
  const [fields = [""]] = parse(record, { delimiter, relax_column_count: true }) as string[][];
  return formatSafeCsvRecord(fields, delimiter);
}

function quoteCell(field: string, delimiter: string, safe: boolean): string {
  const cell = safe ? spreadsheetSafeCell(field) : field;
  const quoted = (safe && cell !== field) || /[",\r\n\t;]/.test(cell) || cell.includes(delimiter);
  return quoted ? `"${cell.replaceAll('"', '""')}"` : cell;
}
