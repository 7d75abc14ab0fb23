import { describe, expect, it } from "vitest";
import { afterQuietHours, instantAtLocal, localClock, minutesOfDay, nextDate } from "../../src/notify/local-time.js";

const NEW_YORK = "America/New_York";

describe("minutesOfDay", () => {
  it.each([
    ["00:00", 0],
    ["07:30", 450],
    ["12:05", 725],
    ["23:59", 1439],
  ])("%s → %i", (hhmm, minutes) => {
    expect(minutesOfDay(hhmm)).toBe(minutes);
  });
});

describe("nextDate", () => {
  it.each([
    ["2026-10-31", 1, "2026-11-01"],
    ["2026-12-31", 1, "2027-01-01"],
    ["2028-02-28", 1, "2028-02-29"],
    ["2027-02-28", 1, "2027-03-01"],
    ["2026-11-20", 7, "2026-11-27"],
    ["2026-03-01", -1, "2026-02-28"],
  ])("%s + %i → %s", (date, days, expected) => {
    expect(nextDate(date, days)).toBe(expected);
  });

  it("adds one day by default", () => {
    expect(nextDate("2026-03-08")).toBe("2026-03-09");
  });
});

describe("localClock", () => {
  it.each([
    ["2026-10-31T11:00:00Z", NEW_YORK, "2026-10-31", 7 * 60],
    ["2026-11-02T12:00:00Z", NEW_YORK, "2026-11-02", 7 * 60],
    ["2026-01-01T05:00:00Z", NEW_YORK, "2026-01-01", 0],
    ["2026-01-01T04:59:59Z", NEW_YORK, "2025-12-31", 23 * 60 + 59],
    ["2026-11-01T05:30:00Z", NEW_YORK, "2026-11-01", 90],
    ["2026-11-01T06:30:00Z", NEW_YORK, "2026-11-01", 90],
    ["2026-07-01T06:00:00Z", "Europe/London", "2026-07-01", 7 * 60],
    ["2026-06-01T18:30:00Z", "Asia/Kolkata", "2026-06-02", 0],
    ["2026-01-14T20:00:00Z", "Australia/Lord_Howe", "2026-01-15", 7 * 60],
    ["2026-07-14T20:30:00Z", "Australia/Lord_Howe", "2026-07-15", 7 * 60],
  ])("%s in %s → %s, minute %i", (instant, timeZone, date, minutes) => {
    expect(localClock(new Date(instant), timeZone)).toEqual({ date, minutes });
  });
});

