import { z } from "zod";
import { daysBetween } from "./risk-inputs.js";
import { TRACK_RECORD_DAYS } from "./track-record.js";

/** Days the track record covers when no `from` is given. */
export const TRACK_RECORD_DEFAULT_DAYS = 90;

/** `from` and `to` are store-local dates, both included; `to` defaults to the store's today. */
export const trackRecordQuerySchema = z
  .object({
    from: z.iso.date({ error: "from must be a date, YYYY-MM-DD" }).optional(),
    to: z.iso.date({ error: "to must be a date, YYYY-MM-DD" }).optional(),
  })
  .superRefine((query, ctx) => {
    if (query.from === undefined || query.to === undefined) return;
    if (query.from > query.to) ctx.addIssue({ code: "custom", path: ["from"], message: "from must not be after to" });
    else if (daysBetween(query.from, query.to) >= TRACK_RECORD_DAYS) {
      ctx.addIssue({ code: "custom", path: ["from"], message: `the period may span at most ${TRACK_RECORD_DAYS} days` });
    }
  });

export type TrackRecordQuery = z.output<typeof trackRecordQuerySchema>;
