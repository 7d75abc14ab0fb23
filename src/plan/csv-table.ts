import type { Readable } from "node:stream";
import type { z } from "zod";
import { AppError, type ProblemDetail } from "../http/problem.js";
import { streamCsvRecords, type CsvLimits } from "../sync/csv-records.js";
import { normalizeHeader } from "../sync/formats/cell-text.js";

/**
 * Reads a small CSV (an ad calendar, a delivery schedule) into validated rows, all or nothing: any bad line refuses
 * the file with every problem named by line and column. Columns are matched by lower-case header name.
 */
export async function readCsvTable<Schema extends z.ZodType<unknown, Record<string, string>>>(
  body: Readable,
  schema: Schema,
  options: { limits: CsvLimits; required: string[]; what: string },
): Promise<Array<{ line: number; row: z.output<Schema> }>> {
  const csv = streamCsvRecords(body, options.limits);
  let header: string[] | null = null;
  const rows: Array<{ line: number; row: z.output<Schema> }> = [];
  const problems: ProblemDetail[] = [];
  for await (const batch of csv.batches) for (const { record, line } of batch) {
    if (header === null) {
      header = record.map(normalizeHeader);
      const missing = options.required.find((column) => !header!.includes(column));
      if (missing) {
        throw new AppError({
          code: "missing_column",
          detail: `the ${options.what} file needs a "${missing}" column (columns: ${options.required.join(", ")})`,
          errors: [{ line: 1, column: missing, reason: "missing" }],
        });
      }
      continue;
    }
    const fields: Record<string, string> = {};
    header.forEach((name, index) => {
      if (record[index] !== undefined) fields[name] = record[index]!;
    });
    const parsed = schema.safeParse(fields);
    if (parsed.success) rows.push({ line, row: parsed.data });
    else for (const issue of parsed.error.issues) problems.push({ line, column: String(issue.path[0] ?? ""), reason: issue.message });
  }
  if (header === null) throw new AppError({ code: "validation_failed", detail: `the ${options.what} file is empty`, errors: [{ line: 1, reason: "no header" }] });
  if (problems.length > 0) {
    throw new AppError({
      code: "validation_failed",
      detail: `${problems.length} problem(s) in the ${options.what} file; nothing was stored`,
      errors: problems.slice(0, 100),
    });
  }
  return rows;
}
