import { describe, expect, it } from "vitest";
import { dayNumber, weekdayOfDayNumber } from "../../src/backtest/calendar-days.js";
import { generateDemoData, renderItemsCsv, renderPromotionsCsv, renderSalesCsv, renderTruthCsv, type GeneratedData } from "../../src/backtest/generate-data.js";
import { createRandom, negativeBinomial } from "../../src/backtest/random.js";

const options = { stores: 3, items: 60, days: 365, seed: 7, start: "2025-01-01" };
const data = generateDemoData(options);

function salesText(generated: GeneratedData): string {
  return [...renderSalesCsv(generated)].join("");
}

describe("generateDemoData", () => {
  it("gives the same files for the same seed and different ones for another", () => {
    const again = generateDemoData(options);
    expect(salesText(again)).toBe(salesText(data));
    expect(renderPromotionsCsv(again)).toBe(renderPromotionsCsv(data));
    expect(renderItemsCsv(again)).toBe(renderItemsCsv(data));
    expect(salesText(generateDemoData({ ...options, seed: 8 }))).not.toBe(salesText(data));
  });

  it("writes one row per store, item and day with the promised columns", () => {
    const lines = salesText(data).trimEnd().split("\n");
    expect(lines[0]).toBe("date,store,sku,units,advertised");
    expect(lines).toHaveLength(1 + options.stores * options.items * options.days);
    expect(lines[1]).toMatch(/^2025-01-01,S01,100001,\d+,[01]$/);
    expect(renderPromotionsCsv(data).split("\n")[0]).toBe("promotion_id,name,sku,store,start_date,end_date,uplift");
    expect(renderItemsCsv(data).split("\n")[0]).toBe("sku,name,category");
    expect(new Set(data.items.map((i) => i.category)).size).toBeGreaterThanOrEqual(6);
  });

  it("has a weekend peak", () => {
    const byWeekday = new Float64Array(7);
    const first = dayNumber(options.start);
    for (const series of data.series) {
      for (let d = 0; d < options.days; d++) if (series.advertised[d] === 0) byWeekday[weekdayOfDayNumber(first + d)]! += series.units[d]!;
    }
    const weekend = (byWeekday[0]! + byWeekday[6]!) / 2;
    const midweek = (byWeekday[1]! + byWeekday[2]! + byWeekday[3]!) / 3;
    expect(weekend / midweek).toBeGreaterThan(1.25);
  });

  it("makes a share of items slow, intermittent movers with many zero days", () => {
    const zeroShare = data.series.map((s) => s.units.filter((u) => u === 0).length / s.units.length);
    const mostlyZero = zeroShare.filter((share) => share > 0.5).length / zeroShare.length;
    expect(mostlyZero).toBeGreaterThan(0.1);
    expect(mostlyZero).toBeLessThan(0.45);
    // and regular sellers that rarely sell nothing
    expect(zeroShare.filter((share) => share < 0.1).length / zeroShare.length).toBeGreaterThan(0.3);
    // base levels spread log-normally over two orders of magnitude
    const levels = data.items.map((i) => i.baseLevel).sort((a, b) => a - b);
    expect(levels.at(-1)! / levels[0]!).toBeGreaterThan(50);
  });

  it("runs a few promotions per item per year, 3 to 10 days, uplift ×1.5 to ×4, some at every store", () => {
    const { promotions } = data;
    expect(promotions.length / options.items).toBeGreaterThan(1);
    expect(promotions.length / options.items).toBeLessThan(6);
    for (const p of promotions) {
      const days = dayNumber(p.endDate) - dayNumber(p.startDate) + 1;
      expect(days).toBeGreaterThanOrEqual(3);
      expect(days).toBeLessThanOrEqual(10);
      expect(p.uplift).toBeGreaterThanOrEqual(1.5);
      expect(p.uplift).toBeLessThanOrEqual(4);
    }
    const everyStore = promotions.filter((p) => p.store === "*").length;
    expect(everyStore).toBeGreaterThan(0);
    expect(everyStore).toBeLessThan(promotions.length);
  });

  it("marks the promoted days advertised and lifts their demand", () => {
    const first = dayNumber(options.start);
    const expected = new Map(data.series.map((s) => [`${s.store}/${s.sku}`, new Uint8Array(options.days)]));
    for (const p of data.promotions) {
      for (const store of p.store === "*" ? data.stores : [p.store]) {
        const days = expected.get(`${store}/${p.sku}`)!;
        for (let d = dayNumber(p.startDate) - first; d <= dayNumber(p.endDate) - first; d++) days[d] = 1;
      }
    }
    let promotedUnits = 0;
    let promotedDays = 0;
    let ordinaryUnits = 0;
    let ordinaryDays = 0;
    for (const series of data.series) {
      expect(Array.from(series.advertised)).toEqual(Array.from(expected.get(`${series.store}/${series.sku}`)!));
      for (let d = 0; d < options.days; d++) {
        if (series.advertised[d] === 1) {
          promotedUnits += series.units[d]!;
          promotedDays++;
        } else {
          ordinaryUnits += series.units[d]!;
          ordinaryDays++;
        }
      }
    }
    // promotions fall on items of every size, so compare per series-day means loosely
    expect(promotedUnits / promotedDays / (ordinaryUnits / ordinaryDays)).toBeGreaterThan(1.5);
  });
});

