/**
 * Calendar arithmetic on store-local `YYYY-MM-DD` dates, as whole days in the proleptic Gregorian calendar (what UTC
 * arithmetic gives, with no time zone or daylight saving involved). Integer arithmetic only, no `Date` or `Intl`: these
 * run millions of times in a backtest.
 */

function notADate(date: string): RangeError {
  return new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
}

/** Day count from 0000-01-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const DAYS_FROM_YEAR_ZERO_TO_1970 = 719_528;

/** Days before the 1st of each month in a common year, index 1 = January. */
const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334] as const;

/** Days since 1970-01-01 (negative before it). Throws a RangeError on anything but `YYYY-MM-DD`. */
export function toDayNumber(date: string): number {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) throw notADate(date);
  const y0 = date.charCodeAt(0) - 48;
  const y1 = date.charCodeAt(1) - 48;
  const y2 = date.charCodeAt(2) - 48;
  const y3 = date.charCodeAt(3) - 48;
  const m0 = date.charCodeAt(5) - 48;
  const m1 = date.charCodeAt(6) - 48;
  const d0 = date.charCodeAt(8) - 48;
  const d1 = date.charCodeAt(9) - 48;
  // `>>> 0` turns a negative (a character below '0') into a huge number, so one comparison checks each digit
  if (
    y0 >>> 0 > 9 ||
    y1 >>> 0 > 9 ||
    y2 >>> 0 > 9 ||
    y3 >>> 0 > 9 ||
    m0 >>> 0 > 9 ||
    m1 >>> 0 > 9 ||
    d0 >>> 0 > 9 ||
    d1 >>> 0 > 9
  ) {
    throw notADate(date);
  }
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || day > 31) throw notADate(date);
  // whole years since 0000 (leap days counted through the previous year), then the month and day within the year
  const previous = year - 1;
  const leapDaysBefore = year === 0 ? 0 : Math.floor(previous / 4) - Math.floor(previous / 100) + Math.floor(previous / 400) + 1;
  const isLeap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const dayOfYear = (DAYS_BEFORE_MONTH[month] ?? 0) + (isLeap && month > 2 ? 1 : 0) + day - 1;
  return year * 365 + leapDaysBefore + dayOfYear - DAYS_FROM_YEAR_ZERO_TO_1970;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

/** The `YYYY-MM-DD` date of a day number (days since 1970-01-01); years 0000-9999. */
export function fromDayNumber(dayNumber: number): string {
  // Howard Hinnant's civil_from_days, the inverse of toDayNumber
  const shifted = dayNumber + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) throw new RangeError(`day ${dayNumber} is outside years 0000-9999`);
  const yearText = year >= 1000 ? `${year}` : `${year}`.padStart(4, "0");
  return `${yearText}-${twoDigits(month)}-${twoDigits(day)}`;
}

/** The date `days` after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  return fromDayNumber(toDayNumber(date) + days);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  // 1970-01-01 was a Thursday (4)
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

/** Whole days from `from` to `to`: positive when `to` is later, 0 on the same day. */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** Every date from `from` to `to`, both included; empty when `to` is before `from`. */
export function dateRange(from: string, to: string): string[] {
  const first = toDayNumber(from);
  const last = toDayNumber(to);
  const dates: string[] = [];
  for (let dayNumber = first; dayNumber <= last; dayNumber++) dates.push(fromDayNumber(dayNumber));
  return dates;
}

