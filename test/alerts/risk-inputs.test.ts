import { describe, expect, it } from "vitest";
import { pastPromotionSpans, spanHistory } from "../../src/alerts/risk-inputs.js";

const window = (promotionId: number, startDate: string, endDate: string) => ({ promotionId, startDate, endDate });

describe("pastPromotionSpans", () => {
  it("widens past promotions by the margin, clips them to the range and merges those that meet", () => {
    const spans = pastPromotionSpans(
      [
        window(1, "2026-03-10", "2026-03-12"),
        window(2, "2026-03-14", "2026-03-15"), // its margin meets the first one's
        window(3, "2026-01-02", "2026-01-03"), // starts within the margin of the range's first day
        window(4, "2026-08-20", "2026-09-10"), // runs into the recent history
        window(5, "2026-09-01", "2026-09-05"), // inside the recent history: not past
        window(6, "2025-06-01", "2025-06-05"), // before the range
      ],
      { from: "2026-01-01", before: "2026-08-28", marginDays: 2 },
    );
    expect(spans).toEqual([
      { from: "2026-01-01", to: "2026-01-05" },
      { from: "2026-03-08", to: "2026-03-17" },
      { from: "2026-08-18", to: "2026-08-27" },
    ]);
  });

  it("finds nothing for an item without past promotions", () => {
    expect(pastPromotionSpans([], { from: "2026-01-01", before: "2026-08-28", marginDays: 14 })).toEqual([]);
  });
});

describe("spanHistory", () => {
  it("fills days without a row with zero from the item's first recorded day, marks promoted and out-of-stock days", () => {
    const history = spanHistory(
      [
        { from: "2026-03-01", to: "2026-03-05" },
        { from: "2026-04-01", to: "2026-04-02" }, // no rows, but the item sold here before: it sold nothing
      ],
      [
        { date: "2026-03-02", units: 4, stockout: false },
        { date: "2026-03-04", units: -1, stockout: true },
      ],
      { firstRecorded: "2026-03-02", promotions: [window(1, "2026-03-03", "2026-03-04")], outOfStockFrom: "2026-04-02" },
    );
    expect(history).toEqual([
      // 2026-03-01 is before the item's first sale here: left out, not zero
      { date: "2026-03-02", units: 4, stockout: false, promoted: false },
      { date: "2026-03-03", units: 0, stockout: false, promoted: true },
      { date: "2026-03-04", units: 0, stockout: true, promoted: true },
      { date: "2026-03-05", units: 0, stockout: false, promoted: false },
      { date: "2026-04-01", units: 0, stockout: false, promoted: false },
      { date: "2026-04-02", units: 0, stockout: true, promoted: false },
    ]);
  });

  it("keeps the zero days at the start of a span when the item sold here earlier, and gives nothing for an item never sold here", () => {
    const spans = [{ from: "2026-05-01", to: "2026-05-03" }];
    const rows = [{ date: "2026-05-03", units: 2, stockout: false }];
    const promotions = [window(1, "2026-05-03", "2026-05-03")];
    expect(spanHistory(spans, rows, { firstRecorded: "2026-01-15", promotions }).map((d) => d.units)).toEqual([0, 0, 2]);
    expect(spanHistory(spans, [], { firstRecorded: null, promotions })).toEqual([]);
  });
});
