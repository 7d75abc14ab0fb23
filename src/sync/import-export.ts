import type { Readable } from "node:stream";
import { z } from "zod";
import { and, eq, sql } from "drizzle-orm";
import type { Config } from "../config.js";
import { queryRows, type Database } from "../db/client.js";
import { importBatches, importRejections } from "../db/schema/index.js";
import { canUseStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import type { Logger } from "../log.js";
import { sniffDelimiter, type DecodeReport } from "./decode-text.js";
import { formatCsvRecord, spreadsheetSafeRecord } from "./csv-cells.js";
import { lockImportBatch } from "./import-batches.js";
import { csvLimits, streamCsvRecords } from "./csv-records.js";
import { normalizeHeader } from "./formats/cell-text.js";
import { createFormat, detectFormat } from "./formats/detect-format.js";
import { FORMAT_NAMES, MissingColumnError, type ExportFormat, type FormatName, type MappedRow } from "./formats/format-types.js";
import { ItemRegistry, LedgerWriter, SalesStage, StockStage, touchFeeds, lockStockApply, type ItemFacts } from "./ledger-writes.js";
import {
  SeenPairs,
  describeIssues,
  futureObservationReason,
  futureSalesDateReason,
  type Rejection,
} from "./row-checks.js";
import { StoreDirectory, type StoreRef } from "../stores/store-directory.js";
import { dayTotalSalesRowSchema, salesRowSchema, stockRowSchema } from "./sync.schemas.js";

/** The stock row schema for rows that take the file's observation time, already a validated Date. */
const stockRowAtFileTimeSchema = stockRowSchema.extend({ observedAt: z.date() });
const instantSchema = stockRowSchema.shape.observedAt;

export interface SyncDeps {
  db: Database;
  log: Logger;
  config: Config;
}

export interface ImportRequest {
  /** the raw body: CSV text, optionally gzip-compressed */
  body: Readable;
  format: "auto" | FormatName;
  source: "upload" | "drop-folder" | "demo";
  fileName?: string;
  /** when the export was taken, for files without a time column */
  observedAt?: Date;
  /** the caller's key; null for trusted local sources such as the drop folder */
  apiKey: ApiKeyPrincipal | null;
  now: Date;
}

export interface ImportReport {
  batchId: number;
  status: "applied" | "duplicate";
  duplicateOf?: number;
  format: FormatName | null;
  encoding: string | null;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsUntracked: number;
  rowsChanged: number;
  warnings: Array<{ column?: string; reason: string }>;
  /** the first rejected rows; all of them are in rejected.csv */
  rejected: Rejection[];
}

const REPORTED_REJECTIONS = 100;

class DuplicateImportError extends Error {
  constructor(readonly originalBatchId: number) {
    super(`already imported as batch ${originalBatchId}`);
  }
}

/**
 * Imports one POS export: streams it through decoding and CSV parsing, validates every row with the shared row
 * schemas, and applies the valid rows in one transaction (all or none). Rejected rows are recorded with their line and
 * column and never block valid ones. A file whose bytes were already applied is not applied again.
 */
export async function importExport(deps: SyncDeps, request: ImportRequest): Promise<ImportReport> {
  const { db, log } = deps;
  const [batch] = await db
    .insert(importBatches)
    .values({ source: request.source, fileName: request.fileName, status: "processing", apiKeyId: request.apiKey?.id ?? null, startedAt: request.now })
    .returning({ id: importBatches.id });
  const batchId = batch!.id;
  const batchLog = log.child({ batchId, source: request.source, fileName: request.fileName });
  const run = new ImportRun(deps, request, batchId);
  // a process killed mid-import leaves this line as the trace of what it was importing
  batchLog.info("import started");
  try {
    await db.transaction(async (tx) => {
      // first: from here on every replica can tell that a live process is importing this batch
      await lockImportBatch(tx as unknown as Database, batchId);
      // one import applies stock at a time, so that drops in on hand are measured against a settled previous value
      await lockStockApply(tx as unknown as Database);
      await run.execute(tx as unknown as Database);
      const [earlier] = await tx
        .select({ id: importBatches.id })
        .from(importBatches)
        .where(and(eq(importBatches.checksum, run.decodeReport!.sha256), eq(importBatches.status, "applied")))
        .limit(1);
      if (earlier) throw new DuplicateImportError(earlier.id);
      await run.finish(tx as unknown as Database);
    });
  } catch (error) {
    if (error instanceof DuplicateImportError) {
      await db
        .update(importBatches)
        .set({
          status: "duplicate",
          duplicateOf: error.originalBatchId,
          problem: null,
          checksum: run.decodeReport?.sha256,
          finishedAt: new Date(),
          format: run.formatName,
          storeIds: run.storeIds(),
        })
        .where(eq(importBatches.id, batchId));
      // the data is not new, but it shows the store's feed is alive
      await touchFeeds(db, run.feeds, request.now);
      batchLog.info({ duplicateOf: error.originalBatchId }, "export already imported; nothing applied");
      return { ...run.report("duplicate"), duplicateOf: error.originalBatchId, rowsChanged: 0, rejected: [], rowsRejected: 0 };
    }
    const problem = toAppError(error);
    const status = problem.status < 500 ? "rejected" : "failed";
    await db
      .update(importBatches)
      .set({
        status,
        finishedAt: new Date(),
        format: run.formatName,
        storeIds: run.storeIds(),
        encoding: run.decodeReport?.encoding,
        problem: { code: problem.code, detail: problem.detail, errors: problem.errors },
      })
      .where(eq(importBatches.id, batchId));
    if (status === "failed") batchLog.error({ err: error }, "import failed; nothing applied");
    else batchLog.warn({ code: problem.code, detail: problem.detail }, "import refused; nothing applied");
    throw problem === error || problem.status < 500 ? problem : error;
  }
  const report = run.report("applied");
  batchLog.info(
    { rowsAccepted: report.rowsAccepted, rowsRejected: report.rowsRejected, rowsChanged: report.rowsChanged, format: report.format, timings: run.timings() },
    "import applied",
  );
  return report;
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof MissingColumnError) {
    return new AppError({ code: "missing_column", detail: error.message, errors: [{ column: error.column, line: 1, reason: error.message }] });
  }
  return new AppError({ code: "internal", detail: "the import failed on the server", cause: error });
}

