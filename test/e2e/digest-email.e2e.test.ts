import { describe, expect, it } from "vitest";
import { applyAlertChanges, type AlertTransition } from "../../src/alerts/alert-writes.js";
import type { AlertFigures, AlertKind } from "../../src/alerts/alert-types.js";
import type { AlertChange } from "../../src/alerts/alert-lifecycle.js";
import { items } from "../../src/db/schema/index.js";
import { runDigests } from "../../src/notify/digests.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { addRecipient } from "../../src/notify/recipients.js";
import { createStore } from "../../src/stores/store-admin.js";
import { storeFixtures, useTestContext } from "../helpers/context.js";
import { useLiveSite } from "../helpers/browser.js";
import { useTestSmtp } from "../helpers/smtp.js";

const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);
const site = useLiveSite(() => ctx.app);

const PHONE = { width: 390, height: 844 };
const NAMES = [
  "Organic Free-Range Large Brown Eggs 12 pack",
  "Tomatoes 1 kg",
  "Sparkling Mineral Water 6 x 1.5 L",
  "Whole Milk 2 L",
  "Basmati Rice 5 kg",
  "Greek Style Natural Yoghurt 500 g",
  "Bananas",
  "Extra Virgin Olive Oil 750 ml",
  "Dark Chocolate 70% 100 g",
  "Ground Coffee Medium Roast 250 g",
];

/** A day's figures for an item: `n` spreads the stockout dates, chances and quantities over the week. */
function figures(kind: AlertKind, n: number): AlertFigures {
  const day = (offset: number) => `2026-11-${String(20 + offset).padStart(2, "0")}`;
  const advertised = kind === "promotion_stockout";
  return {
    onHand: kind === "out_of_stock" ? 0 : 6 + ((n * 7) % 90),
    projectedStockoutDate: kind === "out_of_stock" ? day(0) : day(1 + (n % 5)),
    probability: kind === "out_of_stock" ? null : 0.5 + ((n * 13) % 49) / 100,
    promotionName: advertised ? "Week 47 flyer" : null,
    promotionEnd: advertised ? "2026-11-26" : null,
    nextDeliveryDate: kind === "delivery_stockout" && n % 3 !== 0 ? day(2 + (n % 4)) : null,
    nextDeliveryQuantity: kind === "delivery_stockout" && n % 3 !== 0 ? 48 : null,
    nextDeliverySource: kind === "delivery_stockout" && n % 3 !== 0 ? "loaded" : null,
    suggestedQuantity: 12 + ((n * 5) % 60),
    feedLastSeenAt: null,
  };
}

describe("the daily digest on a phone", () => {
  it("renders 50 alerts in under 4,000 px at 390 px wide, nothing wider than the screen, each item linked to its page", async () => {
    const store = await createStore(ctx.db.db, storeFixtures.s12);
    await addRecipient(ctx.db.db, store.id, { email: "ana.manager@store12.example", name: "Ana" });
    // 50 items with realistic names (long ones, one a single word that cannot wrap) and a mix of every item alert
    const rows = await ctx.db.db
      .insert(items)
      .values(
        Array.from({ length: 50 }, (_, n) => ({
          sku: `20${String(n).padStart(2, "0")}`,
          name: n === 7 ? "Vollkornhaferkekse-Schokoladenüberzug-Familienpackung-750g" : `${NAMES[n % NAMES.length]}${n >= 10 ? ` #${n}` : ""}`,
          category: "Grocery",
        })),
      )
      .returning({ id: items.id, sku: items.sku });
    const kinds: AlertKind[] = ["promotion_stockout", "delivery_stockout", "out_of_stock", "delivery_stockout", "promotion_stockout"];
    const opened: AlertTransition[] = [];
    // opened the day before, over the afternoon, so the digest also sums up a day of changes
    for (const [n, row] of rows.entries()) {
      const kind = kinds[n % kinds.length]!;
      const change: AlertChange = { type: "open", kind, itemId: row.id, urgent: kind !== "delivery_stockout", figures: figures(kind, n), cause: "risk above the store's threshold" };
      opened.push(...(await applyAlertChanges(ctx.db.db, { storeId: store.id, now: new Date(Date.parse("2026-11-19T17:00:00Z") + n * 60_000), actor: "sweep" }, [change])));
    }
    expect(opened).toHaveLength(50);

    // 07:00 in Cambridge MA
    ctx.clock.set("2026-11-20T12:00:00Z");
    expect((await runDigests(ctx.deps)).written).toBe(1);
    await runDispatch({ ...ctx.deps, mailer: live.mailer });
    const [digest] = await live.smtp.waitFor(1);
    const html = digest!.html as string;
    expect(digest!.subject).toBe("Store 12 Mt Auburn daily stock alerts, Fri 20 Nov: 30 urgent, 20 to watch");
    // every item linked to its page; besides those, only the dashboard; no signed link at all
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!);
    expect(new Set(hrefs.filter((href) => href.includes("/items/")))).toEqual(new Set(rows.map((row) => `https://shelfwatch.example/dashboard/stores/S12/items/${row.sku}`)));
    expect(hrefs).toHaveLength(51);
    expect(hrefs.filter((href) => href.includes("/links/"))).toEqual([]);

    const context = await site.browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: "load" });
    const layout = await page.evaluate(() => {
      const viewport = document.documentElement.clientWidth;
      const tooWide = [...document.querySelectorAll("body *")]
        .filter((element) => {
          const box = element.getBoundingClientRect();
          return box.width > 0 && (box.left < 0 || box.right > viewport + 0.5);
        })
        .map((element) => `${element.tagName.toLowerCase()}: ${(element.textContent ?? "").slice(0, 60)}`);
      return { viewport, height: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth, tooWide, smallestFont: Math.min(...[...document.querySelectorAll("body *")].filter((e) => (e.textContent ?? "").trim() && (e as HTMLElement).offsetParent !== null).map((e) => parseFloat(getComputedStyle(e).fontSize))) };
    });
    await site.screenshot(page, "digest-50-items-390px");
    await context.close();

    expect(layout.viewport).toBe(PHONE.width);
    expect(layout.tooWide, "elements wider than the screen").toEqual([]);
    expect(layout.scrollWidth).toBeLessThanOrEqual(PHONE.width);
    expect(layout.height).toBeLessThan(4000);
    // still readable: no text smaller than 14 px
    expect(layout.smallestFont).toBeGreaterThanOrEqual(14);
  });
});
