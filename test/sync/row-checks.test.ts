import { describe, expect, it } from "vitest";
import { SeenPairs } from "../../src/sync/row-checks.js";

describe("SeenPairs", () => {
  it("tells a repeated pair from a SKU seen at another store and from a new SKU", () => {
    const seen = new SeenPairs();
    expect(seen.add(1, "A")).toBe("new");
    expect(seen.add(2, "A")).toBe("sku");
    expect(seen.add(1, "A")).toBe("pair");
    expect(seen.add(2, "A")).toBe("pair");
    expect(seen.add(2, "B")).toBe("new");
  });

  it("still finds repeats beyond the 31 stores it keeps a bit for, answering new for their first rows", () => {
    const seen = new SeenPairs();
    for (let store = 1; store <= 31; store += 1) seen.add(store, "A");
    // store 32's SKUs are not tracked on their own: its first row of a known SKU may be reported as new, never as seen
    expect(seen.add(32, "A")).toBe("new");
    expect(seen.add(32, "A")).toBe("pair");
    expect(seen.add(31, "A")).toBe("pair");
  });
});
