/**
 * How urgent alert emails are batched and capped: pure functions, no I/O. One email tells of every urgent alert a
 * sweep raised for a recipient; a recipient gets at most a configured number of them in any hour, and alerts beyond it
 * join the next email the cap allows.
 */
import type { AlertNotice } from "../db/schema/outbox.js";

const HOUR_MS = 3600_000;

/**
 * The earliest moment from `wanted` on at which one more email keeps every hour-long window at `perHour` emails or
 * fewer, given the moments of the recipient's other urgent emails (sent, or waiting to be sent).
 */
export function nextUrgentSlot(wanted: Date, taken: Date[], perHour: number): Date {
  const times = taken.map((moment) => moment.getTime()).sort((a, b) => a - b);
  // the windows [x, x + 1 h) holding t start in (t - 1 h, t]; the fullest of them starts at t or at one of the emails
  const fits = (t: number) =>
    [t, ...times.filter((s) => s > t - HOUR_MS && s <= t)].every((x) => times.filter((s) => s >= x && s < x + HOUR_MS).length < perHour);
  // a window only empties when an hour has passed since one of the emails in it
  const candidates = [wanted.getTime(), ...times.map((s) => s + HOUR_MS)].filter((t) => t >= wanted.getTime()).sort((a, b) => a - b);
  for (const t of candidates) if (fits(t)) return new Date(t);
  // an hour after the last email no window holding it holds another: the loop always returns before this
  return new Date(Math.max(wanted.getTime(), (times.at(-1) ?? 0) + HOUR_MS));
}

/**
 * The alerts of a held email with those of a later sweep: one entry per alert, never two. An alert the recipient has
 * not heard of yet stays "opened" (with the latest figures); one already escalated keeps the figures it was told before.
 */
export function mergeNotices(held: AlertNotice[], fresh: AlertNotice[]): AlertNotice[] {
  const merged = new Map(held.map((notice) => [notice.alertId, notice]));
  for (const notice of fresh) {
    const earlier = merged.get(notice.alertId);
    merged.set(
      notice.alertId,
      earlier ? { ...notice, event: earlier.event, previousFigures: earlier.event === "opened" ? null : earlier.previousFigures } : notice,
    );
  }
  return [...merged.values()];
}
