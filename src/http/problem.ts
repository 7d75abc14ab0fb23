import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The closed list of error codes a client may see. */
export const ERROR_CODES = {
  invalid_json: { status: 400, title: "Body is not valid JSON" },
  validation_failed: { status: 422, title: "Request failed validation" },
  unauthorized: { status: 401, title: "Missing or invalid API key" },
  forbidden_store: { status: 403, title: "API key not allowed for this store" },
  admin_required: { status: 403, title: "This needs an admin key" },
  not_found: { status: 404, title: "Not found" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  undecodable_body: { status: 415, title: "Body is not readable text" },
  missing_column: { status: 422, title: "A required column is missing" },
  unknown_format: { status: 422, title: "Export format not recognised" },
  malformed_csv: { status: 422, title: "The CSV cannot be read" },
  idempotency_key_reused: { status: 422, title: "Idempotency-Key reused with a different request" },
  idempotency_in_progress: { status: 409, title: "A request with this Idempotency-Key is still in progress" },
  conflict: { status: 409, title: "Conflict" },
  link_invalid: { status: 400, title: "This link is not valid" },
  link_expired: { status: 410, title: "This link has expired" },
  link_used: { status: 410, title: "This link was already used" },
  rate_limited: { status: 429, title: "Too many requests" },
  rain_check_redeemed: { status: 409, title: "This rain check was already redeemed" },
  rain_check_expired: { status: 410, title: "This rain check has expired" },
  rain_check_wrong_store: { status: 403, title: "This rain check belongs to another store" },
  rain_check_not_yet_valid: { status: 409, title: "This rain check is not valid yet" },
  internal: { status: 500, title: "Internal server error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where a problem lies: a field (JSON pointer-ish path), a CSV line and column, or both. */
export interface ProblemDetail {
  field?: string;
  line?: number;
  column?: string;
  reason: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly detail: string;
  readonly errors: ProblemDetail[];
  readonly headers: Record<string, string>;

  constructor(options: { code: ErrorCode; detail: string; errors?: ProblemDetail[]; headers?: Record<string, string>; cause?: unknown }) {
    super(options.detail, { cause: options.cause });
    this.code = options.code;
    this.status = ERROR_CODES[options.code].status;
    this.detail = options.detail;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: ProblemDetail[];
  requestId?: string;
}

export function problemBody(error: AppError, requestId?: string): ProblemBody {
  return {
    type: `https://shelfwatch.dev/problems/${error.code.replaceAll("_", "-")}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

export function problemResponse(c: Context, error: AppError): Response {
  const body = problemBody(error, c.get("requestId" as never) as string | undefined);
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": "application/problem+json", ...error.headers },
  });
}
