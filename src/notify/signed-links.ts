import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/** What a link in an email may do: one purpose, one alert, until it expires, once. */
export const linkPayloadSchema = z.object({
  purpose: z.enum(["acknowledge", "snooze"]),
  alertId: z.number().int().positive(),
  /** unix seconds */
  expires: z.number().int().positive(),
  /** makes each link unique, and is what "used once" is recorded by */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  /** for snooze links: how long */
  hours: z.number().int().positive().max(24 * 30).optional(),
});
export type LinkPayload = z.infer<typeof linkPayloadSchema>;

export type LinkCheck = TokenCheck<LinkPayload>;

function signature(secret: string, body: string): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

export function newNonce(): string {
  return randomBytes(16).toString("base64url");
}

/** `<payload>.<hmac>`, both base64url: no database lookup needed to tell a forged link. */
export function signToken(secret: string, payload: { expires: number }): string {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${signature(secret, body).toString("base64url")}`;
}

export type TokenCheck<T> = { ok: true; payload: T } | { ok: false; reason: "malformed" | "tampered" | "expired" };

/** Checks the signature first, then the shape, then the expiry (`expires` in unix seconds). */
export function verifyToken<T extends { expires: number }>(secret: string, schema: z.ZodType<T>, token: string, now: Date): TokenCheck<T> {
  const [body, mac, extra] = token.split(".");
  if (!body || !mac || extra !== undefined) return { ok: false, reason: "malformed" };
  // compare the text, not decoded bytes: base64url decoding forgives stray characters, a signature must not
  const expected = Buffer.from(signature(secret, body).toString("base64url"));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "tampered" };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.expires * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, payload: parsed.data };
}

export function signLink(secret: string, payload: LinkPayload): string {
  return signToken(secret, payload);
}

export function verifyLink(secret: string, token: string, now: Date): LinkCheck {
  return verifyToken(secret, linkPayloadSchema, token, now);
}
