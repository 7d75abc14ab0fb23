import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { SIGN_IN_ATTEMPTS_PER_HOUR } from "../../src/dashboard/dashboard.routes.js";
import { SIGN_IN_REFUSED } from "../../src/dashboard/sign-in-page.js";
import { rateLimits, sessions, users } from "../../src/db/schema/index.js";
import { hashPassword, SCRYPT_PARAMETERS, verifyPassword } from "../../src/http/passwords.js";
import { useTestContext, type TestContext } from "../helpers/context.js";
import { addUser, csrfFieldOf, DashboardBrowser, parseSetCookie, TEST_PASSWORD } from "../helpers/dashboard.js";

const ctx = useTestContext();
const MINUTE = 60_000;

function sessionCookieOf(res: Response) {
  const header = res.headers.getSetCookie().find((h) => h.startsWith("sw_session="));
  expect(header, "a session cookie is set").toBeDefined();
  return parseSetCookie(header!);
}

/** The same app on the same database with other settings. */
function contextWith(env: Record<string, string>): TestContext {
  const config = loadConfig({ LOG_LEVEL: "silent", ...env });
  const deps = { ...ctx.deps, config };
  return { ...ctx, config, deps, app: createApp(deps) };
}

describe("signing in", () => {
  it("sets an HttpOnly, SameSite=Lax session cookie for /dashboard, keeps only its hash, and opens the dashboard", async () => {
    const user = await addUser(ctx, { email: "ana@store12.example", name: "Ana Ruiz" });
    const browser = new DashboardBrowser(ctx);
    const res = await browser.signIn("Ana@Store12.example");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard");

    const cookie = sessionCookieOf(res);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes.has("httponly")).toBe(true);
    expect(cookie.attributes.get("samesite")).toBe("Lax");
    expect(cookie.attributes.get("path")).toBe("/dashboard");
    expect(cookie.attributes.get("max-age")).toBe(String(12 * 3600));
    // PUBLIC_URL is unset: http://localhost, where a Secure cookie would never come back
    expect(cookie.attributes.has("secure")).toBe(false);

    const stored = await ctx.db.db.select().from(sessions);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ userId: user.id, id: createHash("sha256").update(cookie.value).digest("hex") });
    expect(stored[0]!.expiresAt.getTime() - ctx.clock.now().getTime()).toBe(12 * 3600_000);

    const home = await browser.get("/dashboard");
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toMatch(/^text\/html/);
    expect(home.headers.get("cache-control")).toBe("no-store");
    expect(home.headers.get("content-security-policy")).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await home.text();
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).toContain("Ana Ruiz");
    const [row] = await ctx.db.db.select({ lastSignInAt: users.lastSignInAt }).from(users);
    expect(row!.lastSignInAt).toEqual(ctx.clock.now());
  });

  it("marks the cookie Secure when the service is reached over https", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const res = await new DashboardBrowser(contextWith({ PUBLIC_URL: "https://shelfwatch.example" })).signIn("ana@store12.example");
    expect(res.status).toBe(303);
    expect(sessionCookieOf(res).attributes.has("secure")).toBe(true);
  });

  it("sends a visitor without a session to the sign-in page and back to where they were going, never off the dashboard", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    const home = await browser.get("/dashboard");
    expect(home.status).toBe(303);
    expect(home.headers.get("location")).toBe("/dashboard/login");
    const deep = await browser.get("/dashboard/stores/S12/items/0001");
    expect(deep.headers.get("location")).toBe(`/dashboard/login?next=${encodeURIComponent("/dashboard/stores/S12/items/0001")}`);

    const signedIn = await browser.signIn("ana@store12.example", TEST_PASSWORD, "/dashboard/stores/S12/items/0001");
    expect(signedIn.headers.get("location")).toBe("/dashboard/stores/S12/items/0001");

    for (const next of ["https://evil.example/", "//evil.example/dashboard", "/dashboard//evil.example", "/dashboard\\..\\x", "/v1/alerts", "javascript:alert(1)"]) {
      const other = new DashboardBrowser(ctx);
      const res = await other.signIn("ana@store12.example", TEST_PASSWORD, next);
      expect(res.headers.get("location"), next).toBe("/dashboard");
    }
  });

  it("answers a wrong password, an unknown address and a locked account alike", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    await addUser(ctx, { email: "locked@store12.example" });
    await ctx.db.db.update(users).set({ lockedUntil: new Date(ctx.clock.now().getTime() + 10 * MINUTE) }).where(eq(users.email, "locked@store12.example"));
    const browser = new DashboardBrowser(ctx);
    const csrf = csrfFieldOf(await (await browser.get("/dashboard/login")).text());

    const answers = [];
    for (const [email, password] of [
      ["ana@store12.example", "not the password"],
      ["nobody@store12.example", TEST_PASSWORD],
      ["locked@store12.example", TEST_PASSWORD],
    ] as const) {
      const res = await browser.post("/dashboard/login", { csrf, email, password });
      answers.push({
        status: res.status,
        cookies: res.headers.getSetCookie(),
        body: (await res.text()).replace(`value="${email}"`, 'value="EMAIL"'),
      });
    }
    expect(answers[0]!.status).toBe(401);
    expect(answers[0]!.body).toContain(SIGN_IN_REFUSED);
    expect(answers[0]!.cookies).toEqual([]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(await ctx.db.db.select().from(sessions)).toEqual([]);
  });

  it("re-shows the form, escaped, when a field is missing", async () => {
    const browser = new DashboardBrowser(ctx);
    const csrf = csrfFieldOf(await (await browser.get("/dashboard/login")).text());
    const res = await browser.post("/dashboard/login", { csrf, email: '"><script>alert(1)</script>', password: "" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
  });
});

