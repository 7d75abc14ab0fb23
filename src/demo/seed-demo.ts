import { Readable } from "node:stream";
import { count, eq } from "drizzle-orm";
import type { AppDeps } from "../app-env.js";
import { apiKeys, stores, users } from "../db/schema/index.js";
import { hashApiKey } from "../http/api-keys.js";
import { verifyPassword } from "../http/passwords.js";
import { createUser } from "../dashboard/users.js";
import { createStore } from "../stores/store-admin.js";
import { addDays } from "../alerts/risk-inputs.js";
import { addRecipient } from "../notify/recipients.js";
import { publicUrl, sweepWithAlerts } from "../notify/alert-notices.js";
import { StoreDirectory } from "../stores/store-directory.js";
import { generateDemoData } from "../backtest/generate-data.js";
import { createRandom, uniform } from "../backtest/random.js";
import { upsertPromotions } from "../plan/promotions.js";
import { importExport } from "../sync/import-export.js";

/** A key that exists only in demo databases, so that the README's curl examples work as written. */
export const DEMO_API_KEY = "sw_demo_only_not_for_production";

/** The dashboard account of demo databases: a manager of every store, with a password as public as the demo key. */
export const DEMO_MANAGER = { email: "manager@demo.example", name: "Demo Manager", password: "demo-only-not-for-production" } as const;

const DEMO_STORES = [
  { name: "Store 1 Mt Auburn", timeZone: "America/New_York", addressLine1: "12 Mt Auburn St", city: "Cambridge", region: "MA", postalCode: "02138", country: "US", aliases: ["Mt Auburn", "Mt_Auburn"] },
  { name: "Store 2 Harbour", timeZone: "Europe/London", addressLine1: "7 Harbour Road", city: "Bristol", postalCode: "BS1 5DB", country: "GB", aliases: ["Harbour"] },
];

/**
 * Fills an empty database with two stores, forty items, sixteen weeks of daily sales, today's stock and the coming
 * ad calendar, all drawn by the data generator and loaded through the same paths as POS data, then computes the risk.
 * Does nothing when stores exist. Always makes sure the demo key exists.
 */
export async function seedDemo(deps: AppDeps): Promise<{ seeded: boolean }> {
  const { db, log } = deps;
  const [existingKey] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(DEMO_API_KEY)));
  if (!existingKey) {
    await db.insert(apiKeys).values({ name: "demo", prefix: DEMO_API_KEY.slice(0, 10), keyHash: hashApiKey(DEMO_API_KEY), storeIds: null });
  }
  await ensureDemoManager(deps);
  const [{ value: storeCount }] = (await db.select({ value: count() }).from(stores)) as [{ value: number }];
  if (storeCount > 0) {
    log.info({ demoApiKey: DEMO_API_KEY }, "demo data already present");
    return { seeded: false };
  }
  // the generator draws the chain: 16 weeks of history, and the ad calendar of the next four weeks
  const now = deps.clock.now();
  const today = now.toISOString().slice(0, 10);
  const historyDays = 112;
  const data = generateDemoData({ stores: DEMO_STORES.length, items: 40, days: historyDays + 28, seed: 12, start: addDays(today, -historyDays) });
  for (const [index, store] of DEMO_STORES.entries()) await createStore(db, { ...store, code: data.stores[index]! });

  const random = createRandom(34);
  const names = new Map(data.items.map((item) => [item.sku, item]));
  const lines = ["store,sku,name,category,sold_units,sales_date,on_hand,observed_at"];
  for (const series of data.series) {
    const item = names.get(series.sku)!;
    for (let day = 0; day < historyDays; day += 1) {
      if (series.units[day]! > 0) lines.push(`${series.store},${series.sku},${item.name},${item.category},${series.units[day]},${data.dates[day]},,`);
    }
    // on hand: a few days to a couple of weeks of recent sales; items about to be advertised are often short
    let recent = 0;
    for (let day = historyDays - 28; day < historyDays; day += 1) recent += series.units[day]!;
    const advertisedSoon = series.advertised.subarray(historyDays, historyDays + 7).some((flag) => flag === 1);
    const weeks = advertisedSoon && random.next() < 0.6 ? uniform(random, 0.1, 0.3) : uniform(random, 0.4, 2);
    lines.push(`${series.store},${series.sku},${item.name},${item.category},,,${Math.round((recent / 4) * weeks)},${now.toISOString()}`);
  }
  const report = await importExport(deps, {
    body: Readable.from([Buffer.from(`${lines.join("\n")}\n`)]),
    format: "generic",
    source: "demo",
    fileName: "demo.csv",
    apiKey: null,
    now,
  });
  const directory = await StoreDirectory.load(db);
  const upcoming = data.promotions.filter((p) => p.endDate >= today);
  const calendar = new Map<string, { id: string; name: string; skus: string[]; stores: Set<string>; startDate: string; endDate: string; uplift?: number }>();
  for (const p of upcoming) {
    const entry = calendar.get(p.promotionId) ?? { id: p.promotionId, name: p.name, skus: [], stores: new Set(), startDate: p.startDate, endDate: p.endDate };
    entry.skus.push(p.sku);
    entry.stores.add(p.store);
    calendar.set(p.promotionId, entry);
  }
  await upsertPromotions(
    db,
    [...calendar.values()].map((p) => ({ ...p, skus: [...new Set(p.skus)], stores: p.stores.has("*") ? ("all" as const) : [...p.stores] })),
    null,
  );
  // a manager per store, so that the first sweep's alerts produce emails (files under DATA_DIR/outbox without SMTP)
  const managers: string[] = [];
  for (const code of data.stores.slice(0, DEMO_STORES.length)) {
    const store = directory.resolve(code)!;
    const email = `manager.${code.toLowerCase()}@example.com`;
    await addRecipient(db, store.id, { email, name: `Manager ${code}`, role: "manager" });
    managers.push(email);
  }
  const sweep = await sweepWithAlerts(deps, { now, full: true });
  log.info({ batchId: report.batchId, rows: report.rowsAccepted, alertTransitions: sweep.transitions, managers, demoApiKey: DEMO_API_KEY }, "demo data loaded");
  return { seeded: true };
}

/** Creates the demo manager once, and says in the log how to sign in for as long as the demo password works. */
async function ensureDemoManager(deps: AppDeps): Promise<void> {
  const { db, log } = deps;
  const signIn = `${publicUrl(deps.config)}/dashboard/login`;
  const [existing] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.email, DEMO_MANAGER.email));
  if (!existing) {
    await createUser(db, { ...DEMO_MANAGER, role: "manager", storeIds: null }, deps.clock.now());
  } else if (!(await verifyPassword(DEMO_MANAGER.password, existing.passwordHash))) {
    log.info({ email: DEMO_MANAGER.email, signIn }, "demo dashboard account present; its password was changed");
    return;
  }
  log.info({ email: DEMO_MANAGER.email, password: DEMO_MANAGER.password, signIn }, "demo dashboard account: sign in with this email and password");
}
