import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { normalizeSalesDate, parseQuantity } from "../../src/sync/formats/cell-text.js";
import { createFormat, detectFormat, FORMAT_NAMES } from "../../src/sync/formats/detect-format.js";
import { MissingColumnError, type FormatName, type MappedRecord } from "../../src/sync/formats/format-types.js";

// Parses a sample export the way the importer receives it: header cells and records as strings, BOM left in place.
function readExport(text: string, delimiter = ","): { header: string[]; records: string[][] } {
  const [header, ...records] = parse(text, { delimiter, relax_column_count: true }) as string[][];
  if (header === undefined) throw new Error("sample export has no header");
  return { header, records };
}

function mapExport(name: FormatName, text: string, delimiter = ","): MappedRecord[] {
  const { header, records } = readExport(text, delimiter);
  const format = createFormat(name, header);
  return records.map((record) => format.mapRecord(record));
}

function missingColumn(name: FormatName, header: string[]): string | undefined {
  try {
    createFormat(name, header);
  } catch (error) {
    if (error instanceof MissingColumnError) return error.column;
    throw error;
  }
  return undefined;
}

const GENERIC = `store,sku,on_hand,observed_at,sold_units,sales_date,name,category,reorder_point,notes
S12,000123,14,2026-11-03T08:00:00Z,3,,Oat Milk 1L,Dairy,6,restocked Monday
S12,000124,,2026-11-03T08:00:00Z,2,11/2/2026,Rye Bread,Bakery,,
S12,000125,not stocked,,,,,,,
Mt Auburn,000126,2.5,,,,,,,
Mt Auburn,000127,abc,,-1,2026-11-02,,,,
Mt Auburn,,5,,,,,,,
`;

const SQUARE_ITEMS = `Token,Item Name,Variation Name,SKU,Description,Categories,Reporting Category,GTIN,Price,Archived,Sellable,Stockable,Option Name 1,Option Value 1,Default Unit Cost,Default Vendor Name,Reference Handle,Enabled Main Street,Current Quantity Main Street,New Quantity Main Street,Stock Alert Enabled Main Street,Stock Alert Count Main Street,Price Main Street,Enabled Mt Auburn,Current Quantity Mt Auburn,New Quantity Mt Auburn,Stock Alert Enabled Mt Auburn,Stock Alert Count Mt Auburn,Price Mt Auburn
QWERTY1,Oat Milk 1L,Regular,000123,,Dairy,Dairy,0850000123,$4.50,N,Y,Y,,,$2.10,Oatly,#oat-milk,Y,12,,Y,5,$4.50,Y,-2,,N,3,$4.50
QWERTY2,Cold Brew,Large,000456,,,Coffee,,$6.50,N,Y,Y,Size,Large,,,#cold-brew,Y,"1,234",,Y,,$6.50,Y,,,,,$6.50
QWERTY3,Gift Card,Regular,,,,,,,N,Y,N,,,,,#gift-card,Y,,,,,,Y,,,,,
QWERTY4,Scone,Regular,,,Bakery,,,$3.25,N,Y,Y,,,,,#scone,Y,3,,,,$3.25,Y,,,,,$3.25
QWERTY5,Coffee Beans,Per Pound,000789,,Coffee,,,$14.00,N,Y,Y,,,,,#beans,Y,2.5,,,,$14.00,Y,abc,,,,$14.00
`;

const SHOPIFY = `Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)
oat-milk,Oat Milk 1L,Title,Default Title,,,,,000123,,,Main Street,A1,0,0,1,13,14,
logo-tee,Logo Tee,Size,M,Color,Black,,,TEE-M-BLK,,,Main Street,,0,0,0,-398,-398,
logo-tee,Logo Tee,Size,M,Color,Black,,,TEE-M-BLK,,,Mt Auburn,,not stocked,not stocked,not stocked,not stocked,not stocked,
logo-tee,Logo Tee,Size,L,Color,Black,,,,,,Main Street,,0,0,0,4,4,
candle,Candle,Scent,Fig,,,,,CAN-FIG,,,Mt Auburn,,0,0,0,2.5,2.5,
candle,Candle,Scent,Pine,,,,,CAN-PINE,,,Mt Auburn,,0,0,0,abc,abc,
`;

