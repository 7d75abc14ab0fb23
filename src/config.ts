import cron from "node-cron";
import { z } from "zod";

const booleanText = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  /** PostgreSQL URL; unset means the embedded PGlite database under DATA_DIR */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }).optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** largest CSV body accepted, after decompression */
  IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(512 * 1024 * 1024),
  /** longest CSV record (one line, or several when a quoted cell holds line breaks); an open quote hits it */
  IMPORT_MAX_RECORD_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** a gzip body may inflate to this many times the compressed bytes read so far (real exports: about 5–50) … */
  IMPORT_MAX_GZIP_RATIO: z.coerce.number().int().min(2).default(200),
  /** … plus this many bytes, so that small files of identical rows pass */
  IMPORT_GZIP_FLOOR_BYTES: z.coerce.number().int().min(0).default(16 * 1024 * 1024),
  /** most rows in one JSON stock post */
  STOCK_BATCH_MAX_ROWS: z.coerce.number().int().positive().max(100_000).default(5000),
  /** how far in the future an observation or sales date may lie (clock skew between tills and server) */
  FUTURE_TOLERANCE_MINUTES: z.coerce.number().int().min(0).default(15),
  /** rejected rows kept per import for rejected.csv; the count is always exact */
  IMPORT_MAX_REJECTIONS: z.coerce.number().int().positive().default(100_000),
  /** GET /metrics answers only requests with this bearer token; unset, it answers 404 */
  METRICS_TOKEN: z.string().min(16, { error: "METRICS_TOKEN must be at least 16 characters" }).optional(),
  IMPORT_CHUNK_ROWS: z.coerce.number().int().min(100).max(500_000).default(100_000),
  /** folder watched for POS export files; unset disables the drop-folder job */
  SYNC_DIR: z.string().min(1).optional(),
  SYNC_CRON: z.string().refine((v) => cron.validate(v), { error: "must be a cron expression, e.g. */5 * * * *" }).default("* * * * *"),
  /** a dropped file younger than this may still be being written and waits for the next run */
  SYNC_SETTLE_SECONDS: z.coerce.number().int().min(0).default(10),
  /** when the stockout risk of changed store-items is recomputed (plus all of them once a day) */
  SWEEP_CRON: z.string().refine((v) => cron.validate(v), { error: "must be a cron expression, e.g. */15 * * * *" }).default("*/15 * * * *"),
  /** days from an order placed today to the shelf: receipts the ledger's pattern expects sooner are already on their way */
  ORDER_LEAD_DAYS: z.coerce.number().int().min(0).max(60).default(3),
  /** after an import, the sweep waits this long for more imports before it runs */
  SWEEP_DEBOUNCE_MS: z.coerce.number().int().min(0).default(30_000),
  /** load demo stores, items, stock and sales into an empty database at start-up */
  SEED_DEMO: booleanText.default(false),
  /** longest time a request may take, uploads included (0 = no limit) */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(30 * 60_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** SMTP server for outgoing email, e.g. smtp://user:pass@mail.example.com:587; unset writes .eml files to DATA_DIR/outbox */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(50).default(5),
  MAIL_FROM: z.string().min(3).default("Shelfwatch <alerts@shelfwatch.localhost>"),
  /** the address people reach the service at, for links in email */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).optional(),
  /** key that signs acknowledge and snooze links (≥ 32 characters); unset, the service makes one and keeps it in the database */
  LINK_SECRET: z.string().min(32, { error: "must be at least 32 characters" }).optional(),
  /** how long an acknowledge or snooze link in an email works */
  LINK_TTL_HOURS: z.coerce.number().int().positive().default(7 * 24),
  /** how long the snooze link in an email snoozes */
  SNOOZE_HOURS: z.coerce.number().int().positive().default(24),
  /** when the dispatcher looks for email to send (seconds field allowed) */
  DISPATCH_CRON: z.string().refine((v) => cron.validate(v), { error: "must be a cron expression, e.g. */30 * * * * *" }).default("*/20 * * * * *"),
  /** urgent alert emails one recipient gets in any hour; alerts beyond it wait for the next email the cap allows */
  URGENT_EMAILS_PER_HOUR: z.coerce.number().int().min(1).max(60).default(4),
  /** an email that could not be sent for this long is marked failed */
  OUTBOX_GIVE_UP_MINUTES: z.coerce.number().int().positive().default(24 * 60),
  /** a dispatcher that took an email and vanished loses it to another replica after this long */
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().positive().default(120),
  /** when daily digests are checked for stores whose digest time has come */
  DIGEST_CRON: z.string().refine((v) => cron.validate(v), { error: "must be a cron expression, e.g. */5 * * * *" }).default("*/5 * * * *"),
  /** when back-in-stock waves and running-low notices to customers are written (also after every sweep) */
  CUSTOMER_NOTICES_CRON: z.string().refine((v) => cron.validate(v), { error: "must be a cron expression, e.g. */5 * * * *" }).default("*/5 * * * *"),
  /** back-in-stock notices per unit on the shelf in one wave (3 units, 2 per unit: 6 subscribers hear) */
  NOTICES_PER_UNIT: z.coerce.number().positive().max(100).default(1),
  /** the next wave of back-in-stock notices waits this long, then re-checks stock */
  RESTOCK_WAVE_MINUTES: z.coerce.number().int().positive().default(60),
  /** a confirmed subscription ends after this many days */
  SUBSCRIPTION_DAYS: z.coerce.number().int().positive().default(180),
  /** an unconfirmed subscription, and its confirmation link, last this long */
  CONFIRM_TTL_HOURS: z.coerce.number().int().positive().default(72),
  /** how long a rain check can be redeemed */
  RAIN_CHECK_DAYS: z.coerce.number().int().positive().default(30),
  /** ended subscriptions, and the address on rain checks and email of former customers, are deleted this long after */
  CUSTOMER_DATA_DAYS: z.coerce.number().int().positive().default(90),
  /** public endpoints (subscribe, privacy requests): requests per hour from one IP address, and about one email address */
  RATE_LIMIT_PER_IP: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().positive().default(5),
  /** behind a reverse proxy: take the client address from X-Forwarded-For */
  TRUST_PROXY: booleanText.default(false),
  /** dashboard sign-in: this many wrong passwords in a row lock the account for DASHBOARD_LOCKOUT_MINUTES */
  DASHBOARD_LOCKOUT_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  DASHBOARD_LOCKOUT_MINUTES: z.coerce.number().int().positive().default(15),
  /** a dashboard session ends this long after sign-in */
  DASHBOARD_SESSION_HOURS: z.coerce.number().int().positive().max(24 * 30).default(12),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join("\n  ")}`);
  }
}

/** Parses the environment once; a bad value names its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // an empty variable means "unset", as in most deployment tools
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return result.data;
}
