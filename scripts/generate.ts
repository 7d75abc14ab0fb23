// Synthetic sales, promotions and items for the backtest and the demo. `npm run generate -- --help` lists the options.
import { runGenerateCli } from "../src/backtest/generate-cli.js";

process.exitCode = await runGenerateCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
