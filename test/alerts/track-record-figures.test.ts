import { describe, expect, it } from "vitest";
import { computeTrackRecord, stockoutEvents, type StockoutDay, type TrackedMorning } from "../../src/alerts/track-record-figures.js";
import { addDays } from "../../src/alerts/risk-inputs.js";

const FROM = "2026-10-01";
const TO = "2026-10-31";

/** Mornings of one item from a start, one per day, with a 10-day window unless told otherwise. */
function mornings(itemId: number, start: string, specs: Array<Partial<TrackedMorning>>): TrackedMorning[] {
  return specs.map((spec, k) => {
    const morning = addDays(start, k);
    return { itemId, morning, probability: 0.05, windowEnd: addDays(morning, 9), alerted: false, reorderPointAlerted: false, ranOut: false, ...spec };
  });
}

/** The figures of October with a lead of 3 days. */
const october = (list: TrackedMorning[], stockoutDays: StockoutDay[] = []) => computeTrackRecord({ mornings: list, stockoutDays, leadDays: 3, from: FROM, to: TO });

describe("computeTrackRecord", () => {
  it("puts settled mornings in bands of 0.1 with their mean prediction and the share that ran out", () => {
    const figures = october([
      ...mornings(1, "2026-10-01", [{ probability: 0.05 }, { probability: 0.15, ranOut: true }, { probability: 0.12 }]),
      ...mornings(2, "2026-10-01", [{ probability: 1, ranOut: true }, { probability: 0.95, ranOut: false }, { probability: 0.5, ranOut: null }]),
      // outside the period
      ...mornings(3, "2026-09-20", [{ probability: 0.15, ranOut: true }]),
    ]);
    expect(figures.mornings).toBe(6);
    expect(figures.settledMornings).toBe(5);
    expect(figures.reliability[0]).toEqual({ low: 0, high: 0.1, mornings: 1, meanPredicted: 0.05, ranOutShare: 0 });
    expect(figures.reliability[1]!.mornings).toBe(2);
    expect(figures.reliability[1]!.meanPredicted).toBeCloseTo(0.135, 12);
    expect(figures.reliability[1]!.ranOutShare).toBe(0.5);
    // the unsettled 0.5 is in no band; 1 is in the last
    expect(figures.reliability[5]).toMatchObject({ mornings: 0, meanPredicted: null, ranOutShare: null });
    expect(figures.reliability[9]).toMatchObject({ mornings: 2, ranOutShare: 0.5 });
    expect(figures.reliability[9]!.meanPredicted).toBeCloseTo(0.975, 12);
  });

  it("judges an episode by its first morning and warns a stockout only lead days ahead and within that window", () => {
    const figures = october(
      [
        // item 1: an episode from 10-02 (ran out within its window: 10-06), then a false alarm 10-20..21
        ...mornings(1, "2026-10-01", [
          {},
          { alerted: true, ranOut: true },
          { alerted: true, ranOut: true },
          { alerted: true, ranOut: true },
        ]),
        ...mornings(1, "2026-10-20", [{ alerted: true }, { alerted: true }, {}]),
        // item 2: alerted only 2 days before its stockout on 10-12 (too late for a lead of 3)
        ...mornings(2, "2026-10-01", Array.from({ length: 11 }, (_, k) => (k === 9 ? { alerted: true, ranOut: true } : {}))),
        // item 3: alerted 10-01, but its window ended 10-05, before the stockout of 10-08
        ...mornings(3, "2026-10-01", [{ alerted: true, windowEnd: "2026-10-05", ranOut: false }, {}, {}, {}]),
      ],
      [
        { itemId: 1, date: "2026-10-06" },
        { itemId: 1, date: "2026-10-07" },
        { itemId: 2, date: "2026-10-12" },
        { itemId: 3, date: "2026-10-08" },
      ],
    );
    expect(figures.shelfwatch).toEqual({
      episodes: 4,
      trueEpisodes: 2,
      pendingEpisodes: 0,
      precision: 0.5,
      stockouts: 3,
      warned: 1,
      recall: 1 / 3,
      medianWarningDays: 4,
    });
    expect(figures.reorderPoint).toMatchObject({ episodes: 0, precision: null, stockouts: 3, warned: 0, recall: 0, medianWarningDays: null });
  });

  it("counts an episode's warning for the first stockout after its start only, and the median of even counts as the mean of the middle two", () => {
    const figures = october(
      [
        // one long-windowed episode on 10-01 before two stockouts (10-05, then 10-15 after a restock)
        ...mornings(1, "2026-10-01", [{ reorderPointAlerted: true, windowEnd: "2026-10-30", ranOut: true }, {}, {}]),
        // item 2: warned 10-01 of its stockout on 10-09 (8 days)
        ...mornings(2, "2026-10-01", [{ reorderPointAlerted: true, ranOut: true }]),
      ],
      [
        { itemId: 1, date: "2026-10-05" },
        { itemId: 1, date: "2026-10-15" },
        { itemId: 2, date: "2026-10-09" },
      ],
    );
    expect(figures.reorderPoint).toMatchObject({ episodes: 2, trueEpisodes: 2, stockouts: 3, warned: 2, medianWarningDays: 6 });
  });

  it("leaves out stockouts no morning of the period could have warned of, and runs that began before the period", () => {
    const figures = october(
      mornings(1, "2026-10-01", [{}, {}, {}, {}, {}]),
      [
        // the run started on 09-30: not an event of the period
        { itemId: 1, date: "2026-09-30" },
        { itemId: 1, date: "2026-10-01" },
        // only one morning (10-01) before it, 2 days ahead: no warning was possible
        { itemId: 1, date: "2026-10-03" },
        // an item never assessed
        { itemId: 9, date: "2026-10-10" },
        // assessed 10-01 ≤ 10-20 − 3: counts
        { itemId: 1, date: "2026-10-20" },
      ],
    );
    expect(figures.shelfwatch).toMatchObject({ stockouts: 1, warned: 0, recall: 0 });
  });

  it("sets episodes whose first window has not passed aside", () => {
    const figures = october(mornings(1, "2026-10-25", [{ alerted: true, ranOut: null }, { alerted: true, ranOut: null }]));
    expect(figures.shelfwatch).toMatchObject({ episodes: 0, pendingEpisodes: 1, precision: null });
  });
});

describe("stockoutEvents", () => {
  it("is the first day of each run of consecutive stockout days, per item", () => {
    expect(
      stockoutEvents([
        { itemId: 2, date: "2026-10-02" },
        { itemId: 1, date: "2026-10-03" },
        { itemId: 1, date: "2026-10-01" },
        { itemId: 1, date: "2026-10-02" },
        { itemId: 1, date: "2026-10-05" },
        { itemId: 2, date: "2026-10-03" },
      ]),
    ).toEqual([
      { itemId: 2, date: "2026-10-02" },
      { itemId: 1, date: "2026-10-01" },
      { itemId: 1, date: "2026-10-05" },
    ]);
  });
});
