/**
 * Synthetic daily demand for a chain of stores: pure and seeded, so the same options always give the same files.
 *
 * Each item has a base level drawn log-normally (a share of items are slow, intermittent movers with many zero
 * days), a weekly pattern of its category (weekend peak), a mild yearly seasonality and trend, a few promotions per
 * year (3–10 days, uplift ×1.5–4 by item and category, some chain-wide), and negative binomial noise around that mean.
 * The units are demand: what shoppers would buy from a full shelf. The backtest caps them at the simulated stock.
 */
import { formatSafeCsvRecord } from "../sync/csv-cells.js";
import { consecutiveDates, dayNumber, weekdayOfDayNumber } from "./calendar-days.js";
import { createRandom, logNormal, negativeBinomial, pick, uniform, uniformInt, type Random } from "./random.js";

export interface GenerateOptions {
  stores: number;
  items: number;
  days: number;
  seed: number;
  /** first date, YYYY-MM-DD */
  start: string;
}

export type Movement = "regular" | "intermittent";

export interface GeneratedItem {
  sku: string;
  name: string;
  category: string;
  /** how the item was drawn; items.csv carries only sku, name and category */
  movement: Movement;
  /** expected units per average day at an average store, before season, trend and promotions */
  baseLevel: number;
  /** the item's typical promotion uplift (each promotion varies a little around it) */
  typicalUplift: number;
}

export interface GeneratedPromotion {
  promotionId: string;
  name: string;
  sku: string;
  /** a store code, or "*" for every store */
  store: string;
  startDate: string;
  endDate: string;
  /** demand multiplier on the promotion's days */
  uplift: number;
}

export interface GeneratedSeries {
  store: string;
  sku: string;
  /** demand per day, index 0 = options.start */
  units: Int32Array;
  /** 1 on the days a promotion ran for the item at the store */
  advertised: Uint8Array;
  /** the expected demand each day that `units` were drawn around: level × weekly × season × trend × promotion uplift */
  mean: Float64Array;
  /** the negative binomial size of that draw (variance = mean + mean² / size) */
  size: number;
}

export interface GeneratedData {
  dates: string[];
  stores: string[];
  items: GeneratedItem[];
  promotions: GeneratedPromotion[];
  /** one per store and item, store-major */
  series: GeneratedSeries[];
}

interface Category {
  name: string;
  /** demand multipliers Sunday..Saturday before normalising to mean 1 */
  weekly: readonly number[];
  /** range of the typical promotion uplift of its items */
  uplift: readonly [number, number];
  /** yearly seasonality: amplitude and the day of the year of its peak */
  seasonAmplitude: number;
  seasonPeakDay: number;
  products: readonly string[];
}

