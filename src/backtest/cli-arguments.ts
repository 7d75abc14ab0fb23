/** Command-line arguments for the generate and backtest scripts: node:util parseArgs for the syntax, zod for the values. */
import { parseArgs } from "node:util";
import { z } from "zod";
import { isIsoDate } from "./calendar-days.js";

/** a bad command line: the script prints the message and the usage, and exits with status 2 */
export class UsageError extends Error {
  override name = "UsageError";
}

export type FlagKinds = Record<string, { type: "string" | "boolean" }>;

export type ParsedArguments<T> = { help: true } | { help: false; values: T };

/** Parse `argv` (without node and the script) against the flags, then validate the values with the schema. */
export function parseCliArguments<T>(argv: string[], flags: FlagKinds, schema: z.ZodType<T>): ParsedArguments<T> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...flags, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs explains unknown flags and missing values well; keep its message, drop its error code
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return { help: true };
  delete values.help;
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const flag = issue.path.length > 0 ? `--${issue.path.join(".")}` : "arguments";
      return `${flag}: ${issue.message}`;
    });
    throw new UsageError(lines.join("\n"));
  }
  return { help: false, values: parsed.data };
}

/**
 * The command line's values, or the exit status when there is nothing to run: 0 after printing the usage for --help,
 * 2 after explaining a bad command line (with the usage).
 */
export function readCommandLine<T>(
  command: string,
  usage: string,
  io: { out: (text: string) => void; err: (text: string) => void },
  argv: string[],
  flags: FlagKinds,
  schema: z.ZodType<T>,
): { values: T } | { status: 0 | 2 } {
  try {
    const parsed = parseCliArguments(argv, flags, schema);
    if (!parsed.help) return { values: parsed.values };
    io.out(usage);
    return { status: 0 };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${command}: ${error.message}\n\n${usage}`);
    return { status: 2 };
  }
}

/** a whole number from a flag's text, within bounds */
export function integerFlag(min: number, max: number) {
  return z
    .string()
    .regex(/^-?\d+$/, { error: "must be a whole number" })
    .transform(Number)
    .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));
}

/** a decimal number from a flag's text, within bounds (both open unless said otherwise) */
export function numberFlag(min: number, max: number, { inclusive = true }: { inclusive?: boolean } = {}) {
  const bounded = inclusive
    ? z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` })
    : z.number().gt(min, { error: `must be greater than ${min}` }).lt(max, { error: `must be less than ${max}` });
  return z
    .string()
    .regex(/^-?(\d+\.?\d*|\.\d+)$/, { error: "must be a number" })
    .transform(Number)
    .pipe(bounded);
}

export const isoDateFlag = z.string().refine(isIsoDate, { error: "must be a date YYYY-MM-DD" });

export const pathFlag = (what: string) => z.string({ error: `--${what} is required` }).min(1, { error: `--${what} is required` });