/** The state of one import while it streams. */
class ImportRun {
  decodeReport: DecodeReport | null = null;
  formatName: FormatName | null = null;
  private format: ExportFormat | null = null;
  private header: string[] = [];
  private delimiter = ",";
  private stores!: StoreDirectory;
  private readonly items = new ItemRegistry();
  private ledger!: LedgerWriter;
  private readonly seen = new SeenPairs();
  /** the first stock row's observation time, and whether later rows differ from it (most exports share one) */
  private firstTime: number | undefined;
  private mixedTimes = false;
  /**
   * observation times by store and SKU, kept once rows stop sharing one, to tell which duplicate is older: for the
   * current chunk only, so that a million-row file with a time per row does not hold a key per row
   */
  private readonly timeByPair = new Map<string, number>();
  /** the map holds every pair seen since rows stopped sharing a time (no chunk was flushed since) */
  private timesCoverFile = false;
  private lastLocation: string | null = null;
  private lastStore: StoreRef | undefined;
  private readonly storesInScope = new Set<number>();
  /** stores named by lines refused while mapping, before the store was looked up (and its scope checked) */
  private readonly refusedLineStores = new Set<number>();
  private lastInstantText: string | null = null;
  private lastInstant: ReturnType<typeof instantSchema.safeParse> | null = null;
  readonly feeds = new Map<number, Date | null>();
  private readonly rejections: Array<Rejection & { record?: string }> = [];
  private readonly warnings: Array<{ column?: string; reason: string }> = [];
  private readonly unknownLocations = new Map<string, number>();
  private stockStage = new StockStage({ newSkus: false });
  private salesStage = new SalesStage();
  private itemFacts = new Map<string, ItemFacts>();
  private pendingWrite: Promise<void> | null = null;
  private rowsRead = 0;
  private rowsAccepted = 0;
  private rowsRejected = 0;
  private lastRejectedLine = 0;
  private rowsUntracked = 0;
  private rowsChanged = 0;
  private waitMs = 0;
  private readonly defaultObservedAt: Date;
  private readonly toleranceMs: number;
  private readonly chunkRows: number;

