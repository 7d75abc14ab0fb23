import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "./context.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface ScriptOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run admin -- …` as a separate process: scripts/admin.ts with the environment given on top of this one's. */
export function runAdminScript(argv: string[], env: Record<string, string>): Promise<ScriptOutcome> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/admin.ts", ...argv], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, stdout, stderr })));
}

/**
 * Runs `use` with the environment that points the admin script at the test's database. PGlite is one process's
 * database: the script gets a data folder of its own, removed afterwards; on PostgreSQL it uses the test database.
 */
export async function withAdminScriptDatabase(context: TestContext, use: (env: { DATABASE_URL: string; DATA_DIR: string }) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "shelfwatch-admin-"));
  try {
    await use({ DATABASE_URL: context.db.url ?? "", DATA_DIR: dataDir });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
