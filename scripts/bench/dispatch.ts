/**
 * Email dispatch benchmark: alert emails through the outbox (`runDispatch` with the service's pooled SMTP mailer) to a
 * local SMTP server, against a plain nodemailer loop sending the same messages over a pool of the same size with the
 * same number of sends in flight.
 *
 *   npm run bench:dispatch                                # 10,000 emails, median of 3 runs, PGlite
 *   npm run bench:dispatch -- --emails 1000 --runs 1      # a quick check
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:dispatch   # on PostgreSQL
 *
 * Without BENCH_DATABASE_URL (or DATABASE_URL) each run uses a new file-backed PGlite database in a temporary folder,
 * as the service does without a server. With it, the URL is the admin URL of a PostgreSQL server: each run creates its
 * own database there and drops it at the end. BENCH_DISPATCH_EMAILS and BENCH_DISPATCH_RUNS stand in for the flags.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import { z } from "zod";
import type { AlertFigures } from "../../src/alerts/alert-types.js";
import { systemClock } from "../../src/clock.js";
import { loadConfig, type Config } from "../../src/config.js";
import { queryRows, type DatabaseHandle } from "../../src/db/client.js";
import { createLogger, type Logger } from "../../src/log.js";
import { renderAlertEmail } from "../../src/notify/alert-templates.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { createMailer } from "../../src/notify/mailer.js";
import { enqueueEmails, mailDomain, type NewEmail } from "../../src/notify/outbox.js";
import { createStore } from "../../src/stores/store-admin.js";
import {
  benchAdminUrl,
  benchDatabaseOptions,
  dropScratchDatabasesOnInterrupt,
  formatCount,
  formatRatio,
  formatSeconds,
  median,
  openScratchDatabase,
  parseBenchOptions,
  startSmtpSink,
  type SmtpSink,
} from "./bench-support.js";

const GOAL_RATIO = 0.8;
// runDispatch's default batch, which the scheduler uses: that many sends are handed to the pool at once
const DISPATCH_BATCH = 200;
const WARM_UP_EMAILS = 300;
const INSERT_CHUNK = 1000;

const optionsSchema = z.object({
  emails: z.coerce.number().int().min(1).max(1_000_000),
  runs: z.coerce.number().int().min(1).max(50),
  ...benchDatabaseOptions,
});
type BenchOptions = z.infer<typeof optionsSchema>;

interface Email {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

interface RunFigures {
  baseline: number;
  ours: number;
  /** the machine's 1-minute load average at the start and the end of the run */
  load: [number, number];
}

function readOptions(): BenchOptions | null {
  const { values } = parseArgs({
    options: {
      emails: { type: "string" },
      runs: { type: "string" },
      "log-level": { type: "string", default: "warn" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write("usage: npm run bench:dispatch -- [--emails 10000] [--runs 3] [--log-level warn]\n");
    return null;
  }
  return parseBenchOptions(optionsSchema, {
    emails: (values.emails ?? process.env.BENCH_DISPATCH_EMAILS ?? "10000").replaceAll("_", "").replaceAll(",", ""),
    runs: values.runs ?? process.env.BENCH_DISPATCH_RUNS ?? "3",
    logLevel: values["log-level"],
    adminUrl: benchAdminUrl(),
  });
}

/** Alert emails as the service renders them, a different item and stock figure in each. */
function buildEmails(count: number, from: string, prefix: string): Email[] {
  const domain = mailDomain(from);
  const store = { code: "B001", name: "Bench store B001", timeZone: "America/New_York", addressLines: ["1 Main Street", "Springfield, MA 01101"] };
  return Array.from({ length: count }, (_, i) => {
    const figures: AlertFigures = {
      onHand: 3 + (i % 40),
      projectedStockoutDate: "2026-11-22",
      probability: 0.6 + (i % 40) / 100,
      promotionName: "Week 47 flyer",
      promotionEnd: "2026-11-26",
      nextDeliveryDate: "2026-11-24",
      nextDeliveryQuantity: 48,
      suggestedQuantity: 24 + (i % 12),
      feedLastSeenAt: null,
    };
    const link = (action: string) => `https://shelfwatch.example/links/${action}?token=${i.toString(36).padStart(64, "x")}`;
    const rendered = renderAlertEmail({
      event: "opened",
      kind: "promotion_stockout",
      store,
      item: { sku: String(i).padStart(10, "0"), name: `Bench item ${i} 1 kg` },
      figures,
      today: "2026-11-20",
      links: { acknowledge: link("acknowledge"), snooze: link("snooze"), dashboard: "https://shelfwatch.example/stores/B001" },
    });
    return { messageId: `<${prefix}-${i}@${domain}>`, from, to: `manager${i % 50}@store-b001.example`, ...rendered };
  });
}

function createBaselineTransport(smtpUrl: string, maxConnections: number) {
  // the options of src/notify/mailer.ts, so that only the outbox around it differs
  return nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections, maxMessages: Infinity, disableFileAccess: true, disableUrlAccess: true });
}

/** The plain loop: at most `inFlight` sendMail calls outstanding at any time, each freed slot refilled at once. */
async function sendPlain(smtpUrl: string, maxConnections: number, emails: Email[], inFlight: number): Promise<number> {
  const transport = createBaselineTransport(smtpUrl, maxConnections);
  try {
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < emails.length) {
        const email = emails[next++]!;
        await transport.sendMail(email);
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, emails.length) }, worker));
    return (performance.now() - started) / 1000;
  } finally {
    transport.close();
  }
}