const CATEGORIES: readonly Category[] = [
  {
    name: "beverages",
    weekly: [1.25, 0.85, 0.82, 0.88, 0.97, 1.3, 1.45],
    uplift: [2.2, 4],
    seasonAmplitude: 0.15,
    seasonPeakDay: 196,
    products: ["Sparkling Water 1L", "Cola 6x330ml", "Orange Juice 1L", "Iced Tea 1.5L", "Lemonade 2L", "Energy Drink 250ml", "Ginger Ale 6x330ml", "Apple Juice 1L"],
  },
  {
    name: "snacks",
    weekly: [1.2, 0.85, 0.85, 0.9, 1.0, 1.35, 1.4],
    uplift: [1.8, 3.5],
    seasonAmplitude: 0.08,
    seasonPeakDay: 350,
    products: ["Potato Chips 150g", "Tortilla Chips 200g", "Salted Pretzels 250g", "Mixed Nuts 200g", "Popcorn 100g", "Chocolate Bar 100g", "Oat Cookies 300g", "Rice Crackers 120g"],
  },
  {
    name: "dairy",
    weekly: [1.1, 0.92, 0.9, 0.92, 0.98, 1.12, 1.2],
    uplift: [1.5, 2.5],
    seasonAmplitude: 0.05,
    seasonPeakDay: 15,
    products: ["Whole Milk 1L", "Greek Yogurt 500g", "Cheddar 200g", "Butter 250g", "Skimmed Milk 1L", "Cream Cheese 150g", "Mozzarella 125g", "Kefir 500ml"],
  },
  {
    name: "bakery",
    weekly: [1.15, 0.9, 0.88, 0.9, 0.97, 1.15, 1.35],
    uplift: [1.5, 2.5],
    seasonAmplitude: 0.06,
    seasonPeakDay: 355,
    products: ["Sourdough Loaf", "Whole Wheat Bread", "Croissants 4-pack", "Bagels 6-pack", "Rye Bread", "Cinnamon Rolls 4-pack", "Baguette", "Muffins 4-pack"],
  },
  {
    name: "produce",
    weekly: [1.1, 0.9, 0.9, 0.92, 0.98, 1.15, 1.3],
    uplift: [1.6, 3],
    seasonAmplitude: 0.12,
    seasonPeakDay: 180,
    products: ["Bananas 1kg", "Strawberries 400g", "Baby Spinach 200g", "Avocados 2-pack", "Cherry Tomatoes 250g", "Blueberries 125g", "Gala Apples 1kg", "Lemons 4-pack"],
  },
  {
    name: "frozen",
    weekly: [1.2, 0.9, 0.88, 0.9, 0.95, 1.1, 1.35],
    uplift: [1.8, 3.5],
    seasonAmplitude: 0.12,
    seasonPeakDay: 200,
    products: ["Vanilla Ice Cream 1L", "Frozen Pizza", "Frozen Peas 1kg", "Fish Fingers 10-pack", "Frozen Berries 500g", "Chicken Nuggets 400g", "Ice Lollies 6-pack", "Frozen Fries 1kg"],
  },
  {
    name: "household",
    weekly: [1.2, 0.88, 0.9, 0.92, 0.95, 1.05, 1.3],
    uplift: [1.5, 2.5],
    seasonAmplitude: 0.04,
    seasonPeakDay: 90,
    products: ["Dish Soap 500ml", "Laundry Detergent 2L", "Paper Towels 4-pack", "Trash Bags 20-pack", "Toilet Paper 9-pack", "Kitchen Sponges 3-pack", "All-Purpose Cleaner 750ml", "Aluminium Foil 30m"],
  },
  {
    name: "personal care",
    weekly: [1.12, 0.92, 0.92, 0.95, 1.0, 1.06, 1.2],
    uplift: [1.5, 2.8],
    seasonAmplitude: 0.06,
    seasonPeakDay: 170,
    products: ["Shampoo 400ml", "Toothpaste 75ml", "Shower Gel 250ml", "Sunscreen SPF30 200ml", "Deodorant 150ml", "Hand Soap 300ml", "Razor Blades 4-pack", "Lip Balm"],
  },
];

const BRANDS = ["Greenfield", "Northwind", "Bluebell", "Harvest Gold", "Riverside", "Summit", "Meadowbrook", "Oakridge", "Sunny Vale", "Maple Lane"];

/** share of items that are slow, intermittent movers */
const INTERMITTENT_SHARE = 0.25;
const YEAR_DAYS = 365.25;

function normalisedWeekly(weekly: readonly number[]): number[] {
  const mean = weekly.reduce((sum, m) => sum + m, 0) / weekly.length;
  return weekly.map((m) => m / mean);
}

export function storeCode(index: number): string {
  return `S${String(index + 1).padStart(2, "0")}`;
}

export function skuOf(index: number): string {
  return String(100_001 + index);
}

interface ItemDraw extends GeneratedItem {
  weekly: number[];
  seasonAmplitude: number;
  seasonPeakDay: number;
  /** growth per year, as a log rate */
  trend: number;
  /** negative binomial size */
  size: number;
  promotionsPerYear: number;
}

