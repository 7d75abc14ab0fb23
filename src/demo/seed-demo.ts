import { Readable } from "node:stream";
import { count, eq } from "drizzle-orm";
import type { AppDeps } from "../app-env.js";
import { apiKeys, stores } from "../db/schema/index.js";
import { hashApiKey } from "../http/api-keys.js";
import { createStore } from "../stores/store-admin.js";
import { localDateAt } from "../stores/store-directory.js";
import { importExport } from "../sync/import-export.js";

/** A key that exists only in demo databases, so that the README's curl examples work as written. */
export const DEMO_API_KEY = "sw_demo_only_not_for_production";

const CATEGORIES = ["Produce", "Dairy", "Bakery", "Pantry", "Household"] as const;
const PRODUCTS = [
  "Tomatoes 1 kg", "Bananas", "Avocados 4-pack", "Strawberries 400 g", "Whole milk 2 L", "Greek yogurt 500 g",
  "Cheddar 400 g", "Sourdough loaf", "Croissants 4-pack", "Bagels 6-pack", "Pasta 500 g", "Olive oil 1 L",
  "Coffee beans 1 kg", "Breakfast cereal", "Paper towels 6-roll", "Dish soap", "Laundry pods 30", "Butter 250 g",
  "Eggs dozen", "Orange juice 1.5 L",
];

/** A small deterministic generator (mulberry32), so that every demo shows the same shop. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fills an empty database with two stores, twenty items, eight weeks of daily sales and today's stock, loaded through
 * the same import path as a POS export. Does nothing when stores exist. Always makes sure the demo key exists.
 */
export async function seedDemo(deps: AppDeps): Promise<{ seeded: boolean }> {
  const { db, log } = deps;
  const [existingKey] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(DEMO_API_KEY)));
  if (!existingKey) {
    await db.insert(apiKeys).values({ name: "demo", prefix: DEMO_API_KEY.slice(0, 10), keyHash: hashApiKey(DEMO_API_KEY), storeIds: null });
  }
  const [{ value: storeCount }] = (await db.select({ value: count() }).from(stores)) as [{ value: number }];
  if (storeCount > 0) {
    log.info({ demoApiKey: DEMO_API_KEY }, "demo data already present");
    return { seeded: false };
  }
  const demoStores = [
    { code: "S12", name: "Store 12 Mt Auburn", timeZone: "America/New_York", addressLine1: "12 Mt Auburn St", city: "Cambridge", region: "MA", postalCode: "02138", country: "US", aliases: ["Mt Auburn", "Mt_Auburn"] },
    { code: "S7", name: "Store 7 Harbour", timeZone: "Europe/London", addressLine1: "7 Harbour Road", city: "Bristol", postalCode: "BS1 5DB", country: "GB", aliases: ["Harbour"] },
  ];
  for (const store of demoStores) await createStore(db, store);

  const now = deps.clock.now();
  const random = seededRandom(12);
  const lines = ["store,sku,name,category,sold_units,sales_date,on_hand,observed_at"];
  for (const store of demoStores) {
    PRODUCTS.forEach((name, index) => {
      const sku = String(100_000 + index).padStart(8, "0");
      const category = CATEGORIES[index % CATEGORIES.length]!;
      const base = 2 + random() * 18;
      for (let daysAgo = 56; daysAgo >= 1; daysAgo -= 1) {
        const day = new Date(now.getTime() - daysAgo * 86_400_000);
        const weekend = [0, 6].includes(day.getUTCDay()) ? 1.4 : 1;
        const units = Math.max(0, Math.round(base * weekend * (0.6 + random() * 0.8)));
        lines.push(`${store.code},${sku},${name},${category},${units},${localDateAt(day, store.timeZone)},,`);
      }
      const onHand = Math.round(base * (index % 4 === 0 ? 1.5 : 6) * random());
      lines.push(`${store.code},${sku},${name},${category},,,${onHand},${now.toISOString()}`);
    });
  }
  const report = await importExport(deps, {
    body: Readable.from([Buffer.from(`${lines.join("\n")}\n`)]),
    format: "generic",
    source: "demo",
    fileName: "demo.csv",
    apiKey: null,
    now,
  });
  log.info({ batchId: report.batchId, rows: report.rowsAccepted, demoApiKey: DEMO_API_KEY }, "demo data loaded");
  return { seeded: true };
}
