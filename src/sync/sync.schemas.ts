import { z } from "zod";
import { FORMAT_NAMES } from "./formats/format-types.js";
import { quantity, unitField } from "./quantities.js";

/** A NUL character or half of a UTF-16 surrogate pair: not text, and PostgreSQL refuses or alters it. */
const NOT_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isText = (value: string) => !NOT_TEXT.test(value);

/** Field schemas shared by every input that names stores, items and days. */
export const sku = z
  .string({ error: "SKU is required" })
  .trim()
  .min(1, { error: "SKU is blank" })
  .max(64, { error: "SKU is longer than 64 characters" })
  .refine(isText, { error: "SKU holds a NUL or a broken character" });

export const storeRef = z
  .string({ error: "store is required" })
  .trim()
  .min(1, { error: "store is blank" })
  .max(100)
  .refine(isText, { error: "store holds a NUL or a broken character" });

/** Stock and sales data from before this are a till whose clock was reset, not history. */
const EARLIEST = "2000-01-01";

const instant = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 date and time with a zone, e.g. 2026-11-23T09:30:00Z" })
  .transform((text) => new Date(text))
  .refine((date) => date.toISOString() >= EARLIEST, { error: `must not be before ${EARLIEST}` });

export const localDate = z.iso
  .date({ error: "must be a date as YYYY-MM-DD", abort: true })
  .refine((date) => date >= EARLIEST, { error: `must not be before ${EARLIEST}` });

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(isText, { error: "holds a NUL or a broken character" })
    .optional()
    .transform((v) => (v === "" ? undefined : v));

/** One stock observation: the same schema serves JSON posts and CSV rows. */
export const stockRowSchema = z.object({
  store: storeRef,
  sku,
  onHand: quantity("onHand"),
  observedAt: instant,
  reorderPoint: quantity("reorderPoint", { min: 0, minError: "reorderPoint cannot be negative" }).optional(),
  name: optionalText(300),
  category: optionalText(200),
  /** the item's unit of measure (each, kg, lb, ...) when the export gives one */
  unit: unitField,
});

/** A day's units sold: refunds net out within the day, but a day cannot un-sell more than was sold (forecasts need ≥ 0). */
const dayTotalUnits = quantity("soldUnits", {
  min: 0,
  minError: "soldUnits is the day's total units sold and cannot be negative (refund lines belong in a line-level sales export)",
});

/** Units sold of one item at one store on one store-local day (or one sales line, for line-level exports). */
export const salesRowSchema = z.object({
  store: storeRef,
  sku,
  soldUnits: quantity("soldUnits"),
  salesDate: localDate,
  name: optionalText(300),
  category: optionalText(200),
  unit: unitField,
});

/** A sales row that is the day's total, as the generic export's sold_units: never negative. */
export const dayTotalSalesRowSchema = salesRowSchema.extend({ soldUnits: dayTotalUnits });

export type StockRow = z.output<typeof stockRowSchema>;
export type SalesRow = z.output<typeof salesRowSchema>;

/** A JSON row: a stock observation, optionally with the day's units sold so far. */
export const jsonStockRowSchema = stockRowSchema.extend({
  soldUnits: dayTotalUnits.optional(),
  salesDate: localDate.optional(),
});
export type JsonStockRow = z.output<typeof jsonStockRowSchema>;

export function postStockBodySchema(maxRows: number) {
  return z.object({
    // rows are validated one by one later, so that one bad row does not refuse the others
    rows: z
      .array(z.unknown(), { error: "rows must be an array" })
      .min(1, { error: "rows is empty" })
      .max(maxRows, { error: `at most ${maxRows} rows per request` }),
  });
}

export const importQuerySchema = z.object({
  format: z.enum(["auto", ...FORMAT_NAMES], { error: `format must be one of auto, ${FORMAT_NAMES.join(", ")}` }).default("auto"),
  /** when the export was taken, for files without a time column; defaults to the time of upload */
  observedAt: instant.optional(),
  fileName: z.string().max(255).optional(),
});

export const batchIdParamSchema = z.object({
  id: z.coerce.number({ error: "id must be a number" }).int().positive({ error: "id must be a positive number" }),
});

export const idempotencyKeySchema = z
  .string()
  .trim()
  .min(1)
  .max(200, { error: "Idempotency-Key is longer than 200 characters" });
