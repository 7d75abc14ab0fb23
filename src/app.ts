import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { AppDeps, AppEnv } from "./app-env.js";
import { isDatabaseUnavailable, pingDatabase } from "./db/client.js";
import { countRequests, createMetrics, metricsRoutes } from "./http/metrics.js";
import { AppError, problemResponse } from "./http/problem.js";
import { adminRoutes } from "./admin/admin.routes.js";
import { alertRoutes } from "./alerts/alerts.routes.js";
import { riskRoutes } from "./alerts/risk.routes.js";
import { linkRoutes, notifyRoutes } from "./notify/notify.routes.js";
import { customerPages, subscriptionRoutes } from "./subscriptions/subscription.routes.js";
import { planRoutes } from "./plan/plan.routes.js";
import { syncRoutes } from "./sync/sync.routes.js";
import { dashboardRoutes } from "./dashboard/dashboard.routes.js";

export type { AppDeps } from "./app-env.js";

/** Builds the HTTP app; it never listens (src/index.ts does, tests use app.request()). */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const metrics = deps.metrics ?? createMetrics();

  app.use("*", requestId({ headerName: "x-request-id" }));
  app.use("*", countRequests(metrics));
  app.use("*", async (c, next) => {
    const log = deps.log.child({ requestId: c.get("requestId") });
    c.set("log", log);
    const started = performance.now();
    await next();
    log.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      "request",
    );
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.route("/", metricsRoutes(deps, metrics));
  // browsers ask for it on every page; no icon, and no 404 in their console
  app.get("/favicon.ico", (c) => c.body(null, 204, { "cache-control": "public, max-age=86400" }));
  app.get("/readyz", async (c) => {
    try {
      await pingDatabase(deps.db);
      return c.json({ status: "ready" });
    } catch (error) {
      c.get("log").error({ err: error }, "database not reachable");
      throw databaseUnavailable(error);
    }
  });

  // first: the public customer endpoints answer before the API-key guards the other routers put on /v1/*
  const customers = subscriptionRoutes(deps);
  app.route("/v1", customers.router);
  app.route("/v1", syncRoutes(deps));
  app.route("/v1", planRoutes(deps));
  app.route("/v1", riskRoutes(deps));
  app.route("/v1", alertRoutes(deps));
  app.route("/v1", notifyRoutes(deps));
  app.route("/v1/admin", adminRoutes(deps));
  app.route("/", linkRoutes(deps));
  app.route("/", customerPages(deps, customers.subscribe));
  app.route("/dashboard", dashboardRoutes(deps));

  app.notFound((c) => problemResponse(c, new AppError({ code: "not_found", detail: `no route for ${c.req.method} ${c.req.path}` })));

  app.onError((error, c) => {
    if (error instanceof AppError) {
      if (error.status >= 500) (c.get("log") ?? deps.log).error({ err: error.cause ?? error }, error.detail);
      return problemResponse(c, error);
    }
    if (error instanceof HTTPException) {
      const code = error.status === 401 ? "unauthorized" : error.status === 413 ? "payload_too_large" : "validation_failed";
      return problemResponse(c, new AppError({ code, detail: error.message }));
    }
    // a database that is down or restarting is the service's temporary state, not a fault of the request
    if (isDatabaseUnavailable(error)) {
      (c.get("log") ?? deps.log).error({ err: error, path: c.req.path }, "database not reachable");
      return problemResponse(c, databaseUnavailable(error));
    }
    (c.get("log") ?? deps.log).error({ err: error, path: c.req.path }, "unhandled error");
    return problemResponse(c, new AppError({ code: "internal", detail: "something went wrong on the server; the request id identifies it in the logs" }));
  });

  return app;
}

export type App = ReturnType<typeof createApp>;

/** Seconds a client is asked to wait before retrying while the database is unreachable (a restart or failover). */
const DATABASE_RETRY_AFTER_SECONDS = 10;

function databaseUnavailable(cause: unknown): AppError {
  return new AppError({
    code: "unavailable",
    detail: "the database is not reachable; try again shortly",
    headers: { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) },
    cause,
  });
}
