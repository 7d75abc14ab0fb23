import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createApp, type App } from "../../src/app.js";
import type { Clock } from "../../src/clock.js";
import type { Mailer } from "../../src/notify/mail-types.js";
import { loadConfig, type Config } from "../../src/config.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { createLogger } from "../../src/log.js";
import { createMailer } from "../../src/notify/mailer.js";
import { createStore, type NewStore } from "../../src/stores/store-admin.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

/** A clock that stands still until a test moves it. */
export class TestClock implements Clock {
  constructor(public current = new Date("2026-11-20T15:00:00Z")) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface TestContext {
  db: TestDatabase;
  app: App;
  clock: TestClock;
  config: Config;
  deps: Parameters<typeof createApp>[0] & { mailer: Mailer };
}

/**
 * One migrated database and app per test file (creating a database costs seconds), emptied before each test.
 * Returns a live object whose fields are filled in by beforeAll.
 */
export function useTestContext(env: Record<string, string> = {}): TestContext {
  const context = {} as TestContext;
  beforeAll(async () => {
    context.db = await createTestDatabase();
    context.clock = new TestClock();
    context.config = loadConfig({ LOG_LEVEL: "silent", ...env });
    const log = createLogger(context.config.LOG_LEVEL);
    // tests that read mail use their own SMTP server; the rest write .eml files nobody reads
    const mailer = createMailer({ outboxDir: await mkdtemp(join(tmpdir(), "shelfwatch-outbox-")), log });
    context.deps = { db: context.db.db, config: context.config, clock: context.clock, log, mailer };
    context.app = createApp(context.deps);
  });
  beforeEach(async () => {
    await context.db.reset();
    context.clock.set("2026-11-20T15:00:00Z");
  });
  afterAll(async () => {
    await context.db?.close();
  });
  return context;
}

export const storeFixtures = {
  s12: {
    code: "S12",
    name: "Store 12 Mt Auburn",
    timeZone: "America/New_York",
    addressLine1: "12 Mt Auburn St",
    city: "Cambridge",
    region: "MA",
    postalCode: "02138",
    country: "US",
    aliases: ["Mt Auburn", "Mt_Auburn"],
  },
  s7: {
    code: "S7",
    name: "Store 7 Harbour",
    timeZone: "Europe/London",
    addressLine1: "7 Harbour Road",
    city: "Bristol",
    postalCode: "BS1 5DB",
    country: "GB",
    aliases: ["Harbour"],
  },
} satisfies Record<string, NewStore>;

/** Creates the two fixture stores and keys: one for every store, one for S12 only. */
export async function seedStoresAndKeys(context: TestContext) {
  const s12 = await createStore(context.db.db, storeFixtures.s12);
  const s7 = await createStore(context.db.db, storeFixtures.s7);
  const chainKey = await createApiKey(context.db.db, { name: "chain", storeIds: null });
  const s12Key = await createApiKey(context.db.db, { name: "s12 till", storeIds: [s12.id] });
  return { s12, s7, chainKey: chainKey.key, s12Key: s12Key.key };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