describe("lock-out", () => {
  it(`locks an account after ${5} wrong passwords for 15 minutes, then lets the right one in`, async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    for (let attempt = 1; attempt <= 4; attempt += 1) expect((await browser.signIn("ana@store12.example", `guess ${attempt}`)).status).toBe(401);
    const [counted] = await ctx.db.db.select().from(users);
    expect(counted).toMatchObject({ failedAttempts: 4, lockedUntil: null });

    expect((await browser.signIn("ana@store12.example", "guess 5")).status).toBe(401);
    const [locked] = await ctx.db.db.select().from(users);
    expect(locked!.lockedUntil).toEqual(new Date(ctx.clock.now().getTime() + 15 * MINUTE));
    // the right password does not help while locked, and does not extend the lock either
    expect((await browser.signIn("ana@store12.example")).status).toBe(401);
    ctx.clock.advance(14 * MINUTE);
    expect((await browser.signIn("ana@store12.example")).status).toBe(401);
    expect((await ctx.db.db.select().from(users))[0]!.lockedUntil).toEqual(locked!.lockedUntil);

    ctx.clock.advance(MINUTE);
    expect((await browser.signIn("ana@store12.example")).status).toBe(303);
    expect((await ctx.db.db.select().from(users))[0]).toMatchObject({ failedAttempts: 0, lockedUntil: null });
  });

  it("starts the count again after a success, and after a lock has run out", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    for (let attempt = 1; attempt <= 4; attempt += 1) await browser.signIn("ana@store12.example", "wrong");
    expect((await browser.signIn("ana@store12.example")).status).toBe(303);
    const other = new DashboardBrowser(ctx);
    for (let attempt = 1; attempt <= 4; attempt += 1) await other.signIn("ana@store12.example", "wrong");
    expect((await ctx.db.db.select().from(users))[0]).toMatchObject({ failedAttempts: 4, lockedUntil: null });

    // locked, then free again: one wrong password after the lock is one, not six
    await other.signIn("ana@store12.example", "wrong");
    ctx.clock.advance(16 * MINUTE);
    await other.signIn("ana@store12.example", "wrong");
    expect((await ctx.db.db.select().from(users))[0]).toMatchObject({ failedAttempts: 1, lockedUntil: null });
  });

  it("forgets wrong passwords older than a lock-out lasts: mistakes spread over days never lock the account", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    for (let day = 1; day <= 6; day += 1) {
      expect((await browser.signIn("ana@store12.example", "typo")).status).toBe(401);
      ctx.clock.advance(24 * 60 * MINUTE);
    }
    expect((await ctx.db.db.select().from(users))[0]).toMatchObject({ failedAttempts: 1, lockedUntil: null });

    // four in a row, then a fifth just over 15 minutes after the fourth: a fresh count, no lock
    for (let attempt = 1; attempt <= 4; attempt += 1) await browser.signIn("ana@store12.example", "wrong");
    ctx.clock.advance(15 * MINUTE + 1000);
    expect((await browser.signIn("ana@store12.example", "wrong")).status).toBe(401);
    expect((await ctx.db.db.select().from(users))[0]).toMatchObject({ failedAttempts: 1, lockedUntil: null });
    // while five within 15 minutes of each other still lock it
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      ctx.clock.advance(10 * MINUTE);
      await browser.signIn("ana@store12.example", "wrong");
    }
    expect((await ctx.db.db.select().from(users))[0]!.lockedUntil).toEqual(new Date(ctx.clock.now().getTime() + 15 * MINUTE));
    expect((await browser.signIn("ana@store12.example")).status).toBe(401);
  });

  it("takes the number of attempts and the minutes from the configuration", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const strict = contextWith({ DASHBOARD_LOCKOUT_ATTEMPTS: "2", DASHBOARD_LOCKOUT_MINUTES: "60" });
    const browser = new DashboardBrowser(strict);
    await browser.signIn("ana@store12.example", "wrong");
    await browser.signIn("ana@store12.example", "wrong");
    expect((await ctx.db.db.select().from(users))[0]!.lockedUntil).toEqual(new Date(ctx.clock.now().getTime() + 60 * MINUTE));
    ctx.clock.advance(59 * MINUTE);
    expect((await browser.signIn("ana@store12.example")).status).toBe(401);
    ctx.clock.advance(MINUTE);
    expect((await browser.signIn("ana@store12.example")).status).toBe(303);
  });

  it("lets no more guesses through than allowed when they arrive at once", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    const csrf = csrfFieldOf(await (await browser.get("/dashboard/login")).text());
    const guesses = Array.from({ length: 12 }, (_, i) => browser.post("/dashboard/login", { csrf, email: "ana@store12.example", password: `guess ${i}` }));
    expect(new Set((await Promise.all(guesses)).map((r) => r.status))).toEqual(new Set([401]));
    const [row] = await ctx.db.db.select().from(users);
    expect(row!.failedAttempts).toBe(5);
    expect(row!.lockedUntil).not.toBeNull();
    expect((await browser.signIn("ana@store12.example")).status).toBe(401);
  });

  it(`limits sign-in attempts from one address to ${SIGN_IN_ATTEMPTS_PER_HOUR} an hour, whatever the account`, async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const windowStart = new Date(Math.floor(ctx.clock.now().getTime() / 3600_000) * 3600_000);
    await ctx.db.db.insert(rateLimits).values({ key: "dashboard-sign-in:in-process", windowStart, count: SIGN_IN_ATTEMPTS_PER_HOUR });
    const res = await new DashboardBrowser(ctx).signIn("ana@store12.example");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.text()).toContain("Too many sign-in attempts");
    // refused before the password was looked at: the account's count is untouched
    expect((await ctx.db.db.select().from(users))[0]!.failedAttempts).toBe(0);
  });
});

