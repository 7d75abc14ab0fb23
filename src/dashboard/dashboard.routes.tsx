import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { AT_RISK_DEFAULTS, listAtRisk, listRiskCategories } from "../alerts/at-risk.js";
import { storeTrackRecord } from "../alerts/track-record.js";
import { checkTrackRecordPeriod, TRACK_RECORD_DEFAULT_DAYS, trackRecordPeriodFields } from "../alerts/track-record.schemas.js";
import type { AppDeps } from "../app-env.js";
import { clientAddress } from "../http/client-address.js";
import { AppError, ERROR_CODES } from "../http/problem.js";
import { endSession, findSession, hashSessionToken, SESSION_COOKIE, startSession } from "../http/sessions.js";
import { checkCredentials } from "../http/sign-in.js";
import { validate } from "../http/validation.js";
import { countRequest } from "../subscriptions/rate-limits.js";
import { adminPageRoutes } from "./admin.routes.js";
import { AtRiskPage } from "./at-risk-page.js";
import { loadItemPage } from "./item-page-data.js";
import { ItemPage } from "./item-page.js";
import {
  dashboardCookie,
  refusedForm,
  requireCsrfToken,
  requireSession,
  returnPathField,
  SIGN_IN_COOKIE,
  signInToken,
  signInTokenMatches,
  type DashboardEnv,
} from "./dashboard-auth.js";
import { DASHBOARD_PATH, ErrorPage, renderPage } from "./layout.js";
import { operationsRoutes } from "./operations.routes.js";
import { rainCheckRoutes } from "./rain-checks.routes.js";
import { filterStores, namedStore, visibleStores } from "./viewer-stores.js";
import { SIGN_IN_REFUSED, SignInPage } from "./sign-in-page.js";
import { TrackRecordPage } from "./track-record-page.js";

/** rows on the at-risk page; more is a note asking to filter, not a longer page */
export const AT_RISK_ROW_CAP = 200;
/** sign-in attempts per hour from one client address, over every account: the lock-out guards each account, this the spraying */
export const SIGN_IN_ATTEMPTS_PER_HOUR = 100;
const RATE_WINDOW_MS = 3600_000;
/** a dashboard form is a few fields */
const FORM_MAX_BYTES = 16 * 1024;

const signInForm = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
  csrf: z.string().max(200),
  next: returnPathField,
});

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => (value === "" ? undefined : value));

const atRiskQuery = z.object({
  store: optionalText(100),
  category: optionalText(200),
  advertised: z
    .string()
    .max(10)
    .optional()
    .transform((value) => value !== undefined && ["1", "true", "on", "yes"].includes(value.toLowerCase())),
});

const storeParam = z.object({ code: z.string().min(1).max(100) });

const trackRecordQuery = z.object({ store: optionalText(100), ...trackRecordPeriodFields }).superRefine(checkTrackRecordPeriod);

