import cron, { type ScheduledTask } from "node-cron";
import { sql } from "drizzle-orm";
import type { AppDeps } from "../app-env.js";
import { queryRows, type Database } from "../db/client.js";
import { runDropFolder } from "../sync/drop-folder.js";

export interface Job {
  name: string;
  cron: string;
  run(): Promise<unknown>;
}

export interface SchedulerDeps extends AppDeps {
  driver: "pglite" | "postgres";
}

/** Every scheduled job of the service, in one place. */
export function serviceJobs(deps: SchedulerDeps): Job[] {
  const jobs: Job[] = [];
  const { config } = deps;
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
  stop(): Promise<void>;
}

/** Registers the jobs with node-cron; a run never overlaps the previous run of the same job. */
export function startScheduler(deps: SchedulerDeps, jobs: Job[] = serviceJobs(deps)): Scheduler {
  const tasks: ScheduledTask[] = [];
  const running = new Set<Promise<unknown>>();
  for (const job of jobs) {
    const task = cron.schedule(
      job.cron,
      async () => {
        const log = deps.log.child({ job: job.name });
        const started = performance.now();
        const run = runExclusively(deps, job);
        running.add(run);
        try {
          const outcome = await run;
          log.debug({ outcome, ms: Math.round(performance.now() - started) }, "job run");
        } catch (error) {
          log.error({ err: error }, "job failed");
        } finally {
          running.delete(run);
        }
      },
      { name: job.name, noOverlap: true },
    );
    tasks.push(task);
    deps.log.info({ job: job.name, cron: job.cron }, "job scheduled");
  }
  return {
    async stop() {
      for (const task of tasks) await task.stop();
      // let runs in progress finish, so that no import is cut off half-way
      await Promise.allSettled([...running]);
      for (const task of tasks) await task.destroy();
    },
  };
}
