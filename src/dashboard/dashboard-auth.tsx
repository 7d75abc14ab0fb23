import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { CookieOptions } from "hono/utils/cookie";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../app-env.js";
import type { Config } from "../config.js";
import { findSession, secretsMatch, SESSION_COOKIE, type Viewer } from "../http/sessions.js";
import { DASHBOARD_PATH, ErrorPage, renderPage } from "./layout.js";

export type DashboardEnv = AppEnv & { Variables: { viewer: Viewer } };

/** Before sign-in there is no session to bind a CSRF token to: the sign-in form's token is checked against this cookie. */
export const SIGN_IN_COOKIE = "sw_sign_in";
const SIGN_IN_COOKIE_SECONDS = 2 * 3600;

/** HttpOnly, SameSite=Lax, only sent to the dashboard, and Secure whenever the service is reached over https. */
export function dashboardCookie(config: Pick<Config, "PUBLIC_URL">, maxAgeSeconds?: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: "Lax",
    path: DASHBOARD_PATH,
    secure: config.PUBLIC_URL?.startsWith("https:") ?? false,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

/** The sign-in form's CSRF token: the browser's sign-in cookie, made now if it has none. */
export function signInToken(c: Context, config: Pick<Config, "PUBLIC_URL">): string {
  const existing = getCookie(c, SIGN_IN_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString("base64url");
  setCookie(c, SIGN_IN_COOKIE, token, dashboardCookie(config, SIGN_IN_COOKIE_SECONDS));
  return token;
}

export function signInTokenMatches(c: Context, given: string): boolean {
  const expected = getCookie(c, SIGN_IN_COOKIE);
  return expected !== undefined && expected !== "" && secretsMatch(given, expected);
}

/** Only a dashboard path may be the place to return to after sign-in: never another site. */
export function safeReturnPath(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 2000) return undefined;
  if (!/^\/dashboard(?:[/?#]|$)/.test(value)) return undefined;
  if (value.includes("//") || value.includes("\\") || /[\u0000-\u001f\u007f]/.test(value)) return undefined;
  return value;
}

/** A form or query field naming the dashboard page to come back to: anything else is dropped, never refused. */
export const returnPathField = z
  .string()
  .optional()
  .transform((value) => safeReturnPath(value))
  .catch(undefined);

/** Pages need a session: without one, GET requests go to the sign-in page and come back after; other requests start over. */
export function requireSession(deps: AppDeps) {
  return createMiddleware<DashboardEnv>(async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const viewer = token ? await findSession(deps.db, token, deps.clock.now()) : null;
    if (!viewer) {
      if (token !== undefined) deleteCookie(c, SESSION_COOKIE, dashboardCookie(deps.config));
      const url = new URL(c.req.url);
      const back = c.req.method === "GET" && url.pathname !== DASHBOARD_PATH ? safeReturnPath(url.pathname + url.search) : undefined;
      return c.redirect(`${DASHBOARD_PATH}/login${back ? `?next=${encodeURIComponent(back)}` : ""}`, 303);
    }
    c.set("viewer", viewer);
    await next();
  });
}

/** Every request that changes something carries the session's CSRF token in the form field `csrf`; else 403. */
export function requireCsrfToken() {
  return createMiddleware<DashboardEnv>(async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const form = await c.req.parseBody();
    const given = typeof form.csrf === "string" ? form.csrf : "";
    const viewer = c.get("viewer");
    if (!secretsMatch(given, viewer.csrfToken)) {
      c.get("log").warn({ userId: viewer.userId, path: c.req.path, tokenSent: given !== "" }, "dashboard form refused: CSRF token missing or wrong");
      return refusedForm(c, viewer);
    }
    await next();
  });
}

/** The answer to a form whose token is missing or wrong: a forged request, or a page left open across a sign-out. */
export function refusedForm(c: Context, viewer?: Viewer) {
  return renderPage(
    c,
    <ErrorPage
      title="This form cannot be accepted"
      message="The form did not carry a valid security token: it may have come from another site, or from a page opened before you last signed in or out. Nothing was changed. Go back, reload the page and try again."
      viewer={viewer}
    />,
    403,
  );
}
