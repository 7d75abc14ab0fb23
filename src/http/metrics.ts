import { Hono, type Context } from "hono";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { sql } from "drizzle-orm";
import type { AppDeps, AppEnv } from "../app-env.js";
import { queryRows } from "../db/client.js";
import { isFeedStale } from "../alerts/alert-lifecycle.js";
import { AppError } from "./problem.js";
import { secretsMatch } from "./sessions.js";

/**
 * Prometheus metrics of one process: HTTP requests and scheduled jobs counted as they happen, and the state of the
 * ledger (outbox, feeds, alerts) read from the database at each scrape, so that every replica reports the same figures
 * for what they share.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpSeconds: Histogram<"method" | "route">;
  jobRuns: Counter<"job" | "outcome">;
  jobSeconds: Histogram<"job">;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: "shelfwatch_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpSeconds: new Histogram({
      name: "shelfwatch_http_request_duration_seconds",
      help: "time to answer an HTTP request, by method and route pattern",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    jobRuns: new Counter({
      name: "shelfwatch_job_runs_total",
      help: "scheduled job runs, by job and outcome (ran, skipped: another replica held it, failed)",
      labelNames: ["job", "outcome"],
      registers,
    }),
    jobSeconds: new Histogram({
      name: "shelfwatch_job_duration_seconds",
      help: "time a scheduled job run took, by job",
      labelNames: ["job"],
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
  };
}

/** Gauges read from the database when Prometheus scrapes; answers the function that reads them. */
function registerLedgerGauges(metrics: Metrics, deps: Pick<AppDeps, "db" | "clock">): () => Promise<void> {
  const registers = [metrics.registry];
  const outbox = new Gauge({
    name: "shelfwatch_outbox_emails",
    help: "emails in the outbox, by status (pending, failed) and category",
    labelNames: ["status", "category"],
    registers,
  });
  const oldestPending = new Gauge({
    name: "shelfwatch_outbox_oldest_pending_seconds",
    help: "age of the oldest email waiting to be sent (0 when none waits)",
    registers,
  });
  const feedAge = new Gauge({
    name: "shelfwatch_feed_age_seconds",
    help: "time since each store's POS data last arrived (absent for a store never heard from)",
    labelNames: ["store"],
    registers,
  });
  const feedStale = new Gauge({
    name: "shelfwatch_feed_stale",
    help: "1 when a store's POS feed has been silent longer than its feed interval",
    labelNames: ["store"],
    registers,
  });
  const alerts = new Gauge({
    name: "shelfwatch_alerts",
    help: "live alerts, by store and state (open, acknowledged, snoozed)",
    labelNames: ["store", "state"],
    registers,
  });
  return async () => {
    const now = deps.clock.now();
    const [outboxRows, oldest, feeds, alertRows] = await Promise.all([
      queryRows<{ status: string; category: string; n: number }>(
        deps.db,
        sql`select status, category, count(*)::int as n from outbox where status <> 'sent' group by 1, 2`,
      ),
      queryRows<{ created_at: string | null }>(deps.db, sql`select to_json(min(created_at)) #>> '{}' as created_at from outbox where status = 'pending'`),
      queryRows<{ code: string; seen: string | null; interval_minutes: number }>(
        deps.db,
        sql`select code, to_json(feed_last_seen_at) #>> '{}' as seen, feed_interval_minutes as interval_minutes from stores`,
      ),
      queryRows<{ code: string; state: string; n: number }>(
        deps.db,
        sql`select s.code, a.state, count(*)::int as n from alerts a join stores s on s.id = a.store_id
            where a.state <> 'resolved' group by 1, 2`,
      ),
    ]);
    outbox.reset();
    for (const row of outboxRows) outbox.set({ status: row.status, category: row.category }, row.n);
    const oldestAt = oldest[0]?.created_at;
    oldestPending.set(oldestAt ? Math.max(0, (now.getTime() - new Date(oldestAt).getTime()) / 1000) : 0);
    feedAge.reset();
    feedStale.reset();
    for (const feed of feeds) {
      if (feed.seen === null) continue;
      const seen = new Date(feed.seen);
      feedAge.set({ store: feed.code }, Math.max(0, (now.getTime() - seen.getTime()) / 1000));
      feedStale.set({ store: feed.code }, isFeedStale({ feedLastSeenAt: seen, feedIntervalMinutes: feed.interval_minutes }, now) ? 1 : 0);
    }
    alerts.reset();
    for (const row of alertRows) alerts.set({ store: row.code, state: row.state }, row.n);
  };
}

/** Counts every request under its route pattern (not its path: one series per route, whatever the ids). */
export function countRequests(metrics: Metrics) {
  return async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath || "unmatched";
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpSeconds.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  };
}

/**
 * GET /metrics in Prometheus' text format, only for `Authorization: Bearer <METRICS_TOKEN>`. Without a token configured
 * the endpoint does not exist (404): it names stores and counts their alerts, so it is never open by default.
 */
export function metricsRoutes(deps: AppDeps, metrics: Metrics) {
  const readLedger = registerLedgerGauges(metrics, deps);
  const router = new Hono<AppEnv>();
  router.get("/metrics", async (c) => {
    const token = deps.config.METRICS_TOKEN;
    if (!token) throw new AppError({ code: "not_found", detail: "metrics are off: set METRICS_TOKEN to scrape them with that bearer token" });
    if (!secretsMatch(c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? "", token)) {
      throw new AppError({ code: "unauthorized", detail: "metrics need the METRICS_TOKEN as a bearer token" });
    }
    await readLedger();
    return c.body(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType });
  });
  return router;
}
