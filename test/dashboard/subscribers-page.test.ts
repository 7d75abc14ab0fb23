import { desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox, subscriptions } from "../../src/db/schema/index.js";
import { unsubscribe } from "../../src/subscriptions/subscriptions.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { pageHtml, signedInBrowser } from "../helpers/dashboard.js";
import { importCsv } from "../helpers/sync-requests.js";

const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example" });

/** A customer subscribes on the public endpoint; with `confirm`, they use the link of the confirmation email. */
async function subscribe(email: string, store: string, sku: string, wants: { restock?: boolean; deals?: boolean; confirm?: boolean } = {}) {
  const res = await ctx.app.request("/v1/subscriptions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, store, sku, restock: wants.restock ?? true, deals: wants.deals ?? false }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  if (wants.confirm === false) return;
  const [message] = await ctx.db.db.select().from(outbox).where(eq(outbox.recipient, email)).orderBy(desc(outbox.id)).limit(1);
  expect(message?.subject).toMatch(/^Confirm:/);
  const path = /https:\/\/shelfwatch\.example(\/c\/[A-Za-z0-9_.-]+)/.exec(message!.textBody)?.[1];
  expect(path, message!.textBody).toBeDefined();
  const confirmed = await ctx.app.request(path!, { method: "POST", headers: { accept: "application/json" } });
  expect(await confirmed.json()).toEqual({ status: "confirmed" });
}

/** Each row: the item link, the store and the three counts. */
function countRows(html: string): Array<{ href: string; store: string; counts: number[] }> {
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(html)?.[1] ?? "";
  return [...body.matchAll(/<tr><th scope="row"><a href="([^"]+)">[\s\S]*?<abbr title="[^"]*">([^<]+)<\/abbr>([\s\S]*?)<\/tr>/g)].map((m) => ({
    href: m[1]!,
    store: m[2]!,
    counts: [...m[3]!.matchAll(/<td data-label="[^"]+" class="number">(\d+)<\/td>/g)].map((n) => Number(n[1])),
  }));
}

const customers = {
  tomatoes: ["ada@example.com", "bo@example.com", "cy@example.net", "di@example.org"],
  basil: ["ed@example.com"],
  pending: "fay@example.com",
  unsubscribed: "gus@example.com",
  harbour: ["hal@example.co.uk", "ivy@example.co.uk"],
};

async function seedSubscribers() {
  const keys = await seedStoresAndKeys(ctx);
  await importCsv(ctx, keys.chainKey, "store,sku,on_hand,name\nS12,0001,0,Tomatoes 1 kg\nS12,0002,4,Basil\nS7,0003,0,Harbour fish\n");
  const [ada, bo, cy, di] = customers.tomatoes;
  await subscribe(ada!, "S12", "0001");
  await subscribe(bo!, "S12", "0001");
  await subscribe(cy!, "S12", "0001", { deals: true });
  await subscribe(di!, "S12", "0001", { restock: false, deals: true });
  await subscribe(customers.basil[0]!, "S12", "0002");
  // not counted: never confirmed, or unsubscribed since
  await subscribe(customers.pending, "S12", "0002", { confirm: false });
  await subscribe(customers.unsubscribed, "S12", "0002");
  const [gone] = await ctx.db.db.select().from(subscriptions).where(eq(subscriptions.email, customers.unsubscribed));
  expect(await unsubscribe(ctx.db.db, gone!.requestId, ctx.clock.now())).toBe(1);
  for (const email of customers.harbour) await subscribe(email, "Harbour", "0003");
  return keys;
}

describe("GET /dashboard/subscribers", () => {
  it("counts confirmed customers per store and item, most first, within the viewer's stores", async () => {
    const { s12 } = await seedSubscribers();
    const staff = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const html = await pageHtml(staff, "/dashboard/subscribers");
    expect(html).toContain('<a href="/dashboard/subscribers" aria-current="page">Subscribers</a>');
    expect(countRows(html)).toEqual([
      { href: "/dashboard/stores/S12/items/0001", store: "S12", counts: [4, 3, 2] },
      { href: "/dashboard/stores/S12/items/0002", store: "S12", counts: [1, 1, 0] },
    ]);
    expect(html).toContain(">Tomatoes 1 kg</a>");
    expect(html).not.toContain("Harbour fish");
    expect(html).toContain('<caption id="subscribers-caption">');
    for (const column of ["Item", "Store", "Customers", "Waiting for a restock", "Following deals"]) {
      expect(html).toContain(`<th scope="col">${column}</th>`);
    }

    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    expect(countRows(await pageHtml(manager, "/dashboard/subscribers"))).toEqual([
      { href: "/dashboard/stores/S12/items/0001", store: "S12", counts: [4, 3, 2] },
      { href: "/dashboard/stores/S7/items/0003", store: "S7", counts: [2, 2, 0] },
      { href: "/dashboard/stores/S12/items/0002", store: "S12", counts: [1, 1, 0] },
    ]);
  });

  it("never shows a customer's address", async () => {
    await seedSubscribers();
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    const html = await pageHtml(manager, "/dashboard/subscribers");
    const addresses = [...customers.tomatoes, ...customers.basil, customers.pending, customers.unsubscribed, ...customers.harbour];
    for (const address of addresses) expect(html).not.toContain(address);
    // no address of any kind in the page's content
    const main = /<main[\s\S]*<\/main>/.exec(html)![0];
    expect(main).not.toContain("@");
    expect(html).not.toContain("mailto:");
  });

  it("says so when nobody waits for anything", async () => {
    await seedStoresAndKeys(ctx);
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    const html = await pageHtml(manager, "/dashboard/subscribers");
    expect(countRows(html)).toEqual([]);
    expect(html).toContain("No customer is waiting for an item at your stores.");
  });
});
