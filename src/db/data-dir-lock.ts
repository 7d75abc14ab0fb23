import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";

export const lockFileName = "pglite.lock";

/** Who holds a data directory: what the lock file says. */
const lockOwnerSchema = z.object({
  pid: z.number().int().positive(),
  /** the process's start time (Linux /proc, clock ticks since boot), which tells it from a later process given the same pid */
  startTime: z.string().nullable(),
  hostname: z.string(),
  holder: z.string(),
});
export type LockOwner = z.infer<typeof lockOwnerSchema>;

export class DataDirLockedError extends Error {
  constructor(
    readonly owner: LockOwner,
    readonly dataDir: string,
  ) {
    const elsewhere = owner.hostname !== hostname();
    super(
      `${owner.holder} (pid ${owner.pid}${elsewhere ? ` on host ${owner.hostname}` : ""}) holds the embedded database in ${dataDir}; ` +
        "stop it first, or make the change through the running service: the admin API (/v1/admin) or the dashboard's Admin pages (see Administration in the README)" +
        (elsewhere ? `. If it no longer runs, remove ${join(dataDir, lockFileName)}` : ""),
    );
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  /** removes the lock file; throws when it no longer names this process, since another process may then have opened the database */
  release(): void;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    // no /proc (macOS), or the process is gone: the pid alone has to do
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
  // the command name in parentheses may hold spaces; starttime is the 20th field after it
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
}

function isRunning(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if (errorCode(error) === "ESRCH") return false;
    // EPERM: it runs, as another user
    if (errorCode(error) !== "EPERM") throw error;
  }
  const startTime = processStartTime(owner.pid);
  return owner.startTime === null || startTime === null || startTime === owner.startTime;
}

/** The lock file's text and owner, or null when there is none. */
function readLock(path: string): { text: string; owner: LockOwner } | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
  let owner: LockOwner;
  try {
    owner = lockOwnerSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new Error(`${path} is not a lock file Shelfwatch wrote; if no Shelfwatch process uses ${resolve(path, "..")}, remove it`, { cause: error });
  }
  return { text, owner };
}

function removeLock(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    // another process removed it first
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

/**
 * Takes the data directory for this process alone, for as long as it keeps the embedded database open: PGlite is one
 * process's database, and a second process opening the same files loses its writes (or the first one's). A lock whose
 * process no longer runs (killed with SIGKILL, crashed) is taken over. A lock from another host (or container) cannot
 * be checked and is never taken over.
 */
export function lockDataDir(dataDir: string, holder: string): DataDirLock {
  const directory = resolve(dataDir);
  const path = join(directory, lockFileName);
  const owner: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid), hostname: hostname(), holder };
  const text = `${JSON.stringify(owner)}\n`;
  // written in full under a name of its own, then linked into place: the link fails when a lock exists, and nobody reads a half-written one
  const draft = `${path}.${process.pid}.${randomUUID()}`;
  writeFileSync(draft, text, { flag: "wx" });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        linkSync(draft, path);
        break;
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
      }
      const current = readLock(path);
      if (current && (current.owner.hostname !== owner.hostname || isRunning(current.owner))) throw new DataDirLockedError(current.owner, directory);
      if (attempt === 3) throw new Error(`could not take the lock ${path}: other processes keep taking and releasing it`);
      // the holder is gone: remove its lock, unless another process has just taken it over
      if (current && readLock(path)?.text === current.text) removeLock(path);
    }
  } finally {
    unlinkSync(draft);
  }
  return {
    release() {
      if (readLock(path)?.text !== text) throw new Error(`the lock ${path} no longer names this process (pid ${process.pid}); another process may have opened the database`);
      unlinkSync(path);
    },
  };
}
