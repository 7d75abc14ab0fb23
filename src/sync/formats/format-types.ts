export const FORMAT_NAMES = ["generic", "square-items", "shopify-inventory", "lightspeed-x", "square-sales"] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** One stock observation or one sales line taken out of a CSV record, still unvalidated. */
export type MappedRow =
  | {
      kind: "stock";
      location: string;          // location / outlet / store name or code as written in the file
      sku: string;               // trimmed text, never converted to a number (leading zeros matter)
      onHand: number | string;   // a number when the cell is numeric text (may be fractional or negative: validation rejects more than three decimals), else the raw trimmed text
      observedAt?: string;       // only when the file has a time column (generic format)
      reorderPoint?: number | string; // the store's own low-stock threshold when the export has one
      name?: string;
      category?: string;
      unit?: string;             // the unit of measure (each, kg, lb, ...) as the export writes it, when it gives one
      column: string;            // header of the quantity column this row came from (for error messages)
    }
  | {
      kind: "sales";
      location: string;
      sku: string;
      soldUnits: number | string; // negative for refunds
      salesDate: string;          // YYYY-MM-DD when recognisable, else the raw text (validation rejects it later)
      name?: string;
      category?: string;
      unit?: string;
      column: string;
    };

export type StockRow = Extract<MappedRow, { kind: "stock" }>;
export type SalesRow = Extract<MappedRow, { kind: "sales" }>;

export interface CellProblem { column: string; reason: string }

export interface MappedRecord {
  rows: MappedRow[];
  problems: CellProblem[]; // problems found while mapping (e.g. blank SKU); each rejects this record's rows for that column/location
  untracked: number;       // cells skipped because stock is not tracked there (blank quantity, "not stocked", track_inventory=0)
  location?: string;       // the location a record with problems names, when it names one (who may see its rejected line)
}

export interface ExportFormat {
  name: FormatName;
  /** location names known from the header (location-as-column layouts), or null when each row names its location */
  locations: string[] | null;
  mapRecord(fields: string[]): MappedRecord;
}

export class MissingColumnError extends Error {
  constructor(readonly format: FormatName, readonly column: string) { super(`the ${format} format needs a "${column}" column`); }
}