const LIGHTSPEED = `id,handle,sku,name,type,variant_option_one_name,variant_option_one_value,tags,supply_price,retail_price,brand_name,supplier_name,active,track_inventory,outlet_tax_Main_Street,inventory_Main_Street,reorder_point_Main_Street,restock_level_Main_Street,outlet_tax_Mt_Auburn,inventory_Mt_Auburn,reorder_point_Mt_Auburn,restock_level_Mt_Auburn\r
0a1b,oat-milk,000123,Oat Milk 1L,Dairy,,,dairy,2.10,4.50,Oatly,Oatly,1,1,Default Tax,7,4,20,Default Tax,-1,,20\r
0a1c,gift-card,GIFT,Gift Card,,,,,0,25.00,,,1,0,No Tax,0,,,No Tax,0,,\r
0a1d,beans,000789,Coffee Beans,Coffee,Weight,1 lb,,7.00,14.00,,,1,,Default Tax,,,,Default Tax,2.5,1,\r
0a1e,mug,MUG-01,Mug,,,,,3.00,12.00,,,1,1,Default Tax,abc,,,Default Tax,,,\r
`;

const BOM = "\uFEFF";
const SQUARE_SALES = [
  `${BOM}Date\tTime\tTime Zone\tCategory\tItem\tQty\tPrice Point Name\tSKU\tModifiers Applied\tGross Sales\tDiscounts\tNet Sales\tTax\tTransaction ID\tPayment ID\tDevice Name\tNotes\tDetails\tEvent Type\tLocation\tDining Option\tCustomer ID\tCustomer Name\tCustomer Reference ID\tUnit\tCount\tItemization Type`,
  "11/3/2026\t08:14:05\tEastern Time (US & Canada)\tDairy\tOat Milk 1L\t2\tRegular\t000123\t\t$9.00\t$0.00\t$9.00\t$0.00\tTX1\tP1\tCounter\t\t\tPayment\tMain Street\t\t\t\t\t\t\tPhysical Item",
  "2026-11-03\t09:02:11\tEastern Time (US & Canada)\tCoffee\tCold Brew\t-1\tLarge\t000456\t\t-$6.50\t$0.00\t-$6.50\t$0.00\tTX2\tP2\tCounter\t\t\tRefund\tMt Auburn\t\t\t\t\t\t\tPhysical Item",
  "11/03/2026\t09:30:00\tEastern Time (US & Canada)\tCoffee\tCoffee Beans\t2.5\tPer Pound\t000789\t\t$35.00\t$0.00\t$35.00\t$0.00\tTX3\tP3\tCounter\t\t\tPayment\tMain Street\t\t\t\t\t\t\tPhysical Item",
  "Nov 3, 2026\t10:00:00\tEastern Time (US & Canada)\tDairy\tOat Milk 1L\tabc\tRegular\t000123\t\t$4.50\t$0.00\t$4.50\t$0.00\tTX4\tP4\tCounter\t\t\tPayment\tMain Street\t\t\t\t\t\t\tPhysical Item",
  "11/3/2026\t10:05:00\tEastern Time (US & Canada)\t\tCustom Amount\t1\t\t\t\t$2.66\t$0.00\t$2.66\t$0.00\tTX5\tP5\tCounter\t\t\tPayment\tMain Street\t\t\t\t\t\t\tCustom Amount",
  "",
].join("\n");

