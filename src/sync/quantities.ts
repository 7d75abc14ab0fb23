import { z } from "zod";

/*
 * Quantities (stock, sales, receipts, deliveries, thresholds) are decimals kept to thousandths: goods sold by weight
 * come off the scale as 2.35 lb or 0.412 kg. The database holds them as numeric(14,3); here they are JS numbers,
 * rounded to three places where they enter.
 */

/** Decimal places every quantity is kept to. */
export const QUANTITY_DECIMALS = 3;
const SCALE = 10 ** QUANTITY_DECIMALS;
/** Quantities beyond this size are a till's error, not stock. */
const LARGEST = 1_000_000_000;

/** A quantity rounded to thousandths (a -0 becomes 0, which JSON and comparisons treat oddly). */
export function roundQuantity(value: number): number {
  const rounded = Math.round(value * SCALE) / SCALE;
  return rounded === 0 ? 0 : rounded;
}

/**
 * Whether a number has at most three decimal places. Binary floating point cannot hold 2.35 exactly, so what counts is
 * the distance from the nearest thousandth, allowing the representation error of the value's own size (a sum such as
 * 0.1 + 0.2 passes; 2.3456 does not).
 */
export function hasAtMostThreeDecimals(value: number): boolean {
  const scaled = value * SCALE;
  return Math.abs(scaled - Math.round(scaled)) <= 1e-6 + Math.abs(scaled) * 8 * Number.EPSILON;
}

/**
 * A quantity field of the row schemas, JSON and CSV alike: a number of at most three decimal places, rounded to them;
 * `min` (with the message for a smaller value) and `max` narrow the range when given.
 */
export function quantity(what: string, bounds: { min?: number; minError?: string; max?: number } = {}) {
  return z
    .number({
      error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a number, got ${JSON.stringify(issue.input)}`),
    })
    .min(bounds.min ?? -LARGEST, { error: bounds.minError ?? `${what} is out of range` })
    .max(bounds.max ?? LARGEST, { error: `${what} is out of range` })
    .refine(hasAtMostThreeDecimals, {
      error: (issue) => `${what} has more than three decimal places (${String(issue.input)}); quantities are kept to thousandths`,
      abort: true,
    })
    .transform(roundQuantity);
}

/** Units of measure by the ways exports write them; anything else an export names is kept as written (a custom "bunch"). */
const UNIT_ALIASES: Record<string, string> = {
  each: "each", ea: "each", unit: "each", units: "each", pc: "each", pcs: "each", piece: "each", pieces: "each", count: "each",
  lb: "lb", lbs: "lb", pound: "lb", pounds: "lb", "per pound": "lb", "pound (lb)": "lb",
  kg: "kg", kgs: "kg", kilo: "kg", kilos: "kg", kilogram: "kg", kilograms: "kg", "per kilogram": "kg", "kilogram (kg)": "kg",
  g: "g", gram: "g", grams: "g", "per gram": "g", "gram (g)": "g",
  oz: "oz", ounce: "oz", ounces: "oz", "per ounce": "oz", "ounce (oz)": "oz",
};

/** An item's unit of measure as stored and shown: the usual abbreviation, or the export's own word, lower case. */
export function normaliseUnit(text: string): string | undefined {
  const key = text.trim().toLowerCase().replace(/\s+/g, " ");
  if (key === "") return undefined;
  return UNIT_ALIASES[key] ?? key;
}

/** The unit field of the row schemas: optional text, normalised (see normaliseUnit). */
export const unitField = z
  .string({ error: "unit must be text such as each, kg or lb" })
  .max(20, { error: "unit is longer than 20 characters" })
  .optional()
  .transform((text) => (text === undefined ? undefined : normaliseUnit(text)));

/** Items whose unit nobody gave are counted in pieces. */
export const DEFAULT_UNIT = "each";

function isPieces(unit: string | null | undefined): boolean {
  return unit === null || unit === undefined || unit === DEFAULT_UNIT;
}

/** A quantity as people read it: "12 units", "1 unit" for pieces, "2.35 lb" for a measure (at most three decimals). */
export function formatQuantity(value: number, unit?: string | null): string {
  return isPieces(unit) ? `${formatNumber(value)} ${value === 1 ? "unit" : "units"}` : `${formatNumber(value)} ${unit}`;
}

/** A quantity where the sentence names what it counts ("12 on hand"): the bare number for pieces, "2.35 lb" for a measure. */
export function formatMeasure(value: number, unit?: string | null): string {
  return isPieces(unit) ? formatNumber(value) : `${formatNumber(value)} ${unit}`;
}

function formatNumber(value: number): string {
  return roundQuantity(value).toLocaleString("en-US", { maximumFractionDigits: QUANTITY_DECIMALS });
}
