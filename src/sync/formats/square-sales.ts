import { cellText, indexHeader, normalizeSalesDate, parseQuantity } from "./cell-text.js";
import { MissingColumnError, type CellProblem, type ExportFormat, type SalesRow } from "./format-types.js";

/** Square item sales detail export: one sales line per record, refunds as negative quantities. */
export function createSquareSalesFormat(header: string[]): ExportFormat {
  const columns = indexHeader(header);
  const date = columns.find("date");
  const qty = columns.find("qty");
  const sku = columns.find("sku");
  const location = columns.find("location");
  if (date < 0) throw new MissingColumnError("square-sales", "Date");
  if (qty < 0) throw new MissingColumnError("square-sales", "Qty");
  if (sku < 0) throw new MissingColumnError("square-sales", "SKU");
  if (location < 0) throw new MissingColumnError("square-sales", "Location");

  const item = columns.find("item");
  const category = columns.find("category");
  const eventType = columns.find("event type");
  // blank for items sold by the piece; the measure (lb, kg, ...) for items sold by weight
  const unit = columns.find("unit");
  const qtyHeader = columns.names[qty] ?? "Qty";
  const skuHeader = columns.names[sku] ?? "SKU";
  const locationHeader = columns.names[location] ?? "Location";

  return {
    name: "square-sales",
    locations: null,
    mapRecord(fields) {
      let soldUnits = parseQuantity(cellText(fields, qty));
      if (soldUnits === null) return { rows: [], problems: [], untracked: 1 };
      // Refund lines carry a negative Qty; should a copy show it unsigned, the event type still makes it a return.
      if (typeof soldUnits === "number" && soldUnits > 0 && cellText(fields, eventType).toLowerCase() === "refund") {
        soldUnits = -soldUnits;
      }

      const skuText = cellText(fields, sku);
      const locationText = cellText(fields, location);
      if (skuText === "" || locationText === "") {
        const problems: CellProblem[] = [];
        if (skuText === "") problems.push({ column: skuHeader, reason: "SKU is blank" });
        if (locationText === "") problems.push({ column: locationHeader, reason: "Location is blank" });
        return { rows: [], problems, untracked: 0, ...(locationText ? { location: locationText } : {}) };
      }

      const row: SalesRow = {
        kind: "sales",
        location: locationText,
        sku: skuText,
        soldUnits,
        salesDate: normalizeSalesDate(cellText(fields, date)),
        column: qtyHeader,
      };
      const itemText = cellText(fields, item);
      if (itemText !== "") row.name = itemText;
      const categoryText = cellText(fields, category);
      if (categoryText !== "") row.category = categoryText;
      const unitText = cellText(fields, unit);
      if (unitText !== "") row.unit = unitText;
      return { rows: [row], problems: [], untracked: 0 };
    },
  };
}
