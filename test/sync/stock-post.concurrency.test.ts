import { describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.js";
import { lockStockApply } from "../../src/sync/ledger-writes.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { onPostgres } from "../helpers/database.js";
import { salesOf, stockOf } from "../helpers/ledger-reads.js";
import { postRows, upload } from "../helpers/sync-requests.js";

const ctx = useTestContext();

/** Whether a promise settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A writer of one store (or of the whole ledger) that has taken its lock on another connection and not yet committed:
 * what a long stock post or import looks like to everyone else while it runs.
 */
async function holdStockLock(url: string, storeIds?: number[]) {
  const other = openDatabase({ url, dataDir: "unused", maxConnections: 1 });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const taken = new Promise<void>((resolve) => (locked = resolve));
  const transaction = other.db.transaction(async (tx) => {
    await lockStockApply(tx as unknown as Database, storeIds);
    locked();
    await gate;
  });
  await taken;
  return {
    async release() {
      release();
      await transaction;
      await other.close();
    },
  };
}

// concurrent transactions exist only against a PostgreSQL server: PGlite is one connection
describe.runIf(onPostgres)("concurrent stock posts", () => {
  it("a post to one store does not wait for another store's writer, and waits for its own store's", async () => {
    const { s12, chainKey } = await seedStoresAndKeys(ctx);
    const s12Writer = await holdStockLock(ctx.db.url!, [s12.id]);
    let ownStore: Promise<Response> | undefined;
    try {
      const otherStore = postRows(ctx, chainKey, [{ store: "S7", sku: "000123", onHand: 9, observedAt: "2026-11-20T14:00:00Z" }]);
      expect(await settlesWithin(otherStore, 5000)).toBe(true);
      expect((await otherStore).status).toBe(201);

      ownStore = postRows(ctx, chainKey, [{ store: "S12", sku: "000123", onHand: 4, observedAt: "2026-11-20T14:00:00Z" }]);
      expect(await settlesWithin(ownStore, 500)).toBe(false);
    } finally {
      await s12Writer.release();
    }
    expect((await ownStore!).status).toBe(201);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 4 });
    expect(await stockOf(ctx, "S7", "000123")).toMatchObject({ on_hand: 9 });
  }, 20_000);

  it("an import, which learns its stores as it reads, waits for every store's writer, and they wait for it", async () => {
    const { s7, chainKey } = await seedStoresAndKeys(ctx);
    const s7Writer = await holdStockLock(ctx.db.url!, [s7.id]);
    let importing: Promise<Response> | undefined;
    try {
      importing = upload(ctx, chainKey, "store,sku,on_hand\nS12,000123,5\n", { query: { observedAt: "2026-11-20T14:00:00Z" } });
      expect(await settlesWithin(importing, 500)).toBe(false);
    } finally {
      await s7Writer.release();
    }
    expect((await importing!).status).toBe(201);
    expect(await stockOf(ctx, "S12", "000123")).toMatchObject({ on_hand: 5 });

    const ledgerWriter = await holdStockLock(ctx.db.url!);
    let posting: Promise<Response> | undefined;
    try {
      posting = postRows(ctx, chainKey, [{ store: "S7", sku: "000123", onHand: 2, observedAt: "2026-11-20T14:00:00Z" }]);
      expect(await settlesWithin(posting, 500)).toBe(false);
    } finally {
      await ledgerWriter.release();
    }
    expect((await posting!).status).toBe(201);
  }, 20_000);

  it("many posts at once, to two stores and the same items, lose no observation and derive each drop once", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const skus = Array.from({ length: 20 }, (_, i) => `SKU-${String(i).padStart(3, "0")}`);
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 14, minute)).toISOString();
    const first = await postRows(ctx, chainKey, ["S12", "S7"].flatMap((store) => skus.map((sku) => ({ store, sku, onHand: 50, observedAt: at(0) }))));
    expect(first.status).toBe(201);
    // eight posts at once, each a later observation of every item at one store, on hand falling by one each time
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        postRows(ctx, chainKey, skus.map((sku) => ({ store: k % 2 === 0 ? "S12" : "S7", sku, onHand: 49 - Math.floor(k / 2), observedAt: at(1 + Math.floor(k / 2)) }))),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    for (const store of ["S12", "S7"]) {
      for (const sku of skus) {
        expect(await stockOf(ctx, store, sku)).toMatchObject({ on_hand: 46, observed_at: new Date(at(4)) });
        // whatever order the posts committed in, the newest wins; a late older one changes nothing. The drops derived
        // add up to at most the fall from 50 to 46, and never count one observation twice
        const [day] = await salesOf(ctx, store, sku);
        expect(day?.source).toBe("derived");
        expect(day!.units).toBeGreaterThanOrEqual(1);
        expect(day!.units).toBeLessThanOrEqual(4);
      }
    }
  }, 30_000);
});
