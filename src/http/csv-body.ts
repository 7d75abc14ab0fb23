import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Context } from "hono";
import { AppError } from "./problem.js";

const CSV_MEDIA_TYPES = new Set([
  "text/csv",
  "text/plain",
  "text/tab-separated-values",
  "application/csv",
  "application/vnd.ms-excel",
  "application/gzip",
  "application/x-gzip",
  "application/octet-stream",
]);

/** The request body of a CSV upload as a byte stream, after checking its declared type and size. */
export function csvBody(c: Context, maxBytes: number): Readable {
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!CSV_MEDIA_TYPES.has(mediaType)) {
    throw new AppError({
      code: "unsupported_media_type",
      detail: `send the file as text/csv (optionally gzip-compressed), not "${mediaType || "no content type"}"`,
    });
  }
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw new AppError({ code: "payload_too_large", detail: `the file is larger than the limit of ${maxBytes} bytes` });
  const stream = c.req.raw.body;
  if (!stream) throw new AppError({ code: "validation_failed", detail: "the body is empty", errors: [{ field: "(body)", reason: "empty" }] });
  return Readable.fromWeb(stream as unknown as NodeReadableStream<Uint8Array>);
}