function drawItem(random: Random, index: number, usedNames: Set<string>): ItemDraw {
  const category = CATEGORIES[index % CATEGORIES.length]!;
  const movement: Movement = random.next() < INTERMITTENT_SHARE ? "intermittent" : "regular";
  const baseLevel =
    movement === "intermittent" ? Math.min(0.8, Math.max(0.04, logNormal(random, 0.25, 0.6))) : Math.min(60, Math.max(1, logNormal(random, 4, 0.8)));
  let name = `${pick(random, BRANDS)} ${pick(random, category.products)}`;
  for (let n = 2; usedNames.has(name); n++) name = `${name.replace(/ #\d+$/, "")} #${n}`;
  usedNames.add(name);
  // each item has its own weekly shape around its category's
  const weekly = normalisedWeekly(category.weekly.map((m) => m * uniform(random, 0.95, 1.05)));
  return {
    sku: skuOf(index),
    name,
    category: category.name,
    movement,
    baseLevel,
    typicalUplift: uniform(random, category.uplift[0], category.uplift[1]),
    weekly,
    seasonAmplitude: category.seasonAmplitude * uniform(random, 0.5, 1.2),
    seasonPeakDay: category.seasonPeakDay + uniformInt(random, -20, 20),
    trend: Math.max(-0.2, Math.min(0.2, 0.08 * (random.next() + random.next() + random.next() - 1.5) * 2)),
    size: movement === "intermittent" ? uniform(random, 0.6, 2) : uniform(random, 4, 20),
    promotionsPerYear: movement === "intermittent" ? uniform(random, 0.5, 1.5) : uniform(random, 2, 5),
  };
}

interface PromotionDraw {
  sku: string;
  itemIndex: number;
  /** store index, or -1 for every store */
  store: number;
  startDay: number;
  length: number;
  uplift: number;
}

/** Promotions for one item: none overlapping at a store, at least a week apart, some chain-wide. */
function drawPromotions(random: Random, item: ItemDraw, itemIndex: number, stores: number, days: number): PromotionDraw[] {
  const wanted = Math.round((item.promotionsPerYear * days) / YEAR_DAYS);
  const drawn: PromotionDraw[] = [];
  const clashes = (store: number, start: number, length: number) =>
    drawn.some((p) => (p.store === -1 || store === -1 || p.store === store) && start < p.startDay + p.length + 7 && p.startDay < start + length + 7);
  for (let attempt = 0; drawn.length < wanted && attempt < wanted * 20; attempt++) {
    const length = uniformInt(random, 3, 10);
    if (length >= days) break;
    const startDay = uniformInt(random, 0, days - length);
    const store = random.next() < 0.4 ? -1 : uniformInt(random, 0, stores - 1);
    if (clashes(store, startDay, length)) continue;
    const uplift = Math.round(Math.min(4, Math.max(1.5, item.typicalUplift * uniform(random, 0.88, 1.12))) * 100) / 100;
    drawn.push({ sku: item.sku, itemIndex, store, startDay, length, uplift });
  }
  return drawn;
}

const PROMOTION_NAMES = ["Weekly ad", "Weekend deal", "Price drop", "Multi-buy", "Seasonal special", "Manager's special"];

