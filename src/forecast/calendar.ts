/**
 * Calendar arithmetic on store-local `YYYY-MM-DD` dates, as whole days in the proleptic Gregorian calendar (what UTC
 * arithmetic gives, with no time zone or daylight saving involved). Integer arithmetic only, no `Date` or `Intl`: these
 * run millions of times in a backtest.
 */

function digitAt(date: string, index: number): number {
  const digit = date.charCodeAt(index) - 48;
  if (digit < 0 || digit > 9) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return digit;
}

/** Days since 1970-01-01 (negative before it). Throws a RangeError on anything but `YYYY-MM-DD`. */
export function toDayNumber(date: string): number {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) {
    throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  }
  let year = digitAt(date, 0) * 1000 + digitAt(date, 1) * 100 + digitAt(date, 2) * 10 + digitAt(date, 3);
  const month = digitAt(date, 5) * 10 + digitAt(date, 6);
  const day = digitAt(date, 8) * 10 + digitAt(date, 9);
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  // Howard Hinnant's days_from_civil: years start in March so that the leap day is the last day of the year
  if (month <= 2) year -= 1;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
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

