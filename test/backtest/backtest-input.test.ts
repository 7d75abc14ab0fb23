import { describe, expect, it } from "vitest";
import { applyItemsCsv, applyPromotionsCsv, applyStockoutHoursCsv, applyTruthCsv, BacktestInputError, parseSalesCsv, splitCsvLine } from "../../src/backtest/backtest-input.js";

const sales = [
  "date,store,sku,units,advertised",
  "2025-03-01,S01,100001,4,0",
  "2025-03-01,S02,100001,2,1",
  "2025-03-03,S01,100001,6,0",
  "2025-03-03,S01,100001,1,0",
  "2025-03-02,S01,100002,-3,0",
].join("\n");

describe("parseSalesCsv", () => {
  it("lays each store and SKU out densely over the file's dates, summing duplicates and counting missing days as zero", () => {
    const input = parseSalesCsv(`${sales}\r\n`);
    expect(input.dates).toEqual(["2025-03-01", "2025-03-02", "2025-03-03"]);
    expect(input.stores).toEqual(["S01", "S02"]);
    expect(input.series.map((s) => `${s.store}/${s.sku}`)).toEqual(["S01/100001", "S01/100002", "S02/100001"]);
    expect(Array.from(input.series[0]!.demand)).toEqual([4, 0, 7]);
    // a refund does not make demand negative
    expect(Array.from(input.series[1]!.demand)).toEqual([0, 0, 0]);
    expect(Array.from(input.series[2]!.promoted)).toEqual([1, 0, 0]);
  });

  it("accepts a file without the advertised column and with columns in another order", () => {
    const input = parseSalesCsv("sku,units,date,store\n100001,3,2025-03-01,S01\n");
    expect(Array.from(input.series[0]!.demand)).toEqual([3]);
    expect(Array.from(input.series[0]!.promoted)).toEqual([0]);
  });

  it("names the line and the field of bad input", () => {
    expect(() => parseSalesCsv("date,store,sku\n")).toThrow(/line 1: missing column units/);
    expect(() => parseSalesCsv("date,store,sku,units\n2025-02-30,S01,1,2\n", "sales.csv")).toThrow(/sales.csv: line 2: date must be YYYY-MM-DD/);
    expect(() => parseSalesCsv("date,store,sku,units\n2025-02-03,S01,1,lots\n")).toThrow(BacktestInputError);
    expect(() => parseSalesCsv("date,store,sku,units,advertised\n2025-02-03,S01,1,2,yes\n")).toThrow(/advertised must be 0 or 1/);
    expect(() => parseSalesCsv("date,store,sku,units\n")).toThrow(/no rows/);
  });
});

describe("applyPromotionsCsv", () => {
  it("marks the promoted days of one store or, with *, of every store", () => {
    const input = parseSalesCsv(sales);
    const matched = applyPromotionsCsv(
      input,
      [
        "promotion_id,name,sku,store,start_date,end_date,uplift",
        'P1,"Spring, deals",100001,*,2025-03-02,2025-03-09,2.5',
        "P2,Weekend,100002,S01,2025-02-20,2025-03-01,1.8",
        "P3,Other,999999,*,2025-03-01,2025-03-03,2",
      ].join("\n"),
    );
    expect(matched).toBe(2);
    expect(Array.from(input.series[0]!.promoted)).toEqual([0, 1, 1]);
    expect(Array.from(input.series[1]!.promoted)).toEqual([1, 0, 0]);
    expect(Array.from(input.series[2]!.promoted)).toEqual([1, 1, 1]);
  });

  it("rejects a promotion that ends before it starts", () => {
    const input = parseSalesCsv(sales);
    expect(() => applyPromotionsCsv(input, "sku,store,start_date,end_date\n100001,*,2025-03-05,2025-03-01\n")).toThrow(/line 2: end_date .* is before/);
  });
});

