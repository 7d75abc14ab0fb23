import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";

const ctx = useTestContext();

async function upload(key: string, csv: string | Uint8Array, query = "", contentType = "text/csv") {
  return ctx.app.request(`/v1/imports${query}`, { method: "POST", headers: { ...bearer(key), "content-type": contentType }, body: csv });
}

async function stockOf(storeCode: string, sku: string) {
  const [row] = await queryRows<{ on_hand: number; observed_at: string; out_of_stock_since: string | null }>(
    ctx.db.db,
    sql`select s.on_hand, s.observed_at, s.out_of_stock_since from stock_levels s
        join stores st on st.id = s.store_id join items i on i.id = s.item_id
        where st.code = ${storeCode} and i.sku = ${sku}`,
  );
  return row;
}

describe("POST /v1/imports", () => {
  it("imports a generic export and reports accepted rows", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const csv = "store,sku,on_hand,observed_at,name\nS12,000123,14,2026-11-20T14:00:00Z,Tomatoes 1 kg\nHarbour,000124,-3,2026-11-20T14:00:00Z,Basil\n";
    const res = await upload(chainKey, csv);
    expect(res.status).toBe(201);
    const report = await res.json();
    expect(report).toMatchObject({ status: "applied", format: "generic", rowsAccepted: 2, rowsRejected: 0, rowsChanged: 2 });
    expect(await stockOf("S12", "000123")).toMatchObject({ on_hand: 14 });
    const oversold = await stockOf("S7", "000124");
    expect(oversold?.on_hand).toBe(-3);
    expect(oversold?.out_of_stock_since).not.toBeNull();
  });
});
