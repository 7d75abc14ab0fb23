import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { stockOf } from "../helpers/ledger-reads.js";
import { postRowsOk } from "../helpers/sync-requests.js";

const ctx = useTestContext();

function send(path: string, key: string, body: string, contentType = "application/json") {
  return ctx.app.request(path, { method: "POST", headers: { ...bearer(key), "content-type": contentType }, body });
}

describe("promotions", () => {
  it("imports an ad calendar CSV (a line per item and store, * for every store) and lists it", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv =
      "promotion_id,name,sku,store,start_date,end_date,uplift\n" +
      "W47,Week 47 flyer,0001,S12,2026-11-20,2026-11-26,2.5\n" +
      "W47,Week 47 flyer,0002,Harbour,2026-11-20,2026-11-26,2.5\n" +
      "XMAS,Christmas,0003,*,2026-12-10,2026-12-24,\n";
    const res = await send("/v1/promotions/import", chainKey, csv, "text/csv");
    expect(res.status).toBe(200);
    const listed = await ctx.app.request("/v1/promotions", { headers: bearer(chainKey) });
    expect(listed.status, await listed.clone().text()).toBe(200);
    const list = (await listed.json()) as { promotions: Array<Record<string, unknown>> };
    expect(list.promotions).toEqual([
      {
        id: "W47",
        name: "Week 47 flyer",
        startDate: "2026-11-20",
        endDate: "2026-11-26",
        uplift: 2.5,
        advertisedPrice: null,
        stores: expect.arrayContaining(["S12", "S7"]),
        skus: expect.arrayContaining(["0001", "0002"]),
        upliftBySku: { "0001": 2.5, "0002": 2.5 },
      },
      { id: "XMAS", name: "Christmas", startDate: "2026-12-10", endDate: "2026-12-24", uplift: null, advertisedPrice: null, stores: "all", skus: ["0003"], upliftBySku: {} },
    ]);
    // sent again with other dates, the promotion is updated, not duplicated
    await send("/v1/promotions", chainKey, JSON.stringify({ promotions: [{ id: "XMAS", name: "Christmas", skus: ["0003", "0004"], stores: "all", startDate: "2026-12-12", endDate: "2026-12-24" }] }));
    const [count] = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from promotions`);
    expect(count!.n).toBe(2);
  });

  it("keeps each line's planned uplift for its item, and refuses one item planned two ways", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv =
      "promotion_id,name,sku,store,start_date,end_date,uplift\n" +
      "W48,Week 48 flyer,0001,S12,2026-11-27,2026-12-03,3\n" +
      "W48,Week 48 flyer,0001,S7,2026-11-27,2026-12-03,3\n" +
      "W48,Week 48 flyer,0002,S12,2026-11-27,2026-12-03,1.4\n" +
      "W48,Week 48 flyer,0003,S12,2026-11-27,2026-12-03,\n";
    expect((await send("/v1/promotions/import", chainKey, csv, "text/csv")).status).toBe(200);
    const listed = (await (await ctx.app.request("/v1/promotions", { headers: bearer(chainKey) })).json()) as { promotions: Array<Record<string, unknown>> };
    // the lines disagree, so the promotion as a whole has none; each item keeps its own
    expect(listed.promotions[0]).toMatchObject({ id: "W48", uplift: null, upliftBySku: { "0001": 3, "0002": 1.4 } });
    const stored = await queryRows<{ sku: string; uplift: number | null }>(
      ctx.db.db,
      sql`select i.sku, pi.uplift from promotion_items pi join items i on i.id = pi.item_id order by i.sku`,
    );
    expect(stored.map((row) => [row.sku, row.uplift === null ? null : Number(row.uplift)])).toEqual([["0001", 3], ["0002", 1.4], ["0003", null]]);

    const contradicting = csv.replace("0001,S7,2026-11-27,2026-12-03,3", "0001,S7,2026-11-27,2026-12-03,2");
    const refused = await send("/v1/promotions/import", chainKey, contradicting.replace(/W48/g, "W49"), "text/csv");
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as { errors: Array<{ line: number; column: string; reason: string }> };
    expect(problem.errors).toEqual([expect.objectContaining({ line: 3, column: "uplift", reason: expect.stringContaining("uplift 3 on line 2") })]);

    // the JSON API takes the same per item, and names a SKU the promotion does not list
    const json = (upliftBySku: Record<string, number>) =>
      JSON.stringify({ promotions: [{ id: "W50", name: "W50", skus: ["0001"], stores: ["S12"], startDate: "2026-12-04", endDate: "2026-12-10", upliftBySku }] });
    expect((await send("/v1/promotions", chainKey, json({ "0001": 2.2 }))).status).toBe(200);
    const unknown = await send("/v1/promotions", chainKey, json({ "0009": 2.2 }));
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(await unknown.json())).toContain("upliftBySku");
  });

  it("refuses the whole file when a line is bad, naming every line and column, and stores nothing", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv =
      "promotion_id,name,sku,store,start_date,end_date,uplift\n" +
      "W47,Week 47,0001,S12,2026-11-20,2026-11-26,2.5\n" +
      "W47,Week 47,0002,S12,20/11/2026,2026-11-26,lots\n";
    const res = await send("/v1/promotions/import", chainKey, csv, "text/csv");
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await res.json()) as { errors: Array<{ line: number; column: string }> };
    expect(problem.errors).toEqual([
      expect.objectContaining({ line: 3, column: "start_date" }),
      expect.objectContaining({ line: 3, column: "uplift" }),
    ]);
    const [count] = await queryRows<{ n: number }>(ctx.db.db, sql`select count(*)::int as n from promotions`);
    expect(count!.n).toBe(0);
  });

  it("keeps the advertised price as the ad prints it, from JSON and from a CSV column, and refuses one that is not one short line", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv = "promotion_id,name,sku,store,start_date,end_date,advertised_price\n" + 'W47,Week 47 flyer,0001,S12,2026-11-20,2026-11-26,"2 for $5"\n' + "W48,Week 48 flyer,0002,S12,2026-11-27,2026-12-03,\n";
    expect((await send("/v1/promotions/import", chainKey, csv, "text/csv")).status).toBe(200);
    const json = { promotions: [{ id: "W49", name: "Week 49", skus: ["0003"], stores: ["S12"], startDate: "2026-12-04", endDate: "2026-12-10", advertisedPrice: " €1,49/kg " }] };
    expect((await send("/v1/promotions", chainKey, JSON.stringify(json))).status).toBe(200);
    const list = (await (await ctx.app.request("/v1/promotions", { headers: bearer(chainKey) })).json()) as { promotions: Array<{ id: string; advertisedPrice: string | null }> };
    expect(list.promotions.map((p) => [p.id, p.advertisedPrice])).toEqual([["W47", "2 for $5"], ["W48", null], ["W49", "€1,49/kg"]]);

    for (const [advertisedPrice, reason] of [["x".repeat(41), /at most 40/], ["$2.99\nFREE", /one line/], [2.99, /text/]] as const) {
      const res = await send("/v1/promotions", chainKey, JSON.stringify({ promotions: [{ ...json.promotions[0], advertisedPrice }] }));
      expect(res.status).toBe(422);
      const problem = (await res.json()) as { errors: Array<{ field: string; reason: string }> };
      expect(problem.errors[0]!.field).toBe("promotions/0/advertisedPrice");
      expect(problem.errors[0]!.reason).toMatch(reason);
    }
  });

  it("refuses a store-limited key a promotion for every store or for another store", async () => {
    const { s12Key } = await seedStoresAndKeys(ctx);
    const all = await send("/v1/promotions", s12Key, JSON.stringify({ promotions: [{ id: "P", name: "P", skus: ["1"], stores: "all", startDate: "2026-11-20", endDate: "2026-11-21" }] }));
    expect(all.status).toBe(403);
    const other = await send("/v1/promotions", s12Key, JSON.stringify({ promotions: [{ id: "P", name: "P", skus: ["1"], stores: ["S7"], startDate: "2026-11-20", endDate: "2026-11-21" }] }));
    expect(other.status).toBe(403);
    const backwards = await send("/v1/promotions", s12Key, JSON.stringify({ promotions: [{ id: "P", name: "P", skus: ["1"], stores: ["S12"], startDate: "2026-11-22", endDate: "2026-11-21" }] }));
    expect(backwards.status).toBe(422);
    expect(((await backwards.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe("promotions/0/endDate");
  });
});

describe("deliveries", () => {
  it("records expected deliveries from CSV, updates them by reference, and a receipt adds to on hand and closes them", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await postRowsOk(ctx, chainKey, [{ store: "S12", sku: "0001", onHand: 4, observedAt: "2026-11-20T14:00:00Z" }]);
    const csv = "store,sku,quantity,expected_date,reference\nS12,0001,24,2026-11-22,PO-77\n";
    const created = (await (await send("/v1/deliveries/import", chainKey, csv, "text/csv")).json()) as { deliveries: Array<{ id: number; status: string }> };
    expect(created.deliveries).toEqual([{ id: expect.any(Number), reference: "PO-77", sku: "0001", store: "S12", status: "expected" }]);
    const moved = await send("/v1/deliveries", chainKey, JSON.stringify({ deliveries: [{ store: "S12", sku: "0001", quantity: 30, expectedDate: "2026-11-23", reference: "PO-77" }] }));
    expect(((await moved.json()) as { deliveries: Array<{ id: number }> }).deliveries[0]!.id).toBe(created.deliveries[0]!.id);

    const id = created.deliveries[0]!.id;
    const receipt = await send(`/v1/deliveries/${id}/receive`, chainKey, JSON.stringify({ receivedAt: "2026-11-20T16:00:00Z" }));
    expect(receipt.status).toBe(200);
    expect(await receipt.json()).toEqual({ id, store: "S12", sku: "0001", receivedQuantity: 30, onHand: 34 });
    expect(await stockOf(ctx, "S12", "0001")).toMatchObject({ on_hand: 34 });
    // a receipt is once only
    const again = await send(`/v1/deliveries/${id}/receive`, chainKey, JSON.stringify({}));
    expect(again.status).toBe(409);
    expect(await stockOf(ctx, "S12", "0001")).toMatchObject({ on_hand: 34 });
  });

  it("hides another store's delivery from a store-limited key", async () => {
    const { chainKey, s12Key } = await seedStoresAndKeys(ctx);
    const created = (await (await send("/v1/deliveries", chainKey, JSON.stringify({ deliveries: [{ store: "S7", sku: "9", quantity: 5, expectedDate: "2026-11-22", reference: "PO-1" }] }))).json()) as { deliveries: Array<{ id: number }> };
    const res = await send(`/v1/deliveries/${created.deliveries[0]!.id}/receive`, s12Key, "{}");
    expect(res.status).toBe(404);
  });
});

describe("plan files", () => {
  it.each([
    ["promotions", "promotion_id,name,sku,store,start_date,end_date\nW47,Week 47,0001,S12,2026-11-20,2026-11-26\nW47,Week 47,0002,S99,2026-11-20,2026-11-26\n"],
    ["deliveries", "store,sku,quantity,expected_date,reference\nS12,0001,24,2026-11-22,PO-77\nS99,0001,24,2026-11-22,PO-77\n"],
  ])("refuses a %s file naming an unknown store, naming its line, and stores nothing", async (table, csv) => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const res = await send(`/v1/${table}/import`, chainKey, csv, "text/csv");
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([{ line: 3, column: "store", reason: 'unknown store "S99"' }]);
    expect(await queryRows(ctx.db.db, sql`select 1 from ${sql.identifier(table)}`)).toEqual([]);
  });
});
