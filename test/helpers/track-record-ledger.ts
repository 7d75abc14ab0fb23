import { sql } from "drizzle-orm";
import { runSweep } from "../../src/alerts/sweep.js";
import { addDays } from "../../src/alerts/risk-inputs.js";
import { queryRows } from "../../src/db/client.js";
import type { TestContext } from "./context.js";
import { postRowsOk } from "./sync-requests.js";

/** 60 store-local mornings at S12 (America/New_York, summer time throughout), 2026-09-01 (a Tuesday) to 2026-10-30. */
export const FIRST_MORNING = "2026-09-01";
export const MORNINGS = 60;
export const LAST_MORNING = addDays(FIRST_MORNING, MORNINGS - 1);
/** Days of reported sales before the first morning, as the sweep's history reads them. */
const PRE_HISTORY_DAYS = 84;

/** Days since the last Monday (0 on a Monday). */
const sinceMonday = (i: number) => (new Date(`${addDays(FIRST_MORNING, i)}T00:00:00Z`).getUTCDay() + 6) % 7;

/**
 * The constructed ledger: each item's on hand at the morning observation of day i (i = 0 is the first morning, -1 the
 * day before), and its daily sales before the replay.
 */
export const SCRIPTED_ITEMS: Array<{ sku: string; category: string; dailyUnits: number; weeklyTopUpTo?: number; onHand: (i: number) => number }> = [
  // topped up to 100 every Monday, 10 a day: never out
  { sku: "A-STEADY", category: "Dairy", dailyUnits: 10, weeklyTopUpTo: 100, onHand: (i) => 100 - 10 * sinceMonday(i) },
  // 10 a day with nothing coming: empty 09-16 to 09-24, restocked, empty 10-10 to 10-13, restocked
  {
    sku: "B-RUNS-DRY",
    category: "Pantry",
    dailyUnits: 10,
    onHand: (i) => (i < 24 ? Math.max(0, 150 - 10 * i) : i < 43 ? Math.max(0, 150 - 10 * (i - 24)) : 200 - 10 * (i - 43)),
  },
  // topped up to 60 every Monday, 6 a day, but emptied at once on Monday 10-05 and refilled on 10-07
  {
    sku: "C-SUDDEN",
    category: "Dairy",
    dailyUnits: 6,
    weeklyTopUpTo: 60,
    onHand: (i) => (i === 34 || i === 35 ? 0 : 60 - 6 * sinceMonday(i)),
  },
  // a slow seller with plenty on the shelf
  { sku: "D-SLOW", category: "Pantry", dailyUnits: 2, onHand: (i) => 300 - 2 * (i + 1) },
  // 10 a day, refilled by 100 every ten days just before it would run out: an alarm that never comes true
  { sku: "E-NEAR-MISS", category: "Pantry", dailyUnits: 10, onHand: (i) => 40 - 10 * ((i + 7) % 10) + 70 },
];

/** The store-local date of morning i. */
export const morningOf = (i: number) => addDays(FIRST_MORNING, i);

/**
 * Builds the ledger up to the day before the first morning, then replays the mornings: each posts the day's stock
 * observation (07:00 local) through POST /v1/stock and runs the real sweep at 08:00 local with the clock at that
 * time. Returns the items that had a live predictive alert after each morning's sweep, as the alerts table shows it.
 */
export async function replayMornings(ctx: TestContext, chainKey: string, mornings = MORNINGS): Promise<Map<string, Set<string>>> {
  const observe = async (i: number) => {
    const date = morningOf(i);
    ctx.clock.set(`${date}T11:30:00Z`);
    await postRowsOk(
      ctx,
      chainKey,
      SCRIPTED_ITEMS.map((item) => ({ store: "S12", sku: item.sku, onHand: item.onHand(i), observedAt: `${date}T11:00:00Z`, name: item.sku, category: item.category })),
    );
  };
  await observe(-1);
  const sales = SCRIPTED_ITEMS.flatMap((item) =>
    Array.from({ length: PRE_HISTORY_DAYS }, (_, back) => ({ k: item.sku, d: morningOf(-1 - back), u: item.dailyUnits })),
  );
  await ctx.db.db.execute(
    sql`insert into daily_sales (store_id, item_id, sales_date, units, source)
        select st.id, i.id, x.d, x.u, 'reported'
        from json_to_recordset(${JSON.stringify(sales)}::json) as x(k text, d date, u int)
        join stores st on st.code = 'S12' join items i on i.sku = x.k
        on conflict do nothing`,
  );
  // twelve weekly Monday receipts before the replay, for the items topped up weekly
  const receipts = SCRIPTED_ITEMS.flatMap((item) =>
    item.weeklyTopUpTo === undefined
      ? []
      : Array.from({ length: 12 }, (_, week) => ({ k: item.sku, d: morningOf(-1 - 7 * week), u: 6 * item.dailyUnits, h: item.weeklyTopUpTo })),
  );
  await ctx.db.db.execute(
    sql`insert into stock_receipts (store_id, item_id, receipt_date, units, on_hand_after, source)
        select st.id, i.id, x.d, x.u, x.h, 'observed'
        from json_to_recordset(${JSON.stringify(receipts)}::json) as x(k text, d date, u int, h int)
        join stores st on st.code = 'S12' join items i on i.sku = x.k
        on conflict do nothing`,
  );

  const alertedByMorning = new Map<string, Set<string>>();
  for (let i = 0; i < mornings; i += 1) {
    await observe(i);
    ctx.clock.set(`${morningOf(i)}T12:00:00Z`);
    await runSweep(ctx.deps, { now: ctx.clock.now() });
    const live = await queryRows<{ sku: string }>(
      ctx.db.db,
      sql`select i.sku from alerts a join items i on i.id = a.item_id join stores st on st.id = a.store_id
          where st.code = 'S12' and a.state <> 'resolved' and a.kind in ('promotion_stockout', 'delivery_stockout')`,
    );
    alertedByMorning.set(morningOf(i), new Set(live.map((row) => row.sku)));
  }
  return alertedByMorning;
}

/** The days the script leaves an item's shelf empty at its observation: the ledger's stockout days. */
export function scriptedStockoutDays(sku: string): Set<string> {
  const item = SCRIPTED_ITEMS.find((candidate) => candidate.sku === sku)!;
  const days = new Set<string>();
  for (let i = 0; i < MORNINGS; i += 1) if (item.onHand(i) <= 0) days.add(morningOf(i));
  return days;
}

/** The units the ledger holds for an item on a day: reported before the replay, then the drop since the day before. */
export function scriptedUnits(sku: string, date: string): number {
  const item = SCRIPTED_ITEMS.find((candidate) => candidate.sku === sku)!;
  const i = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${FIRST_MORNING}T00:00:00Z`)) / 86_400_000);
  if (i < 0) return item.dailyUnits;
  return Math.max(0, item.onHand(i - 1) - item.onHand(i));
}
