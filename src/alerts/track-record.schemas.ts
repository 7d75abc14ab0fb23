import { z } from "zod";
import { daysBetween } from "./risk-inputs.js";
import { TRACK_RECORD_DAYS } from "./track-record.js";

/** Days the track record covers when no `from` is given. */
export const TRACK_RECORD_DEFAULT_DAYS = 90;

/** A date field left empty (as a form sends it) is not given. */
const optionalDate = (name: string) =>
  z.preprocess((value) => (value === "" ? undefined : value), z.iso.date({ error: `${name} must be a date, YYYY-MM-DD` }).optional());

/** `from` and `to` are store-local dates, both included; `to` defaults to the store's today. */
export const trackRecordPeriodFields = { from: optionalDate("from"), to: optionalDate("to") };

/** A period runs forward and fits in what is kept. */
export function checkTrackRecordPeriod(query: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (query.from === undefined || query.to === undefined) return;
  if (query.from > query.to) ctx.addIssue({ code: "custom", path: ["from"], message: "from must not be after to" });
  else if (daysBetween(query.from, query.to) >= TRACK_RECORD_DAYS) {
    ctx.addIssue({ code: "custom", path: ["from"], message: `the period may span at most ${TRACK_RECORD_DAYS} days` });
  }
}

export const trackRecordQuerySchema = z.object(trackRecordPeriodFields).superRefine(checkTrackRecordPeriod);

export type TrackRecordQuery = z.output<typeof trackRecordQuerySchema>;
