import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createMetrics } from "../../src/http/metrics.js";
import { startScheduler, type Job } from "../../src/jobs/scheduler.js";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { useTestContext } from "../helpers/context.js";
import { importCsv } from "../helpers/sync-requests.js";
import { advertisedItemAtStore12 } from "../notify/alert-fixtures.js";

const TOKEN = "a-long-enough-metrics-token";
const ctx = useTestContext({ LOG_LEVEL: "silent", METRICS_TOKEN: TOKEN });

async function scrape(app = ctx.app, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<string> {
  const res = await app.request("/metrics", { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return res.text();
}

/** The value of one series, e.g. `shelfwatch_alerts{store="S12",state="open"}`; undefined when absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("counts requests by route pattern and reports the outbox, the feeds and the live alerts from the database", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 2);
    await importCsv(ctx, chainKey, "store,sku,on_hand\nS12,0002,5\n");
    expect((await ctx.app.request("/v1/imports/999999", { headers: { authorization: `Bearer ${chainKey}` } })).status).toBe(404);
    await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
    ctx.clock.advance(2 * 3600_000);

    const text = await scrape();
    expect(valueOf(text, 'shelfwatch_http_requests_total{method="POST",route="/v1/imports",status="201"}')).toBe(2);
    // one series per route pattern, whatever the id asked for
    expect(valueOf(text, 'shelfwatch_http_requests_total{method="GET",route="/v1/imports/:id",status="404"}')).toBe(1);
    expect(text).toContain('shelfwatch_http_request_duration_seconds_count{method="POST",route="/v1/imports"} 2');
    // the alert emails the sweep wrote wait for the dispatcher, for two hours now
    expect(valueOf(text, 'shelfwatch_outbox_emails{status="pending",category="alert"}')).toBeGreaterThan(0);
    expect(valueOf(text, "shelfwatch_outbox_oldest_pending_seconds")).toBe(7200);
    expect(valueOf(text, 'shelfwatch_alerts{store="S12",state="open"}')).toBe(1);
    // S12 was heard from two hours ago (its interval is a day); S7 never
    expect(valueOf(text, 'shelfwatch_feed_age_seconds{store="S12"}')).toBe(7200);
    expect(valueOf(text, 'shelfwatch_feed_stale{store="S12"}')).toBe(0);
    expect(valueOf(text, 'shelfwatch_feed_age_seconds{store="S7"}')).toBeUndefined();
    ctx.clock.advance(24 * 3600_000);
    expect(valueOf(await scrape(), 'shelfwatch_feed_stale{store="S12"}')).toBe(1);
  });

  it("answers only the bearer of METRICS_TOKEN", async () => {
    const app = ctx.app;
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: "Bearer wrong-token-of-some-length" },
      { authorization: "Bearer a-long-enough-metrics-tokeN" },
    ];
    for (const headers of refused) {
      const res = await app.request("/metrics", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await scrape(app, { authorization: `Bearer ${TOKEN}` })).toContain("shelfwatch_http_requests_total");
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN/);
  });

  it("does not exist without METRICS_TOKEN: store codes and alert counts are not for whoever reaches the port", async () => {
    const { chainKey } = await advertisedItemAtStore12(ctx, 2);
    await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
    const app = createApp({ ...ctx.deps, config: loadConfig({ LOG_LEVEL: "silent" }) });
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKEN}` }, { authorization: `Bearer ${chainKey}` }];
    for (const headers of attempts) {
      const res = await app.request("/metrics", { headers });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = await res.text();
      expect(body).toContain("METRICS_TOKEN");
      expect(body).not.toContain("S12");
    }
  });

  it("counts scheduled job runs by outcome and times them", async () => {
    const metrics = createMetrics();
    const jobs: Job[] = [
      { name: "works", cron: "0 0 1 1 *", run: async () => {} },
      { name: "breaks", cron: "0 0 1 1 *", run: async () => Promise.reject(new Error("job broke on purpose")) },
    ];
    const scheduler = startScheduler({ ...ctx.deps, metrics, driver: ctx.db.driver, mailer: ctx.deps.mailer! }, jobs);
    scheduler.request("works", 0);
    scheduler.request("breaks", 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await scheduler.stop();
    const text = await metrics.registry.metrics();
    expect(valueOf(text, 'shelfwatch_job_runs_total{job="works",outcome="ran"}')).toBe(1);
    expect(valueOf(text, 'shelfwatch_job_runs_total{job="breaks",outcome="failed"}')).toBe(1);
    expect(valueOf(text, 'shelfwatch_job_duration_seconds_count{job="works"}')).toBe(1);
  });
});
