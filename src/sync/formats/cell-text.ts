const BOM = "\uFEFF";
// Plain digits or correctly grouped thousands, optional sign and decimals: "1,23" stays text rather than guessing a locale.
const NUMERIC = /^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})(?:[T ]|$)/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const FALSE_FLAG = /^(?:0|n|no|false)$/i;

/** A header cell as written in the file: BOM and surrounding blanks removed, case kept (used in messages and location names). */
export function cleanHeader(header: string): string {
  return (header.startsWith(BOM) ? header.slice(1) : header).trim();
}

/** The key a header cell is matched by: cleaned and lower-cased. */
export function normalizeHeader(header: string): string {
  return cleanHeader(header).toLowerCase();
}

/** Header cells cleaned and keyed once per file, so presets resolve column indexes before the first record. */
export interface HeaderIndex {
  /** cleaned header text, by column index */
  readonly names: string[];
  /** normalised keys, by column index */
  readonly keys: string[];
  /** index of the first column matching any alias (aliases given in lower case), or -1 */
  find(...aliases: string[]): number;
}

export function indexHeader(header: string[]): HeaderIndex {
  const names = header.map(cleanHeader);
  const keys = names.map((name) => name.toLowerCase());
  const firstIndex = new Map<string, number>();
  keys.forEach((key, index) => {
    if (!firstIndex.has(key)) firstIndex.set(key, index);
  });
  return {
    names,
    keys,
    find(...aliases) {
      for (const alias of aliases) {
        const index = firstIndex.get(alias);
        if (index !== undefined) return index;
      }
      return -1;
    },
  };
}

/**
 * Columns whose header starts with `prefix` (lower case) followed by a non-blank suffix, e.g. a location name.
 * The suffix is returned as written in the file.
 */
export function findPrefixedColumns(index: HeaderIndex, prefix: string): { index: number; suffix: string }[] {
  const found: { index: number; suffix: string }[] = [];
  index.names.forEach((name, column) => {
    // Compare the prefix part only: lower-casing the whole header could shift offsets for some non-ASCII names.
    if (name.length <= prefix.length || name.slice(0, prefix.length).toLowerCase() !== prefix) return;
    const suffix = name.slice(prefix.length).trim();
    if (suffix !== "") found.push({ index: column, suffix });
  });
  return found;
}

/** Trimmed text of a cell; a missing column (-1) or a short record reads as blank. */
export function cellText(fields: string[], index: number): string {
  if (index < 0) return "";
  const value = fields[index];
  return value === undefined ? "" : value.trim();
}

/**
 * A quantity cell: null when stock is not tracked there (blank or "not stocked"),
 * a number for numeric text, else the trimmed text for validation to reject with its line and column.
 */
export function parseQuantity(cell: string): number | string | null {
  const text = cell.trim();
  if (text === "") return null;
  if (NUMERIC.test(text)) {
    const value = Number(text.includes(",") ? text.replaceAll(",", "") : text);
    // "-0" would otherwise surface as -0 and compare oddly in tests and JSON.
    return value === 0 ? 0 : value;
  }
  if (text.length === 11 && text.toLowerCase() === "not stocked") return null;
  return text;
}

/** A sales date as YYYY-MM-DD from ISO or US M/D/YYYY text; anything else comes back trimmed and unchanged. */
export function normalizeSalesDate(cell: string): string {
  const text = cell.trim();
  if (ISO_DATE.test(text)) return text;
  const us = US_DATE.exec(text);
  if (us === null) return text;
  const month = Number(us[1]);
  const day = Number(us[2]);
  // Out-of-range parts stay raw so the validation error shows what the file said.
  if (month < 1 || month > 12 || day < 1 || day > 31) return text;
  return `${us[3]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The YYYY-MM-DD part of an ISO date or date-time, or null when the text is not ISO. */
export function isoDatePart(cell: string): string | null {
  const match = ISO_DATE_PREFIX.exec(cell.trim());
  return match?.[1] ?? null;
}

/** True for the ways exports and spreadsheets write "off" in a 0/1 flag column. */
export function isFalseFlag(cell: string): boolean {
  return FALSE_FLAG.test(cell.trim());
}

/** "Base - detail" for a display name, whichever part is present alone, or undefined when both are blank. */
export function joinName(base: string, detail: string): string | undefined {
  if (base !== "" && detail !== "") return `${base} - ${detail}`;
  const only = base !== "" ? base : detail;
  return only === "" ? undefined : only;
}
