import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { addDays, daysBetween } from "../../src/alerts/risk-inputs.js";
import type { TrackRecordFigures } from "../../src/alerts/track-record-figures.js";
import { queryRows } from "../../src/db/client.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { expectJson, expectProblem } from "../helpers/sync-requests.js";
import {
  FIRST_MORNING,
  LAST_MORNING,
  MORNINGS,
  morningOf,
  replayMornings,
  SCRIPTED_ITEMS,
  scriptedStockoutDays,
  scriptedUnits,
} from "../helpers/track-record-ledger.js";

const LEAD_DAYS = 3;
const ctx = useTestContext({ ORDER_LEAD_DAYS: String(LEAD_DAYS) });

type Recorded = { sku: string; morning: string; probability: number; window_end: string; alerted: boolean; reorder_point_alerted: boolean; ran_out: boolean | null };

/** The rule as the issue states it, computed from the script's own units: on hand ≤ mean × lead + 1.2816 σ √lead. */
function handReorderVerdict(sku: string, morning: string, onHand: number): boolean {
  const units = Array.from({ length: 28 }, (_, k) => scriptedUnits(sku, addDays(morning, k - 28)));
  const mean = units.reduce((a, b) => a + b, 0) / 28;
  const sd = Math.sqrt(units.reduce((a, b) => a + (b - mean) ** 2, 0) / 27);
  return onHand <= mean * LEAD_DAYS + 1.2816 * sd * Math.sqrt(LEAD_DAYS);
}

/** Counts the figures the slow way: every morning, every episode and every stockout looked at one by one. */
function handCount(rows: Recorded[], warns: (row: Recorded) => boolean) {
  let episodes = 0;
  let trueEpisodes = 0;
  let pendingEpisodes = 0;
  const starts: Recorded[] = [];
  for (const row of rows) {
    if (!warns(row)) continue;
    const dayBefore = rows.find((other) => other.sku === row.sku && other.morning === addDays(row.morning, -1));
    if (dayBefore && warns(dayBefore)) continue;
    starts.push(row);
    if (row.ran_out === null) pendingEpisodes += 1;
    else {
      episodes += 1;
      if (row.ran_out) trueEpisodes += 1;
    }
  }
  let stockouts = 0;
  const warnings: number[] = [];
  for (const item of SCRIPTED_ITEMS) {
    const empty = scriptedStockoutDays(item.sku);
    const runStarts = [...empty].filter((day) => !empty.has(addDays(day, -1))).sort();
    for (const day of runStarts) {
      // a warning was possible: the item was assessed lead days before
      if (!rows.some((row) => row.sku === item.sku && row.morning <= addDays(day, -LEAD_DAYS))) continue;
      stockouts += 1;
      // an episode warns only of the first stockout on or after its start
      const early = starts.filter(
        (s) => s.sku === item.sku && s.morning <= addDays(day, -LEAD_DAYS) && day <= s.window_end && runStarts.find((d) => d >= s.morning) === day,
      );
      if (early.length > 0) warnings.push(Math.max(...early.map((s) => daysBetween(s.morning, day))));
    }
  }
  warnings.sort((a, b) => a - b);
  const median =
    warnings.length === 0 ? null : warnings.length % 2 ? warnings[(warnings.length - 1) / 2]! : (warnings[warnings.length / 2 - 1]! + warnings[warnings.length / 2]!) / 2;
  return {
    episodes,
    trueEpisodes,
    pendingEpisodes,
    precision: episodes ? trueEpisodes / episodes : null,
    stockouts,
    warned: warnings.length,
    recall: stockouts ? warnings.length / stockouts : null,
    medianWarningDays: median,
  };
}

