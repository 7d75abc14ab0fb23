// Applies the migrations in drizzle/ to the configured database (DATABASE_URL, or PGlite under DATA_DIR).
import { loadConfig } from "../src/config.js";
import { openDatabase, type DatabaseHandle } from "../src/db/client.js";
import { DataDirLockedError } from "../src/db/data-dir-lock.js";
import { createLogger } from "../src/log.js";

const log = createLogger();
const config = loadConfig();
let database: DatabaseHandle;
try {
  database = openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, holder: "the Shelfwatch migration script" });
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  log.fatal(error.message);
  process.exit(1);
}
try {
  await database.migrate();
  log.info({ driver: database.driver }, "migrations applied");
} finally {
  await database.close();
}