describe("sessions", () => {
  it("signs out on the server: the old cookie opens nothing afterwards", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    await browser.signIn("ana@store12.example");
    const stolen = browser.cookies.get("sw_session")!;
    const csrf = await browser.csrfToken();

    const out = await browser.post("/dashboard/logout", { csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/dashboard/login");
    const cleared = sessionCookieOf(out);
    expect(cleared.value).toBe("");
    expect(cleared.attributes.get("max-age")).toBe("0");
    expect(browser.cookies.has("sw_session")).toBe(false);
    expect(await ctx.db.db.select().from(sessions)).toEqual([]);

    const replay = await ctx.app.request("/dashboard", { headers: { cookie: `sw_session=${stolen}` } });
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe("/dashboard/login");
  });

  it("ends a session when its hours are up", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    await browser.signIn("ana@store12.example");
    ctx.clock.advance(12 * 3600_000 - MINUTE);
    expect((await browser.get("/dashboard")).status).toBe(200);
    ctx.clock.advance(MINUTE);
    const expired = await browser.get("/dashboard");
    expect(expired.status).toBe(303);
    expect(expired.headers.get("location")).toBe("/dashboard/login");
    // the browser is told to forget the dead cookie
    expect(browser.cookies.has("sw_session")).toBe(false);
  });

  it("ends the session a browser still held when it signs in again", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    await browser.signIn("ana@store12.example");
    const first = browser.cookies.get("sw_session")!;
    // signed in already: the sign-in page sends the visitor on
    expect((await browser.get("/dashboard/login")).headers.get("location")).toBe("/dashboard");
    const csrf = csrfFieldOf(await (await new DashboardBrowser(ctx).get("/dashboard/login")).text());
    browser.cookies.set("sw_sign_in", csrf);
    expect((await browser.post("/dashboard/login", { csrf, email: "ana@store12.example", password: TEST_PASSWORD })).status).toBe(303);
    expect(browser.cookies.get("sw_session")).not.toBe(first);
    const stored = await ctx.db.db.select().from(sessions);
    expect(stored.map((s) => s.id)).toEqual([createHash("sha256").update(browser.cookies.get("sw_session")!).digest("hex")]);
  });
});

