import { findPrefixedColumns, indexHeader } from "./cell-text.js";
import type { ExportFormat, FormatName } from "./format-types.js";
import { createGenericFormat, GENERIC_ON_HAND, GENERIC_SKU, GENERIC_SOLD_UNITS, GENERIC_STORE } from "./generic.js";
import { createLightspeedXFormat, LIGHTSPEED_INVENTORY } from "./lightspeed-x.js";
import { createShopifyInventoryFormat, SHOPIFY_ON_HAND } from "./shopify-inventory.js";
import { createSquareItemsFormat, SQUARE_CURRENT_QUANTITY } from "./square-items.js";
import { createSquareSalesFormat } from "./square-sales.js";

export { FORMAT_NAMES } from "./format-types.js";

/**
 * The export layout a header belongs to, or null. Row-per-location layouts are tested first on exact
 * column names; the prefix patterns of location-as-column layouts come last because they are the loosest.
 */
export function detectFormat(header: string[]): FormatName | null {
  const columns = indexHeader(header);
  const has = (...aliases: string[]) => columns.find(...aliases) >= 0;

  if (has("location") && has("qty") && has("date")) return "square-sales";
  if (has("location") && has(...SHOPIFY_ON_HAND) && has("handle", "sku")) return "shopify-inventory";
  // "store" rather than "location" is what tells the generic format apart, since matching ignores case.
  if (has(...GENERIC_STORE) && has(...GENERIC_SKU) && has(...GENERIC_ON_HAND, ...GENERIC_SOLD_UNITS)) return "generic";
  if (findPrefixedColumns(columns, SQUARE_CURRENT_QUANTITY).length > 0) return "square-items";
  if (findPrefixedColumns(columns, LIGHTSPEED_INVENTORY).length > 0) return "lightspeed-x";
  return null;
}

/** The preset for `name`, with column indexes resolved from `header`; throws MissingColumnError for the first required column absent. */
export function createFormat(name: FormatName, header: string[]): ExportFormat {
  switch (name) {
    case "generic":
      return createGenericFormat(header);
    case "square-items":
      return createSquareItemsFormat(header);
    case "shopify-inventory":
      return createShopifyInventoryFormat(header);
    case "lightspeed-x":
      return createLightspeedXFormat(header);
    case "square-sales":
      return createSquareSalesFormat(header);
  }
}
