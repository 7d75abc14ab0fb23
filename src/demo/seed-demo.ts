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
import { reviewOffset } from "../backtest/shelf-simulation.js";
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
 * Fills an empty database with two stores, forty items, sixteen weeks of a POS feed (daily sales and stock counts,
 * rising with each item's weekly delivery) and the coming ad calendar, all drawn by the data
 * generator and loaded through the same import as POS data, then computes the risk. No purchase orders are loaded: the
 * sweep learns each item's deliveries from the receipts the feed shows. Does nothing when stores exist. Always makes
 * sure the demo key exists.
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

  const { batches, rows } = await importShelfHistory(deps, data, historyDays, now);
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
  log.info({ batches, rows, alertTransitions: sweep.transitions, managers, demoApiKey: DEMO_API_KEY }, "demo data loaded");
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

/** The demo stores' delivery cycle: each item arrives once a week, on its own weekday. */
const DELIVERY_DAYS = 7;
/** Counts in UTC that fall inside the store-local day in New York and London alike: after the delivery, and at close. */
const MORNING_COUNT = "T14:00:00Z";
const EVENING_COUNT = "T22:00:00Z";

/**
 * Replays the generated demand against a shelf that a weekly delivery tops up to about nine days of recent sales plus
 * safety stock, bringing at least a unit (what sells beyond the shelf is lost), and imports what a store's feed would
 * have sent: a file a day with its sales and each item's count (the morning's after its delivery, else the evening's),
 * then today's count.
 */
async function importShelfHistory(deps: AppDeps, data: ReturnType<typeof generateDemoData>, historyDays: number, now: Date): Promise<{ batches: number; rows: number }> {
  const names = new Map(data.items.map((item) => [item.sku, item]));
  const shelves = data.series.map((series) => {
    const demand = Array.from(series.units.subarray(0, historyDays));
    return { series, item: names.get(series.sku)!, demand, weekday: reviewOffset(series.store, series.sku, DELIVERY_DAYS), onHand: topUpLevel(demand, 0) };
  });
  let batches = 0;
  let rows = 0;
  const send = async (lines: string[], name: string) => {
    if (lines.length === 1) return;
    await importExport(deps, {
      body: Readable.from([Buffer.from(`${lines.join("\n")}\n`)]),
      format: "generic",
      source: "demo",
      fileName: name,
      apiKey: null,
      now,
    });
    batches += 1;
    rows += lines.length - 1;
  };
  const header = "store,sku,name,category,sold_units,sales_date,on_hand,observed_at";
  for (let day = 0; day < historyDays; day += 1) {
    const date = data.dates[day]!;
    const lines = [header];
    for (const shelf of shelves) {
      const { series, item } = shelf;
      const delivered = day > 0 && day % DELIVERY_DAYS === shelf.weekday;
      if (delivered) {
        // a standing weekly order: topped up to the level, and never an empty delivery (a slow seller gets a unit)
        shelf.onHand += Math.max(1, topUpLevel(shelf.demand, day) - shelf.onHand);
        lines.push(`${series.store},${series.sku},${item.name},${item.category},,,${shelf.onHand},${date}${MORNING_COUNT}`);
      }
      const sold = Math.min(shelf.demand[day]!, Math.max(0, shelf.onHand));
      shelf.onHand -= sold;
      if (sold > 0) lines.push(`${series.store},${series.sku},${item.name},${item.category},${sold},${date},,`);
      // a file holds one count per item: a delivery day's is the morning's (the rise); the next day's shows the sales
      if (!delivered) lines.push(`${series.store},${series.sku},${item.name},${item.category},,,${shelf.onHand},${date}${EVENING_COUNT}`);
    }
    await send(lines, `demo-${date}.csv`);
  }
  // the feed is live: today's count, unchanged since last night's
  await send([header, ...shelves.map(({ series, item, onHand }) => `${series.store},${series.sku},${item.name},${item.category},,,${onHand},${now.toISOString()}`)], "demo-today.csv");
  return { batches, rows };
}

/**
 * Nine days of the last four weeks' average demand plus two standard deviations of a week's, and at least 4 units: the
 * level a delivery tops up to.
 */
function topUpLevel(demand: number[], day: number): number {
  const window = demand.slice(Math.max(0, day - 28), Math.max(day, 28));
  const mean = window.reduce((sum, units) => sum + units, 0) / window.length;
  const variance = window.reduce((sum, units) => sum + (units - mean) ** 2, 0) / Math.max(1, window.length - 1);
  // a shelf shows at least a few units, however slowly the item sells
  return Math.max(4, Math.ceil(mean * 9 + 2 * Math.sqrt(variance * DELIVERY_DAYS)));
}