describe("renderTruthCsv", () => {
  it("writes each series' mean and size per day, in the sales file's order, to nine significant digits", () => {
    const constructed: GeneratedData = {
      dates: ["2025-03-01", "2025-03-02"],
      stores: ["S01", "S02"],
      items: [],
      promotions: [],
      series: [
        { store: "S01", sku: "100001", units: Int32Array.from([3, 0]), advertised: Uint8Array.from([0, 1]), mean: Float64Array.from([2.5, 1 / 3]), size: 4 },
        { store: "S02", sku: "100001", units: Int32Array.from([7, 9]), advertised: Uint8Array.from([0, 0]), mean: Float64Array.from([12345.678912, 0.04]), size: 0.75 },
      ],
    };
    expect([...renderTruthCsv(constructed)].join("")).toBe(
      [
        "date,store,sku,mean,size",
        "2025-03-01,S01,100001,2.5,4",
        "2025-03-01,S02,100001,12345.6789,0.75",
        "2025-03-02,S01,100001,0.333333333,4",
        "2025-03-02,S02,100001,0.04,0.75",
        "",
      ].join("\n"),
    );
  });

  it("gives the mean the units were drawn around: averages agree, and promoted days carry the uplift", () => {
    const lines = [...renderTruthCsv(data)].join("").trimEnd().split("\n");
    expect(lines).toHaveLength(1 + options.stores * options.items * options.days);
    let units = 0;
    let expected = 0;
    for (const series of data.series) {
      expect(series.size).toBeGreaterThan(0);
      for (let d = 0; d < options.days; d++) {
        units += series.units[d]!;
        expected += series.mean[d]!;
        // the truth of a promoted day is the day's ordinary mean times the promotion's uplift (≥ 1.5)
        if (series.advertised[d] === 1 && d >= 7 && series.advertised[d - 7] === 0) expect(series.mean[d]! / series.mean[d - 7]!).toBeGreaterThan(1.3);
      }
    }
    expect(units / expected).toBeGreaterThan(0.97);
    expect(units / expected).toBeLessThan(1.03);
  });
});

describe("negativeBinomial", () => {
  it("has the mean and the variance mean + mean²/size", () => {
    const random = createRandom(3);
    const draws = Array.from({ length: 40_000 }, () => negativeBinomial(random, 6, 4));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    expect(mean).toBeCloseTo(6, 1);
    expect(variance / (6 + 36 / 4)).toBeGreaterThan(0.95);
    expect(variance / (6 + 36 / 4)).toBeLessThan(1.05);
  });

  it("handles large means (the Poisson rejection sampler) without bias", () => {
    const random = createRandom(4);
    const draws = Array.from({ length: 20_000 }, () => negativeBinomial(random, 80, Infinity));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    expect(mean).toBeGreaterThan(79.6);
    expect(mean).toBeLessThan(80.4);
    expect(variance / 80).toBeGreaterThan(0.95);
    expect(variance / 80).toBeLessThan(1.05);
  });
});
