import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createApp, type AppDeps } from "./app.js";
import { systemClock } from "./clock.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { openDatabase } from "./db/client.js";
import { DataDirLockedError } from "./db/data-dir-lock.js";
import { seedDemo } from "./demo/seed-demo.js";
import { createMetrics } from "./http/metrics.js";
import { startScheduler } from "./jobs/scheduler.js";
import { createLogger, type Logger } from "./log.js";
import { createMailer } from "./notify/mailer.js";
import { markInterruptedImports } from "./sync/import-batches.js";

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

/** config → database → migrations → app → listen → scheduler; the returned stop() drains and closes. */
export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const database = openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, holder: "the Shelfwatch service" });
  log.info({ driver: database.driver, dataDir: database.driver === "pglite" ? config.DATA_DIR : undefined }, "opening database");
  await database.migrate();
  // before this process imports anything: a batch still "processing" now belongs to a process that stopped
  await markInterruptedImports({ db: database.db, log }, { now: systemClock.now() });
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, outboxDir: join(config.DATA_DIR, "outbox"), log, maxConnections: config.SMTP_MAX_CONNECTIONS });
  log.info({ transport: mailer.transport, outboxDir: mailer.transport === "file" ? join(config.DATA_DIR, "outbox") : undefined }, "mail");
  // every ledger writer (routes, drop-folder job) asks for the debounced sweep; the demo seed sweeps on its own
  let requestSweep = (): void => {};
  const deps: AppDeps = {
    db: database.db,
    config,
    clock: systemClock,
    log,
    mailer,
    metrics: createMetrics({ processMetrics: true }),
    onLedgerChange: () => requestSweep(),
  };
  if (config.SEED_DEMO) await seedDemo(deps);
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(listening));
    // a large export streams in only as fast as it is written: Node's default 5-minute limit would cut it off
    (listening as import("node:http").Server).requestTimeout = config.REQUEST_TIMEOUT_MS;
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  log.info({ port, host: config.HOST }, "listening");
  const scheduler = startScheduler({ ...deps, mailer, driver: database.driver }, undefined, { debounceMs: config.SWEEP_DEBOUNCE_MS });
  requestSweep = () => scheduler.request("risk-sweep");

  let stopping: Promise<void> | null = null;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        log.info("shutting down: no new requests, finishing those in flight");
        await scheduler.stop();
        await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
        await mailer.close();
        await database.close();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}

/** Runs the service until SIGTERM or SIGINT, then drains within SHUTDOWN_TIMEOUT_MS. */
export async function main(): Promise<void> {
  const log = createLogger();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      log.fatal({ issues: error.issues }, error.message);
      process.exit(2);
    }
    throw error;
  }
  log.level = config.LOG_LEVEL;
  let service: RunningService;
  try {
    service = await startService(config, log);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      log.fatal({ holderPid: error.owner.pid, dataDir: error.dataDir }, error.message);
      process.exit(1);
    }
    throw error;
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, "signal received");
    const timer = setTimeout(() => {
      log.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown took too long; exiting");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    createLogger().fatal({ err: error }, "start-up failed");
    process.exit(1);
  });
}