describe("applyStockoutHoursCsv", () => {
  it("censors the days empty for at least the hours given, and ignores rows of other series or dates", () => {
    const input = parseSalesCsv(sales);
    const hours = [
      "date,store,sku,oos_hours",
      "2025-03-01,S01,100001,14",
      "2025-03-02,S01,100001,3",
      "2025-03-03,S01,100001,12",
      "2025-03-03,S09,100001,24",
      "2025-04-01,S01,100001,24",
    ].join("\n");
    expect(applyStockoutHoursCsv(input, hours, 12)).toBe(2);
    expect(Array.from(input.series[0]!.censored!)).toEqual([1, 0, 1]);
    expect(input.series[1]!.censored).toBeUndefined();
  });

  it("names the line of hours that are not hours of a day", () => {
    const input = parseSalesCsv(sales);
    expect(() => applyStockoutHoursCsv(input, "date,store,sku,oos_hours\n2025-03-01,S01,100001,25\n", 12, "oos.csv")).toThrow(
      new BacktestInputError('oos.csv: line 2: oos_hours must be a number from 0 to 24, got "25"'),
    );
    expect(() => applyStockoutHoursCsv(input, "date,store,sku\n", 12, "oos.csv")).toThrow(/missing column oos_hours/);
  });
});

describe("applyItemsCsv", () => {
  it("gives every series of a listed SKU its category, at every store", () => {
    const input = parseSalesCsv(sales);
    const listed = applyItemsCsv(input, ['sku,name,category', '100001,"Cola, 6 pack",beverages', "999999,Other,snacks"].join("\n"));
    expect(listed).toBe(2);
    expect(input.series.map((s) => `${s.store}/${s.sku}:${s.category ?? "-"}`)).toEqual(["S01/100001:beverages", "S01/100002:-", "S02/100001:beverages"]);
  });

  it("names a missing column and an empty SKU", () => {
    const input = parseSalesCsv(sales);
    expect(() => applyItemsCsv(input, "sku,name\n100001,Cola\n", "items.csv")).toThrow(/items.csv: line 1: missing column category/);
    expect(() => applyItemsCsv(input, "sku,category\n,snacks\n")).toThrow(/line 2: sku is empty/);
  });
});

describe("applyTruthCsv", () => {
  const truthRows = (skip = "") =>
    ["date,store,sku,mean,size", ...["2025-03-01", "2025-03-02", "2025-03-03"].flatMap((date, d) =>
      ["S01,100001", "S01,100002", "S02,100001"].map((key, k) => `${date},${key},${d + k / 10},${k + 1}`),
    ), "2025-03-04,S01,100001,9,1", "2025-03-01,S09,100001,9,1"].filter((line) => !line.startsWith(skip || "-")).join("\n");

  it("gives every series its true mean per day and its size, ignoring other dates and series", () => {
    const input = parseSalesCsv(sales);
    expect(applyTruthCsv(input, truthRows())).toBe(3);
    expect(Array.from(input.series[0]!.truth!.mean)).toEqual([0, 1, 2]);
    expect(input.series[0]!.truth!.size).toBe(1);
    expect(Array.from(input.series[2]!.truth!.mean)).toEqual([0.2, 1.2, 2.2]);
    expect(input.series[2]!.truth!.size).toBe(3);
  });

  it("names a series or a day without truth, a bad number and a size that changes", () => {
    const input = parseSalesCsv(sales);
    expect(() => applyTruthCsv(input, truthRows("2025-03-02,S01,100002"), "truth.csv")).toThrow(/truth.csv: no row for store S01, sku 100002, date 2025-03-02/);
    expect(() => applyTruthCsv(input, "date,store,sku,mean\n")).toThrow(/missing column size/);
    expect(() => applyTruthCsv(input, `${truthRows()}\n2025-03-01,S01,100001,lots,1`)).toThrow(/line 13: mean must be a number/);
    expect(() => applyTruthCsv(input, `${truthRows()}\n2025-03-01,S01,100001,1,2`)).toThrow(/line 13: size 2 differs/);
    // nothing is applied from a file that fails
    expect(input.series.every((series) => series.truth === undefined)).toBe(true);
  });
});

describe("splitCsvLine", () => {
  it("splits quoted fields with commas and doubled quotes", () => {
    expect(splitCsvLine('a,"b, c","say ""hi""",')).toEqual(["a", "b, c", 'say "hi"', ""]);
  });
});
