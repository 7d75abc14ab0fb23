/**
 * The backtest's input: a sales file (`date,store,sku,units[,advertised]`) and an optional promotions file
 * (`promotion_id,name,sku,store,start_date,end_date[,uplift]`, store `*` = every store), turned into one dense series
 * per store and SKU over the file's whole date range. Pure: the script reads the files, this parses their text.
 *
 * - Days without a row count as zero units (POS exports usually omit days without sales).
 * - Several rows for the same store, SKU and date add up; negative units (refunds) count as zero.
 * - A day is promoted when the sales row says advertised=1 or a promotion covers it. A promotion's uplift column is
 *   ignored: the forecaster has to learn uplift from the history, as it would in a store.
 * - An optional items file (`sku,category[,…]`, what `npm run generate` writes as items.csv) gives each SKU its
 *   category, as the items table does in the service.
 * - An optional stockout-hours file (`date,store,sku,oos_hours`, as freshretail_oos.csv) gives the hours each day the
 *   retailer's own record had the shelf empty: such a day's sales understate its demand, and the history the model sees
 *   marks it censored, as the service's ledger marks a day on which on hand reached zero.
 * - An optional truth file (`date,store,sku,mean,size`, what `npm run generate -- --truth` writes as truth.csv) gives
 *   each series the distribution its demand was drawn from, for the oracle.
 */
import { dateOfDayNumber, dayNumber, isIsoDate } from "./calendar-days.js";

export interface BacktestSeries {
  store: string;
  sku: string;
  /** units per day (the demand a full shelf would have met), index 0 = dates[0] */
  demand: Float64Array;
  /** 1 on days the item is promoted at the store; the calendar is known in advance */
  promoted: Uint8Array;
  /** the item's category, from an items file; items of a category at a store share what they learn of promotions */
  category?: string;
  /** the distribution the demand was drawn from, from a truth file: what the oracle forecasts with */
  truth?: DemandTruth;
  /** 1 on days the retailer recorded the shelf empty for a while (a stockout-hours file): sales there understate demand */
  censored?: Uint8Array;
}

/** A series' true demand: negative binomial around `mean[d]` on day d, with the series' size. */
export interface DemandTruth {
  /** expected units per day, index 0 = dates[0] */
  mean: Float64Array;
  /** variance = mean + mean² / size */
  size: number;
}

export interface BacktestInput {
  dates: string[];
  stores: string[];
  series: BacktestSeries[];
}

export class BacktestInputError extends Error {
  override name = "BacktestInputError";
}