  constructor(
    private readonly deps: SyncDeps,
    private readonly request: ImportRequest,
    private readonly batchId: number,
  ) {
    this.defaultObservedAt = instantSchema.parse((request.observedAt ?? request.now).toISOString());
    this.toleranceMs = deps.config.FUTURE_TOLERANCE_MINUTES * 60_000;
    // rows written to the database at a time; parsing of the next chunk overlaps the write of this one
    this.chunkRows = deps.config.IMPORT_CHUNK_ROWS;
  }

  async execute(db: Database): Promise<void> {
    this.stores = await StoreDirectory.load(db);
    this.ledger = new LedgerWriter(db, this.batchId);
    const csv = streamCsvRecords(this.request.body, csvLimits(this.deps.config));
    for await (const batch of csv.batches) {
      for (const { record, line } of batch) {
        if (this.format === null) {
          this.readHeader(record, csv.delimiter());
          continue;
        }
        this.rowsRead += 1;
        this.mapRecord(record, line);
        if (this.stockStage.rows >= this.chunkRows || this.salesStage.rows >= this.chunkRows) await this.flush(db);
      }
      // parsing runs on the same thread as the database client: give its replies a turn after every batch, or the
      // write in flight waits for the whole next chunk to be parsed before it can send its next statement
      if (this.pendingWrite) await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.format === null) {
      throw new AppError({ code: "validation_failed", detail: "the file is empty: no header line", errors: [{ line: 1, reason: "no header line" }] });
    }
    await this.flush(db);
    await this.pendingWrite;
    this.decodeReport = csv.report();
  }

  private readHeader(header: string[], delimiter: string): void {
    this.header = header;
    this.delimiter = delimiter;
    // a header with a "store" column that matches no layout is the generic one missing a column: say which
    const name = this.request.format === "auto" ? (detectFormat(header) ?? (hasStoreColumn(header) ? "generic" : null)) : this.request.format;
    if (name === null) {
      throw new AppError({
        code: "unknown_format",
        detail: `the header does not match a known export (${FORMAT_NAMES.join(", ")}); pass format=... or use the generic columns store,sku,on_hand`,
        errors: [{ line: 1, reason: `header: ${header.slice(0, 12).join(", ")}` }],
      });
    }
    this.format = createFormat(name, header);
    this.formatName = name;
    for (const location of this.format.locations ?? []) {
      const store = this.stores.resolve(location);
      if (store) this.checkScope(store, location, { line: 1, column: location });
    }
  }

  /** `where` points at the header's location group or at the line and store column naming the store. */
  private checkScope(store: StoreRef, location: string, where: { line: number; column: string }): void {
    if (this.request.apiKey && !canUseStore(this.request.apiKey, store.id)) {
      throw new AppError({
        code: "forbidden_store",
        detail: `this API key may not write to store ${store.code} (named "${location}" in the file)`,
        errors: [{ ...where, reason: `store ${store.code} is outside this key's stores` }],
      });
    }
  }

  private reject(record: string[], line: number, column: string | undefined, reason: string): void {
    // a line with several bad cells is one rejected row, as rowsRead counts lines
    if (line !== this.lastRejectedLine) this.rowsRejected += 1;
    this.lastRejectedLine = line;
    if (this.rejections.length >= this.deps.config.IMPORT_MAX_REJECTIONS) return;
    const previous = this.rejections.at(-1);
    // a record whose several cells fail is written back once
    const recordText = previous?.line === line ? undefined : formatCsvRecord(record, this.delimiter);
    this.rejections.push({ line, column, reason, record: recordText });
  }

  private mapRecord(record: string[], line: number): void {
    const mapped = this.format!.mapRecord(record);
    this.rowsUntracked += mapped.untracked;
    for (const problem of mapped.problems) this.reject(record, line, problem.column, problem.reason);
    // a line refused before its store was looked up still names that store: its users alone may see the line
    const named = mapped.location === undefined ? undefined : this.storeOf(mapped.location);
    if (named) this.refusedLineStores.add(named.id);
    for (const row of mapped.rows) this.acceptRow(record, line, row);
  }

  /** The store a location names; consecutive rows mostly name the same one. */
  private storeOf(location: string): StoreRef | undefined {
    if (location !== this.lastLocation) {
      this.lastLocation = location;
      this.lastStore = this.stores.resolve(location);
    }
    return this.lastStore;
  }

  /** A time column's cell, parsed by the row schema's own field; consecutive rows mostly carry the same text. */
  private instantOf(text: string): ReturnType<typeof instantSchema.safeParse> {
    if (text !== this.lastInstantText || this.lastInstant === null) {
      this.lastInstantText = text;
      this.lastInstant = instantSchema.safeParse(text);
    }
    return this.lastInstant;
  }

