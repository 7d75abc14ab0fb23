/** Calendar arithmetic on store-local YYYY-MM-DD dates, done in UTC so that no time zone shifts a day. */

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/** days since 1970-01-01 */
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function dateOfDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `count` consecutive dates from `start` on */
export function consecutiveDates(start: string, count: number): string[] {
  const first = dayNumber(start);
  const dates = new Array<string>(count);
  for (let i = 0; i < count; i++) dates[i] = dateOfDayNumber(first + i);
  return dates;
}

/** 0 = Sunday, as in DemandModel.weekly */
export function weekdayOfDayNumber(day: number): number {
  // 1970-01-01 was a Thursday
  return (((day + 4) % 7) + 7) % 7;
}