/** Fields of one CSV line: RFC 4180 quoting; the common unquoted line takes the fast path. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function csvLines(text: string): string[] {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith("\r")) lines[i] = lines[i]!.slice(0, -1);
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  if (lines[0]?.charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
  return lines;
}

function columnIndexes<K extends string>(header: string, file: string, required: readonly K[], optional: readonly K[] = []): Record<K, number> {
  const names = splitCsvLine(header).map((name) => name.trim().toLowerCase());
  const indexes = {} as Record<K, number>;
  for (const column of [...required, ...optional]) indexes[column] = names.indexOf(column);
  const missing = required.filter((column) => indexes[column] < 0);
  if (missing.length > 0) throw new BacktestInputError(`${file}: line 1: missing column ${missing.join(", ")} (header: ${header})`);
  return indexes;
}

export function parseSalesCsv(text: string, file = "sales file"): BacktestInput {
  const lines = csvLines(text);
  if (lines.length === 0) throw new BacktestInputError(`${file}: empty`);
  const column = columnIndexes(lines[0]!, file, ["date", "store", "sku", "units"], ["advertised"]);

  const dayOfDate = new Map<string, number>();
  const rows: Array<{ day: number; key: string; units: number; advertised: boolean }> = [];
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const fields = splitCsvLine(line);
    const where = `${file}: line ${i + 1}`;
    const date = fields[column.date]?.trim() ?? "";
    let day = dayOfDate.get(date);
    if (day === undefined) {
      if (!isIsoDate(date)) throw new BacktestInputError(`${where}: date must be YYYY-MM-DD, got "${date}"`);
      day = dayNumber(date);
      dayOfDate.set(date, day);
    }
    const store = fields[column.store]?.trim() ?? "";
    const sku = fields[column.sku]?.trim() ?? "";
    if (store === "") throw new BacktestInputError(`${where}: store is empty`);
    if (sku === "") throw new BacktestInputError(`${where}: sku is empty`);
    const unitsText = fields[column.units]?.trim() ?? "";
    const units = Number(unitsText);
    if (unitsText === "" || !Number.isFinite(units)) throw new BacktestInputError(`${where}: units must be a number, got "${unitsText}"`);
    let advertised = false;
    if (column.advertised >= 0) {
      const flag = fields[column.advertised]?.trim() ?? "";
      if (flag === "1" || flag.toLowerCase() === "true") advertised = true;
      else if (!(flag === "0" || flag === "" || flag.toLowerCase() === "false")) throw new BacktestInputError(`${where}: advertised must be 0 or 1, got "${flag}"`);
    }
    if (day < firstDay) firstDay = day;
    if (day > lastDay) lastDay = day;
    rows.push({ day, key: `${store}\u0000${sku}`, units: Math.max(0, units), advertised });
  }
  if (rows.length === 0) throw new BacktestInputError(`${file}: no rows`);

  const length = lastDay - firstDay + 1;
  const dates = Array.from({ length }, (_, d) => dateOfDayNumber(firstDay + d));
  const byKey = new Map<string, BacktestSeries>();
  for (const row of rows) {
    let series = byKey.get(row.key);
    if (series === undefined) {
      const [store, sku] = row.key.split("\u0000") as [string, string];
      series = { store, sku, demand: new Float64Array(length), promoted: new Uint8Array(length) };
      byKey.set(row.key, series);
    }
    series.demand[row.day - firstDay]! += row.units;
    if (row.advertised) series.promoted[row.day - firstDay] = 1;
  }
  const series = [...byKey.values()].sort((a, b) => (a.store < b.store ? -1 : a.store > b.store ? 1 : a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const stores = [...new Set(series.map((s) => s.store))];
  return { dates, stores, series };
}

/** Marks the promoted days of the promotions file on the series; returns how many promotion rows matched a series. */
export function applyPromotionsCsv(input: BacktestInput, text: string, file = "promotions file"): number {
  const lines = csvLines(text);
  if (lines.length === 0) return 0;
  const column = columnIndexes(lines[0]!, file, ["sku", "store", "start_date", "end_date"]);
  const firstDay = dayNumber(input.dates[0]!);
  const bySku = new Map<string, BacktestSeries[]>();
  for (const series of input.series) {
    const list = bySku.get(series.sku) ?? [];
    list.push(series);
    bySku.set(series.sku, list);
  }
  let matched = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === "") continue;
    const fields = splitCsvLine(lines[i]!);
    const where = `${file}: line ${i + 1}`;
    const sku = fields[column.sku]?.trim() ?? "";
    const store = fields[column.store]?.trim() ?? "";
    const start = fields[column.start_date]?.trim() ?? "";
    const end = fields[column.end_date]?.trim() ?? "";
    if (!isIsoDate(start)) throw new BacktestInputError(`${where}: start_date must be YYYY-MM-DD, got "${start}"`);
    if (!isIsoDate(end)) throw new BacktestInputError(`${where}: end_date must be YYYY-MM-DD, got "${end}"`);
    if (end < start) throw new BacktestInputError(`${where}: end_date ${end} is before start_date ${start}`);
    const from = Math.max(0, dayNumber(start) - firstDay);
    const to = Math.min(input.dates.length - 1, dayNumber(end) - firstDay);
    let any = false;
    for (const series of bySku.get(sku) ?? []) {
      if (store !== "*" && series.store !== store) continue;
      any = true;
      for (let d = from; d <= to; d++) series.promoted[d] = 1;
    }
    if (any) matched++;
  }
  return matched;
}

/** Sets the category of every series whose SKU the items file lists; returns how many SKUs it listed. */
export function applyItemsCsv(input: BacktestInput, text: string, file = "items file"): number {
  const lines = csvLines(text);
  if (lines.length === 0) return 0;
  const column = columnIndexes(lines[0]!, file, ["sku", "category"]);
  const categoryOf = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === "") continue;
    const fields = splitCsvLine(lines[i]!);
    const sku = fields[column.sku]?.trim() ?? "";
    if (sku === "") throw new BacktestInputError(`${file}: line ${i + 1}: sku is empty`);
    categoryOf.set(sku, fields[column.category]?.trim() ?? "");
  }
  for (const series of input.series) {
    const category = categoryOf.get(series.sku);
    if (category !== undefined) series.category = category;
  }
  return categoryOf.size;
}

