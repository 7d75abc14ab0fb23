import { describe, expect, it } from "vitest";
import { addDays } from "../../src/forecast/calendar.js";
import { expectedReceipts, inferReplenishment, type ReceiptRecord } from "../../src/forecast/replenishment.js";

/** receipts every `interval` days from `first`, `count` of them */
function everyNDays(first: string, interval: number, count: number, receipt: (index: number) => Omit<ReceiptRecord, "date">): ReceiptRecord[] {
  return Array.from({ length: count }, (_, index) => ({ date: addDays(first, index * interval), ...receipt(index) }));
}

const flatDemand = (unitsPerDay: number, days = 60) => new Array<number>(days).fill(unitsPerDay);

describe("inferReplenishment", () => {
  it("learns a weekly top-up: the cadence, the weekday it lands on and the level it restores", () => {
    // Mondays, topped up to about 40 whatever sold in between
    const receipts = everyNDays("2026-10-05", 7, 8, (i) => ({ units: [22, 30, 18, 27, 25, 31, 20, 24][i]!, onHandAfter: [40, 41, 39, 40, 40, 42, 39, 40][i]! }));
    const pattern = inferReplenishment(receipts, "2026-11-30");
    expect(pattern).toMatchObject({ receipts: 8, intervalDays: 7, regularity: 1, sizing: "level", targetLevel: 40, lastReceipt: "2026-11-23" });

    // next Monday; by then 6 days at 3 a day have left 30 − 18 = 12, so the top-up brings 28
    const next = expectedReceipts(pattern, { today: "2026-11-24", lastDay: "2026-12-07", onHand: 30, dailyDemand: flatDemand(3) });
    expect(next).toEqual([
      { date: "2026-11-30", quantity: 28, source: "inferred", confidence: 1 },
      // after it 40, less 7 days at 3 = 19 left: 21 to bring it back to 40
      { date: "2026-12-07", quantity: 21, source: "inferred", confidence: 1 },
    ]);
  });

  it("learns a fixed order quantity when the receipts' size varies less than the level they leave", () => {
    const receipts = everyNDays("2026-10-01", 14, 6, (i) => ({ units: 48, onHandAfter: [50, 70, 61, 55, 80, 66][i]! }));
    const pattern = inferReplenishment(receipts, "2026-12-20");
    expect(pattern).toMatchObject({ intervalDays: 14, sizing: "quantity", typicalUnits: 48 });
    const next = expectedReceipts(pattern, { today: "2026-12-14", lastDay: "2027-01-31", onHand: 10, dailyDemand: flatDemand(2) });
    expect(next.map((d) => [d.date, d.quantity])).toEqual([
      ["2026-12-24", 48],
      ["2027-01-07", 48],
      ["2027-01-21", 48],
    ]);
  });

  it("learns a top-up to days of recent sales when the level it restores follows the sales", () => {
    // sales grow from 2 to about 6 a day; every Monday the shelf is topped up to 10 days of the last 4 weeks' sales
    const start = "2026-08-03";
    const rate = (day: number) => 2 + day / 30;
    const sales = Array.from({ length: 120 }, (_, day) => ({ date: addDays(start, day), units: rate(day) }));
    const averageBefore = (day: number) => {
      let sum = 0;
      for (let d = day - 28; d < day; d++) sum += d >= 0 ? rate(d) : 0;
      return sum / 28;
    };
    const receipts = Array.from({ length: 12 }, (_, week) => {
      const day = 35 + 7 * week;
      return { date: addDays(start, day), units: 7 * rate(day), onHandAfter: 10 * averageBefore(day) };
    });
    const asOf = addDays(start, 116);
    const pattern = inferReplenishment(receipts, asOf, { sales });
    expect(pattern?.sizing).toBe("cover");
    expect(pattern?.coverDays).toBeCloseTo(10, 6);
    expect(pattern?.recentDailySales).toBeCloseTo(averageBefore(116), 6);
    // the next Monday tops up to 10 days of today's rate, not to the median level of the weeks gone by
    const [next] = expectedReceipts(pattern, { today: asOf, lastDay: addDays(asOf, 7), onHand: 20, dailyDemand: [6, 6, 6] });
    expect(next?.date).toBe(addDays(start, 35 + 7 * 12));
    expect(next?.quantity).toBe(Math.round(10 * averageBefore(116) - (20 - 6 - 6 - 6)));
    // without the sales the rule cannot be told, and the receipts' level is taken instead
    expect(inferReplenishment(receipts, asOf)?.sizing).not.toBe("cover");
  });

  it("is less sure of irregular receipts, and says so in the confidence of what it expects", () => {
    // mostly weekly, twice late by several days
    const days = ["2026-09-01", "2026-09-08", "2026-09-15", "2026-09-26", "2026-10-03", "2026-10-10", "2026-10-22", "2026-10-29"];
    const pattern = inferReplenishment(days.map((date) => ({ date, units: 12 })), "2026-11-01");
    expect(pattern?.intervalDays).toBe(7);
    expect(pattern?.regularity).toBeCloseTo(5 / 7);
    const next = expectedReceipts(pattern, { today: "2026-11-01", lastDay: "2026-11-14", onHand: 5, dailyDemand: flatDemand(1) });
    expect(next).toEqual([
      { date: "2026-11-05", quantity: 12, source: "inferred", confidence: 5 / 7 },
      { date: "2026-11-12", quantity: 12, source: "inferred", confidence: 5 / 7 },
    ]);
  });

  it("expects nothing without receipts, from too few, or from a pattern that stopped", () => {
    expect(inferReplenishment([], "2026-11-01")).toBeNull();
    expect(inferReplenishment([{ date: "2026-10-01", units: 5 }, { date: "2026-10-08", units: 5 }], "2026-11-01")).toBeNull();
    // receipts on or after asOf, or older than the window, do not count
    expect(inferReplenishment(everyNDays("2026-11-01", 7, 4, () => ({ units: 5 })), "2026-11-01")).toBeNull();
    expect(inferReplenishment(everyNDays("2026-01-01", 7, 4, () => ({ units: 5 })), "2026-11-01")).toBeNull();
    expect(expectedReceipts(null, { today: "2026-11-01", lastDay: "2026-11-30", onHand: 5, dailyDemand: flatDemand(1) })).toEqual([]);

    // weekly until 2026-10-06, then nothing for over 2.5 weeks: the item is no longer replenished that way
    const stopped = inferReplenishment(everyNDays("2026-09-15", 7, 4, () => ({ units: 9 })), "2026-11-01");
    expect(stopped?.lastReceipt).toBe("2026-10-06");
    expect(expectedReceipts(stopped, { today: "2026-11-01", lastDay: "2026-11-30", onHand: 5, dailyDemand: flatDemand(1) })).toEqual([]);
    // a receipt a few days overdue is still expected, tomorrow
    expect(expectedReceipts(stopped, { today: "2026-10-16", lastDay: "2026-10-20", onHand: 5, dailyDemand: flatDemand(1) })).toEqual([
      { date: "2026-10-17", quantity: 9, source: "inferred", confidence: 1 },
    ]);
  });

  it("adds up two receipts of one day, and ignores zero or negative ones", () => {
    const receipts: ReceiptRecord[] = [
      ...everyNDays("2026-10-05", 7, 4, () => ({ units: 10 })),
      { date: "2026-10-12", units: 6 },
      { date: "2026-10-15", units: 0 },
      { date: "2026-10-16", units: -3 },
    ];
    expect(inferReplenishment(receipts, "2026-11-01")).toMatchObject({ receipts: 4, intervalDays: 7, typicalUnits: 10, sizing: "quantity" });
  });

  it("lets loaded purchase orders take precedence: nothing is inferred on or before the last of them", () => {
    const pattern = inferReplenishment(everyNDays("2026-10-05", 7, 6, () => ({ units: 20 })), "2026-11-12");
    // the pattern expects 2026-11-16, 11-23, 11-30; a purchase order lands on 11-20
    const next = expectedReceipts(pattern, {
      today: "2026-11-12",
      lastDay: "2026-11-30",
      onHand: 15,
      dailyDemand: flatDemand(2),
      loaded: [{ date: "2026-11-20", quantity: 40 }],
    });
    expect(next.map((d) => d.date)).toEqual(["2026-11-23", "2026-11-30"]);
  });
});
