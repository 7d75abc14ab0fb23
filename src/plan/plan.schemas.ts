import { z } from "zod";
import { parseQuantity } from "../sync/formats/cell-text.js";
import { quantity } from "../sync/quantities.js";
import { localDate, sku, storeRef } from "../sync/sync.schemas.js";

/** The price as the ad prints it, "$2.99" or "2 for $5": one short line, what a rain check promises. */
const advertisedPrice = z
  .string({ error: "advertisedPrice must be text such as $2.99" })
  .trim()
  .min(1, { error: "advertisedPrice is blank" })
  .max(40, { error: "advertisedPrice must be at most 40 characters" })
  .regex(/^[^\p{Cc}]*$/u, { error: "advertisedPrice must be one line of text" });

export const promotionSchema = z
  .object({
    id: z.string({ error: "id is required" }).trim().min(1).max(100),
    name: z.string({ error: "name is required" }).trim().min(1).max(200),
    skus: z.array(sku, { error: "skus must be a list of SKUs" }).min(1, { error: "skus is empty" }).max(10_000),
    /** "all" or store codes / aliases */
    stores: z.union([z.literal("all"), z.array(storeRef).min(1, { error: "stores is empty" })], {
      error: 'stores must be "all" or a list of store codes',
    }),
    startDate: localDate,
    endDate: localDate,
    uplift: z.number({ error: "uplift must be a number" }).positive().max(50).optional(),
    /** the planner's uplift of single items, where it differs from the promotion's (a deeper discount, a bigger ad) */
    upliftBySku: z.record(sku, z.number({ error: "uplift must be a number" }).positive().max(50)).optional(),
    advertisedPrice: advertisedPrice.optional(),
  })
  .refine((p) => p.endDate >= p.startDate, { path: ["endDate"], error: "endDate is before startDate" })
  .superRefine((p, ctx) => {
    for (const listed of Object.keys(p.upliftBySku ?? {})) {
      if (!p.skus.includes(listed)) ctx.addIssue({ code: "custom", path: ["upliftBySku", listed], message: `SKU ${listed} is not among the promotion's skus` });
    }
  });
export type PromotionInput = z.output<typeof promotionSchema>;

export const postPromotionsBodySchema = z.object({
  promotions: z.array(promotionSchema).min(1, { error: "promotions is empty" }).max(1000),
});

/** One line of a promotions CSV: a promotion's item at a store (`*` for every store). */
export const promotionCsvRowSchema = z.object({
  promotion_id: z.string().trim().min(1, { error: "promotion_id is blank" }).max(100),
  name: z.string().trim().max(200).optional(),
  sku,
  store: storeRef,
  start_date: localDate,
  end_date: localDate,
  uplift: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 50) {
        ctx.addIssue({ code: "custom", message: "uplift must be a positive number (a multiplier such as 1.8)" });
        return z.NEVER;
      }
      return n;
    }),
  advertised_price: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v))
    .pipe(advertisedPrice.optional()),
});

/** units on their way: more than nothing, to thousandths (goods sold by weight) */
const deliveryQuantity = quantity("quantity", { min: 0.001, minError: "quantity must be more than 0", max: 1_000_000 });

export const deliverySchema = z.object({
  store: storeRef,
  sku,
  quantity: deliveryQuantity,
  expectedDate: localDate,
  /** purchase order / shipping notice reference; the same reference, store and SKU again updates the delivery */
  reference: z.string({ error: "reference is required" }).trim().min(1).max(100),
});
export type DeliveryInput = z.output<typeof deliverySchema>;

export const postDeliveriesBodySchema = z.object({
  deliveries: z.array(deliverySchema).min(1, { error: "deliveries is empty" }).max(10_000),
});

export const deliveryCsvRowSchema = z.object({
  store: storeRef,
  sku,
  // the number reader of the POS imports: 1,200 and 2.5 read as they do there
  quantity: z
    .string({ error: "quantity is required" })
    .transform((text) => parseQuantity(text) ?? undefined)
    .pipe(deliveryQuantity),
  expected_date: localDate,
  reference: z.string().trim().min(1, { error: "reference is blank" }).max(100),
});

export const receiveDeliveryBodySchema = z.object({
  /** units actually received; defaults to the quantity expected */
  quantity: quantity("quantity", { min: 0, minError: "quantity cannot be negative", max: 1_000_000 }).optional(),
  receivedAt: z.iso.datetime({ offset: true, error: "receivedAt must be an ISO 8601 time with a zone" }).optional(),
});

export const deliveryIdParamSchema = z.object({ id: z.coerce.number().int().positive() });
