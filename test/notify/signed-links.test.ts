import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newNonce, signLink, verifyLink, type LinkPayload } from "../../src/notify/signed-links.js";

const SECRET = "link-secret-for-store-12";
const EXPIRES = Date.parse("2026-11-27T12:00:00Z") / 1000;
const BEFORE_EXPIRY = new Date("2026-11-20T12:00:00Z");

const acknowledge: LinkPayload = { purpose: "acknowledge", alertId: 42, expires: EXPIRES, nonce: "Qm9vbGVhbkZsYWdzMTI" };
const snooze: LinkPayload = { purpose: "snooze", alertId: 42, expires: EXPIRES, nonce: "c25vb3plLW5vbmNlLTAx", hours: 4 };

/** Signs any body the way a link is signed, written apart from the code under test. */
function signRaw(secret: string, text: string): string {
  const body = Buffer.from(text).toString("base64url");
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

/** The same string with the character at `index` replaced by a different base64url character. */
function flip(text: string, index: number): string {
  const replacement = text[index] === "A" ? "B" : "A";
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
}

describe("signLink / verifyLink", () => {
  it("round-trips an acknowledge link", () => {
    expect(verifyLink(SECRET, signLink(SECRET, acknowledge), BEFORE_EXPIRY)).toEqual({ ok: true, payload: acknowledge });
  });

  it("round-trips a snooze link with its hours", () => {
    expect(verifyLink(SECRET, signLink(SECRET, snooze), BEFORE_EXPIRY)).toEqual({ ok: true, payload: snooze });
  });

  it("is `<base64url JSON>.<base64url HMAC-SHA256>` of the payload", () => {
    const token = signLink(SECRET, acknowledge);
    expect(token).toBe(signRaw(SECRET, JSON.stringify(acknowledge)));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it.each([0, 10, 30])("calls a flipped payload character at %i tampered", (index) => {
    const [body, mac] = signLink(SECRET, acknowledge).split(".");
    expect(verifyLink(SECRET, `${flip(body!, index)}.${mac}`, BEFORE_EXPIRY)).toEqual({ ok: false, reason: "tampered" });
  });

  it.each([0, 21, 41])("calls a flipped signature character at %i tampered", (index) => {
    const [body, mac] = signLink(SECRET, acknowledge).split(".");
    expect(verifyLink(SECRET, `${body}.${flip(mac!, index)}`, BEFORE_EXPIRY)).toEqual({ ok: false, reason: "tampered" });
  });

  it("calls any change to the signature text tampered, even one base64url decoding would forgive", () => {
    const token = signLink(SECRET, acknowledge);
    const [body, mac] = token.split(".");
    expect(verifyLink(SECRET, `${token}!!`, BEFORE_EXPIRY)).toEqual({ ok: false, reason: "tampered" });
    expect(verifyLink(SECRET, `${body}.${flip(mac!, mac!.length - 1)}`, BEFORE_EXPIRY)).toEqual({ ok: false, reason: "tampered" });
  });

  it("calls a truncated signature tampered", () => {
    const token = signLink(SECRET, acknowledge);
    expect(verifyLink(SECRET, token.slice(0, -4), BEFORE_EXPIRY)).toEqual({ ok: false, reason: "tampered" });
  });

  it("calls a link signed with another secret tampered", () => {
    expect(verifyLink(SECRET, signLink("another-secret", acknowledge), BEFORE_EXPIRY)).toEqual({ ok: false, reason: "tampered" });
  });

  it("calls a payload changed to another alert, signature kept, tampered", () => {
    const [, mac] = signLink(SECRET, acknowledge).split(".");
    const body = Buffer.from(JSON.stringify({ ...acknowledge, alertId: 43 })).toString("base64url");
    expect(verifyLink(SECRET, `${body}.${mac}`, BEFORE_EXPIRY)).toEqual({ ok: false, reason: "tampered" });
  });

  it("accepts a link one millisecond before it expires", () => {
    expect(verifyLink(SECRET, signLink(SECRET, acknowledge), new Date(EXPIRES * 1000 - 1))).toEqual({ ok: true, payload: acknowledge });
  });

  it("calls a link expired at exactly `expires`", () => {
    expect(verifyLink(SECRET, signLink(SECRET, acknowledge), new Date(EXPIRES * 1000))).toEqual({ ok: false, reason: "expired" });
  });

  it("calls a link expired after `expires`", () => {
    expect(verifyLink(SECRET, signLink(SECRET, snooze), new Date(EXPIRES * 1000 + 86_400_000))).toEqual({ ok: false, reason: "expired" });
  });

  it("calls an expired link signed with another secret tampered, not expired", () => {
    expect(verifyLink(SECRET, signLink("another-secret", acknowledge), new Date(EXPIRES * 1000 + 1))).toEqual({ ok: false, reason: "tampered" });
  });

  it.each([
    ["an empty token", ""],
    ["garbage without a dot", "garbage"],
    ["a body without a signature", "eyJhIjoxfQ."],
    ["a signature without a body", ".c2lnbmF0dXJl"],
  ])("calls %s malformed", (_label, token) => {
    expect(verifyLink(SECRET, token, BEFORE_EXPIRY)).toEqual({ ok: false, reason: "malformed" });
  });

  it("calls a correctly signed token with a third part malformed", () => {
    expect(verifyLink(SECRET, `${signLink(SECRET, acknowledge)}.extra`, BEFORE_EXPIRY)).toEqual({ ok: false, reason: "malformed" });
  });

  it("calls a correctly signed body that is not JSON malformed", () => {
    expect(verifyLink(SECRET, signRaw(SECRET, "not json {"), BEFORE_EXPIRY)).toEqual({ ok: false, reason: "malformed" });
  });

  it.each([
    ["purpose delete", { ...acknowledge, purpose: "delete" }],
    ["alertId 0", { ...acknowledge, alertId: 0 }],
    ["alertId as a string", { ...acknowledge, alertId: "42" }],
    ["fractional expires", { ...acknowledge, expires: EXPIRES + 0.5 }],
    ["a short nonce", { ...acknowledge, nonce: "short" }],
    ["a nonce with a dot", { ...acknowledge, nonce: "abcdefghijklmnop.q" }],
    ["no nonce", { purpose: "acknowledge", alertId: 42, expires: EXPIRES }],
    ["31 days of snooze", { ...snooze, hours: 24 * 31 }],
    ["zero hours of snooze", { ...snooze, hours: 0 }],
    ["a JSON array", [acknowledge]],
    ["JSON null", null],
  ])("calls a correctly signed payload with %s malformed", (_label, payload) => {
    expect(verifyLink(SECRET, signRaw(SECRET, JSON.stringify(payload)), BEFORE_EXPIRY)).toEqual({ ok: false, reason: "malformed" });
  });

  it("calls an expired payload that fails the schema malformed", () => {
    const token = signRaw(SECRET, JSON.stringify({ ...acknowledge, purpose: "delete" }));
    expect(verifyLink(SECRET, token, new Date(EXPIRES * 1000 + 1))).toEqual({ ok: false, reason: "malformed" });
  });

  it("accepts the longest snooze, 30 days", () => {
    const longest = { ...snooze, hours: 24 * 30 };
    expect(verifyLink(SECRET, signRaw(SECRET, JSON.stringify(longest)), BEFORE_EXPIRY)).toEqual({ ok: true, payload: longest });
  });
});

describe("newNonce", () => {
  it("makes 1000 distinct 22-character base64url nonces that the link schema accepts", () => {
    const nonces = Array.from({ length: 1000 }, () => newNonce());
    expect(new Set(nonces).size).toBe(1000);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const token = signLink(SECRET, { ...acknowledge, nonce: nonces[0]! });
    expect(verifyLink(SECRET, token, BEFORE_EXPIRY)).toEqual({ ok: true, payload: { ...acknowledge, nonce: nonces[0] } });
  });
});
