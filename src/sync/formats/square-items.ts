import { cellText, findPrefixedColumns, indexHeader, isFalseFlag, joinName, parseQuantity } from "./cell-text.js";
import { MissingColumnError, type CellProblem, type ExportFormat, type MappedRow, type StockRow } from "./format-types.js";

export const SQUARE_CURRENT_QUANTITY = "current quantity ";
const STOCK_ALERT_COUNT = "stock alert count ";
const STOCK_ALERT_ENABLED = "stock alert enabled ";

interface LocationColumns {
  location: string;
  header: string;
  quantity: number;
  alertCount: number;
  alertEnabled: number;
}

/** Square item library export: one record per variation, one `Current Quantity <Location>` column per location. */
export function createSquareItemsFormat(header: string[]): ExportFormat {
  const columns = indexHeader(header);
  const sku = columns.find("sku");
  if (sku < 0) throw new MissingColumnError("square-items", "SKU");

  const alertCounts = suffixIndexes(findPrefixedColumns(columns, STOCK_ALERT_COUNT));
  const alertEnabled = suffixIndexes(findPrefixedColumns(columns, STOCK_ALERT_ENABLED));
  const groups: LocationColumns[] = [];
  const seen = new Set<string>();
  for (const { index, suffix } of findPrefixedColumns(columns, SQUARE_CURRENT_QUANTITY)) {
    const key = suffix.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    groups.push({
      location: suffix,
      header: columns.names[index] ?? suffix,
      quantity: index,
      alertCount: alertCounts.get(key) ?? -1,
      alertEnabled: alertEnabled.get(key) ?? -1,
    });
  }
  if (groups.length === 0) throw new MissingColumnError("square-items", "Current Quantity <location>");

  const skuHeader = columns.names[sku] ?? "SKU";
  const itemName = columns.find("item name");
  const variationName = columns.find("variation name");
  const categories = columns.find("categories");
  const reportingCategory = columns.find("reporting category");

  return {
    name: "square-items",
    locations: groups.map((group) => group.location),
    mapRecord(fields) {
      const skuText = cellText(fields, sku);
      const rows: MappedRow[] = [];
      let untracked = 0;
      let name: string | undefined;
      let category = "";
      for (const group of groups) {
        const onHand = parseQuantity(cellText(fields, group.quantity));
        if (onHand === null) {
          untracked++;
          continue;
        }
        if (rows.length === 0) {
          name = variationLabel(cellText(fields, itemName), cellText(fields, variationName));
          category = cellText(fields, categories) || cellText(fields, reportingCategory);
        }
        const row: StockRow = { kind: "stock", location: group.location, sku: skuText, onHand, column: group.header };
        // A count left over from alerts the store switched off is not the store's threshold.
        if (group.alertCount >= 0 && !(group.alertEnabled >= 0 && isFalseFlag(cellText(fields, group.alertEnabled)))) {
          const threshold = parseQuantity(cellText(fields, group.alertCount));
          if (threshold !== null) row.reorderPoint = threshold;
        }
        if (name !== undefined) row.name = name;
        if (category !== "") row.category = category;
        rows.push(row);
      }
      if (rows.length > 0 && skuText === "") {
        const problems: CellProblem[] = [{ column: skuHeader, reason: "SKU is blank" }];
        return { rows: [], problems, untracked };
      }
      return { rows, problems: [], untracked };
    },
  };
}

function suffixIndexes(found: { index: number; suffix: string }[]): Map<string, number> {
  const bySuffix = new Map<string, number>();
  for (const { index, suffix } of found) {
    const key = suffix.toLowerCase();
    if (!bySuffix.has(key)) bySuffix.set(key, index);
  }
  return bySuffix;
}

// Square names the only variation of a simple item "Regular"; repeating it adds nothing.
function variationLabel(item: string, variation: string): string | undefined {
  return joinName(item, variation.toLowerCase() === "regular" ? "" : variation);
}