function checkArrivals(label: string, smtp: SmtpSink, expected: Set<string>): void {
  const arrived = smtp.messageIds;
  const distinct = new Set(arrived);
  const missing = [...expected].filter((id) => !distinct.has(id));
  const unexpected = [...distinct].filter((id) => !expected.has(id));
  if (arrived.length !== expected.size || distinct.size !== expected.size || missing.length > 0 || unexpected.length > 0) {
    throw new Error(
      `${label}: the SMTP server received ${arrived.length} messages (${distinct.size} distinct) for ${expected.size} sent; ` +
        `${missing.length} missing, ${unexpected.length} unexpected, ${arrived.length - distinct.size} repeats`,
    );
  }
}

/** Writes the emails to the outbox as the alert sweep does (setup, not timed). */
async function fillOutbox(handle: DatabaseHandle, config: Config, emails: Email[], now: Date): Promise<void> {
  const store = await createStore(handle.db, { code: "B001", name: "Bench store B001", timeZone: "America/New_York" });
  for (let start = 0; start < emails.length; start += INSERT_CHUNK) {
    const chunk: NewEmail[] = emails.slice(start, start + INSERT_CHUNK).map((email, i) => ({
      storeId: store.id,
      category: "alert",
      dedupeKey: `bench:${start + i}`,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      notBefore: now,
    }));
    const written = await enqueueEmails(handle.db, config, chunk, now);
    if (written !== chunk.length) throw new Error(`the outbox took ${written} of ${chunk.length} emails`);
  }
  await handle.db.execute(sql`analyze outbox`);
}

/** Runs the dispatcher, as the scheduler would, until the outbox has nothing due; returns the seconds it took. */
async function dispatchAll(handle: DatabaseHandle, config: Config, log: Logger, smtp: SmtpSink, count: number): Promise<number> {
  const mailer = createMailer({ smtpUrl: smtp.url, outboxDir: "unused", log, maxConnections: config.SMTP_MAX_CONNECTIONS });
  const deps = { db: handle.db, config, clock: systemClock, log, mailer };
  try {
    const started = performance.now();
    let sent = 0;
    for (;;) {
      const result = await runDispatch(deps);
      if (result.deferred > 0 || result.failed > 0) throw new Error(`the dispatcher could not send ${result.deferred + result.failed} emails; see its log`);
      if (result.sent === 0) break;
      sent += result.sent;
    }
    const seconds = (performance.now() - started) / 1000;
    if (sent !== count) throw new Error(`the dispatcher sent ${sent} emails, expected ${count}`);
    return seconds;
  } finally {
    await mailer.close();
  }
}

async function checkOutbox(handle: DatabaseHandle, smtp: SmtpSink, count: number): Promise<void> {
  const statuses = await queryRows<{ status: string; n: number }>(handle.db, sql`select status, count(*)::int as n from outbox group by status order by status`);
  const summary = statuses.map((s) => `${s.status} ${s.n}`).join(", ");
  if (statuses.length !== 1 || statuses[0]!.status !== "sent" || statuses[0]!.n !== count) {
    throw new Error(`outbox after dispatch: ${summary}; expected sent ${count}`);
  }
  const ids = await queryRows<{ message_id: string }>(handle.db, sql`select message_id from outbox`);
  checkArrivals("outbox", smtp, new Set(ids.map((row) => row.message_id)));
}

async function measureBaseline(smtp: SmtpSink, config: Config, emails: Email[]): Promise<number> {
  smtp.reset();
  const seconds = await sendPlain(smtp.url, config.SMTP_MAX_CONNECTIONS, emails, DISPATCH_BATCH);
  checkArrivals("plain nodemailer", smtp, new Set(emails.map((e) => e.messageId)));
  return seconds;
}

