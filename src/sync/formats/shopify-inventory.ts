import { cellText, indexHeader, joinName, parseQuantity } from "./cell-text.js";
import { MissingColumnError, type CellProblem, type ExportFormat, type StockRow } from "./format-types.js";

// Newest first: the header was renamed over time, and older product CSVs used the last two.
export const SHOPIFY_ON_HAND = ["on hand (current)", "on hand", "inventory quantity", "variant inventory qty"];
const OPTION_VALUES = ["option1 value", "option2 value", "option3 value"];
// Shopify's placeholder option for a product without variants.
const DEFAULT_TITLE = "default title";

/** Shopify inventory export: one record per variant per location, negative on hand kept as sent (oversold). */
export function createShopifyInventoryFormat(header: string[]): ExportFormat {
  const columns = indexHeader(header);
  const sku = columns.find("sku");
  const location = columns.find("location");
  const onHand = columns.find(...SHOPIFY_ON_HAND);
  if (sku < 0) throw new MissingColumnError("shopify-inventory", "SKU");
  if (location < 0) throw new MissingColumnError("shopify-inventory", "Location");
  if (onHand < 0) throw new MissingColumnError("shopify-inventory", "On hand (current)");

  const title = columns.find("title");
  const options = OPTION_VALUES.map((option) => columns.find(option)).filter((index) => index >= 0);
  const skuHeader = columns.names[sku] ?? "SKU";
  const locationHeader = columns.names[location] ?? "Location";
  const onHandHeader = columns.names[onHand] ?? "On hand (current)";

  return {
    name: "shopify-inventory",
    locations: null,
    mapRecord(fields) {
      const quantity = parseQuantity(cellText(fields, onHand));
      if (quantity === null) return { rows: [], problems: [], untracked: 1 };

      const skuText = cellText(fields, sku);
      const locationText = cellText(fields, location);
      if (skuText === "" || locationText === "") {
        const problems: CellProblem[] = [];
        if (skuText === "") problems.push({ column: skuHeader, reason: "SKU is blank" });
        if (locationText === "") problems.push({ column: locationHeader, reason: "Location is blank" });
        return { rows: [], problems, untracked: 0, ...(locationText ? { location: locationText } : {}) };
      }

      const row: StockRow = { kind: "stock", location: locationText, sku: skuText, onHand: quantity, column: onHandHeader };
      const name = joinName(cellText(fields, title), optionLabel(fields, options));
      if (name !== undefined) row.name = name;
      return { rows: [row], problems: [], untracked: 0 };
    },
  };
}

function optionLabel(fields: string[], options: number[]): string {
  let label = "";
  for (const option of options) {
    const value = cellText(fields, option);
    if (value === "" || value.toLowerCase() === DEFAULT_TITLE) continue;
    label = label === "" ? value : `${label} / ${value}`;
  }
  return label;
}
