import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("gives working defaults on an empty environment: embedded database under ./data, no mail server", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: "./data", STOCK_BATCH_MAX_ROWS: 5000, SEED_DEMO: false });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("stops on a bad value with a message naming the variable", () => {
    const attempt = () => loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", SYNC_CRON: "every minute", SEED_DEMO: "maybe" });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const issues = (error as ConfigError).issues.join("\n");
      expect(issues).toMatch(/^PORT: /m);
      expect(issues).toMatch(/^DATABASE_URL: must be a postgres:\/\/ URL/m);
      expect(issues).toMatch(/^SYNC_CRON: must be a cron expression/m);
      expect(issues).toMatch(/^SEED_DEMO: must be true or false/m);
    }
  });

  it("treats an empty variable as unset", () => {
    const config = loadConfig({ DATABASE_URL: "", PORT: "8080" });
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBeUndefined();
  });
});
