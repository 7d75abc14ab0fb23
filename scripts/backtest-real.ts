// The backtest on every real sales file in ../shared/data/real (never copied into the repository). `npm run backtest:real -- --help`.
import { fileURLToPath } from "node:url";
import { defaultRealDataDir, runRealBacktestCli } from "../src/backtest/real-backtest-cli.js";

process.exitCode = await runRealBacktestCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progress: process.stderr.isTTY === true,
  defaultDir: defaultRealDataDir(fileURLToPath(new URL("..", import.meta.url))),
});
