// Backtest of the stockout alerts against a reorder-point and a days-of-cover alert. `npm run backtest -- --help`.
import { runBacktestCli } from "../src/backtest/backtest-cli.js";

process.exitCode = await runBacktestCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progress: process.stderr.isTTY === true,
});
