import { cellText, indexHeader, isoDatePart, normalizeSalesDate, parseQuantity } from "./cell-text.js";
import { MissingColumnError, type CellProblem, type ExportFormat, type MappedRow, type SalesRow, type StockRow } from "./format-types.js";

// Shelfwatch's own documented layout; camelCase spellings come from JSON-minded exporters.
export const GENERIC_STORE = ["store"];
export const GENERIC_SKU = ["sku"];
export const GENERIC_ON_HAND = ["on_hand", "onhand"];
export const GENERIC_SOLD_UNITS = ["sold_units", "soldunits"];
const OBSERVED_AT = ["observed_at", "observedat"];
const SALES_DATE = ["sales_date", "salesdate"];
const REORDER_POINT = ["reorder_point", "reorderpoint"];
const UNIT = ["unit"];

/** The generic format: one record may carry a stock observation, a sales line, or both. */
export function createGenericFormat(header: string[]): ExportFormat {
  const columns = indexHeader(header);
  const store = columns.find(...GENERIC_STORE);
  const sku = columns.find(...GENERIC_SKU);
  const onHand = columns.find(...GENERIC_ON_HAND);
  const soldUnits = columns.find(...GENERIC_SOLD_UNITS);
  if (store < 0) throw new MissingColumnError("generic", "store");
  if (sku < 0) throw new MissingColumnError("generic", "sku");
  if (onHand < 0 && soldUnits < 0) throw new MissingColumnError("generic", "on_hand");

  const observedAt = columns.find(...OBSERVED_AT);
  const salesDate = columns.find(...SALES_DATE);
  const reorderPoint = columns.find(...REORDER_POINT);
  const name = columns.find("name");
  const category = columns.find("category");
  const unit = columns.find(...UNIT);
  const storeHeader = columns.names[store] ?? "store";
  const skuHeader = columns.names[sku] ?? "sku";
  const onHandHeader = columns.names[onHand] ?? "on_hand";
  const soldUnitsHeader = columns.names[soldUnits] ?? "sold_units";

  return {
    name: "generic",
    locations: null,
    mapRecord(fields) {
      const stockQuantity = onHand < 0 ? null : parseQuantity(cellText(fields, onHand));
      const salesQuantity = soldUnits < 0 ? null : parseQuantity(cellText(fields, soldUnits));
      if (stockQuantity === null && salesQuantity === null) {
        // A blank sold_units on a stock line is just "no sales reported", so only the on_hand cell counts.
        return { rows: [], problems: [], untracked: onHand < 0 ? 0 : 1 };
      }

      const location = cellText(fields, store);
      const skuText = cellText(fields, sku);
      const problems: CellProblem[] = [];
      if (skuText === "") problems.push({ column: skuHeader, reason: "SKU is blank" });
      if (location === "") problems.push({ column: storeHeader, reason: "store is blank" });
      // A sales-only line leaves on_hand blank on purpose, so it never counts as untracked.
      if (problems.length > 0) return { rows: [], problems, untracked: 0, ...(location ? { location } : {}) };

      const nameText = cellText(fields, name);
      const categoryText = cellText(fields, category);
      const unitText = cellText(fields, unit);
      const rows: MappedRow[] = [];
      if (stockQuantity !== null) {
        const row: StockRow = { kind: "stock", location, sku: skuText, onHand: stockQuantity, column: onHandHeader };
        const observedText = cellText(fields, observedAt);
        if (observedText !== "") row.observedAt = observedText;
        const threshold = parseQuantity(cellText(fields, reorderPoint));
        if (threshold !== null) row.reorderPoint = threshold;
        if (nameText !== "") row.name = nameText;
        if (categoryText !== "") row.category = categoryText;
        if (unitText !== "") row.unit = unitText;
        rows.push(row);
      }
      if (salesQuantity !== null) {
        const dateText = cellText(fields, salesDate);
        const row: SalesRow = {
          kind: "sales",
          location,
          sku: skuText,
          soldUnits: salesQuantity,
          salesDate: dateText !== "" ? normalizeSalesDate(dateText) : (isoDatePart(cellText(fields, observedAt)) ?? ""),
          column: soldUnitsHeader,
        };
        if (nameText !== "") row.name = nameText;
        if (categoryText !== "") row.category = categoryText;
        if (unitText !== "") row.unit = unitText;
        rows.push(row);
      }
      return { rows, problems, untracked: 0 };
    },
  };
}
