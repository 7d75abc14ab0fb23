import { z } from "zod";
import { ALERT_KINDS, ALERT_STATES } from "./alert-types.js";

export const alertListQuerySchema = z.object({
  store: z.string().min(1).max(100).optional(),
  /** "live" = open, acknowledged or snoozed */
  state: z.enum([...ALERT_STATES, "live"]).optional(),
  kind: z.enum(ALERT_KINDS).optional(),
  sku: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** alerts with a smaller id than this one (the previous page's last id) */
  before: z.coerce.number().int().positive().max(2 ** 31 - 1).optional(),
});

export const alertIdParam = z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) });

/** The longest snooze, by hours or by an end time. */
export const MAX_SNOOZE_HOURS = 24 * 30;

export const snoozeBodySchema = z
  .object({
    until: z.iso.datetime({ offset: true }).optional(),
    hours: z.number().int().positive().max(MAX_SNOOZE_HOURS).optional(),
  })
  .refine((v) => (v.until === undefined) !== (v.hours === undefined), { error: "give either until or hours", path: ["until"] });

export const resolveBodySchema = z.object({ reason: z.string().trim().min(1).max(500).optional() });