describe("detectFormat", () => {
  it.each([
    ["generic", GENERIC, ","],
    ["square-items", SQUARE_ITEMS, ","],
    ["shopify-inventory", SHOPIFY, ","],
    ["lightspeed-x", LIGHTSPEED, ","],
    ["square-sales", SQUARE_SALES, "\t"],
  ] as const)("recognises a %s export from its header", (name, text, delimiter) => {
    expect(detectFormat(readExport(text, delimiter).header)).toBe(name);
  });

  it("recognises the generic format with camelCase columns and any case", () => {
    expect(detectFormat(["Store", "SKU", "onHand", "observedAt"])).toBe("generic");
    expect(detectFormat(["store", "sku", "soldUnits", "salesDate"])).toBe("generic");
  });

  it("recognises a Shopify inventory export with an older on-hand header", () => {
    expect(detectFormat(["Handle", "Title", "SKU", "Location", "Inventory quantity"])).toBe("shopify-inventory");
  });

  it("returns null for layouts it does not know", () => {
    expect(detectFormat(["System ID", "UPC", "EAN", "Custom SKU", "Manufact. SKU", "Item", "Vendor ID", "Qty.", "Price"])).toBeNull();
    expect(detectFormat(["Handle", "Title", "SKU", "Variant Inventory Qty", "Variant Price"])).toBeNull();
    expect(detectFormat(["store", "sku", "price"])).toBeNull();
    expect(detectFormat([])).toBeNull();
  });

  it("offers every format by name", () => {
    expect(FORMAT_NAMES).toEqual(["generic", "square-items", "shopify-inventory", "lightspeed-x", "square-sales"]);
  });
});

describe("createFormat", () => {
  it("names the first missing required column", () => {
    expect(missingColumn("generic", ["sku", "on_hand"])).toBe("store");
    expect(missingColumn("generic", ["store", "sku", "observed_at"])).toBe("on_hand");
    expect(missingColumn("square-items", ["Item Name", "SKU", "Price", "New Quantity Main Street"])).toBe("Current Quantity <location>");
    expect(missingColumn("square-items", ["Item Name", "Current Quantity Main Street"])).toBe("SKU");
    expect(missingColumn("shopify-inventory", ["Handle", "Title", "SKU", "Variant Inventory Qty"])).toBe("Location");
    expect(missingColumn("shopify-inventory", ["Handle", "SKU", "Location", "On hand (new)"])).toBe("On hand (current)");
    expect(missingColumn("lightspeed-x", ["sku", "name", "outlet_tax_Main_Street", "restock_level_Main_Street"])).toBe("inventory_<outlet>");
    expect(missingColumn("square-sales", ["Date", "Time", "Qty", "SKU", "Item"])).toBe("Location");
  });

  it("explains the missing column in its message", () => {
    expect(() => createFormat("square-sales", ["Date", "SKU", "Location"])).toThrow('the square-sales format needs a "Qty" column');
  });

  it("lists locations named in location-as-column headers", () => {
    expect(createFormat("square-items", readExport(SQUARE_ITEMS).header).locations).toEqual(["Main Street", "Mt Auburn"]);
    expect(createFormat("lightspeed-x", readExport(LIGHTSPEED).header).locations).toEqual(["Main_Street", "Mt_Auburn"]);
    expect(createFormat("shopify-inventory", readExport(SHOPIFY).header).locations).toBeNull();
    expect(createFormat("generic", readExport(GENERIC).header).locations).toBeNull();
    expect(createFormat("square-sales", readExport(SQUARE_SALES, "\t").header).locations).toBeNull();
  });
});

describe("generic format", () => {
  it("maps stock and sales rows, keeping SKUs and odd quantities as written", () => {
    expect(mapExport("generic", GENERIC)).toStrictEqual([
      {
        rows: [
          { kind: "stock", location: "S12", sku: "000123", onHand: 14, observedAt: "2026-11-03T08:00:00Z", reorderPoint: 6, name: "Oat Milk 1L", category: "Dairy", column: "on_hand" },
          { kind: "sales", location: "S12", sku: "000123", soldUnits: 3, salesDate: "2026-11-03", name: "Oat Milk 1L", category: "Dairy", column: "sold_units" },
        ],
        problems: [],
        untracked: 0,
      },
      {
        rows: [{ kind: "sales", location: "S12", sku: "000124", soldUnits: 2, salesDate: "2026-11-02", name: "Rye Bread", category: "Bakery", column: "sold_units" }],
        problems: [],
        untracked: 0,
      },
      { rows: [], problems: [], untracked: 1 },
      { rows: [{ kind: "stock", location: "Mt Auburn", sku: "000126", onHand: 2.5, column: "on_hand" }], problems: [], untracked: 0 },
      {
        rows: [
          { kind: "stock", location: "Mt Auburn", sku: "000127", onHand: "abc", column: "on_hand" },
          { kind: "sales", location: "Mt Auburn", sku: "000127", soldUnits: -1, salesDate: "2026-11-02", column: "sold_units" },
        ],
        problems: [],
        untracked: 0,
      },
      { rows: [], problems: [{ column: "sku", reason: "SKU is blank" }], untracked: 0, location: "Mt Auburn" },
    ]);
  });

  it("accepts camelCase columns and a BOM, and leaves the sales date blank without an ISO time", () => {
    const records = mapExport("generic", `${BOM}Store,SKU,onHand,observedAt,soldUnits,salesDate\nS12,000123,4,yesterday,1,\n`);
    expect(records).toStrictEqual([
      {
        rows: [
          { kind: "stock", location: "S12", sku: "000123", onHand: 4, observedAt: "yesterday", column: "onHand" },
          { kind: "sales", location: "S12", sku: "000123", soldUnits: 1, salesDate: "", column: "soldUnits" },
        ],
        problems: [],
        untracked: 0,
      },
    ]);
  });
});

