import type { MiddlewareHandler, ValidationTargets } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import { AppError, type ProblemDetail } from "./problem.js";

/** Turns zod issues into problem details naming each field, e.g. `rows/3/onHand`. */
export function fieldProblems(error: z.ZodError, prefix = ""): ProblemDetail[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((p) => p !== "").join("/") || "(body)",
    reason: issue.message,
  }));
}

export function validationError(error: z.ZodError, what: string, prefix = ""): AppError {
  const errors = fieldProblems(error, prefix);
  return new AppError({
    code: "validation_failed",
    detail: `${what} failed validation: ${errors.map((e) => `${e.field}: ${e.reason}`).slice(0, 3).join("; ")}`,
    errors,
  });
}

/** Validates query string or path parameters with a zod schema; handlers read only `c.req.valid(...)`. */
export function validate<Target extends "query" | "param", Schema extends z.ZodType>(target: Target, schema: Schema) {
  return validator(target, (value) => {
    const result = schema.safeParse(value);
    if (!result.success) throw validationError(result.error, target === "query" ? "query string" : "path");
    return result.data as z.output<Schema>;
  });
}

/**
 * Reads a JSON body with a size limit and validates it. Unlike hono's own json validator it refuses a body
 * that is not declared as JSON (415) instead of treating it as `{}`.
 */
export function jsonBody<Schema extends z.ZodType>(
  schema: Schema,
  /** `rowsCheckTheirText`: the schema passes rows through to a per-row schema that refuses non-text in its own row only */
  options: { maxBytes: number; rowsCheckTheirText?: boolean },
): MiddlewareHandler<
  object,
  string,
  { in: { json: z.input<Schema> }; out: { json: z.output<Schema> } }
> {
  return async (c, next) => {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (!/^application\/([\w.-]+\+)?json$/.test(mediaType)) {
      throw new AppError({ code: "unsupported_media_type", detail: "send the body as application/json" });
    }
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > options.maxBytes) throw tooLarge(options.maxBytes);
    const text = await c.req.text();
    if (Buffer.byteLength(text) > options.maxBytes) throw tooLarge(options.maxBytes);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new AppError({
        code: "invalid_json",
        detail: `the body is not valid JSON: ${(error as Error).message}`,
        errors: [{ field: "(body)", reason: (error as Error).message }],
      });
    }
    const broken = options.rowsCheckTheirText ? null : findNonText(value);
    if (broken !== null) {
      const reason = "holds a NUL or a broken character (half of a UTF-16 surrogate pair)";
      throw new AppError({ code: "validation_failed", detail: `body failed validation: ${broken}: ${reason}`, errors: [{ field: broken, reason }] });
    }
    const result = schema.safeParse(value);
    if (!result.success) throw validationError(result.error, "body");
    c.req.addValidatedData("json" as keyof ValidationTargets, result.data as never);
    await next();
  };
}

/** A NUL or half of a UTF-16 surrogate pair: not text; PostgreSQL refuses the one and silently alters the other. */
const NON_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path (e.g. `rows/0/name`) of the first string in a parsed JSON body, key or value, that is not text, or null.
 * Checked for every JSON body at once, so that no free-text field of any schema can carry one to the database.
 */
function findNonText(value: unknown, path: string[] = []): string | null {
  if (typeof value === "string") return NON_TEXT.test(value) ? path.join("/") || "(body)" : null;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, key];
    if (NON_TEXT.test(key)) return at.join("/");
    const found = findNonText(item, at);
    if (found !== null) return found;
  }
  return null;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError({ code: "payload_too_large", detail: `the body is larger than ${maxBytes} bytes` });
}