/** The store manager's dashboard: server-rendered pages behind a sign-in, every query limited to the viewer's stores. */
export function dashboardRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const router = new Hono<DashboardEnv>();

  router.use(
    "*",
    bodyLimit({
      maxSize: FORM_MAX_BYTES,
      onError: (c) => renderPage(c, <ErrorPage title="Form too large" message="The form sent more than a dashboard form ever holds. Nothing was changed." />, 413),
    }),
  );

  router.get("/login", validate("query", z.object({ next: returnPathField })), async (c) => {
    const next = c.req.valid("query").next;
    const token = getCookie(c, SESSION_COOKIE);
    if (token && (await findSession(db, token, clock.now()))) return c.redirect(next ?? DASHBOARD_PATH, 303);
    return renderPage(c, <SignInPage csrfToken={signInToken(c, config)} next={next} />);
  });

  router.post("/login", async (c) => {
    const body = await c.req.parseBody();
    if (!signInTokenMatches(c, typeof body.csrf === "string" ? body.csrf : "")) return refusedForm(c);
    const csrfToken = signInToken(c, config);
    const form = signInForm.safeParse(body);
    if (!form.success) {
      const email = typeof body.email === "string" ? body.email.slice(0, 254) : undefined;
      return renderPage(c, <SignInPage csrfToken={csrfToken} email={email} message="Enter your email address and your password." />, 400);
    }
    const { email, password, next } = form.data;
    const now = clock.now();
    const rate = await countRequest(db, `dashboard-sign-in:${clientAddress(c, config.TRUST_PROXY)}`, SIGN_IN_ATTEMPTS_PER_HOUR, RATE_WINDOW_MS, now);
    if (!rate.allowed) {
      const minutes = Math.ceil(rate.retryAfterSeconds / 60);
      const message = `Too many sign-in attempts from your network. Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
      return renderPage(c, <SignInPage csrfToken={csrfToken} email={email} next={next} message={message} />, 429, {
        "retry-after": String(rate.retryAfterSeconds),
      });
    }

    const outcome = await checkCredentials(db, config, { email, password }, now);
    const log = c.get("log");
    if (!outcome.ok) {
      // the reason goes to the log only; the page says the same thing whatever it was
      log.info({ outcome: outcome.reason, userId: outcome.userId, lockedUntil: outcome.lockedUntil }, "dashboard sign-in refused");
      return renderPage(c, <SignInPage csrfToken={csrfToken} email={email} next={next} message={SIGN_IN_REFUSED} />, 401);
    }
    // a session the browser still held ends: one browser, one session
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous) await endSession(db, hashSessionToken(previous));
    const session = await startSession(db, outcome.userId, { now, hours: config.DASHBOARD_SESSION_HOURS });
    setCookie(c, SESSION_COOKIE, session.token, dashboardCookie(config, config.DASHBOARD_SESSION_HOURS * 3600));
    deleteCookie(c, SIGN_IN_COOKIE, dashboardCookie(config));
    log.info({ userId: outcome.userId, expiresAt: session.expiresAt }, "dashboard sign-in");
    return c.redirect(next ?? DASHBOARD_PATH, 303);
  });

  // everything below needs a session, and a form's CSRF token
  router.use("*", requireSession(deps));
  router.use("*", requireCsrfToken());
  router.route("/", operationsRoutes(deps));
  router.route("/admin", adminPageRoutes(deps));
  router.route("/", rainCheckRoutes(deps));

  router.post("/logout", async (c) => {
    const viewer = c.get("viewer");
    await endSession(db, viewer.sessionId);
    deleteCookie(c, SESSION_COOKIE, dashboardCookie(config));
    c.get("log").info({ userId: viewer.userId }, "dashboard sign-out");
    return c.redirect(`${DASHBOARD_PATH}/login`, 303);
  });

  router.get("/", validate("query", atRiskQuery), async (c) => {
    const viewer = c.get("viewer");
    const query = c.req.valid("query");
    const { visible, storeIds, store, message } = await filterStores(db, viewer, query.store);
    const rows =
      storeIds.length === 0
        ? []
        : await listAtRisk(db, {
            storeIds,
            category: query.category,
            advertisedOnly: query.advertised,
            minProbability: AT_RISK_DEFAULTS.minProbability,
            horizonDays: AT_RISK_DEFAULTS.horizonDays,
            limit: AT_RISK_ROW_CAP + 1,
            now: clock.now(),
          });
    const categories = visible.length === 0 ? [] : await listRiskCategories(db, visible.map((s) => s.id));
    return renderPage(
      c,
      <AtRiskPage
        viewer={viewer}
        stores={visible}
        categories={categories}
        filters={{ store: store?.code, category: query.category, advertisedOnly: query.advertised }}
        rows={rows.slice(0, AT_RISK_ROW_CAP)}
        capped={rows.length > AT_RISK_ROW_CAP}
        cap={AT_RISK_ROW_CAP}
        message={message}
      />,
      message ? 404 : 200,
    );
  });

  // one store at a time: the one named, else the viewer's first
  router.get("/track-record", validate("query", trackRecordQuery), async (c) => {
    const viewer = c.get("viewer");
    const query = c.req.valid("query");
    const visible = await visibleStores(db, viewer);
    const store = query.store === undefined ? visible[0] : await namedStore(db, visible, query.store);
    if (query.store !== undefined && !store) throw new AppError({ code: "not_found", detail: `There is no store “${query.store}” among your stores.` });
    const figures = store
      ? await storeTrackRecord(db, store, query, { now: clock.now(), leadDays: config.ORDER_LEAD_DAYS, defaultDays: TRACK_RECORD_DEFAULT_DAYS })
      : null;
    return renderPage(
      c,
      <TrackRecordPage viewer={viewer} stores={visible} store={store ?? null} asked={{ from: query.from, to: query.to }} figures={figures} />,
    );
  });

  // the store link of alert emails: the at-risk list of that store
  router.get("/stores/:code", validate("param", storeParam), (c) =>
    c.redirect(`${DASHBOARD_PATH}?store=${encodeURIComponent(c.req.valid("param").code)}`, 302),
  );
  router.get("/stores/:code/items/:sku", validate("param", storeParam.extend({ sku: z.string().min(1).max(100) })), async (c) => {
    const viewer = c.get("viewer");
    const { code, sku } = c.req.valid("param");
    const store = await namedStore(db, await visibleStores(db, viewer), code);
    // a store the viewer may not see is answered like one that does not exist
    if (!store) throw new AppError({ code: "not_found", detail: `There is no store “${code}” among your stores.` });
    return renderPage(
      c,
      <ItemPage
        viewer={viewer}
        {...await loadItemPage(db, store, sku, clock.now(), { leadDays: config.ORDER_LEAD_DAYS })}
        snoozeHours={config.SNOOZE_HOURS}
        path={c.req.path}
      />,
    );
  });

  router.all("*", (c) => {
    const url = new URL(c.req.url);
    if (c.req.method === "GET" && url.pathname === `${DASHBOARD_PATH}/`) return c.redirect(`${DASHBOARD_PATH}${url.search}`, 301);
    return renderPage(c, <ErrorPage title="Page not found" message="There is no dashboard page at this address." viewer={c.get("viewer")} />, 404);
  });

  router.onError((error, c) => {
    const viewer = c.get("viewer");
    const log = c.get("log") ?? deps.log;
    if (error instanceof AppError && error.status < 500) {
      return renderPage(c, <ErrorPage title={ERROR_CODES[error.code].title} message={error.detail} viewer={viewer} />, error.status, error.headers);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return renderPage(c, <ErrorPage title="Request refused" message={error.message} viewer={viewer} />, error.status);
    }
    log.error({ err: error instanceof AppError ? (error.cause ?? error) : error, path: c.req.path }, "dashboard page failed");
    return renderPage(
      c,
      <ErrorPage title="Something went wrong" message="The page could not be shown. Try again in a moment; the request id in the logs identifies the problem." viewer={viewer} />,
      500,
    );
  });

  return router;
}