  private acceptRow(record: string[], line: number, row: MappedRow): void {
    const store = this.storeOf(row.location);
    if (!store) {
      if (this.format!.locations !== null) {
        // a location column naming no store: warn once per column instead of rejecting every cell of it
        this.unknownLocations.set(row.column, (this.unknownLocations.get(row.column) ?? 0) + 1);
        return;
      }
      this.reject(record, line, row.column === "" ? "store" : locationColumn(this.header), `unknown store "${row.location}": add it as a store alias`);
      return;
    }
    if (!this.storesInScope.has(store.id)) {
      this.checkScope(store, row.location, { line, column: this.format!.locations === null ? locationColumn(this.header) : row.column });
      this.storesInScope.add(store.id);
    }
    if (row.kind === "stock") {
      // a time cell is validated by the row schema's own field, once per distinct text; a file without a time column
      // has one observation time, validated once (see constructor)
      let observedAt = this.defaultObservedAt;
      if (row.observedAt !== undefined) {
        const instant = this.instantOf(row.observedAt);
        if (!instant.success) {
          const { reason } = describeIssues(instant.error, () => "observedAt");
          return this.reject(record, line, headerOf(this.header, "observedAt"), reason);
        }
        observedAt = instant.data;
      }
      const parsed = stockRowAtFileTimeSchema.safeParse({
        store: store.code,
        sku: row.sku,
        onHand: row.onHand,
        observedAt,
        reorderPoint: row.reorderPoint,
        name: row.name,
        category: row.category,
        unit: row.unit,
      });
      if (!parsed.success) {
        const { column, reason } = describeIssues(parsed.error, (field) => (field === "onHand" ? row.column : headerOf(this.header, field)));
        this.reject(record, line, column, reason);
        return;
      }
      const value = parsed.data;
      const future = futureObservationReason(value.observedAt, this.request.now, this.toleranceMs);
      if (future) return this.reject(record, line, headerOf(this.header, "observedAt"), future);
      this.noteObservation(store, value.sku, value.observedAt, line);
      this.rowsAccepted += 1;
      this.stockStage.add(store.id, value.sku, value.onHand, value.observedAt, value.reorderPoint);
      this.noteItem({ sku: value.sku, name: value.name, category: value.category, unit: value.unit });
      this.noteFeed(store.id, value.observedAt);
    } else {
      // a sales line may be a refund (negative); a day total may not
      const schema = this.salesMode() === "lines" ? salesRowSchema : dayTotalSalesRowSchema;
      const parsed = schema.safeParse({
        store: store.code,
        sku: row.sku,
        soldUnits: row.soldUnits,
        salesDate: row.salesDate,
        name: row.name,
        category: row.category,
        unit: row.unit,
      });
      if (!parsed.success) {
        const { column, reason } = describeIssues(parsed.error, (field) => (field === "soldUnits" ? row.column : headerOf(this.header, field)));
        this.reject(record, line, column, reason);
        return;
      }
      const value = parsed.data;
      const future = futureSalesDateReason(value.salesDate, store, this.request.now, this.toleranceMs);
      if (future) return this.reject(record, line, headerOf(this.header, "salesDate"), future);
      this.rowsAccepted += 1;
      this.salesStage.add(store.id, value.sku, value.salesDate, value.soldUnits);
      this.noteItem({ sku: value.sku, name: value.name, category: value.category, unit: value.unit });
      this.noteFeed(store.id, null);
    }
  }

  /**
   * Notes a stock observation of a store and SKU, warning when the pair came before in this file. The newest
   * observation wins, as it does across imports; at the same time the later line wins.
   */
  private noteObservation(store: StoreRef, sku: string, observedAt: Date, line: number): void {
    const time = observedAt.getTime();
    if (this.firstTime === undefined) this.firstTime = time;
    else if (time !== this.firstTime && !this.mixedTimes) {
      this.mixedTimes = true;
      this.timesCoverFile = true;
    }
    const seen = this.seen.add(store.id, sku);
    // a SKU an earlier row staged has its item by the time this chunk is written (see StockStage.newSkus)
    if (seen === "new") this.stockStage.newSkus = true;
    const repeated = seen === "pair";
    if (!this.mixedTimes) {
      if (repeated) this.noteDuplicate(sku, store.code, line, false);
      return;
    }
    const key = `${store.id}\u0000${sku}`;
    // not in the map: first seen while every row shared one time (observed then), or in an earlier chunk (unknown)
    const kept = this.timeByPair.get(key) ?? (repeated && this.timesCoverFile ? this.firstTime : undefined);
    if (repeated) this.noteDuplicate(sku, store.code, line, kept === undefined ? null : kept > time);
    if (kept === undefined || time >= kept) this.timeByPair.set(key, time);
  }

