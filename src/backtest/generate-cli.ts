/** `npm run generate`: write demo sales, promotions and items for the backtest and the demo. */
import { mkdirSync, writeFileSync, createWriteStream } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { z } from "zod";
import { integerFlag, isoDateFlag, readCommandLine } from "./cli-arguments.js";
import { generateDemoData, renderItemsCsv, renderPromotionsCsv, renderSalesCsv, renderTruthCsv } from "./generate-data.js";

export const GENERATE_USAGE = `usage: npm run generate -- [options]

Writes synthetic daily demand for a chain: sales.csv (date,store,sku,units,advertised), promotions.csv
(promotion_id,name,sku,store,start_date,end_date,uplift; store "*" = every store) and items.csv (sku,name,category).
With --truth, also truth.csv (date,store,sku,mean,size): the expected demand each day's units were drawn around and
the negative binomial size of the draw, for the backtest's oracle (npm run backtest -- --truth FILE).
The same options and seed always give the same files.

  --out DIR        folder to write to (created if missing)          default data/demo
  --stores N       number of stores                                 default 5
  --items N        number of items (SKUs), each sold at every store default 100
  --days N         number of days                                   default 730
  --seed N         random seed                                      default 1
  --start DATE     first day, YYYY-MM-DD                            default 2025-01-01
  --truth          also write truth.csv, the true demand distribution
  -h, --help       this text
`;

const flags = {
  out: { type: "string" },
  stores: { type: "string" },
  items: { type: "string" },
  days: { type: "string" },
  seed: { type: "string" },
  start: { type: "string" },
  truth: { type: "boolean" },
} as const;

const generateArguments = z.object({
  out: z.string().min(1, { error: "must not be empty" }).default("data/demo"),
  stores: integerFlag(1, 999).default(5),
  items: integerFlag(1, 100_000).default(100),
  days: integerFlag(14, 20_000).default(730),
  seed: integerFlag(0, 2 ** 32 - 1).default(1),
  start: isoDateFlag.default("2025-01-01"),
  truth: z.boolean().default(false),
});

export type GenerateArguments = z.infer<typeof generateArguments>;

export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Returns the exit status. */
export async function runGenerateCli(argv: string[], io: CliOutput): Promise<number> {
  const line = readCommandLine("generate", GENERATE_USAGE, io, argv, flags, generateArguments);
  if ("status" in line) return line.status;
  const args = line.values;

  const data = generateDemoData(args);
  mkdirSync(args.out, { recursive: true });
  const salesPath = join(args.out, "sales.csv");
  await writeChunks(salesPath, renderSalesCsv(data));
  writeFileSync(join(args.out, "promotions.csv"), renderPromotionsCsv(data));
  writeFileSync(join(args.out, "items.csv"), renderItemsCsv(data));
  const truthPath = join(args.out, "truth.csv");
  if (args.truth) await writeChunks(truthPath, renderTruthCsv(data));
  io.out(
    `wrote ${salesPath} (${data.series.length} series × ${data.dates.length} days, ${data.dates[0]} to ${data.dates.at(-1)}), ` +
      `${join(args.out, "promotions.csv")} (${data.promotions.length} promotions), ${join(args.out, "items.csv")} (${data.items.length} items)` +
      (args.truth ? `, ${truthPath} (true mean and size per series and day)` : "") +
      "\n",
  );
  return 0;
}

/** a large file written chunk by chunk, waiting whenever the stream's buffer is full */
async function writeChunks(path: string, chunks: Iterable<string>): Promise<void> {
  const file = createWriteStream(path);
  for (const chunk of chunks) {
    if (!file.write(chunk)) await once(file, "drain");
  }
  file.end();
  await once(file, "finish");
}
