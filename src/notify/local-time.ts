/** Store-local wall-clock arithmetic for digests and quiet hours, daylight-saving changes included. */

const partFormatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The store-local date (YYYY-MM-DD) and minutes since local midnight at an instant. */
export function localClock(instant: Date, timeZone: string): { date: string; minutes: number } {
  const parts = Object.fromEntries(partsFormatter(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** "07:30" → 450 */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
}

function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = Object.fromEntries(partsFormatter(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant at which a store-local date and time happens. A time skipped by a daylight-saving jump maps to the
 * same wall time after the jump (02:30 on a spring-forward night becomes 03:30).
 */
export function instantAtLocal(date: string, hhmm: string, timeZone: string): Date {
  const [y, mo, d] = date.split("-").map(Number);
  const wall = Date.UTC(y!, mo! - 1, d!) + minutesOfDay(hhmm) * 60_000;
  // the offsets at the guessed instant and at the corrected one differ only near a daylight-saving change
  // (a day earlier as well: in zones ahead of UTC the first guess already lies after a change back)
  const first = wall - offsetMinutes(new Date(wall), timeZone) * 60_000;
  const second = wall - offsetMinutes(new Date(first), timeZone) * 60_000;
  const before = wall - offsetMinutes(new Date(wall - 86_400_000), timeZone) * 60_000;
  const candidates = [...new Set([first, second, before])].sort((a, b) => a - b);
  const target = { date, minutes: minutesOfDay(hhmm) };
  const exact = candidates.find((c) => {
    const local = localClock(new Date(c), timeZone);
    return local.date === target.date && local.minutes === target.minutes;
  });
  // a repeated hour takes its first occurrence; a skipped one the instant after the jump
  return new Date(exact ?? candidates.at(-1)!);
}

/** When an urgent email may go: now, or the end of the recipient's quiet hours (which may span midnight). */
export function afterQuietHours(now: Date, timeZone: string, quiet: { start: string | null; end: string | null }): Date {
  if (!quiet.start || !quiet.end || quiet.start === quiet.end) return now;
  const { date, minutes } = localClock(now, timeZone);
  const start = minutesOfDay(quiet.start);
  const end = minutesOfDay(quiet.end);
  const inside = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (!inside) return now;
  // spanning midnight and before it: the quiet hours end tomorrow
  const endDate = start > end && minutes >= start ? nextDate(date) : date;
  return instantAtLocal(endDate, quiet.end, timeZone);
}

export function nextDate(date: string, days = 1): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}
