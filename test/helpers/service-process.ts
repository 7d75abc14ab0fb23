import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface ServiceProcess {
  pid: number;
  /** the service's log, one parsed JSON line each, as they arrive */
  lines: Array<Record<string, unknown>>;
  /** the port it listens on; rejects when it exits before listening */
  listening: Promise<number>;
  /** the exit code (null when a signal ended it) */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
}

/** `npm run serve` as a separate process, on an ephemeral port, with the environment given on top of this one's. */
export function spawnService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", SEED_DEMO: "false", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let buffered = "";
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        if (line.msg === "listening") resolve(line.port as number);
      }
    });
    void exited.then((code) => reject(new Error(`the service exited with ${code} before listening: ${JSON.stringify(lines.at(-1))}`)));
  });
  // a test that only looks at the exit code must not leave this rejection unhandled
  listening.catch(() => {});
  return {
    pid: child.pid!,
    lines,
    listening,
    exited,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
