import type { Metrics } from "./http/metrics.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { Database } from "./db/client.js";
import type { Logger } from "./log.js";
import type { Mailer } from "./notify/mail-types.js";

export interface AppDeps {
  db: Database;
  config: Config;
  clock: Clock;
  log: Logger;
  /** SMTP, or .eml files; the dispatcher job sends the outbox through it */
  mailer?: Mailer;
  /** told after stock, sales, promotions or deliveries changed, so that risk is recomputed soon (debounced) */
  onLedgerChange?: () => void;
  /** the process's Prometheus metrics; the app makes its own when none is given */
  metrics?: Metrics;
}

export interface AppEnv {
  Variables: { requestId: string; log: Logger };
}
