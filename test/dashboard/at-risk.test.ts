import { describe, expect, it } from "vitest";
import { AT_RISK_ROW_CAP } from "../../src/dashboard/dashboard.routes.js";
import { items, stockRisks } from "../../src/db/schema/index.js";
import { createStore } from "../../src/stores/store-admin.js";
import { storeFixtures, useTestContext } from "../helpers/context.js";
import { addRisk, DashboardBrowser, pageHtml, signedInBrowser } from "../helpers/dashboard.js";

const ctx = useTestContext();

async function seedStores() {
  const s12 = await createStore(ctx.db.db, storeFixtures.s12);
  const s7 = await createStore(ctx.db.db, storeFixtures.s7);
  return { s12, s7 };
}

async function signedIn(storeIds: number[] | null = null): Promise<DashboardBrowser> {
  const email = `user${storeIds?.join("-") ?? "all"}@store.example`;
  return signedInBrowser(ctx, email, storeIds);
}

/** The table's rows, in order: the item cell's SKU line and the store code. */
function tableRows(html: string): Array<{ href: string; name: string; store: string }> {
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(html)?.[1] ?? "";
  return [...body.matchAll(/<tr><th scope="row"><a href="([^"]+)">([^<]*)<\/a>[\s\S]*?<abbr title="[^"]*">([^<]+)<\/abbr>/g)].map((m) => ({
    href: m[1]!,
    name: m[2]!,
    store: m[3]!,
  }));
}