  private duplicateWarnings = 0;
  /** `older`: whether this line is older than the one kept, or null when the earlier line's time is no longer known */
  private noteDuplicate(sku: string, storeCode: string, line: number, older: boolean | null): void {
    this.duplicateWarnings += 1;
    this.stockStage.hasDuplicates = true;
    if (this.duplicateWarnings <= 20) {
      const outcome =
        older === null
          ? "the newer observation is kept (at the same time, the later line)"
          : older
            ? "it is an older observation, so the newer one is kept"
            : "the later line wins";
      this.warnings.push({ reason: `line ${line}: SKU ${sku} appears again for store ${storeCode}; ${outcome}` });
    }
  }

  private noteItem({ sku, name, category, unit }: ItemFacts): void {
    // items without a name, category or unit are created from the staged rows
    if (name === undefined && category === undefined && unit === undefined) return;
    // a line without a name (another location's row of the same SKU) must not erase the name an earlier line gave
    const known = this.itemFacts.get(sku);
    this.itemFacts.set(sku, { sku, name: name ?? known?.name, category: category ?? known?.category, unit: unit ?? known?.unit });
  }

  private noteFeed(storeId: number, observedAt: Date | null): void {
    const known = this.feeds.get(storeId) ?? null;
    if (!this.feeds.has(storeId) || (observedAt && (!known || observedAt > known))) this.feeds.set(storeId, observedAt);
  }

  /** Hands the current chunk to the database and goes on parsing while it is written (one write in flight). */
  private async flush(db: Database): Promise<void> {
    const stock = this.stockStage;
    const sales = this.salesStage;
    const facts = [...this.itemFacts.values()];
    this.stockStage = new StockStage({ newSkus: false });
    this.salesStage = new SalesStage();
    this.itemFacts = new Map();
    this.timeByPair.clear();
    this.timesCoverFile = false;
    // the time the parser waits for the previous chunk's write: the database is the slower side then
    const waitStarted = performance.now();
    await this.pendingWrite;
    this.waitMs += performance.now() - waitStarted;
    if (stock.rows === 0 && sales.rows === 0 && facts.length === 0) return;
    this.pendingWrite = (async () => {
      await this.items.ensure(db, facts);
      this.rowsChanged += await this.ledger.writeStock(stock);
      await this.ledger.writeSales(sales, this.salesMode());
    })();
    // surfaced by the next await of pendingWrite; this only keeps it from counting as unhandled meanwhile
    this.pendingWrite.catch(() => {});
  }

  /** Whether the file's sales rows are lines that add up per day (refunds subtract) or each a day's total. */
  private salesMode(): "lines" | "day-totals" {
    return this.formatName === "square-sales" ? "lines" : "day-totals";
  }

  async finish(db: Database): Promise<void> {
    if (this.salesMode() === "lines") {
      const clamped = await this.ledger.clampNegativeDays();
      for (const day of clamped.slice(0, 20)) {
        this.warnings.push({
          reason: `SKU ${day.sku} at store ${day.storeCode} on ${day.salesDate}: refunds exceed sales by ${-day.units} units (returns of earlier purchases); the day counts as 0 sold`,
        });
      }
      if (clamped.length > 20) this.warnings.push({ reason: `${clamped.length - 20} more days whose refunds exceed their sales count as 0 sold` });
    }
    for (const [column, cells] of this.unknownLocations) {
      this.warnings.push({ column, reason: `no store is known by this location name; its ${cells} cells were skipped (add a store alias)` });
    }
    const rows = this.rejections.map((r, seq) => ({ batchId: this.batchId, seq, line: r.line, column: r.column ?? null, reason: r.reason, record: r.record ?? null }));
    for (let i = 0; i < rows.length; i += 2000) await db.insert(importRejections).values(rows.slice(i, i + 2000));
    await touchFeeds(db, this.feeds, this.request.now);
    await db
      .update(importBatches)
      .set({
        status: "applied",
        // a start-up of another replica may have taken this batch for an interrupted one before its lock was held
        problem: null,
        format: this.formatName,
        storeIds: this.storeIds(),
        checksum: this.decodeReport!.sha256,
        encoding: this.decodeReport!.encoding,
        header: formatCsvRecord(this.header, this.delimiter),
        warnings: this.warnings,
        rowsRead: this.rowsRead,
        rowsAccepted: this.rowsAccepted,
        rowsRejected: this.rowsRejected,
        rowsUntracked: this.rowsUntracked,
        rowsChanged: this.rowsChanged,
        finishedAt: new Date(),
      })
      .where(eq(importBatches.id, this.batchId));
  }