describe("the track record of 60 replayed mornings", () => {
  it("keeps each morning's prediction, settles it from the ledger, and reports figures that match a count by hand", async () => {
    const { chainKey, s12Key } = await seedStoresAndKeys(ctx);
    const alertedByMorning = await replayMornings(ctx, chainKey);

    const rows = (
      await queryRows<Recorded>(
        ctx.db.db,
        sql`select i.sku, p.morning::text as morning, p.probability, p.window_end::text as window_end, p.alerted, p.reorder_point_alerted, p.ran_out
            from morning_predictions p join items i on i.id = p.item_id order by i.sku, p.morning`,
      )
    ).map((row) => ({ ...row, probability: Number(row.probability) }));

    // one row per store-item and morning with stock on the shelf; none for the mornings it was empty
    const expectedKeys: string[] = [];
    for (const item of SCRIPTED_ITEMS) {
      for (let i = 0; i < MORNINGS; i += 1) if (item.onHand(i) > 0) expectedKeys.push(`${item.sku} ${morningOf(i)}`);
    }
    expect(rows.map((row) => `${row.sku} ${row.morning}`).sort()).toEqual(expectedKeys.sort());

    const settledBefore = addDays(LAST_MORNING, -1);
    for (const row of rows) {
      const i = daysBetween(FIRST_MORNING, row.morning);
      const item = SCRIPTED_ITEMS.find((candidate) => candidate.sku === row.sku)!;
      const context = `${row.sku} on ${row.morning}`;
      expect(row.alerted, context).toBe(alertedByMorning.get(row.morning)!.has(row.sku));
      expect(row.reorder_point_alerted, context).toBe(handReorderVerdict(row.sku, row.morning, item.onHand(i)));
      expect(row.window_end >= row.morning, context).toBe(true);
      if (row.window_end < settledBefore) {
        const empty = scriptedStockoutDays(row.sku);
        const ranOut = [...empty].some((day) => day >= row.morning && day <= row.window_end);
        expect(row.ran_out, context).toBe(ranOut);
      } else {
        expect(row.ran_out, context).toBeNull();
      }
    }

    const res = await ctx.app.request(`/v1/stores/S12/track-record?from=${FIRST_MORNING}&to=${LAST_MORNING}`, { headers: bearer(s12Key) });
    const body = await expectJson<TrackRecordFigures & { store: string }>(res, 200);
    expect(body).toMatchObject({ store: "S12", from: FIRST_MORNING, to: LAST_MORNING, leadDays: LEAD_DAYS, mornings: rows.length });

    const settled = rows.filter((row) => row.ran_out !== null);
    expect(body.settledMornings).toBe(settled.length);
    for (let band = 0; band < 10; band += 1) {
      const inBand = settled.filter((row) => Math.min(9, Math.floor(row.probability * 10)) === band);
      const figures = body.reliability[band]!;
      expect(figures.mornings, `band ${band}`).toBe(inBand.length);
      if (inBand.length === 0) {
        expect(figures.meanPredicted).toBeNull();
        continue;
      }
      expect(figures.meanPredicted!).toBeCloseTo(inBand.reduce((sum, row) => sum + row.probability, 0) / inBand.length, 9);
      expect(figures.ranOutShare!).toBeCloseTo(inBand.filter((row) => row.ran_out).length / inBand.length, 9);
    }

    const shelfwatch = handCount(rows, (row) => row.alerted);
    const reorderPoint = handCount(rows, (row) => row.reorder_point_alerted);
    expect(body.shelfwatch).toEqual(shelfwatch);
    expect(body.reorderPoint).toEqual(reorderPoint);

    // the script's stockouts: B on 09-16 and 10-10, C on 10-05; both rules warned something, both raised false alarms
    expect(shelfwatch.stockouts).toBe(3);
    expect(reorderPoint.stockouts).toBe(3);
    expect(shelfwatch.warned).toBeGreaterThan(0);
    expect(reorderPoint.warned).toBeGreaterThan(0);
    expect(shelfwatch.episodes).toBeGreaterThan(shelfwatch.trueEpisodes);
    expect(reorderPoint.episodes).toBeGreaterThan(reorderPoint.trueEpisodes);
    // B, with nothing coming and 15 days of stock, was flagged from the first morning
    expect(rows.find((row) => row.sku === "B-RUNS-DRY" && row.morning === FIRST_MORNING)?.alerted).toBe(true);
    // nobody could see C's sudden emptying coming
    const suddenWarned = rows.some((row) => row.sku === "C-SUDDEN" && row.alerted && row.ran_out);
    expect(suddenWarned).toBe(false);

    // a shorter period counts only its own mornings and stockouts
    const october = await expectJson<TrackRecordFigures>(
      await ctx.app.request("/v1/stores/S12/track-record?from=2026-10-01&to=2026-10-30", { headers: bearer(s12Key) }),
      200,
    );
    expect(october.mornings).toBe(rows.filter((row) => row.morning >= "2026-10-01").length);
    expect(october.shelfwatch.stockouts).toBe(2);
  }, 240_000);
});

describe("GET /v1/stores/:store/track-record", () => {
  it("answers only keys that may use the store, and an unknown store with 404", async () => {
    const { s12Key, chainKey } = await seedStoresAndKeys(ctx);
    await expectProblem(await ctx.app.request("/v1/stores/S7/track-record", { headers: bearer(s12Key) }), 403, "forbidden_store");
    await expectProblem(await ctx.app.request("/v1/stores/S99/track-record", { headers: bearer(chainKey) }), 404, "not_found");
    await expectProblem(await ctx.app.request("/v1/stores/S12/track-record"), 401, "unauthorized");
  });

  it("refuses a period that is not one, naming the field", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const bad = await expectProblem(await ctx.app.request("/v1/stores/S12/track-record?from=2026-13-01", { headers: bearer(chainKey) }), 422, "validation_failed");
    expect(bad.errors?.[0]?.field).toBe("from");
    const backwards = await expectProblem(
      await ctx.app.request("/v1/stores/S12/track-record?from=2026-10-02&to=2026-10-01", { headers: bearer(chainKey) }),
      422,
      "validation_failed",
    );
    expect(backwards.errors?.[0]?.field).toBe("from");
    const long = await expectProblem(
      await ctx.app.request("/v1/stores/S12/track-record?from=2025-01-01&to=2026-10-01", { headers: bearer(chainKey) }),
      422,
      "validation_failed",
    );
    expect(long.errors?.[0]?.reason).toMatch(/400 days/);
  });

  it("defaults to the 90 days ending on the store's today, and is empty before any sweep", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const body = await expectJson<TrackRecordFigures>(await ctx.app.request("/v1/stores/S12/track-record", { headers: bearer(chainKey) }), 200);
    // the clock stands at 2026-11-20T15:00Z: 10:00 in Cambridge
    expect(body).toMatchObject({ from: "2026-08-23", to: "2026-11-20", mornings: 0, settledMornings: 0 });
    expect(body.shelfwatch).toMatchObject({ episodes: 0, precision: null, stockouts: 0, recall: null, medianWarningDays: null });
    expect(body.reliability).toHaveLength(10);
  });
});