describe("square-items format", () => {
  it("maps one stock row per tracked location with the store's own alert count", () => {
    expect(mapExport("square-items", SQUARE_ITEMS)).toStrictEqual([
      {
        rows: [
          { kind: "stock", location: "Main Street", sku: "000123", onHand: 12, reorderPoint: 5, name: "Oat Milk 1L", category: "Dairy", column: "Current Quantity Main Street" },
          // Stock alerts are switched off at Mt Auburn, so its count is not a threshold.
          { kind: "stock", location: "Mt Auburn", sku: "000123", onHand: -2, name: "Oat Milk 1L", category: "Dairy", column: "Current Quantity Mt Auburn" },
        ],
        problems: [],
        untracked: 0,
      },
      {
        rows: [{ kind: "stock", location: "Main Street", sku: "000456", onHand: 1234, name: "Cold Brew - Large", category: "Coffee", column: "Current Quantity Main Street" }],
        problems: [],
        untracked: 1,
      },
      // An untracked item without a SKU (a gift card) is not worth a problem: nothing would be imported.
      { rows: [], problems: [], untracked: 2 },
      { rows: [], problems: [{ column: "SKU", reason: "SKU is blank" }], untracked: 1 },
      {
        rows: [
          { kind: "stock", location: "Main Street", sku: "000789", onHand: 2.5, name: "Coffee Beans - Per Pound", category: "Coffee", column: "Current Quantity Main Street" },
          { kind: "stock", location: "Mt Auburn", sku: "000789", onHand: "abc", name: "Coffee Beans - Per Pound", category: "Coffee", column: "Current Quantity Mt Auburn" },
        ],
        problems: [],
        untracked: 0,
      },
    ]);
  });
});

describe("shopify-inventory format", () => {
  it("maps a row per variant per location, keeping oversold negatives", () => {
    expect(mapExport("shopify-inventory", SHOPIFY)).toStrictEqual([
      { rows: [{ kind: "stock", location: "Main Street", sku: "000123", onHand: 14, name: "Oat Milk 1L", column: "On hand (current)" }], problems: [], untracked: 0 },
      { rows: [{ kind: "stock", location: "Main Street", sku: "TEE-M-BLK", onHand: -398, name: "Logo Tee - M / Black", column: "On hand (current)" }], problems: [], untracked: 0 },
      { rows: [], problems: [], untracked: 1 },
      { rows: [], problems: [{ column: "SKU", reason: "SKU is blank" }], untracked: 0, location: "Main Street" },
      { rows: [{ kind: "stock", location: "Mt Auburn", sku: "CAN-FIG", onHand: 2.5, name: "Candle - Fig", column: "On hand (current)" }], problems: [], untracked: 0 },
      { rows: [{ kind: "stock", location: "Mt Auburn", sku: "CAN-PINE", onHand: "abc", name: "Candle - Pine", column: "On hand (current)" }], problems: [], untracked: 0 },
    ]);
  });

  it("reads the older quantity header when the file has a Location column", () => {
    const records = mapExport("shopify-inventory", "Handle,Title,SKU,Location,Variant Inventory Qty\noat-milk,Oat Milk 1L,000123,Main Street,9\n");
    expect(records).toStrictEqual([
      { rows: [{ kind: "stock", location: "Main Street", sku: "000123", onHand: 9, name: "Oat Milk 1L", column: "Variant Inventory Qty" }], problems: [], untracked: 0 },
    ]);
  });
});