  /** The known stores the file's rows named so far (accepted or rejected): who may see this import. */
  storeIds(): number[] {
    return [...new Set([...this.storesInScope, ...this.refusedLineStores])].sort((a, b) => a - b);
  }

  /** Where the import's time went, in whole milliseconds, for its log line. */
  timings(): Record<string, number> {
    const ledger = this.ledger?.timings ?? { stageMs: 0, itemsMs: 0, writeMs: 0 };
    return Object.fromEntries(Object.entries({ ...ledger, parserWaitMs: this.waitMs }).map(([k, v]) => [k, Math.round(v)]));
  }

  report(status: "applied" | "duplicate"): ImportReport {
    return {
      batchId: this.batchId,
      status,
      format: this.formatName,
      encoding: this.decodeReport?.encoding ?? null,
      rowsRead: this.rowsRead,
      rowsAccepted: this.rowsAccepted,
      rowsRejected: this.rowsRejected,
      rowsUntracked: this.rowsUntracked,
      rowsChanged: this.rowsChanged,
      warnings: this.warnings,
      rejected: this.rejections.slice(0, REPORTED_REJECTIONS).map(({ line, column, reason }) => ({ line, column, reason })),
    };
  }
}

function hasStoreColumn(header: string[]): boolean {
  return header.some((h) => normalizeHeader(h) === "store");
}

// Schema fields as the file's header may spell them, compared without case, blanks or underscores.
const FIELD_HEADERS: Record<string, string[]> = {
  sku: ["sku"],
  observedAt: ["observedat"],
  salesDate: ["salesdate", "date"],
  reorderPoint: ["reorderpoint"],
  unit: ["unit"],
  name: ["name", "itemname", "title"],
  category: ["category", "categories"],
};

/** The header cell of the file that holds a schema field (observedAt → observed_at), or the field name when none does. */
function headerOf(header: string[], field: string): string {
  for (const alias of FIELD_HEADERS[field] ?? []) {
    const found = header.find((h) => normalizeHeader(h).replace(/[\s_]/g, "") === alias);
    if (found !== undefined) return found.trim();
  }
  return field;
}

function locationColumn(header: string[]): string {
  return header.find((h) => /^(location|store)$/i.test(h.trim())) ?? "store";
}

/** Reads a batch's rejected rows back as CSV in the file's own layout, with the reason in a last column. */
export async function rejectedRowsCsv(db: Database, batchId: number): Promise<string> {
  const [batch] = await db.select({ header: importBatches.header }).from(importBatches).where(eq(importBatches.id, batchId));
  const rows = await queryRows<{ line: number; reason: string; record: string | null }>(
    db,
    sql`select line, string_agg(coalesce("column" || ': ', '') || reason, '; ' order by seq) as reason,
               max(record) as record
        from import_rejections where batch_id = ${batchId} group by line order by line`,
  );
  // the file's own delimiter: a semicolon export (European spreadsheets) gets its error column after a semicolon
  const delimiter = batch?.header ? sniffDelimiter(batch.header) : ",";
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  // the file's cells go back to a spreadsheet: none may run there as a formula (the error column starts with "line")
  const lines = [`${spreadsheetSafeRecord(batch?.header ?? "", delimiter)}${delimiter}shelfwatch_error`];
  for (const row of rows) {
    if (row.record !== null) lines.push(`${spreadsheetSafeRecord(row.record, delimiter)}${delimiter}${quote(`line ${row.line}: ${row.reason}`)}`);
  }
  return `${lines.join("\r\n")}\r\n`;
}
