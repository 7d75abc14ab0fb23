import { z } from "zod";

/**
 * An address as a customer typed it: trimmed and lower-cased, one line, a plain mailbox (no display name, no quoted
 * local part), short enough for SMTP.
 */
export const customerEmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, { error: "must be at most 254 characters" })
  .pipe(z.email({ error: "must be an email address like name@example.com" }));

const checkbox = z
  .union([z.boolean(), z.enum(["on", "true", "false", "1", "0"])])
  .transform((v) => v === true || v === "on" || v === "true" || v === "1");

/** POST /v1/subscriptions, as JSON or as the form of the item page. */
export const subscribeSchema = z
  .object({
    email: customerEmailSchema,
    /** a store code, or "all" for every store */
    store: z.string().trim().min(1).max(100),
    sku: z.string().trim().min(1).max(100),
    restock: checkbox.default(true),
    deals: checkbox.default(false),
    /** keep hearing about restocks after the first notice */
    stay: checkbox.default(false),
  })
  .refine((s) => s.restock || s.deals, { error: "choose back-in-stock notices, deal notices or both", path: ["restock"] });
export type SubscribeRequest = z.infer<typeof subscribeSchema>;

/** POST /v1/privacy/requests: send a data export and deletion link to this address. */
export const privacyRequestSchema = z.object({ email: customerEmailSchema });

/** What a link in a customer email may do. Every one expires; each is safe to use again (a privacy link serves export, then delete). */
export const customerLinkSchema = z.discriminatedUnion("purpose", [
  z.object({ purpose: z.literal("confirm"), request: z.string().min(8).max(64), expires: z.number().int().positive(), nonce: z.string().min(16).max(64) }),
  z.object({ purpose: z.literal("unsubscribe"), request: z.string().min(8).max(64), expires: z.number().int().positive() }),
  z.object({ purpose: z.literal("stop"), request: z.string().min(8).max(64), expires: z.number().int().positive() }),
  z.object({ purpose: z.literal("privacy"), email: customerEmailSchema, expires: z.number().int().positive(), nonce: z.string().min(16).max(64) }),
]);
export type CustomerLink = z.infer<typeof customerLinkSchema>;

/** A rain check code as printed: groups of letters and digits; case and dashes are forgiven at the till. */
export const rainCheckCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .transform((v) => v.replace(/[\s-]/g, ""))
  .pipe(z.string().regex(/^RC[0-9A-HJKMNP-TV-Z]{12}$/, { error: "is not a rain check code" }));

export const redeemSchema = z.object({
  /** the store redeeming it: a rain check is good at the store that issued it */
  store: z.string().trim().min(1).max(100),
  /** the till or person, for the record */
  by: z.string().trim().min(1).max(200).optional(),
});
