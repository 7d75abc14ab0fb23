import { describe, expect, it } from "vitest";
import { CHART, chartGeometry, chartSummary, niceMax, StockChart, type StockChartInput } from "../../src/dashboard/stock-chart.js";
import { addDays } from "../../src/forecast/calendar.js";

const today = "2026-11-20";

function input(overrides: Partial<StockChartInput> = {}): StockChartInput {
  const history = Array.from({ length: 28 }, (_, i) => ({ date: addDays(today, i - 28), units: i === 27 ? 0 : 10, stockout: i === 27, promoted: false }));
  const forecast = Array.from({ length: 14 }, (_, i) => ({ date: addDays(today, i), promoted: i < 7, mean: i < 7 ? 20 : 10, low: i < 7 ? 14 : 6, high: i < 7 ? 27 : 15 }));
  return {
    today,
    history,
    forecast,
    onHand: 120,
    projectedStock: forecast.map((d, i) => ({ date: d.date, expected: Math.max(0, 120 - 20 * (i + 1)) })),
    promotions: [{ name: "Week 47 <flyer>", startDate: "2026-11-20", endDate: "2026-11-26" }],
    deliveries: [{ date: "2026-11-28", quantity: 60 }],
    projectedStockoutDate: "2026-11-25",
    ...overrides,
  };
}

describe("the item chart", () => {
  it("rounds axis maxima up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 0.3, 1, 7, 12, 27, 51, 120, 999].map(niceMax)).toEqual([1, 0.5, 1, 10, 20, 50, 100, 200, 1000]);
  });

  it("spans history and forecast on one date axis, with today, the band, the stock line and the markers in place", () => {
    const g = chartGeometry(input());
    expect(g.from).toBe("2026-10-23");
    expect(g.to).toBe("2026-12-03");
    expect(g.salesMax).toBe(50);
    expect(g.stockMax).toBe(200);
    expect(g.bars).toHaveLength(28);
    // bars sit on the sales baseline; a day of 10 units is a fifth of the 50-unit axis
    const bottom = CHART.salesTop + CHART.salesHeight;
    const ten = g.bars[0]!;
    expect(ten.y + ten.height).toBeCloseTo(bottom, 0);
    expect(ten.height).toBeCloseTo(CHART.salesHeight / 5, 0);
    expect(g.bars.at(-1)!.stockout).toBe(true);
    // the band has an upper and a lower edge per forecast day
    expect(g.band.split(" ")).toHaveLength(28);
    expect(g.mean.split(" ")).toHaveLength(14);
    // the stock line starts at today's on hand and has a point per forecast day
    expect(g.stock.split(" ")).toHaveLength(15);
    // today, the promotion, the stockout and the delivery are left to right in date order
    expect(g.promotions[0]!.x).toBeCloseTo(g.todayX, 5);
    expect(g.stockout!.x).toBeGreaterThan(g.todayX);
    expect(g.deliveries[0]!.x).toBeGreaterThan(g.stockout!.x);
    expect(g.promotions[0]!.width).toBeCloseTo((7 * (CHART.width - CHART.left - CHART.right)) / 42, 0);
    expect(g.bars.every((b) => b.x >= CHART.left && b.x + b.width <= CHART.width - CHART.right)).toBe(true);
  });

  it("leaves out a promotion or delivery outside the period and clips one that overlaps its edge", () => {
    const g = chartGeometry(
      input({
        promotions: [
          { name: "old", startDate: "2026-01-01", endDate: "2026-01-07" },
          { name: "overlap", startDate: "2026-10-01", endDate: "2026-10-25" },
        ],
        deliveries: [{ date: "2027-01-10", quantity: 5 }],
        projectedStockoutDate: null,
      }),
    );
    expect(g.promotions.map((p) => p.name)).toEqual(["overlap"]);
    expect(g.promotions[0]!.x).toBe(CHART.left);
    expect(g.deliveries).toEqual([]);
    expect(g.stockout).toBeNull();
  });

  it("draws an accessible SVG with a title and a summary, escaping names", () => {
    const svg = String(StockChart({ input: input(), title: "Tomatoes <1 kg> at Store 12" }));
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain('role="img"');
    expect(svg).toContain("<title id=\"chart-title\">Tomatoes &lt;1 kg&gt; at Store 12</title>");
    expect(svg).toContain("Week 47 &lt;flyer&gt;");
    expect(svg).not.toContain("<flyer>");
    expect(svg.match(/class="bar( stockout)?"/g)).toHaveLength(28);
    expect(svg).toContain('class="band"');
    expect(svg).toContain('class="stockout-marker"');
    expect(svg).toContain("+60");
    expect(chartSummary(input())).toBe(
      "270 units sold in the last 28 days; 210 expected in the next 14; 120 on hand now; projected to run out on 25 Nov; promotion Week 47 <flyer> from 20 Nov to 26 Nov; delivery of 60 expected on 28 Nov.",
    );
  });
});