describe("GET /dashboard: at risk", () => {
  it("puts advertised items first, then the earliest projected stockout, with every column filled in", async () => {
    const { s12 } = await seedStores();
    await addRisk(ctx, s12.id, { sku: "1001", name: "Basil", projectedStockoutDate: "2026-11-21", nextDelivery: { date: "2026-11-22", quantity: 28, source: "inferred" } });
    await addRisk(ctx, s12.id, { sku: "1002", name: "Oat milk", projectedStockoutDate: "2026-11-24", nextDelivery: { date: "2026-11-23", quantity: 48 } });
    await addRisk(ctx, s12.id, {
      sku: "1003",
      name: "Tomatoes 1 kg",
      promotion: { externalId: "AD-2026-47", endDate: "2026-11-26" },
      projectedStockoutDate: "2026-11-25",
      onHand: 30,
      probability: 0.97,
      quantityToLastPromotion: 64,
    });
    await addRisk(ctx, s12.id, { sku: "1004", name: "Pasta", promotion: { externalId: "AD-2026-48", endDate: "2026-11-29" }, projectedStockoutDate: "2026-11-23" });
    // not at risk: too unlikely, or beyond the four weeks looked at
    await addRisk(ctx, s12.id, { sku: "1005", name: "Rice", probability: 0.2 });
    await addRisk(ctx, s12.id, { sku: "1006", name: "Flour", projectedStockoutDate: "2027-01-30" });

    const html = await pageHtml(await signedIn(), "/dashboard");
    expect(tableRows(html).map((r) => r.name)).toEqual(["Pasta", "Tomatoes 1 kg", "Basil", "Oat milk"]);
    expect(html).toContain("4 items at risk.");
    expect(html).toContain('<caption id="at-risk-caption">Items likely to run out at your stores: advertised items first, then by projected stockout date</caption>');
    for (const column of ["Item", "Store", "On hand", "Chance of running out", "Projected stockout", "Promotion ends", "Incoming delivery", "Suggested quantity"]) {
      expect(html).toContain(`<th scope="col">${column}</th>`);
    }
    const tomatoes = /<tr><th scope="row"><a href="\/dashboard\/stores\/S12\/items\/1003">Tomatoes 1 kg<\/a>[\s\S]*?<\/tr>/.exec(html)![0];
    expect(tomatoes).toContain('<span class="badge">Advertised</span>');
    expect(tomatoes).toContain('<td data-label="On hand" class="number">30</td><td data-label="Chance of running out" class="number lead">97%</td>');
    expect(tomatoes).toContain('<time datetime="2026-11-25">Wed 25 Nov</time>');
    expect(tomatoes).toContain('<time datetime="2026-11-26">Thu 26 Nov</time>');
    expect(tomatoes).toContain('<td data-label="Suggested quantity" class="number">64</td>');
    const oatMilk = /<a href="\/dashboard\/stores\/S12\/items\/1002">Oat milk<\/a>[\s\S]*?<\/tr>/.exec(html)![0];
    expect(oatMilk).not.toContain("badge");
    expect(oatMilk).toContain('<time datetime="2026-11-23">Mon 23 Nov</time>, 48 units (purchase order)');
    // a delivery nobody loaded: its quantity is an estimate, and the page says where it came from
    const basil = /<a href="\/dashboard\/stores\/S12\/items\/1001">Basil<\/a>[\s\S]*?<\/tr>/.exec(html)![0];
    expect(basil).toContain('<time datetime="2026-11-22">Sun 22 Nov</time>, ~28 units (inferred from past receipts)');
  });

  it("links each item to its page, with the store code and SKU encoded", async () => {
    const { s12 } = await seedStores();
    await addRisk(ctx, s12.id, { sku: "AB/12 ?x", name: "Odd SKU" });
    const html = await pageHtml(await signedIn(), "/dashboard");
    expect(tableRows(html)[0]!.href).toBe("/dashboard/stores/S12/items/AB%2F12%20%3Fx");
  });

  it("shows a user limited to one store nothing of another store, even when asked for it", async () => {
    const { s12, s7 } = await seedStores();
    await addRisk(ctx, s12.id, { sku: "2001", name: "Mt Auburn bread", category: "Bakery" });
    await addRisk(ctx, s7.id, { sku: "2002", name: "Harbour fish", category: "Seafood" });
    await addRisk(ctx, s7.id, { sku: "2001", name: "Mt Auburn bread" });
    const browser = await signedIn([s12.id]);

    const home = await pageHtml(browser, "/dashboard");
    expect(tableRows(home).map((r) => r.store)).toEqual(["S12"]);
    expect(home).not.toContain("Harbour");
    expect(home).not.toContain("Seafood");
    expect(home).not.toContain('value="S7"');

    for (const store of ["S7", "s7", "Harbour", "Store 7 Harbour", "S99"]) {
      const refused = await pageHtml(browser, `/dashboard?store=${encodeURIComponent(store)}`, 404);
      expect(tableRows(refused), store).toEqual([]);
      expect(refused).not.toContain("Harbour fish");
      expect(refused).not.toContain("/dashboard/stores/S7/");
      expect(refused).toContain("among your stores");
    }
    // the same answer for a store that exists and one that does not
    const s7Answer = (await pageHtml(browser, "/dashboard?store=S7", 404)).replace("“S7”", "“X”");
    const s99Answer = (await pageHtml(browser, "/dashboard?store=S99", 404)).replace("“S99”", "“X”");
    expect(s7Answer).toBe(s99Answer);

    // a user of every store sees both
    const manager = await signedIn(null);
    expect(tableRows(await pageHtml(manager, "/dashboard")).map((r) => r.store).sort()).toEqual(["S12", "S7", "S7"]);
  });

  it("filters by store, category and advertised only, and keeps the choices in the form", async () => {
    const { s12, s7 } = await seedStores();
    await addRisk(ctx, s12.id, { sku: "3001", name: "Tomatoes", category: "Produce", promotion: { externalId: "AD-1", endDate: "2026-11-26" } });
    await addRisk(ctx, s12.id, { sku: "3002", name: "Basil", category: "Produce" });
    await addRisk(ctx, s12.id, { sku: "3003", name: "Rice", category: "Pantry" });
    await addRisk(ctx, s7.id, { sku: "3004", name: "Leeks", category: "Produce" });
    const browser = await signedIn();
    const names = async (query: string) => tableRows(await pageHtml(browser, `/dashboard${query}`)).map((r) => r.name);

    expect(await names("")).toEqual(["Tomatoes", "Basil", "Rice", "Leeks"]);
    expect(await names("?store=S12")).toEqual(["Tomatoes", "Basil", "Rice"]);
    // a store's name or alias works as in the API
    expect(await names("?store=Harbour")).toEqual(["Leeks"]);
    expect(await names("?category=Produce")).toEqual(["Tomatoes", "Basil", "Leeks"]);
    expect(await names("?advertised=1")).toEqual(["Tomatoes"]);
    expect(await names("?store=S12&category=Produce&advertised=1")).toEqual(["Tomatoes"]);
    expect(await names("?store=&category=&advertised=")).toEqual(["Tomatoes", "Basil", "Rice", "Leeks"]);

    const filtered = await pageHtml(browser, "/dashboard?store=S12&category=Produce&advertised=1");
    expect(filtered).toContain('<option value="S12" selected="">S12 · Store 12 Mt Auburn</option>');
    expect(filtered).toContain('<option value="Produce" selected="">Produce</option>');
    expect(filtered).toMatch(/<input id="filter-advertised" type="checkbox" name="advertised" value="1" checked=""\/>/);
    expect(filtered).toContain('<label for="filter-store">Store</label>');
    expect(filtered).toContain('<label for="filter-category">Category</label>');
    expect(filtered).toContain('<label for="filter-advertised">Advertised only</label>');

    const none = await pageHtml(browser, "/dashboard?category=Frozen");
    expect(none).toContain("Nothing at risk for these filters.");
    expect(none).not.toContain("<table>");
  });

  it("escapes item names, categories and store names", async () => {
    const s12 = await createStore(ctx.db.db, { ...storeFixtures.s12, name: "Store <i>12</i>" });
    await addRisk(ctx, s12.id, { sku: "4001", name: `<script>alert("x")</script> & "Tomatoes"`, category: `<img src=x onerror=alert(1)>` });
    const browser = await signedIn();
    const html = await pageHtml(browser, "/dashboard");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<i>12</i>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Tomatoes&quot;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    const asked = await pageHtml(browser, `/dashboard?store=${encodeURIComponent("<b>S7</b>")}`, 404);
    expect(asked).toContain("“&lt;b&gt;S7&lt;/b&gt;”");
  });

  it(`shows at most ${AT_RISK_ROW_CAP} rows, and says there are more`, async () => {
    const { s12 } = await seedStores();
    const count = AT_RISK_ROW_CAP + 5;
    const inserted = await ctx.db.db
      .insert(items)
      .values(Array.from({ length: count }, (_, i) => ({ sku: `5${String(i).padStart(4, "0")}`, name: `Item ${i}`, category: "Pantry" })))
      .returning({ id: items.id });
    const now = ctx.clock.now();
    await ctx.db.db.insert(stockRisks).values(
      inserted.map(({ id }) => ({
        storeId: s12.id,
        itemId: id,
        computedAt: now,
        advertised: false,
        onHand: 3,
        projectedStockoutDate: "2026-11-22",
        daysOfCover: 1,
        probabilityWithinHorizon: 0.9,
        probability: 0.9,
        modelMethod: "negative_binomial",
        stockObservedAt: now,
      })),
    );
    const html = await pageHtml(await signedIn(), "/dashboard");
    expect(tableRows(html)).toHaveLength(AT_RISK_ROW_CAP);
    expect(html).toContain(`Showing the first ${AT_RISK_ROW_CAP} items at risk; more match.`);
  });

  it("sends the store link of alert emails to the store's list; an item with no stock recorded is a 404 page", async () => {
    await seedStores();
    const browser = await signedIn();
    const store = await browser.get("/dashboard/stores/S12");
    expect(store.status).toBe(302);
    expect(store.headers.get("location")).toBe("/dashboard?store=S12");
    const item = await browser.get("/dashboard/stores/S12/items/0001");
    expect(item.status).toBe(404);
    expect(item.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await browser.get("/dashboard/?advertised=1")).headers.get("location")).toBe("/dashboard?advertised=1");
    const missing = await browser.get("/dashboard/no-such-page");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("answers a malformed filter with a page, not JSON", async () => {
    await seedStores();
    const res = await (await signedIn()).get(`/dashboard?store=${"x".repeat(101)}`);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("Request failed validation");
  });

  it("is a page people can find their way around: landmarks, a skip link, a labelled scrolling table", async () => {
    const { s12 } = await seedStores();
    await addRisk(ctx, s12.id, { sku: "6001", name: "Tomatoes" });
    const html = await pageHtml(await signedIn(), "/dashboard");
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).toContain('<a class="skip" href="#main">Skip to main content</a>');
    expect(html).toContain('<header class="site">');
    expect(html).toContain('<nav aria-label="Dashboard">');
    expect(html).toContain('<a href="/dashboard" aria-current="page">At risk</a>');
    expect(html).toContain('<main id="main" tabindex="-1">');
    expect(html).toContain('role="search"');
    expect(html).toContain('<div class="table-region" role="region" aria-labelledby="at-risk-caption" tabindex="0">');
    expect(html).toContain(":focus-visible{outline:3px solid #1d4ed8");
    expect(html.match(/<h1>/g)).toHaveLength(1);
  });
});
