import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { ProblemBody } from "../../src/http/problem.js";
import type { ImportReport } from "../../src/sync/import-export.js";
import type { PostStockReport } from "../../src/sync/post-stock.js";
import { bearer, seedStoresAndKeys, type TestContext } from "./context.js";

export type UploadBody = string | Uint8Array | ReadableStream<Uint8Array>;

export interface UploadOptions {
  /** query string parameters, e.g. { format: "generic", observedAt: "2026-11-20T14:00:00Z" } */
  query?: Record<string, string>;
  contentType?: string;
  headers?: Record<string, string>;
}

/** POST /v1/imports the way a till or a person uploads an export: raw bytes, text/csv unless told otherwise. */
export async function upload(ctx: TestContext, key: string | null, body: UploadBody, options: UploadOptions = {}): Promise<Response> {
  const query = options.query ? `?${new URLSearchParams(options.query)}` : "";
  const init: RequestInit & { duplex?: "half" } = {
    method: "POST",
    headers: { "content-type": options.contentType ?? "text/csv", ...(key === null ? {} : bearer(key)), ...options.headers },
    body: body as BodyInit,
  };
  // a streamed body has no length; undici needs duplex to send one
  if (body instanceof ReadableStream) init.duplex = "half";
  return ctx.app.request(`/v1/imports${query}`, init);
}

/** POST /v1/stock with `{ rows }`, optionally with an Idempotency-Key. */
export function postRows(
  ctx: TestContext,
  key: string | null,
  rows: unknown[],
  options: { idempotencyKey?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return postStockBody(ctx, key, JSON.stringify({ rows }), options);
}

/** POST /v1/stock with a body sent exactly as given (for malformed JSON and the like). */
export async function postStockBody(
  ctx: TestContext,
  key: string | null,
  body: string,
  options: { idempotencyKey?: string; headers?: Record<string, string>; contentType?: string } = {},
): Promise<Response> {
  return ctx.app.request("/v1/stock", {
    method: "POST",
    headers: {
      "content-type": options.contentType ?? "application/json",
      ...(key === null ? {} : bearer(key)),
      ...(options.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey }),
      ...options.headers,
    },
    body,
  });
}

export async function getWithKey(ctx: TestContext, key: string | null, path: string): Promise<Response> {
  return ctx.app.request(path, { headers: key === null ? {} : bearer(key) });
}

/** Asserts a problem+json answer with this status and code, and returns its body. */
export async function expectProblem(response: Response, status: number, code: string): Promise<ProblemBody> {
  const body = (await response.json()) as ProblemBody;
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(body.status).toBe(status);
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  return body;
}

/** Asserts a JSON answer with this status and returns its body. */
export async function expectJson<T = Record<string, unknown>>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status });
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}

/** A sample export from test/fixtures, as bytes exactly as stored. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

// Windows-1252 bytes 0x80–0x9F; the others below 0x100 are Latin-1.
const WINDOWS_1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

/** Encodes text as Windows-1252, the way a spreadsheet on Windows re-saves an export. */
export function encodeWindows1252(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    const high = WINDOWS_1252_HIGH.indexOf(char);
    const code = char.codePointAt(0)!;
    if (high >= 0) bytes.push(0x80 + high);
    else if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) bytes.push(code);
    else throw new Error(`${char} has no Windows-1252 byte`);
  }
  return Buffer.from(bytes);
}

/** A body that arrives in pieces with no content-length, like a chunked upload. */
export function streamOf(...chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const queue = chunks.map((chunk) => (typeof chunk === "string" ? encoder.encode(chunk) : chunk));
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

/** Uploads an export that must be applied (201) and returns the import report. */
export async function importCsv(ctx: TestContext, key: string, body: UploadBody, options: UploadOptions = {}): Promise<ImportReportBody> {
  return expectJson<ImportReportBody>(await upload(ctx, key, body, options), 201);
}

/** Posts JSON rows that must be accepted (201) and returns the answer. */
export async function postRowsOk(ctx: TestContext, key: string, rows: unknown[], options: { idempotencyKey?: string } = {}): Promise<PostStockBody> {
  return expectJson<PostStockBody>(await postRows(ctx, key, rows, options), 201);
}

/** The fixture stores and keys, with 14 units of SKU 000123 on hand at S12: what a refused import must leave alone. */
export async function seedStoresWithStock(ctx: TestContext) {
  const seeded = await seedStoresAndKeys(ctx);
  await postRowsOk(ctx, seeded.chainKey, [{ store: "S12", sku: "000123", onHand: 14, observedAt: "2026-11-20T10:00:00Z" }]);
  return seeded;
}

/** The answers as the service types them: a test reads what the code promises. */
export type ImportReportBody = ImportReport;
export type PostStockBody = PostStockReport;
