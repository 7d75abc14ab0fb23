import { describe, expect, it } from "vitest";
import type { TrackRecordFigures } from "../../src/alerts/track-record-figures.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { pageHtml, signedInBrowser } from "../helpers/dashboard.js";
import { expectJson } from "../helpers/sync-requests.js";
import { FIRST_MORNING, morningOf, replayMornings } from "../helpers/track-record-ledger.js";

const ctx = useTestContext({ ORDER_LEAD_DAYS: "3" });

/** 32 mornings: B runs dry on the 16th, and the window of its first warning has passed by the last. */
const REPLAYED = 32;

const pct = (value: number | null) => (value === null ? "no data" : `${Math.round(value * 100)}%`);

describe("the track record page", () => {
  it("shows the API's figures for the store: the rules side by side, the reliability table and its chart; the item page shows the item's predictions", async () => {
    const { chainKey, s7 } = await seedStoresAndKeys(ctx);
    await replayMornings(ctx, chainKey, REPLAYED);
    const to = morningOf(REPLAYED - 1);
    const figures = await expectJson<TrackRecordFigures>(
      await ctx.app.request(`/v1/stores/S12/track-record?from=${FIRST_MORNING}&to=${to}`, { headers: bearer(chainKey) }),
      200,
    );
    expect(figures.settledMornings).toBeGreaterThan(0);
    expect(figures.shelfwatch.trueEpisodes).toBeGreaterThan(0);

    const browser = await signedInBrowser(ctx, "ana@store12.example", null);
    const html = await pageHtml(browser, `/dashboard/track-record?store=S12&from=${FIRST_MORNING}&to=${to}`);
    expect(html).toContain("<h1>Track record of Store 12 Mt Auburn</h1>");
    expect(html).toMatch(/<a href="\/dashboard\/track-record" aria-current="page">/);
    expect(html).toContain(`${figures.mornings} predictions of store-items kept, ${figures.settledMornings} of them with a known outcome`);
    const { shelfwatch, reorderPoint } = figures;
    expect(html).toContain(
      `<th scope="row">Precision: warnings that came true</th><td class="number">${pct(shelfwatch.precision)} (${shelfwatch.trueEpisodes} of ${shelfwatch.episodes})</td><td class="number">${pct(reorderPoint.precision)} (${reorderPoint.trueEpisodes} of ${reorderPoint.episodes})</td>`,
    );
    expect(html).toContain(`${pct(shelfwatch.recall)} (${shelfwatch.warned} of ${shelfwatch.stockouts})`);
    // the chart, named and described, with a bar for every band that has mornings; the table has every band
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="reliability-title reliability-desc"/);
    const filled = figures.reliability.filter((band) => band.mornings > 0);
    expect(html.match(/<rect /g)?.length).toBe(filled.length);
    for (const band of filled) {
      expect(html).toContain(`<td class="number">${band.mornings}</td>`);
    }
    expect(html.match(/<th scope="row">\d+–\d+%<\/th>/g)?.length).toBe(10);

    // without a store, the viewer's first; the form's dates show the default period
    const first = await pageHtml(browser, "/dashboard/track-record");
    expect(first).toContain("Track record of Store 12 Mt Auburn");
    expect(first).toContain(`name="to" value="${to}"`);

    // the item page: B's own mornings, newest first, with what happened
    const item = await pageHtml(browser, "/dashboard/stores/S12/items/B-RUNS-DRY");
    expect(item).toContain("Recent morning predictions and what happened");
    expect(item).toContain("ran out");
    expect(item).toContain("not known yet");
    const newest = item.indexOf(`datetime="${morningOf(14)}"`);
    const older = item.indexOf(`datetime="${morningOf(13)}"`);
    expect(newest).toBeGreaterThan(0);
    expect(older).toBeGreaterThan(newest);

    // another store's viewer sees nothing of S12
    const s7Only = await signedInBrowser(ctx, "dee@store7.example", [s7.id]);
    await pageHtml(s7Only, "/dashboard/track-record?store=S12", 404);
    const own = await pageHtml(s7Only, "/dashboard/track-record");
    expect(own).toContain("Track record of Store 7 Harbour");
    expect(own).toContain("0 predictions of store-items kept");
    expect(own).not.toContain("Mt Auburn");
  }, 120_000);

  it("refuses a period that runs backwards", async () => {
    await seedStoresAndKeys(ctx);
    const browser = await signedInBrowser(ctx, "ana@store12.example", null);
    const html = await pageHtml(browser, "/dashboard/track-record?store=S12&from=2026-10-02&to=2026-10-01", 422);
    expect(html).toContain("from must not be after to");
  });
});