describe("lightspeed-x format", () => {
  it("maps outlet columns, skipping records that do not track inventory", () => {
    expect(mapExport("lightspeed-x", LIGHTSPEED)).toStrictEqual([
      {
        rows: [
          { kind: "stock", location: "Main_Street", sku: "000123", onHand: 7, reorderPoint: 4, name: "Oat Milk 1L", column: "inventory_Main_Street" },
          { kind: "stock", location: "Mt_Auburn", sku: "000123", onHand: -1, name: "Oat Milk 1L", column: "inventory_Mt_Auburn" },
        ],
        problems: [],
        untracked: 0,
      },
      { rows: [], problems: [], untracked: 2 },
      {
        rows: [{ kind: "stock", location: "Mt_Auburn", sku: "000789", onHand: 2.5, reorderPoint: 1, name: "Coffee Beans", column: "inventory_Mt_Auburn" }],
        problems: [],
        untracked: 1,
      },
      { rows: [{ kind: "stock", location: "Main_Street", sku: "MUG-01", onHand: "abc", name: "Mug", column: "inventory_Main_Street" }], problems: [], untracked: 1 },
    ]);
  });
});

describe("square-sales format", () => {
  it("maps one sales line per record from a tab-separated export with a BOM", () => {
    expect(mapExport("square-sales", SQUARE_SALES, "\t")).toStrictEqual([
      { rows: [{ kind: "sales", location: "Main Street", sku: "000123", soldUnits: 2, salesDate: "2026-11-03", name: "Oat Milk 1L", category: "Dairy", column: "Qty" }], problems: [], untracked: 0 },
      { rows: [{ kind: "sales", location: "Mt Auburn", sku: "000456", soldUnits: -1, salesDate: "2026-11-03", name: "Cold Brew", category: "Coffee", column: "Qty" }], problems: [], untracked: 0 },
      { rows: [{ kind: "sales", location: "Main Street", sku: "000789", soldUnits: 2.5, salesDate: "2026-11-03", name: "Coffee Beans", category: "Coffee", column: "Qty" }], problems: [], untracked: 0 },
      { rows: [{ kind: "sales", location: "Main Street", sku: "000123", soldUnits: "abc", salesDate: "Nov 3, 2026", name: "Oat Milk 1L", category: "Dairy", column: "Qty" }], problems: [], untracked: 0 },
      { rows: [], problems: [{ column: "SKU", reason: "SKU is blank" }], untracked: 0, location: "Main Street" },
    ]);
  });

  it("makes an unsigned refund quantity negative", () => {
    const records = mapExport("square-sales", "Date,Item,Qty,SKU,Event Type,Location\n2026-11-03,Cold Brew,1,000456,Refund,Mt Auburn\n");
    expect(records[0]?.rows).toStrictEqual([{ kind: "sales", location: "Mt Auburn", sku: "000456", soldUnits: -1, salesDate: "2026-11-03", name: "Cold Brew", column: "Qty" }]);
  });
});

describe("cell text", () => {
  it("turns quantity text into numbers and keeps everything else", () => {
    expect(parseQuantity("  12 ")).toBe(12);
    expect(parseQuantity("-398")).toBe(-398);
    expect(parseQuantity("1,234")).toBe(1234);
    expect(parseQuantity("-1,234.5")).toBe(-1234.5);
    expect(parseQuantity("-0")).toBe(0);
    expect(parseQuantity("")).toBeNull();
    expect(parseQuantity("Not Stocked")).toBeNull();
    expect(parseQuantity("1,23")).toBe("1,23");
    expect(parseQuantity("12 units")).toBe("12 units");
  });

  it("normalises ISO and US dates and leaves the rest alone", () => {
    expect(normalizeSalesDate("2026-11-03")).toBe("2026-11-03");
    expect(normalizeSalesDate("1/2/2026")).toBe("2026-01-02");
    expect(normalizeSalesDate("12/31/2026")).toBe("2026-12-31");
    expect(normalizeSalesDate("13/01/2026")).toBe("13/01/2026");
    expect(normalizeSalesDate("3.11.2026")).toBe("3.11.2026");
  });
});
