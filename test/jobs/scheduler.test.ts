import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { runExclusively, startScheduler, type Job, type SchedulerDeps } from "../../src/jobs/scheduler.js";
import { useTestContext } from "../helpers/context.js";
import { onPostgres } from "../helpers/database.js";

const ctx = useTestContext();

function depsOf(db = ctx.db.db): SchedulerDeps {
  return { ...ctx.deps, db, driver: ctx.db.driver };
}

describe("scheduler", () => {
  it("runs a registered job on its schedule, never two runs at once, and waits for a run in progress on stop", async () => {
    let running = 0;
    let maxRunning = 0;
    let finished = 0;
    const job: Job = {
      name: "slow",
      cron: "* * * * * *",
      run: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        running -= 1;
        finished += 1;
      },
    };
    const scheduler = startScheduler(depsOf(), [job]);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await scheduler.stop();
    expect(maxRunning).toBe(1);
    expect(running).toBe(0);
    expect(finished).toBeGreaterThanOrEqual(1);
  }, 15_000);

  // two replicas only exist against a PostgreSQL server: PGlite is one process's private database
  it.runIf(onPostgres)("lets only one replica run a job at a time (advisory lock)", async () => {
    const other = openDatabase({ url: ctx.db.url!, dataDir: "unused" });
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const hasStarted = new Promise<void>((resolve) => (started = resolve));
      const slow: Job = { name: "sweep", cron: "* * * * *", run: async () => (started(), await gate) };
      const quick: Job = { name: "sweep", cron: "* * * * *", run: async () => {} };
      const first = runExclusively(depsOf(), slow);
      await hasStarted;
      expect(await runExclusively(depsOf(other.db), quick)).toBe("skipped");
      // another job name is not blocked
      expect(await runExclusively(depsOf(other.db), { ...quick, name: "dispatch" })).toBe("ran");
      release();
      expect(await first).toBe("ran");
      expect(await runExclusively(depsOf(other.db), quick)).toBe("ran");
    } finally {
      await other.close();
    }
  });
});
