import { cellText, findPrefixedColumns, indexHeader, isFalseFlag, parseQuantity } from "./cell-text.js";
import { MissingColumnError, type CellProblem, type ExportFormat, type MappedRow, type StockRow } from "./format-types.js";

// Prefix match from the start of the header, so outlet_tax_<Outlet> and restock_level_<Outlet> never match.
export const LIGHTSPEED_INVENTORY = "inventory_";
const REORDER_POINT = "reorder_point_";

interface OutletColumns {
  outlet: string;
  header: string;
  inventory: number;
  reorderPoint: number;
}

/** Lightspeed Retail X-Series product export: one `inventory_<Outlet>` column per outlet, spaces in names written as `_`. */
export function createLightspeedXFormat(header: string[]): ExportFormat {
  const columns = indexHeader(header);
  const sku = columns.find("sku");
  if (sku < 0) throw new MissingColumnError("lightspeed-x", "sku");

  const reorderPoints = new Map<string, number>();
  for (const { index, suffix } of findPrefixedColumns(columns, REORDER_POINT)) {
    const key = suffix.toLowerCase();
    if (!reorderPoints.has(key)) reorderPoints.set(key, index);
  }
  const outlets: OutletColumns[] = [];
  const seen = new Set<string>();
  for (const { index, suffix } of findPrefixedColumns(columns, LIGHTSPEED_INVENTORY)) {
    const key = suffix.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    outlets.push({ outlet: suffix, header: columns.names[index] ?? suffix, inventory: index, reorderPoint: reorderPoints.get(key) ?? -1 });
  }
  if (outlets.length === 0) throw new MissingColumnError("lightspeed-x", "inventory_<outlet>");

  const skuHeader = columns.names[sku] ?? "sku";
  const name = columns.find("name");
  const trackInventory = columns.find("track_inventory");

  return {
    name: "lightspeed-x",
    locations: outlets.map((outlet) => outlet.outlet),
    mapRecord(fields) {
      // track_inventory 0 switches stock off for every outlet, whatever the cells still say.
      if (trackInventory >= 0 && isFalseFlag(cellText(fields, trackInventory))) {
        return { rows: [], problems: [], untracked: outlets.length };
      }
      const skuText = cellText(fields, sku);
      const rows: MappedRow[] = [];
      let untracked = 0;
      let nameText = "";
      for (const outlet of outlets) {
        const onHand = parseQuantity(cellText(fields, outlet.inventory));
        if (onHand === null) {
          untracked++;
          continue;
        }
        if (rows.length === 0) nameText = cellText(fields, name);
        const row: StockRow = { kind: "stock", location: outlet.outlet, sku: skuText, onHand, column: outlet.header };
        const threshold = parseQuantity(cellText(fields, outlet.reorderPoint));
        if (threshold !== null) row.reorderPoint = threshold;
        if (nameText !== "") row.name = nameText;
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