describe("instantAtLocal", () => {
  it("07:00 in New York on 2026-10-31 is EDT (UTC-4)", () => {
    expect(instantAtLocal("2026-10-31", "07:00", NEW_YORK).toISOString()).toBe("2026-10-31T11:00:00.000Z");
  });

  it("07:00 in New York on 2026-11-02 is EST (UTC-5)", () => {
    expect(instantAtLocal("2026-11-02", "07:00", NEW_YORK).toISOString()).toBe("2026-11-02T12:00:00.000Z");
  });

  it("07:00 on the fall-back day itself is already EST", () => {
    expect(instantAtLocal("2026-11-01", "07:00", NEW_YORK).toISOString()).toBe("2026-11-01T12:00:00.000Z");
  });

  it("01:30 on the fall-back day happens twice: the first occurrence (EDT) is taken", () => {
    expect(instantAtLocal("2026-11-01", "01:30", NEW_YORK).toISOString()).toBe("2026-11-01T05:30:00.000Z");
  });

  it("the hours on either side of the repeated one are unambiguous", () => {
    expect(instantAtLocal("2026-11-01", "00:30", NEW_YORK).toISOString()).toBe("2026-11-01T04:30:00.000Z");
    expect(instantAtLocal("2026-11-01", "02:00", NEW_YORK).toISOString()).toBe("2026-11-01T07:00:00.000Z");
  });

  it("02:30 on the spring-forward day does not exist: it becomes 03:30 EDT", () => {
    expect(instantAtLocal("2026-03-08", "02:30", NEW_YORK).toISOString()).toBe("2026-03-08T07:30:00.000Z");
  });

  it("02:00 on the spring-forward day becomes 03:00 EDT", () => {
    expect(instantAtLocal("2026-03-08", "02:00", NEW_YORK).toISOString()).toBe("2026-03-08T07:00:00.000Z");
  });

  it("the minutes around the spring-forward gap are exact", () => {
    expect(instantAtLocal("2026-03-08", "01:59", NEW_YORK).toISOString()).toBe("2026-03-08T06:59:00.000Z");
    expect(instantAtLocal("2026-03-08", "03:00", NEW_YORK).toISOString()).toBe("2026-03-08T07:00:00.000Z");
  });

  it("a repeated hour east of UTC also takes its first occurrence", () => {
    expect(instantAtLocal("2026-10-25", "01:30", "Europe/London").toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(instantAtLocal("2026-10-25", "02:30", "Europe/Berlin").toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(instantAtLocal("2026-04-05", "01:45", "Australia/Lord_Howe").toISOString()).toBe("2026-04-04T14:45:00.000Z");
  });

  it("Europe/London is UTC in winter and UTC+1 in summer", () => {
    expect(instantAtLocal("2026-01-15", "07:00", "Europe/London").toISOString()).toBe("2026-01-15T07:00:00.000Z");
    expect(instantAtLocal("2026-07-01", "07:00", "Europe/London").toISOString()).toBe("2026-07-01T06:00:00.000Z");
  });

  it("01:30 on London's spring-forward day becomes 02:30 BST", () => {
    expect(instantAtLocal("2026-03-29", "01:30", "Europe/London").toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });

  it("Asia/Kolkata is UTC+05:30, also across the UTC date line", () => {
    expect(instantAtLocal("2026-06-01", "07:00", "Asia/Kolkata").toISOString()).toBe("2026-06-01T01:30:00.000Z");
    expect(instantAtLocal("2026-06-01", "00:15", "Asia/Kolkata").toISOString()).toBe("2026-05-31T18:45:00.000Z");
  });

  it("Australia/Lord_Howe is UTC+11 in summer and UTC+10:30 in winter", () => {
    expect(instantAtLocal("2026-01-15", "07:00", "Australia/Lord_Howe").toISOString()).toBe("2026-01-14T20:00:00.000Z");
    expect(instantAtLocal("2026-07-15", "07:00", "Australia/Lord_Howe").toISOString()).toBe("2026-07-14T20:30:00.000Z");
  });

  it("02:15 on Lord Howe's 30-minute spring-forward day becomes 02:45", () => {
    expect(instantAtLocal("2026-10-04", "02:15", "Australia/Lord_Howe").toISOString()).toBe("2026-10-03T15:45:00.000Z");
  });

  it.each([
    [NEW_YORK, "2026-11-01"],
    [NEW_YORK, "2026-03-08"],
    ["Europe/London", "2026-10-25"],
    ["Asia/Kolkata", "2026-06-01"],
    ["Australia/Lord_Howe", "2026-10-04"],
  ])("every quarter hour of %s on %s that exists reads back as itself", (timeZone, date) => {
    const gaps = { [NEW_YORK]: ["02:00", "02:15", "02:30", "02:45"], "Australia/Lord_Howe": ["02:00", "02:15"] } as Record<string, string[]>;
    const skipped = date === "2026-03-08" || date === "2026-10-04" ? (gaps[timeZone] ?? []) : [];
    for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
      const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
      if (skipped.includes(hhmm)) continue;
      expect(localClock(instantAtLocal(date, hhmm, timeZone), timeZone), `${hhmm}`).toEqual({ date, minutes });
    }
  });
});

describe("afterQuietHours", () => {
  const night = { start: "21:00", end: "07:00" };

  it("sends now outside quiet hours", () => {
    const now = new Date("2026-10-31T18:00:00Z"); // 14:00 EDT
    expect(afterQuietHours(now, NEW_YORK, night)).toEqual(now);
  });

  it("before midnight, waits until the end of the quiet hours tomorrow (across the fall-back)", () => {
    const now = new Date("2026-11-01T01:30:00Z"); // 2026-10-31 21:30 EDT
    expect(afterQuietHours(now, NEW_YORK, night).toISOString()).toBe("2026-11-01T12:00:00.000Z"); // 07:00 EST
  });

  it("after midnight, waits until the end of the quiet hours the same day", () => {
    const now = new Date("2026-10-31T04:00:00Z"); // 2026-10-31 00:00 EDT
    expect(afterQuietHours(now, NEW_YORK, night).toISOString()).toBe("2026-10-31T11:00:00.000Z");
  });

  it("is quiet from the first minute of the start", () => {
    const now = new Date("2026-10-31T01:00:00Z"); // 2026-10-30 21:00 EDT
    expect(afterQuietHours(now, NEW_YORK, night).toISOString()).toBe("2026-10-31T11:00:00.000Z");
  });

  it("is still quiet one minute before the end", () => {
    const now = new Date("2026-10-31T10:59:00Z"); // 06:59 EDT
    expect(afterQuietHours(now, NEW_YORK, night).toISOString()).toBe("2026-10-31T11:00:00.000Z");
  });

  it("is not quiet at the end minute", () => {
    const now = new Date("2026-10-31T11:00:00Z"); // 07:00 EDT
    expect(afterQuietHours(now, NEW_YORK, night)).toEqual(now);
  });

  it("is not quiet one minute before the start", () => {
    const now = new Date("2026-10-31T00:59:00Z"); // 2026-10-30 20:59 EDT
    expect(afterQuietHours(now, NEW_YORK, night)).toEqual(now);
  });

  it("after midnight in Kolkata, ends at 07:00 IST", () => {
    const now = new Date("2026-06-01T20:00:00Z"); // 2026-06-02 01:30 IST
    expect(afterQuietHours(now, "Asia/Kolkata", night).toISOString()).toBe("2026-06-02T01:30:00.000Z");
  });

  describe("a same-day span (12:00–13:00)", () => {
    const lunch = { start: "12:00", end: "13:00" };

    it("waits until 13:00 from inside", () => {
      const now = new Date("2026-11-02T17:30:00Z"); // 12:30 EST
      expect(afterQuietHours(now, NEW_YORK, lunch).toISOString()).toBe("2026-11-02T18:00:00.000Z");
    });

    it("waits from 12:00 itself", () => {
      const now = new Date("2026-11-02T17:00:00Z"); // 12:00 EST
      expect(afterQuietHours(now, NEW_YORK, lunch).toISOString()).toBe("2026-11-02T18:00:00.000Z");
    });

    it.each([
      ["2026-11-02T16:59:00Z", "11:59"],
      ["2026-11-02T18:00:00Z", "13:00"],
      ["2026-11-03T01:00:00Z", "20:00"],
      ["2026-11-02T05:30:00Z", "00:30"],
    ])("sends now at %s (%s EST)", (instant) => {
      const now = new Date(instant);
      expect(afterQuietHours(now, NEW_YORK, lunch)).toEqual(now);
    });
  });

  it.each([
    [{ start: null, end: null }],
    [{ start: "21:00", end: null }],
    [{ start: null, end: "07:00" }],
    [{ start: "21:00", end: "21:00" }],
  ])("has no quiet hours for %j", (quiet) => {
    const now = new Date("2026-11-01T01:30:00Z"); // 21:30 EDT, inside 21:00–07:00
    expect(afterQuietHours(now, NEW_YORK, quiet)).toEqual(now);
  });
});