async function measureOurs(options: BenchOptions, smtp: SmtpSink, config: Config, log: Logger, emails: Email[], run: number): Promise<number> {
  const database = await openScratchDatabase(options.adminUrl, "dispatch");
  try {
    if (run === 1) process.stdout.write(`  database: ${database.label}\n`);
    await database.handle.migrate();
    await fillOutbox(database.handle, config, emails, systemClock.now());
    await database.flush();
    smtp.reset();
    const seconds = await dispatchAll(database.handle, config, log, smtp, emails.length);
    await checkOutbox(database.handle, smtp, emails.length);
    return seconds;
  } finally {
    await database.drop();
  }
}

async function measureRun(options: BenchOptions, smtp: SmtpSink, config: Config, log: Logger, emails: Email[], run: number): Promise<RunFigures> {
  const loadAtStart = loadavg()[0]!;
  // alternate which side goes first, so that a machine getting busier or quieter does not favour one of them
  let baseline: number;
  let ours: number;
  if (run % 2 === 1) {
    baseline = await measureBaseline(smtp, config, emails);
    ours = await measureOurs(options, smtp, config, log, emails, run);
  } else {
    ours = await measureOurs(options, smtp, config, log, emails, run);
    baseline = await measureBaseline(smtp, config, emails);
  }
  return { baseline, ours, load: [loadAtStart, loadavg()[0]!] };
}

function printSummary(options: BenchOptions, config: Config, driver: string, results: RunFigures[]): void {
  const { emails, runs } = options;
  const baseline = median(results.map((r) => r.baseline));
  const ours = median(results.map((r) => r.ours));
  const baselineRate = median(results.map((r) => emails / r.baseline));
  const oursRate = median(results.map((r) => emails / r.ours));
  const ratio = oursRate / baselineRate;
  const label = (text: string) => text.padEnd(20);
  const lines = [
    "",
    `dispatch of ${formatCount(emails)} emails on ${driver}, ${config.SMTP_MAX_CONNECTIONS} SMTP connections, ${DISPATCH_BATCH} sends in flight, ` +
      (runs === 1 ? "1 run" : `median of ${runs} runs`),
    `${label("")}${"time".padEnd(10)}emails/s`,
    `${label("outbox dispatch")}${formatSeconds(ours).padEnd(10)}${formatCount(oursRate)}`,
    `${label("plain nodemailer")}${formatSeconds(baseline).padEnd(10)}${formatCount(baselineRate)}`,
    `throughput ratio (outbox / plain) ${formatRatio(ratio)};  goal: ≥ ${formatRatio(GOAL_RATIO)} → ${ratio >= GOAL_RATIO ? "PASS" : "FAIL"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) return;
  dropScratchDatabasesOnInterrupt();
  // the service's settings (SMTP_MAX_CONNECTIONS, lease, MAIL_FROM), without its database: the bench makes its own
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined });
  const log = createLogger(options.logLevel);
  const driver = options.adminUrl ? "PostgreSQL" : "PGlite";
  const smtp = await startSmtpSink();
  try {
    process.stdout.write(`dispatch benchmark: ${formatCount(options.emails)} emails, ${options.runs} run${options.runs === 1 ? "" : "s"}, ${driver}, SMTP ${smtp.url}\n`);
    const emails = buildEmails(options.emails, config.MAIL_FROM, "bench");
    const sizes = emails.map((e) => e.subject.length + e.text.length + e.html.length);
    process.stdout.write(`  message bodies ${formatCount(median(sizes))} characters (median, subject + text + HTML)\n`);
    // nodemailer and the server once, small, so that the first measurement does not pay for loading and warming them
    await measureBaseline(smtp, config, buildEmails(WARM_UP_EMAILS, config.MAIL_FROM, "warm-up"));
    const results: RunFigures[] = [];
    for (let run = 1; run <= options.runs; run += 1) {
      const figures = await measureRun(options, smtp, config, log, emails, run);
      results.push(figures);
      process.stdout.write(
        `run ${run}: outbox ${formatSeconds(figures.ours)} (${formatCount(options.emails / figures.ours)}/s), ` +
          `plain ${formatSeconds(figures.baseline)} (${formatCount(options.emails / figures.baseline)}/s), ratio ${formatRatio(figures.baseline / figures.ours)}; ` +
          `load average ${figures.load[0].toFixed(1)} → ${figures.load[1].toFixed(1)} on ${availableParallelism()} CPUs\n`,
      );
    }
    printSummary(options, config, driver, results);
  } finally {
    await smtp.close();
  }
}

await main();
