import cron, { type ScheduledTask } from "node-cron";
import { sql } from "drizzle-orm";
import type { AppDeps } from "../app-env.js";
import { queryRows, type Database } from "../db/client.js";
import { runDropFolder } from "../sync/drop-folder.js";
import { sweepWithAlerts } from "../notify/alert-notices.js";
import { runDigests } from "../notify/digests.js";
import { runDispatch } from "../notify/dispatcher.js";
import { runCustomerNotices } from "../subscriptions/customer-notices.js";
import type { Mailer } from "../notify/mail-types.js";

export interface Job {
  name: string;
  cron: string;
  run(): Promise<unknown>;
  /** jobs to run right after this one (the dispatcher after anything that writes email) */
  then?: string[];
}

export interface SchedulerDeps extends AppDeps {
  driver: "pglite" | "postgres";
  mailer: Mailer;
}

/** Every scheduled job of the service, in one place. */
export function serviceJobs(deps: SchedulerDeps): Job[] {
  const { config } = deps;
  const jobs: Job[] = [
    { name: "risk-sweep", cron: config.SWEEP_CRON, run: () => sweepWithAlerts(deps, { now: deps.clock.now() }), then: ["customer-notices", "dispatch"] },
    { name: "customer-notices", cron: config.CUSTOMER_NOTICES_CRON, run: () => runCustomerNotices(deps, deps.clock.now()), then: ["dispatch"] },
    { name: "dispatch", cron: config.DISPATCH_CRON, run: () => runDispatch(deps) },
    { name: "digests", cron: config.DIGEST_CRON, run: () => runDigests(deps), then: ["dispatch"] },
  ];
  if (config.SYNC_DIR) {
    const dir = config.SYNC_DIR;
    jobs.push({
      name: "drop-folder",
      cron: config.SYNC_CRON,
      run: () => runDropFolder(deps, { dir, now: deps.clock.now(), settleSeconds: config.SYNC_SETTLE_SECONDS }),
    });
  }
  return jobs;
}

/**
 * Runs a job only if no other replica is running it: a PostgreSQL advisory lock, held by a transaction for the
 * job's duration. PGlite is one process's private database, so there the lock is unnecessary.
 */
export async function runExclusively(deps: SchedulerDeps, job: Job): Promise<"ran" | "skipped"> {
  if (deps.driver === "pglite") {
    await job.run();
    return "ran";
  }
  return deps.db.transaction(async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(
      tx as unknown as Database,
      sql`select pg_try_advisory_xact_lock(hashtext('shelfwatch:job'), hashtext(${job.name})) as locked`,
    );
    if (!lock?.locked) return "skipped" as const;
    await job.run();
    return "ran" as const;
  });
}

export interface Scheduler {
  /** runs a job soon, once, however often it is asked within the debounce time (default: the scheduler's) */
  request(name: string, debounceMs?: number): void;
  stop(): Promise<void>;
}

/** Registers the jobs with node-cron; a run never overlaps the previous run of the same job. */
export function startScheduler(deps: SchedulerDeps, jobs: Job[] = serviceJobs(deps), options: { debounceMs?: number } = {}): Scheduler {
  const tasks: ScheduledTask[] = [];
  const running = new Set<Promise<unknown>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  const inFlight = new Map<string, Promise<void>>();
  // one run of a job at a time in this process; the advisory lock takes care of other replicas
  const trigger = (job: Job): Promise<void> => {
    const current = inFlight.get(job.name);
    if (current) return current;
    const log = deps.log.child({ job: job.name });
    const started = performance.now();
    const counted = (outcome: "ran" | "skipped" | "failed") => {
      deps.metrics?.jobRuns.inc({ job: job.name, outcome });
      if (outcome !== "skipped") deps.metrics?.jobSeconds.observe({ job: job.name }, (performance.now() - started) / 1000);
    };
    const run = runExclusively(deps, job).then(
      (outcome) => {
        counted(outcome);
        log.debug({ outcome, ms: Math.round(performance.now() - started) }, "job run");
        for (const next of job.then ?? []) scheduler.request(next, 0);
      },
      (error: unknown) => {
        counted("failed");
        log.error({ err: error }, "job failed");
      },
    );
    const tracked = run.finally(() => {
      inFlight.delete(job.name);
      running.delete(tracked);
    });
    inFlight.set(job.name, tracked);
    running.add(tracked);
    return tracked;
  };
  for (const job of jobs) {
    const task = cron.schedule(job.cron, () => trigger(job), { name: job.name, noOverlap: true });
    tasks.push(task);
    deps.log.info({ job: job.name, cron: job.cron }, "job scheduled");
  }
  const scheduler: Scheduler = {
    request(name, debounceMs = options.debounceMs ?? 0) {
      const job = jobs.find((j) => j.name === name);
      if (!job || stopped) return;
      clearTimeout(timers.get(name));
      timers.set(
        name,
        setTimeout(() => {
          timers.delete(name);
          // a run already in progress may have read the ledger before this change: run again after it
          const current = inFlight.get(name);
          if (current) void current.then(() => trigger(job));
          else void trigger(job);
        }, debounceMs),
      );
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      for (const task of tasks) await task.stop();
      // let runs in progress finish, so that no import is cut off half-way
      await Promise.allSettled([...running]);
      for (const task of tasks) await task.destroy();
    },
  };
  return scheduler;
}