export function generateDemoData(options: GenerateOptions): GeneratedData {
  const random = createRandom(options.seed);
  const dates = consecutiveDates(options.start, options.days);
  const firstDay = dayNumber(options.start);
  const stores = Array.from({ length: options.stores }, (_, i) => storeCode(i));
  const storeSize = stores.map(() => logNormal(random, 1, 0.25));

  const usedNames = new Set<string>();
  const items = Array.from({ length: options.items }, (_, i) => drawItem(random, i, usedNames));

  const promotionDraws = items.flatMap((item, i) => drawPromotions(random, item, i, options.stores, options.days));
  promotionDraws.sort((a, b) => a.startDay - b.startDay || a.itemIndex - b.itemIndex || a.store - b.store);
  const promotions = promotionDraws.map((p, i): GeneratedPromotion => {
    const startDate = dates[p.startDay]!;
    const week = Math.floor((p.startDay + weekdayOfDayNumber(firstDay)) / 7) + 1;
    return {
      promotionId: `P${String(i + 1).padStart(4, "0")}`,
      name: `${pick(random, PROMOTION_NAMES)} ${startDate.slice(0, 4)} week ${week}`,
      sku: p.sku,
      store: p.store === -1 ? "*" : stores[p.store]!,
      startDate,
      endDate: dates[p.startDay + p.length - 1]!,
      uplift: p.uplift,
    };
  });

  const promotionsByItem = new Map<number, PromotionDraw[]>();
  for (const p of promotionDraws) {
    const list = promotionsByItem.get(p.itemIndex) ?? [];
    list.push(p);
    promotionsByItem.set(p.itemIndex, list);
  }

  const weekday = new Uint8Array(options.days);
  const dayOfYear = new Int32Array(options.days);
  for (let d = 0; d < options.days; d++) {
    weekday[d] = weekdayOfDayNumber(firstDay + d);
    dayOfYear[d] = firstDay + d - dayNumber(`${dates[d]!.slice(0, 4)}-01-01`);
  }

  const series: GeneratedSeries[] = [];
  const multiplier = new Float64Array(options.days);
  for (let s = 0; s < options.stores; s++) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const units = new Int32Array(options.days);
      const means = new Float64Array(options.days);
      const advertised = new Uint8Array(options.days);
      multiplier.fill(1);
      for (const p of promotionsByItem.get(i) ?? []) {
        if (p.store !== -1 && p.store !== s) continue;
        for (let d = p.startDay; d < p.startDay + p.length; d++) {
          advertised[d] = 1;
          multiplier[d] = p.uplift;
        }
      }
      // stores differ in size, and items sell a little differently from store to store
      const level = item.baseLevel * storeSize[s]! * logNormal(random, 1, 0.15);
      for (let d = 0; d < options.days; d++) {
        const season = 1 + item.seasonAmplitude * Math.cos((2 * Math.PI * (dayOfYear[d]! - item.seasonPeakDay)) / YEAR_DAYS);
        const trend = Math.exp((item.trend * d) / YEAR_DAYS);
        const mean = level * item.weekly[weekday[d]!]! * season * trend * multiplier[d]!;
        means[d] = mean;
        units[d] = negativeBinomial(random, mean, item.size);
      }
      series.push({ store: stores[s]!, sku: item.sku, units, advertised, mean: means, size: item.size });
    }
  }

  return {
    dates,
    stores,
    items: items.map(({ sku, name, category, movement, baseLevel, typicalUplift }) => ({ sku, name, category, movement, baseLevel, typicalUplift })),
    promotions,
    series,
  };
}

/** sales.csv: date,store,sku,units,advertised — one row per store, item and day, ordered by date as a POS export is */
export function* renderSalesCsv(data: GeneratedData): Generator<string> {
  yield "date,store,sku,units,advertised\n";
  for (let d = 0; d < data.dates.length; d++) {
    const date = data.dates[d]!;
    let chunk = "";
    for (const s of data.series) chunk += `${date},${s.store},${s.sku},${s.units[d]},${s.advertised[d]}\n`;
    yield chunk;
  }
}

/** nine significant digits: the truth file stays readable, and the oracle's risks do not move at that precision */
function truthNumber(value: number): string {
  return String(Number(value.toPrecision(9)));
}

/**
 * truth.csv: date,store,sku,mean,size — the expected demand each series' units were drawn around each day, and the
 * negative binomial size of the draw; what the backtest's oracle forecasts with. Ordered as sales.csv.
 */
export function* renderTruthCsv(data: GeneratedData): Generator<string> {
  yield "date,store,sku,mean,size\n";
  const sizes = data.series.map((s) => truthNumber(s.size));
  for (let d = 0; d < data.dates.length; d++) {
    const date = data.dates[d]!;
    let chunk = "";
    data.series.forEach((s, i) => (chunk += `${date},${s.store},${s.sku},${truthNumber(s.mean[d]!)},${sizes[i]}\n`));
    yield chunk;
  }
}

export function renderPromotionsCsv(data: GeneratedData): string {
  const lines = ["promotion_id,name,sku,store,start_date,end_date,uplift"];
  for (const p of data.promotions) lines.push(formatSafeCsvRecord([p.promotionId, p.name, p.sku, p.store, p.startDate, p.endDate, String(p.uplift)], ","));
  return `${lines.join("\n")}\n`;
}

export function renderItemsCsv(data: GeneratedData): string {
  const lines = ["sku,name,category"];
  for (const item of data.items) lines.push(formatSafeCsvRecord([item.sku, item.name, item.category], ","));
  return `${lines.join("\n")}\n`;
}