/**
 * Gives every series its true demand from the truth file. Every series needs a row for every date; rows of other
 * series or dates are ignored. Returns how many series it covered (all of them, or it throws).
 */
/**
 * Marks as censored the days a stockout-hours file (`date,store,sku,oos_hours`) gives at least `minHours` for. Rows for
 * series or dates the sales file does not have are ignored. Returns the number of days marked.
 */
export function applyStockoutHoursCsv(input: BacktestInput, text: string, minHours: number, file = "stockout-hours file"): number {
  const lines = csvLines(text);
  if (lines.length === 0) throw new BacktestInputError(`${file}: empty`);
  const column = columnIndexes(lines[0]!, file, ["date", "store", "sku", "oos_hours"]);
  const dayOfDate = new Map(input.dates.map((date, day) => [date, day]));
  const byKey = new Map(input.series.map((series) => [`${series.store}\u0000${series.sku}`, series]));
  let marked = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === "") continue;
    const fields = splitCsvLine(lines[i]!);
    const hours = Number(fields[column.oos_hours]?.trim() || Number.NaN);
    if (!(hours >= 0 && hours <= 24)) throw new BacktestInputError(`${file}: line ${i + 1}: oos_hours must be a number from 0 to 24, got "${fields[column.oos_hours] ?? ""}"`);
    const day = dayOfDate.get(fields[column.date]?.trim() ?? "");
    const series = byKey.get(`${fields[column.store]?.trim() ?? ""}\u0000${fields[column.sku]?.trim() ?? ""}`);
    if (day === undefined || series === undefined || hours < minHours) continue;
    series.censored ??= new Uint8Array(input.dates.length);
    if (series.censored[day] === 0) marked++;
    series.censored[day] = 1;
  }
  return marked;
}

export function applyTruthCsv(input: BacktestInput, text: string, file = "truth file"): number {
  const lines = csvLines(text);
  if (lines.length === 0) throw new BacktestInputError(`${file}: empty`);
  const column = columnIndexes(lines[0]!, file, ["date", "store", "sku", "mean", "size"]);
  const length = input.dates.length;
  const dayOfDate = new Map(input.dates.map((date, day) => [date, day]));
  const byKey = new Map(input.series.map((series) => [`${series.store}\u0000${series.sku}`, series]));
  const truths = new Map<BacktestSeries, DemandTruth>();
  const seen = new Map<BacktestSeries, Uint8Array>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === "") continue;
    const fields = splitCsvLine(lines[i]!);
    const where = `${file}: line ${i + 1}`;
    const day = dayOfDate.get(fields[column.date]?.trim() ?? "");
    const series = byKey.get(`${fields[column.store]?.trim() ?? ""}\u0000${fields[column.sku]?.trim() ?? ""}`);
    if (day === undefined || series === undefined) continue;
    const mean = Number(fields[column.mean]?.trim() || Number.NaN);
    const size = Number(fields[column.size]?.trim() || Number.NaN);
    if (!(mean >= 0 && Number.isFinite(mean))) throw new BacktestInputError(`${where}: mean must be a number ≥ 0, got "${fields[column.mean] ?? ""}"`);
    if (!(size > 0)) throw new BacktestInputError(`${where}: size must be a number > 0, got "${fields[column.size] ?? ""}"`);
    let truth = truths.get(series);
    if (truth === undefined) {
      truth = { mean: new Float64Array(length), size };
      truths.set(series, truth);
      seen.set(series, new Uint8Array(length));
    } else if (truth.size !== size) {
      throw new BacktestInputError(`${where}: size ${size} differs from the series' earlier ${truth.size}`);
    }
    truth.mean[day] = mean;
    seen.get(series)![day] = 1;
  }
  for (const series of input.series) {
    const days = seen.get(series);
    const missing = days === undefined ? 0 : days.indexOf(0);
    if (days === undefined || missing >= 0) {
      throw new BacktestInputError(`${file}: no row for store ${series.store}, sku ${series.sku}, date ${input.dates[missing]}`);
    }
  }
  for (const [series, truth] of truths) series.truth = truth;
  return truths.size;
}