describe("CSRF", () => {
  it("refuses a form posted without the session's token, or with a wrong one, and changes nothing", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    await addUser(ctx, { email: "sam@store12.example" });
    const browser = new DashboardBrowser(ctx);
    await browser.signIn("ana@store12.example");
    const other = new DashboardBrowser(ctx);
    await other.signIn("sam@store12.example");
    const othersToken = await other.csrfToken();

    for (const form of [{}, { csrf: "" }, { csrf: "x".repeat(43) }, { csrf: othersToken }] as Array<Record<string, string>>) {
      const res = await browser.post("/dashboard/logout", form);
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain("This form cannot be accepted");
    }
    // a JSON body carries no form field either
    const json = await browser.request("/dashboard/logout", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(json.status).toBe(403);
    expect(await ctx.db.db.select().from(sessions)).toHaveLength(2);
    expect((await browser.get("/dashboard")).status).toBe(200);
  });

  it("gives each session its own token, the same on every page of it", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const browser = new DashboardBrowser(ctx);
    await browser.signIn("ana@store12.example");
    const token = await browser.csrfToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await browser.csrfToken()).toBe(token);
    expect(token).not.toBe(browser.cookies.get("sw_session"));
    const again = new DashboardBrowser(ctx);
    await again.signIn("ana@store12.example");
    expect(await again.csrfToken()).not.toBe(token);
  });

  it("refuses a sign-in form that did not come from the sign-in page", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    // a cross-site form: no sign-in cookie, and a token of the attacker's choosing
    const forged = await ctx.app.request("/dashboard/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: "attacker", email: "ana@store12.example", password: TEST_PASSWORD }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.getSetCookie().some((h) => h.startsWith("sw_session="))).toBe(false);

    const browser = new DashboardBrowser(ctx);
    await browser.get("/dashboard/login");
    expect((await browser.post("/dashboard/login", { csrf: "wrong", email: "ana@store12.example", password: TEST_PASSWORD })).status).toBe(403);
    expect(await ctx.db.db.select().from(sessions)).toEqual([]);
  });

  it("refuses a form larger than any dashboard form", async () => {
    const res = await ctx.app.request("/dashboard/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `email=${"a".repeat(20_000)}`,
    });
    expect(res.status).toBe(413);
  });
});

describe("password hashes", () => {
  it("are scrypt with a random salt and the parameters in the string", async () => {
    const first = await hashPassword("correct horse battery staple");
    const second = await hashPassword("correct horse battery staple");
    expect(first).toMatch(new RegExp(`^scrypt\\$n=${SCRYPT_PARAMETERS.n},r=${SCRYPT_PARAMETERS.r},p=${SCRYPT_PARAMETERS.p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{86}$`));
    expect(second).not.toBe(first);
    expect(await verifyPassword("correct horse battery staple", first)).toBe(true);
    expect(await verifyPassword("correct horse battery staple", second)).toBe(true);
    expect(await verifyPassword("Correct horse battery staple", first)).toBe(false);
    expect(await verifyPassword("", first)).toBe(false);
  });

  it("verify with the parameters stored, and refuse a damaged or absurd hash", async () => {
    const cheap = await hashPassword("pass phrase 123", { n: 1024, r: 4, p: 1 });
    expect(cheap).toMatch(/^scrypt\$n=1024,r=4,p=1\$/);
    expect(await verifyPassword("pass phrase 123", cheap)).toBe(true);
    const [, parameters, salt, key] = cheap.split("$");
    // damage the key's first character, whose six bits all count (its last ones may be padding bits)
    const damaged = `${key!.startsWith("A") ? "B" : "A"}${key!.slice(1)}`;
    expect(await verifyPassword("pass phrase 123", `scrypt$${parameters}$${salt}$${damaged}`)).toBe(false);
    expect(await verifyPassword("pass phrase 123", `scrypt$n=2048,r=4,p=1$${salt}$${key}`)).toBe(false);
    expect(await verifyPassword("pass phrase 123", `scrypt$n=1000,r=4,p=1$${salt}$${key}`)).toBe(false);
    expect(await verifyPassword("pass phrase 123", `scrypt$n=${2 ** 30},r=8,p=1$${salt}$${key}`)).toBe(false);
    expect(await verifyPassword("pass phrase 123", "plain text")).toBe(false);
    expect(await verifyPassword("pass phrase 123", "")).toBe(false);
  });

  it("are what the users table keeps: never the password", async () => {
    await addUser(ctx, { email: "ana@store12.example" });
    const [row] = await ctx.db.db.select({ passwordHash: users.passwordHash }).from(users);
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(row!.passwordHash).not.toContain(TEST_PASSWORD);
    expect(await verifyPassword(TEST_PASSWORD, row!.passwordHash)).toBe(true);
  });
});
