import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppDeps } from "../app-env.js";
import { AppError, problemBody } from "../http/problem.js";
import type { Logger } from "../log.js";
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
 * A scan that applied any file tells `onLedgerChange` once, as an upload does, so that risk is recomputed soon.
 */
export async function runDropFolder(deps: SyncDeps & Pick<AppDeps, "onLedgerChange">, options: { dir: string; now: Date; settleSeconds: number }): Promise<DropFolderOutcome[]> {
  const { dir, now } = options;
  await mkdir(join(dir, "processed"), { recursive: true });
  await mkdir(join(dir, "failed"), { recursive: true });
  const entries = await readdir(dir, { withFileTypes: true });
  const candidates: Array<{ name: string; mtime: Date }> = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith(".") || !EXPORT_FILE.test(entry.name)) continue;
    let info;
    try {
      info = await stat(join(dir, entry.name));
    } catch (error) {
      // taken away since the listing (by hand, or by the POS replacing it): the others are still imported
      deps.log.warn({ err: error, job: "drop-folder", file: entry.name }, "export vanished before it could be read; skipped");
      continue;
    }
    // a file still being written by the POS waits until it has been quiet for a while
    if (now.getTime() - info.mtime.getTime() < options.settleSeconds * 1000) continue;
    candidates.push({ name: entry.name, mtime: info.mtime });
  }
  candidates.sort((a, b) => a.mtime.getTime() - b.mtime.getTime() || a.name.localeCompare(b.name));

  const outcomes: DropFolderOutcome[] = [];
  // one file's failure, whatever it is, is logged with its name and never keeps the others from being imported
  for (const candidate of candidates) outcomes.push(await importDroppedFile(deps, dir, candidate, now));
  if (outcomes.some((o) => o.report?.status === "applied")) deps.onLedgerChange?.();
  return outcomes;
}

async function importDroppedFile(deps: SyncDeps, dir: string, { name, mtime }: { name: string; mtime: Date }, now: Date): Promise<DropFolderOutcome> {
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
    await fileAway(dir, "processed", name, now, report, log);
    return { file: name, outcome: "processed", report };
  } catch (error) {
    if (error instanceof AppError && error.status < 500) {
      const problem = problemBody(error);
      log.warn({ code: error.code, detail: error.detail }, "export refused; moved to failed/");
      await fileAway(dir, "failed", name, now, problem, log);
      return { file: name, outcome: "failed", problem };
    }
    log.error({ err: error }, "export could not be imported; it stays for the next run");
    return { file: name, outcome: "retry" };
  }
}

/**
 * Moves an imported or refused file out of the scan with its report beside it. Never throws: the import is recorded
 * by then, so a file left in place would be imported (or refused) again on every scan. When it cannot go to its
 * folder it is hidden where it lies (the scan skips dot files); only when even that fails does it stay, logged.
 */
async function fileAway(dir: string, to: "processed" | "failed", name: string, now: Date, report: unknown, log: Logger): Promise<void> {
  const target = archiveName(now, name);
  try {
    await writeFile(join(dir, to, `${target}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    log.error({ err: error, folder: to }, "could not write the export's report");
  }
  try {
    await rename(join(dir, name), join(dir, to, target));
    return;
  } catch (error) {
    log.error({ err: error, folder: to }, `could not move the export to ${to}/`);
  }
  const aside = `.${target}.unfiled`;
  try {
    await rename(join(dir, name), join(dir, aside));
    log.warn({ movedTo: aside }, "export hidden in the drop folder so that it is not imported again; move it away by hand");
  } catch (error) {
    log.error({ err: error }, "export could neither be moved nor hidden: it will be read again on the next scan");
  }
}

/** a file name may have 255 bytes: room for ".report.json" after the archived name, and for the hidden ".…unfiled" */
const MAX_ARCHIVED_NAME_BYTES = 230;

/**
 * The name a file takes in processed/ or failed/: the time of processing, so that a re-sent file of the same name does
 * not overwrite the first one, then its own name. A name too long for that keeps its extension and the start of its
 * stem, with a short hash of the whole name so that names differing only at their end stay apart.
 */
export function archiveName(now: Date, name: string): string {
  const stamp = now.toISOString().replaceAll(":", "-");
  const full = `${stamp}_${name}`;
  if (Buffer.byteLength(full) <= MAX_ARCHIVED_NAME_BYTES) return full;
  const extension = EXPORT_FILE.exec(name)?.[0] ?? "";
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 10);
  const room = MAX_ARCHIVED_NAME_BYTES - Buffer.byteLength(`${stamp}_~${hash}${extension}`);
  return `${stamp}_${truncateUtf8(name.slice(0, name.length - extension.length), room)}~${hash}${extension}`;
}

/** The longest start of the text that fits in so many UTF-8 bytes, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character);
    if (bytes > maxBytes) break;
    end += character.length;
  }
  return text.slice(0, end);
}
