import { describe, expect, it } from "vitest";
import { addDays, dateRange, dayOfWeek, daysBetween, fromDayNumber, toDayNumber } from "../../src/forecast/calendar.js";

describe("calendar", () => {
  it("agrees with Date.UTC on every day from 1900 to 2100 (leap years, month ends, weekdays)", () => {
    const first = Date.UTC(1900, 0, 1) / 86_400_000;
    const last = Date.UTC(2100, 11, 31) / 86_400_000;
    let mismatches = 0;
    for (let day = first; day <= last; day++) {
      const date = new Date(day * 86_400_000);
      const iso = date.toISOString().slice(0, 10);
      if (toDayNumber(iso) !== day || fromDayNumber(day) !== iso || dayOfWeek(iso) !== date.getUTCDay()) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("adds and counts days across month, leap-day and year boundaries", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2023-02-28", 1)).toBe("2023-03-01");
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(daysBetween("2023-12-31", "2024-03-01")).toBe(61);
    expect(daysBetween("2024-03-01", "2023-12-31")).toBe(-61);
    expect(dayOfWeek("2024-06-02")).toBe(0); // a Sunday
    expect(dayOfWeek("2024-06-08")).toBe(6);
  });

  it("lists a range with both ends included, and nothing when it runs backwards", () => {
    expect(dateRange("2024-12-30", "2025-01-02")).toEqual(["2024-12-30", "2024-12-31", "2025-01-01", "2025-01-02"]);
    expect(dateRange("2024-06-03", "2024-06-03")).toEqual(["2024-06-03"]);
    expect(dateRange("2024-06-04", "2024-06-03")).toEqual([]);
  });

  it("rejects anything but YYYY-MM-DD", () => {
    for (const bad of ["2024-6-3", "2024/06/03", "2024-13-01", "2024-00-10", "2024-06-32", "20240603", "", "2024-06-03T00:00"]) {
      expect(() => toDayNumber(bad), bad).toThrow(RangeError);
    }
  });
});
