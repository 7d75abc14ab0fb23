import { sql } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { onPostgres } from "../helpers/database.js";
import { expectJson, expectProblem, getWithKey } from "../helpers/sync-requests.js";

const ctx = useTestContext();

function send(path: string, key: string, body: string, contentType = "application/json") {
  return ctx.app.request(path, { method: "POST", headers: { ...bearer(key), "content-type": contentType }, body });
}

const promotion = (id: string, stores: string[] | "all", dates: { startDate: string; endDate: string } = { startDate: "2026-11-25", endDate: "2026-12-01" }) => ({
  id,
  name: `Flyer ${id}`,
  skus: ["000123"],
  stores,
  ...dates,
});

const postPromotions = (key: string, promotions: unknown[]) => send("/v1/promotions", key, JSON.stringify({ promotions }));
const importPromotions = (key: string, csv: string) => send("/v1/promotions/import", key, csv, "text/csv");

type ListedPromotion = { id: string; name: string; startDate: string; endDate: string; stores: string[] | "all"; skus: string[] };

async function listPromotions(key: string): Promise<ListedPromotion[]> {
  return (await expectJson<{ promotions: ListedPromotion[] }>(await getWithKey(ctx, key, "/v1/promotions"), 200)).promotions;
}

/** S7's own promotion, a chain-wide one and one shared by S12 and S7, written by the chain's key. */
async function seedPromotions() {
  const seeded = await seedStoresAndKeys(ctx);
  await expectJson(await postPromotions(seeded.chainKey, [
      promotion("P7", ["S7"], { startDate: "2026-11-25", endDate: "2026-12-01" }),
      promotion("XMAS", "all", { startDate: "2026-12-10", endDate: "2026-12-24" }),
      promotion("SHARED", ["S12", "S7"], { startDate: "2026-12-02", endDate: "2026-12-08" }),
    ]), 200);
  return { ...seeded, before: await listPromotions(seeded.chainKey) };
}

describe("POST /v1/promotions: a key limited to S12", () => {
  it.each([
    ["S7's promotion", "P7", "promotion P7 runs at S7, outside this key's stores"],
    ["a chain-wide promotion", "XMAS", "promotion XMAS runs at every store, beyond this key's stores"],
    ["a promotion S12 shares with S7", "SHARED", "promotion SHARED runs at S7, outside this key's stores"],
  ])("is refused (403) %s sent again for S12 only, naming it and the stores, and the promotion stays as it was", async (_case, id, reason) => {
    const { s12Key, chainKey, before } = await seedPromotions();
    const problem = await expectProblem(await postPromotions(s12Key, [promotion(id, ["S12"], { startDate: "2026-11-26", endDate: "2026-11-27" })]), 403, "forbidden_store");
    expect(problem.detail).toContain(`promotion ${id}`);
    expect(problem.errors).toEqual([{ field: "promotions/0/id", reason }]);
    expect(await listPromotions(chainKey)).toEqual(before);
  });

  it("changes a promotion that runs only at S12", async () => {
    const { s12Key, chainKey } = await seedStoresAndKeys(ctx);
    await expectJson(await postPromotions(chainKey, [promotion("P12", ["S12"])]), 200);
    await expectJson(await postPromotions(s12Key, [{ ...promotion("P12", ["Mt Auburn"], { startDate: "2026-11-26", endDate: "2026-11-28" }), skus: ["000124"] }]), 200);
    expect(await listPromotions(chainKey)).toEqual([expect.objectContaining({ id: "P12", stores: ["S12"], skus: ["000124"], startDate: "2026-11-26", endDate: "2026-11-28" })]);
  });

  it("is refused the whole list when any promotion in it is not its own, naming each, and stores none of it", async () => {
    const { s12Key, chainKey, before } = await seedPromotions();
    const problem = await expectProblem(
      await postPromotions(s12Key, [promotion("NEW12", ["S12"]), promotion("P7", ["S12"]), promotion("XMAS", ["S12"]), promotion("OTHER", ["S12", "S7"])]),
      403,
      "forbidden_store",
    );
    expect(problem.errors).toEqual([
      { field: "promotions/1/id", reason: "promotion P7 runs at S7, outside this key's stores" },
      { field: "promotions/2/id", reason: "promotion XMAS runs at every store, beyond this key's stores" },
      { field: "promotions/3/stores/1", reason: "store S7 is outside this key's stores" },
    ]);
    expect(await listPromotions(chainKey)).toEqual(before);
  });
});

