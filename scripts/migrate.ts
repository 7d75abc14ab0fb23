// Applies the migrations in drizzle/ to the configured database (DATABASE_URL, or PGlite under DATA_DIR).
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { createLogger } from "../src/log.js";

const log = createLogger();
const config = loadConfig();
const database = openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  await database.migrate();
  log.info({ driver: database.driver }, "migrations applied");
} finally {
  await database.close();
}
