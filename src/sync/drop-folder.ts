import { createReadStream } from "node:fs";
import { mkdir, readdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AppError, problemBody } from "../http/problem.js";
import { importExport, type ImportReport, type SyncDeps } from "./import-export.js";

const EXPORT_FILE = /\.(csv|tsv|txt)(\.gz)?$/i;

export interface DropFolderOutcome {
  file: string;
  outcome: "processed" | "failed" | "retry";
  report?: ImportReport;
  problem?: ReturnType<typeof problemBody>;
}

/**
 * Imports the export files waiting in the drop folder, exactly as an upload would, oldest first. Each file then moves
 * to processed/ or failed/ with a `.report.json` beside it. A file the server could not import for its own reasons
 * (database down) stays where it is for the next run; one already imported (same bytes) is not applied again.
 */
export async function runDropFolder(deps: SyncDeps, options: { dir: string; now: Date; settleSeconds: number }): Promise<DropFolderOutcome[]> {
  const { dir, now } = options;
  await mkdir(join(dir, "processed"), { recursive: true });
  await mkdir(join(dir, "failed"), { recursive: true });
  const entries = await readdir(dir, { withFileTypes: true });
  const candidates: Array<{ name: string; mtime: Date }> = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith(".") || !EXPORT_FILE.test(entry.name)) continue;
    const info = await stat(join(dir, entry.name));
    // a file still being written by the POS waits until it has been quiet for a while
    if (now.getTime() - info.mtime.getTime() < options.settleSeconds * 1000) continue;
    candidates.push({ name: entry.name, mtime: info.mtime });
  }
  candidates.sort((a, b) => a.mtime.getTime() - b.mtime.getTime() || a.name.localeCompare(b.name));

  const outcomes: DropFolderOutcome[] = [];
  for (const { name, mtime } of candidates) {
    const log = deps.log.child({ job: "drop-folder", file: name });
    const path = join(dir, name);
    try {
      const report = await importExport(deps, {
        body: createReadStream(path),
        format: "auto",
        source: "drop-folder",
        fileName: name,
        // the file was written when the export was taken; the pick-up may come minutes later
        observedAt: mtime < now ? mtime : now,
        apiKey: null,
        now,
      });
      await moveWithReport(dir, "processed", name, now, report);
      outcomes.push({ file: name, outcome: "processed", report });
    } catch (error) {
      if (error instanceof AppError && error.status < 500) {
        const problem = problemBody(error);
        await moveWithReport(dir, "failed", name, now, problem);
        log.warn({ code: error.code, detail: error.detail }, "export refused; moved to failed/");
        outcomes.push({ file: name, outcome: "failed", problem });
      } else {
        log.error({ err: error }, "export could not be imported; it stays for the next run");
        outcomes.push({ file: name, outcome: "retry" });
      }
    }
  }
  return outcomes;
}

async function moveWithReport(dir: string, to: "processed" | "failed", name: string, now: Date, report: unknown): Promise<void> {
  // a timestamp prefix keeps a re-sent file of the same name from overwriting the first one
  const target = `${now.toISOString().replaceAll(":", "-")}_${name}`;
  await writeFile(join(dir, to, `${target}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
  await rename(join(dir, name), join(dir, to, target));
}