// two writers at once only exist against a PostgreSQL server: PGlite is one connection
describe.runIf(onPostgres)("POST /v1/promotions: a key limited to S12, while another request writes the same promotion", () => {
  /** Runs `write` in a transaction of its own connection, sends the request meanwhile, and commits once it waits. */
  async function sendDuring(write: (tx: postgres.TransactionSql) => Promise<unknown>, request: () => Response | Promise<Response>): Promise<Response> {
    const other = postgres(ctx.db.url!, { max: 1, onnotice: () => {} });
    try {
      let answer!: Promise<Response>;
      await other.begin(async (tx) => {
        await write(tx);
        answer = Promise.resolve(request());
        for (let waited = 0; ; waited += 20) {
          const [blocked] = await tx`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
          if (blocked!.n > 0) break;
          if (waited > 5000) throw new Error("the request never waited for the other transaction");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      return await answer;
    } finally {
      await other.end();
    }
  }

  it("is refused (403) a promotion of S12 that the other request moves to S7 before it commits", async () => {
    const { s12Key, chainKey } = await seedStoresAndKeys(ctx);
    await expectJson(await postPromotions(chainKey, [promotion("P12", ["S12"])]), 200);
    const answer = await sendDuring(
      async (tx) => {
        // a writer updates the promotion's row first, then its stores (as upsertPromotions does)
        const [row] = await tx`update promotions set updated_at = now() where external_id = 'P12' returning id`;
        await tx`delete from promotion_stores where promotion_id = ${row!.id}`;
        await tx`insert into promotion_stores (promotion_id, store_id) select ${row!.id}, id from stores where code = 'S7'`;
      },
      () => postPromotions(s12Key, [promotion("P12", ["S12"], { startDate: "2026-11-26", endDate: "2026-11-27" })]),
    );
    const problem = await expectProblem(answer, 403, "forbidden_store");
    expect(problem.errors).toEqual([{ field: "promotions/0/id", reason: "promotion P12 runs at S7, outside this key's stores" }]);
    expect(await listPromotions(chainKey)).toEqual([expect.objectContaining({ id: "P12", stores: ["S7"], startDate: "2026-11-25" })]);
  });

  it("answers 409 for a promotion the other request creates for S7 before it commits, and replaces nothing", async () => {
    const { s12Key, chainKey } = await seedStoresAndKeys(ctx);
    const answer = await sendDuring(
      async (tx) => {
        const [row] = await tx`insert into promotions (external_id, name, start_date, end_date) values ('P7', 'Flyer P7', '2026-11-25', '2026-12-01') returning id`;
        await tx`insert into promotion_stores (promotion_id, store_id) select ${row!.id}, id from stores where code = 'S7'`;
      },
      () => postPromotions(s12Key, [promotion("P7", ["S12"], { startDate: "2026-11-26", endDate: "2026-11-27" })]),
    );
    await expectProblem(answer, 409, "conflict");
    expect(await listPromotions(chainKey)).toEqual([{ id: "P7", name: "Flyer P7", startDate: "2026-11-25", endDate: "2026-12-01", uplift: null, advertisedPrice: null, stores: ["S7"], skus: [], upliftBySku: {} }]);
  });
});

describe("POST /v1/promotions/import: a key limited to S12", () => {
  const header = "promotion_id,name,sku,store,start_date,end_date,uplift\n";

  it("is refused (403) a file that takes over other stores' promotions, naming every line, and stores none of it", async () => {
    const { s12Key, chainKey, before } = await seedPromotions();
    const csv =
      header +
      "W47,Week 47,000123,S12,2026-11-20,2026-11-26,\n" +
      "P7,Flyer P7,000123,S12,2026-11-25,2026-12-01,\n" +
      "XMAS,Christmas,000123,Mt Auburn,2026-11-25,2026-12-01,\n" +
      "W48,Week 48,000123,S12,2026-11-27,2026-12-03,\n" +
      "W48,Week 48,000124,Harbour,2026-11-27,2026-12-03,\n" +
      "W49,Week 49,000123,*,2026-12-04,2026-12-10,\n";
    const problem = await expectProblem(await importPromotions(s12Key, csv), 403, "forbidden_store");
    expect(problem.errors).toEqual([
      { line: 3, column: "promotion_id", reason: "promotion P7 runs at S7, outside this key's stores" },
      { line: 4, column: "promotion_id", reason: "promotion XMAS runs at every store, beyond this key's stores" },
      { line: 6, column: "store", reason: "store S7 is outside this key's stores" },
      { line: 7, column: "store", reason: "every store is beyond this key's stores" },
    ]);
    expect(await listPromotions(chainKey)).toEqual(before);
  });

  it("imports a file of its own store's promotions", async () => {
    const { s12Key, chainKey, before } = await seedPromotions();
    await expectJson(await importPromotions(s12Key, header + "W47,Week 47,000123,S12,2026-11-20,2026-11-26,\n"), 200);
    expect(await listPromotions(chainKey)).toEqual([expect.objectContaining({ id: "W47", stores: ["S12"] }), ...before]);
  });
});

describe("GET /v1/promotions: a key limited to S12", () => {
  it("lists only the promotions that run at S12 (its own, shared and chain-wide), not S7's", async () => {
    const { s12Key, chainKey } = await seedPromotions();
    await expectJson(await postPromotions(chainKey, [promotion("P12", ["S12"])]), 200);
    expect((await listPromotions(s12Key)).map((p) => p.id).sort()).toEqual(["P12", "SHARED", "XMAS"]);
    expect((await listPromotions(chainKey)).map((p) => p.id).sort()).toEqual(["P12", "P7", "SHARED", "XMAS"]);
  });
});

describe("POST /v1/deliveries: a key limited to S12", () => {
  const delivery = (store: string, quantity: number) => ({ store, sku: "000123", quantity, expectedDate: "2026-11-22", reference: "PO-1" });

  it("sending S7's reference and SKU for S12 records S12's own delivery and leaves S7's as it was", async () => {
    const { s12Key, chainKey } = await seedStoresAndKeys(ctx);
    const s7 = await expectJson<{ deliveries: Array<{ id: number }> }>(await send("/v1/deliveries", chainKey, JSON.stringify({ deliveries: [delivery("S7", 5)] })), 200);
    const s12 = await expectJson<{ deliveries: Array<{ id: number; store: string }> }>(await send("/v1/deliveries", s12Key, JSON.stringify({ deliveries: [delivery("S12", 40)] })), 200);
    expect(s12.deliveries[0]).toMatchObject({ store: "S12", status: "expected" });
    expect(s12.deliveries[0]!.id).not.toBe(s7.deliveries[0]!.id);
    // S7's delivery still expects 5: receiving it adds 5 to S7's shelf
    const received = await expectJson(await send(`/v1/deliveries/${s7.deliveries[0]!.id}/receive`, chainKey, "{}"), 200);
    expect(received).toMatchObject({ store: "S7", receivedQuantity: 5 });
  });

  it("is refused (403) a delivery for S7, naming every such row, and stores none", async () => {
    const { s12Key } = await seedStoresAndKeys(ctx);
    const problem = await expectProblem(await send("/v1/deliveries", s12Key, JSON.stringify({ deliveries: [delivery("S12", 1), delivery("S7", 2), delivery("Harbour", 3)] })), 403, "forbidden_store");
    expect(problem.errors).toEqual([
      { field: "deliveries/1/store", reason: "store S7 is outside this key's stores" },
      { field: "deliveries/2/store", reason: "store S7 is outside this key's stores" },
    ]);
    expect(await queryRows(ctx.db.db, sql`select 1 from deliveries`)).toEqual([]);
  });

  it("is refused (403) a deliveries file with a line for S7, naming the line, and stores none of it", async () => {
    const { s12Key } = await seedStoresAndKeys(ctx);
    const csv = "store,sku,quantity,expected_date,reference\nS12,000123,24,2026-11-22,PO-2\nHarbour,000123,24,2026-11-22,PO-2\n";
    const problem = await expectProblem(await send("/v1/deliveries/import", s12Key, csv, "text/csv"), 403, "forbidden_store");
    expect(problem.errors).toEqual([{ line: 3, column: "store", reason: "store S7 is outside this key's stores" }]);
    expect(await queryRows(ctx.db.db, sql`select 1 from deliveries`)).toEqual([]);
  });
});
