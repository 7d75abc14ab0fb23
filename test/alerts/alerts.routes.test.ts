import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { actOnAlert, applyAlertChanges } from "../../src/alerts/alert-writes.js";
import type { AlertFigures, AlertKind } from "../../src/alerts/alert-types.js";
import { alerts, items } from "../../src/db/schema/index.js";
import { enqueueEmails, type NewEmail } from "../../src/notify/outbox.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { expectJson, expectProblem } from "../helpers/sync-requests.js";

const ctx = useTestContext();

const promotionFigures: AlertFigures = {
  onHand: 30,
  projectedStockoutDate: "2026-11-22",
  probability: 0.93,
  promotionName: "Week 47 flyer",
  promotionEnd: "2026-11-26",
  nextDeliveryDate: null,
  nextDeliveryQuantity: null,
  suggestedQuantity: 64,
  feedLastSeenAt: null,
};
const deliveryFigures: AlertFigures = { ...promotionFigures, onHand: 8, probability: 0.71, promotionName: null, promotionEnd: null, nextDeliveryDate: "2026-11-24", nextDeliveryQuantity: 48, suggestedQuantity: 12 };
const emptyShelfFigures: AlertFigures = { ...deliveryFigures, onHand: 0, projectedStockoutDate: "2026-11-20", probability: 1, suggestedQuantity: null };
const staleFeedFigures: AlertFigures = { ...deliveryFigures, onHand: null, projectedStockoutDate: null, probability: null, nextDeliveryDate: null, nextDeliveryQuantity: null, suggestedQuantity: null, feedLastSeenAt: "2026-11-20T11:00:00.000Z" };

interface AlertBody {
  id: number;
  store: string;
  sku: string | null;
  itemName: string | null;
  kind: string;
  state: string;
  urgent: boolean;
  figures: AlertFigures;
  openedAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  snoozedUntil: string | null;
  resolvedAt: string | null;
}
interface AlertDetail extends AlertBody {
  history: Array<{ at: string; event: string; fromState: string | null; toState: string; cause: string; actor: string; figures: AlertFigures }>;
  emails: Array<{ id: number; recipient: string; subject: string; status: string; attempts: number; createdAt: string; sentAt: string | null; lastError: string | null; messageId: string }>;
}
interface AlertList {
  alerts: AlertBody[];
  nextBefore: number | null;
}

async function addItems() {
  const rows = await ctx.db.db
    .insert(items)
    .values([
      { sku: "0001", name: "Tomatoes 1 kg", category: "Produce" },
      { sku: "0002", name: "Basil", category: "Produce" },
      { sku: "0003", name: "Oat milk", category: "Dairy" },
    ])
    .returning({ id: items.id, sku: items.sku });
  return Object.fromEntries(rows.map((row) => [row.sku, row.id])) as Record<"0001" | "0002" | "0003", number>;
}

/** Opens one alert the way the sweep does and returns its id. */
async function openAlert(storeId: number, itemId: number | null, kind: AlertKind, figures: AlertFigures, cause: string, urgent = true): Promise<number> {
  const [transition] = await applyAlertChanges(ctx.db.db, { storeId, now: ctx.clock.now(), actor: "sweep" }, [{ type: "open", kind, itemId, urgent, figures, cause }]);
  return transition!.alertId;
}

function get(path: string, key: string | null) {
  return ctx.app.request(path, { headers: key === null ? {} : bearer(key) });
}

function post(path: string, key: string | null, body?: unknown) {
  return ctx.app.request(path, {
    method: "POST",
    headers: { ...(key === null ? {} : bearer(key)), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function listIds(path: string, key: string): Promise<number[]> {
  const body = await expectJson<AlertList>(await get(path, key), 200);
  return body.alerts.map((a) => a.id);
}

async function detail(id: number, key: string): Promise<AlertDetail> {
  return expectJson<AlertDetail>(await get(`/v1/alerts/${id}`, key), 200);
}

/**
 * Five alerts: at S12 an open advertised tomato alert, an acknowledged basil delivery risk, a resolved empty oat milk
 * shelf and an open stale feed; at S7 a snoozed tomato alert.
 */
async function alertsAtBothStores() {
  const keys = await seedStoresAndKeys(ctx);
  const item = await addItems();
  const tomatoes = await openAlert(keys.s12.id, item["0001"], "promotion_stockout", promotionFigures, "93% likely to run out before the promotion ends");
  const basil = await openAlert(keys.s12.id, item["0002"], "delivery_stockout", deliveryFigures, "71% likely to run out before the next delivery", false);
  const oatMilk = await openAlert(keys.s12.id, item["0003"], "out_of_stock", emptyShelfFigures, "on hand is 0");
  const harbourTomatoes = await openAlert(keys.s7.id, item["0001"], "promotion_stockout", promotionFigures, "93% likely to run out before the promotion ends");
  const staleFeed = await openAlert(keys.s12.id, null, "stale_feed", staleFeedFigures, "no data from the till for 240 minutes");
  ctx.clock.advance(10 * 60_000);
  const now = ctx.clock.now();
  await actOnAlert(ctx.db.db, basil, { type: "acknowledge" }, { now, actor: "api key chain" });
  await actOnAlert(ctx.db.db, oatMilk, { type: "resolve", cause: "stock received: 24 on hand" }, { now, actor: "sweep" });
  await actOnAlert(ctx.db.db, harbourTomatoes, { type: "snooze", until: new Date("2026-11-21T15:00:00Z") }, { now, actor: "api key chain" });
  return { ...keys, item, ids: { tomatoes, basil, oatMilk, harbourTomatoes, staleFeed } };
}

describe("GET /v1/alerts", () => {
  it("lists every store's alerts, newest first, with their figures and times", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    const body = await expectJson<AlertList>(await get("/v1/alerts", chainKey), 200);
    expect(body.alerts.map((a) => a.id)).toEqual([ids.staleFeed, ids.harbourTomatoes, ids.oatMilk, ids.basil, ids.tomatoes]);
    expect(body.nextBefore).toBeNull();
    const byId = new Map(body.alerts.map((a) => [a.id, a]));
    expect(byId.get(ids.tomatoes)).toEqual({
      id: ids.tomatoes,
      store: "S12",
      sku: "0001",
      itemName: "Tomatoes 1 kg",
      kind: "promotion_stockout",
      state: "open",
      urgent: true,
      figures: promotionFigures,
      openedAt: "2026-11-20T15:00:00+00:00",
      updatedAt: "2026-11-20T15:00:00+00:00",
      acknowledgedAt: null,
      snoozedUntil: null,
      resolvedAt: null,
    });
    expect(byId.get(ids.basil)).toMatchObject({ sku: "0002", kind: "delivery_stockout", state: "acknowledged", urgent: false, updatedAt: "2026-11-20T15:10:00+00:00", acknowledgedAt: "2026-11-20T15:10:00+00:00", snoozedUntil: null, resolvedAt: null });
    expect(byId.get(ids.oatMilk)).toMatchObject({ sku: "0003", kind: "out_of_stock", state: "resolved", resolvedAt: "2026-11-20T15:10:00+00:00", acknowledgedAt: null });
    expect(byId.get(ids.harbourTomatoes)).toMatchObject({ store: "S7", sku: "0001", state: "snoozed", snoozedUntil: "2026-11-21T15:00:00+00:00" });
    // a store-wide alert has no item
    expect(byId.get(ids.staleFeed)).toMatchObject({ store: "S12", sku: null, itemName: null, kind: "stale_feed", state: "open", figures: staleFeedFigures });
  });

  it("filters by store (code or alias), state, live, kind and sku, and combines them", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    expect(await listIds("/v1/alerts?store=S12", chainKey)).toEqual([ids.staleFeed, ids.oatMilk, ids.basil, ids.tomatoes]);
    expect(await listIds("/v1/alerts?store=Harbour", chainKey)).toEqual([ids.harbourTomatoes]);
    expect(await listIds("/v1/alerts?state=open", chainKey)).toEqual([ids.staleFeed, ids.tomatoes]);
    expect(await listIds("/v1/alerts?state=acknowledged", chainKey)).toEqual([ids.basil]);
    expect(await listIds("/v1/alerts?state=snoozed", chainKey)).toEqual([ids.harbourTomatoes]);
    expect(await listIds("/v1/alerts?state=resolved", chainKey)).toEqual([ids.oatMilk]);
    // live: everything not resolved
    expect(await listIds("/v1/alerts?state=live", chainKey)).toEqual([ids.staleFeed, ids.harbourTomatoes, ids.basil, ids.tomatoes]);
    expect(await listIds("/v1/alerts?kind=promotion_stockout", chainKey)).toEqual([ids.harbourTomatoes, ids.tomatoes]);
    expect(await listIds("/v1/alerts?kind=stale_feed", chainKey)).toEqual([ids.staleFeed]);
    expect(await listIds("/v1/alerts?sku=0001", chainKey)).toEqual([ids.harbourTomatoes, ids.tomatoes]);
    expect(await listIds("/v1/alerts?sku=9999", chainKey)).toEqual([]);
    expect(await listIds("/v1/alerts?store=S12&state=live&kind=promotion_stockout&sku=0001", chainKey)).toEqual([ids.tomatoes]);
    expect(await listIds("/v1/alerts?store=S12&state=live&sku=0003", chainKey)).toEqual([]);
  });

  it("pages with limit and before: nextBefore is the last id of a full page", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    const first = await expectJson<AlertList>(await get("/v1/alerts?limit=2", chainKey), 200);
    expect({ ids: first.alerts.map((a) => a.id), nextBefore: first.nextBefore }).toEqual({ ids: [ids.staleFeed, ids.harbourTomatoes], nextBefore: ids.harbourTomatoes });
    const second = await expectJson<AlertList>(await get(`/v1/alerts?limit=2&before=${first.nextBefore}`, chainKey), 200);
    expect({ ids: second.alerts.map((a) => a.id), nextBefore: second.nextBefore }).toEqual({ ids: [ids.oatMilk, ids.basil], nextBefore: ids.basil });
    const third = await expectJson<AlertList>(await get(`/v1/alerts?limit=2&before=${second.nextBefore}`, chainKey), 200);
    expect({ ids: third.alerts.map((a) => a.id), nextBefore: third.nextBefore }).toEqual({ ids: [ids.tomatoes], nextBefore: null });
    // paging inside a filter
    const live = await expectJson<AlertList>(await get(`/v1/alerts?state=live&limit=3`, chainKey), 200);
    expect({ ids: live.alerts.map((a) => a.id), nextBefore: live.nextBefore }).toEqual({ ids: [ids.staleFeed, ids.harbourTomatoes, ids.basil], nextBefore: ids.basil });
    expect(await listIds(`/v1/alerts?state=live&limit=3&before=${live.nextBefore}`, chainKey)).toEqual([ids.tomatoes]);
  });

  it("refuses a bad query naming the parameter, and an unknown store", async () => {
    const { chainKey } = await alertsAtBothStores();
    for (const [query, field] of [
      ["state=closed", "state"],
      ["kind=low_stock", "kind"],
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["limit=ten", "limit"],
      ["before=-3", "before"],
    ] as const) {
      const problem = await expectProblem(await get(`/v1/alerts?${query}`, chainKey), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.field), query).toEqual([field]);
    }
    const unknown = await expectProblem(await get("/v1/alerts?store=S99", chainKey), 404, "not_found");
    expect(unknown.detail).toBe('no store "S99"');
  });
});

describe("alerts and a key limited to one store", () => {
  it("lists only its own store's alerts and is refused another store's", async () => {
    const { s12Key, ids } = await alertsAtBothStores();
    expect(await listIds("/v1/alerts", s12Key)).toEqual([ids.staleFeed, ids.oatMilk, ids.basil, ids.tomatoes]);
    expect(await listIds("/v1/alerts?sku=0001", s12Key)).toEqual([ids.tomatoes]);
    expect(await listIds("/v1/alerts?state=snoozed", s12Key)).toEqual([]);
    await expectProblem(await get("/v1/alerts?store=S7", s12Key), 403, "forbidden_store");
    await expectProblem(await get("/v1/alerts?store=Harbour", s12Key), 403, "forbidden_store");
  });

  it("cannot read or act on another store's alert: it does not exist for this key", async () => {
    const { s12Key, chainKey, ids } = await alertsAtBothStores();
    await expectProblem(await get(`/v1/alerts/${ids.harbourTomatoes}`, s12Key), 404, "not_found");
    await expectProblem(await post(`/v1/alerts/${ids.harbourTomatoes}/acknowledge`, s12Key), 404, "not_found");
    await expectProblem(await post(`/v1/alerts/${ids.harbourTomatoes}/snooze`, s12Key, { hours: 2 }), 404, "not_found");
    await expectProblem(await post(`/v1/alerts/${ids.harbourTomatoes}/resolve`, s12Key, { reason: "not ours" }), 404, "not_found");
    const untouched = await detail(ids.harbourTomatoes, chainKey);
    expect({ state: untouched.state, events: untouched.history.map((e) => e.event) }).toEqual({ state: "snoozed", events: ["opened", "snoozed"] });
    // its own store's alert is fine
    expect((await detail(ids.tomatoes, s12Key)).store).toBe("S12");
  });

  it("answers 401 without an API key or with an unknown one", async () => {
    const { ids } = await alertsAtBothStores();
    for (const response of [
      await get("/v1/alerts", null),
      await get(`/v1/alerts/${ids.tomatoes}`, null),
      await post(`/v1/alerts/${ids.tomatoes}/acknowledge`, null),
      await post(`/v1/alerts/${ids.tomatoes}/snooze`, null, { hours: 2 }),
      await post(`/v1/alerts/${ids.tomatoes}/resolve`, null, {}),
      await get("/v1/alerts", "sw_not-a-key"),
    ]) {
      await expectProblem(response, 401, "unauthorized");
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="shelfwatch"');
    }
    const [row] = await ctx.db.db.select({ state: alerts.state }).from(alerts).where(eq(alerts.id, ids.tomatoes));
    expect(row!.state).toBe("open");
  });
});

describe("GET /v1/alerts/:id", () => {
  it("returns the figures, the history with cause and actor, and only this alert's emails", async () => {
    const { chainKey, s12, ids } = await alertsAtBothStores();
    const email = (to: string, dedupeKey: string, alertId: number | null, category: NewEmail["category"] = "alert"): NewEmail => ({
      storeId: s12.id,
      category,
      dedupeKey,
      alertId,
      to,
      subject: `Tomatoes 1 kg: runs out Sun, ad ends Thu, Store 12 Mt Auburn (${to})`,
      text: "text",
      html: "<p>html</p>",
      notBefore: ctx.clock.now(),
    });
    expect(
      await enqueueEmails(
        ctx.db.db,
        ctx.config,
        [
          email("ana.manager@store12.example", `alert:${ids.tomatoes}:1:ana`, ids.tomatoes),
          email("ben.manager@store12.example", `alert:${ids.tomatoes}:1:ben`, ids.tomatoes),
          email("ana.manager@store12.example", `alert:${ids.staleFeed}:1:ana`, ids.staleFeed),
          email("ana.manager@store12.example", "digest:2026-11-20:ana", null, "digest"),
        ],
        ctx.clock.now(),
      ),
    ).toBe(4);

    const body = await detail(ids.tomatoes, chainKey);
    expect(body).toMatchObject({ id: ids.tomatoes, store: "S12", sku: "0001", itemName: "Tomatoes 1 kg", kind: "promotion_stockout", state: "open", urgent: true, figures: promotionFigures });
    expect(body.history).toEqual([
      {
        at: "2026-11-20T15:00:00+00:00",
        event: "opened",
        fromState: null,
        toState: "open",
        cause: "93% likely to run out before the promotion ends",
        actor: "sweep",
        figures: promotionFigures,
      },
    ]);
    expect(body.emails).toEqual([
      { id: 1, recipient: "ana.manager@store12.example", subject: "Tomatoes 1 kg: runs out Sun, ad ends Thu, Store 12 Mt Auburn (ana.manager@store12.example)", status: "pending", attempts: 0, createdAt: "2026-11-20T15:10:00+00:00", sentAt: null, lastError: null, messageId: expect.stringMatching(/^<[0-9a-f-]{36}@shelfwatch\.localhost>$/) },
      { id: 2, recipient: "ben.manager@store12.example", subject: "Tomatoes 1 kg: runs out Sun, ad ends Thu, Store 12 Mt Auburn (ben.manager@store12.example)", status: "pending", attempts: 0, createdAt: "2026-11-20T15:10:00+00:00", sentAt: null, lastError: null, messageId: expect.stringMatching(/^<[0-9a-f-]{36}@shelfwatch\.localhost>$/) },
    ]);
    expect(body.emails[0]!.messageId).not.toBe(body.emails[1]!.messageId);

    // an alert without email says so
    const resolved = await detail(ids.oatMilk, chainKey);
    expect(resolved.emails).toEqual([]);
    expect(resolved.history.map((e) => [e.event, e.fromState, e.toState, e.cause, e.actor])).toEqual([
      ["opened", null, "open", "on hand is 0", "sweep"],
      ["resolved", "open", "resolved", "stock received: 24 on hand", "sweep"],
    ]);
  });

  it("answers 404 for an unknown id and 422 for an id that is not a positive integer", async () => {
    const { chainKey } = await alertsAtBothStores();
    const unknown = await expectProblem(await get("/v1/alerts/999", chainKey), 404, "not_found");
    expect(unknown.detail).toBe("no alert 999");
    for (const id of ["abc", "0", "-1", "1.5", "2147483648"]) {
      const problem = await expectProblem(await get(`/v1/alerts/${id}`, chainKey), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.field), id).toEqual(["id"]);
    }
  });
});

describe("POST /v1/alerts/:id/acknowledge, snooze, resolve", () => {
  it("acknowledges: the state, the time and a history event naming the API key", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    ctx.clock.set("2026-11-20T16:00:00Z");
    const answer = await expectJson(await post(`/v1/alerts/${ids.tomatoes}/acknowledge`, chainKey), 200);
    expect(answer).toEqual({ id: ids.tomatoes, state: "acknowledged", event: "acknowledged", at: "2026-11-20T16:00:00.000Z" });
    const body = await detail(ids.tomatoes, chainKey);
    expect(body).toMatchObject({ state: "acknowledged", acknowledgedAt: "2026-11-20T16:00:00+00:00", updatedAt: "2026-11-20T16:00:00+00:00", snoozedUntil: null, resolvedAt: null });
    expect(body.history.at(-1)).toEqual({
      at: "2026-11-20T16:00:00+00:00",
      event: "acknowledged",
      fromState: "open",
      toState: "acknowledged",
      cause: "acknowledged by api key chain",
      actor: "api key chain",
      figures: promotionFigures,
    });
    expect(body.history).toHaveLength(2);
  });

  it("names the store-limited key that acted", async () => {
    const { s12Key, chainKey, ids } = await alertsAtBothStores();
    await expectJson(await post(`/v1/alerts/${ids.tomatoes}/acknowledge`, s12Key), 200);
    const event = (await detail(ids.tomatoes, chainKey)).history.at(-1)!;
    expect({ actor: event.actor, cause: event.cause }).toEqual({ actor: "api key s12 till", cause: "acknowledged by api key s12 till" });
  });

  it("snoozes for some hours or until a time", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    ctx.clock.set("2026-11-20T16:00:00Z");
    const forHours = await expectJson(await post(`/v1/alerts/${ids.tomatoes}/snooze`, chainKey, { hours: 2 }), 200);
    expect(forHours).toEqual({ id: ids.tomatoes, state: "snoozed", event: "snoozed", at: "2026-11-20T16:00:00.000Z" });
    let body = await detail(ids.tomatoes, chainKey);
    expect(body).toMatchObject({ state: "snoozed", snoozedUntil: "2026-11-20T18:00:00+00:00", updatedAt: "2026-11-20T16:00:00+00:00" });
    expect(body.history.at(-1)).toMatchObject({ event: "snoozed", fromState: "open", toState: "snoozed", cause: "snoozed by api key chain until 2026-11-20T18:00:00.000Z", actor: "api key chain" });

    // again, until a time given with an offset
    ctx.clock.set("2026-11-20T16:30:00Z");
    await expectJson(await post(`/v1/alerts/${ids.tomatoes}/snooze`, chainKey, { until: "2026-11-21T09:00:00-05:00" }), 200);
    body = await detail(ids.tomatoes, chainKey);
    expect(body).toMatchObject({ state: "snoozed", snoozedUntil: "2026-11-21T14:00:00+00:00", updatedAt: "2026-11-20T16:30:00+00:00" });
    expect(body.history.map((e) => [e.event, e.fromState, e.toState, e.cause])).toEqual([
      ["opened", null, "open", "93% likely to run out before the promotion ends"],
      ["snoozed", "open", "snoozed", "snoozed by api key chain until 2026-11-20T18:00:00.000Z"],
      ["snoozed", "snoozed", "snoozed", "snoozed by api key chain until 2026-11-21T14:00:00.000Z"],
    ]);
  });

  it("refuses a snooze that ends now or in the past, and one with both or neither of until and hours, naming the field", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    ctx.clock.set("2026-11-20T16:00:00Z");
    for (const until of ["2026-11-20T15:59:59Z", "2026-11-20T16:00:00Z", "2026-11-20T11:00:00-05:00"]) {
      const problem = await expectProblem(await post(`/v1/alerts/${ids.tomatoes}/snooze`, chainKey, { until }), 422, "validation_failed");
      expect(problem.errors, until).toEqual([{ field: "until", reason: "is not in the future" }]);
    }
    // no further ahead than 30 days, as hours allow
    const far = await expectProblem(await post(`/v1/alerts/${ids.tomatoes}/snooze`, chainKey, { until: "2026-12-20T16:00:01Z" }), 422, "validation_failed");
    expect(far.errors).toEqual([{ field: "until", reason: "is more than 30 days ahead" }]);
    for (const [body, field] of [
      [{ until: "2026-11-21T09:00:00Z", hours: 2 }, "until"],
      [{}, "until"],
      [{ hours: 0 }, "hours"],
      [{ hours: 1.5 }, "hours"],
      [{ hours: 24 * 30 + 1 }, "hours"],
      [{ hours: "2" }, "hours"],
      [{ until: "tomorrow" }, "until"],
      [{ until: "2026-11-21T09:00:00" }, "until"],
    ] as const) {
      const problem = await expectProblem(await post(`/v1/alerts/${ids.tomatoes}/snooze`, chainKey, body), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.field), JSON.stringify(body)).toContain(field);
    }
    const body = await detail(ids.tomatoes, chainKey);
    expect({ state: body.state, snoozedUntil: body.snoozedUntil, events: body.history.length }).toEqual({ state: "open", snoozedUntil: null, events: 1 });
  });

  it("resolves with a reason, which becomes the history's cause; without one it names the key", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    ctx.clock.set("2026-11-20T16:00:00Z");
    const answer = await expectJson(await post(`/v1/alerts/${ids.tomatoes}/resolve`, chainKey, { reason: "  moved 60 from the back room  " }), 200);
    expect(answer).toEqual({ id: ids.tomatoes, state: "resolved", event: "resolved", at: "2026-11-20T16:00:00.000Z" });
    const body = await detail(ids.tomatoes, chainKey);
    expect(body).toMatchObject({ state: "resolved", resolvedAt: "2026-11-20T16:00:00+00:00" });
    expect(body.history.at(-1)).toEqual({
      at: "2026-11-20T16:00:00+00:00",
      event: "resolved",
      fromState: "open",
      toState: "resolved",
      cause: "moved 60 from the back room",
      actor: "api key chain",
      figures: promotionFigures,
    });

    await expectJson(await post(`/v1/alerts/${ids.basil}/resolve`, chainKey, {}), 200);
    const basil = await detail(ids.basil, chainKey);
    expect(basil.history.at(-1)).toMatchObject({ event: "resolved", fromState: "acknowledged", toState: "resolved", cause: "resolved by api key chain", actor: "api key chain" });

    for (const reason of ["", "   ", "x".repeat(501)]) {
      const problem = await expectProblem(await post(`/v1/alerts/${ids.staleFeed}/resolve`, chainKey, { reason }), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.field)).toEqual(["reason"]);
    }
  });

  it("answers 409 for any action on a resolved alert, and leaves it as it was", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    const before = await detail(ids.oatMilk, chainKey);
    for (const response of [
      await post(`/v1/alerts/${ids.oatMilk}/acknowledge`, chainKey),
      await post(`/v1/alerts/${ids.oatMilk}/snooze`, chainKey, { hours: 2 }),
      await post(`/v1/alerts/${ids.oatMilk}/resolve`, chainKey, { reason: "again" }),
    ]) {
      const problem = await expectProblem(response, 409, "conflict");
      expect(problem.detail).toBe(`alert ${ids.oatMilk} is already resolved`);
    }
    expect(await detail(ids.oatMilk, chainKey)).toEqual(before);
  });

  it("answers 404 for an unknown alert and 422 for a bad id", async () => {
    const { chainKey } = await alertsAtBothStores();
    for (const [action, body] of [
      ["acknowledge", undefined],
      ["snooze", { hours: 2 }],
      ["resolve", {}],
    ] as const) {
      const unknown = await expectProblem(await post(`/v1/alerts/999/${action}`, chainKey, body), 404, "not_found");
      expect(unknown.detail).toBe("no alert 999");
      const bad = await expectProblem(await post(`/v1/alerts/abc/${action}`, chainKey, body), 422, "validation_failed");
      expect(bad.errors?.map((e) => e.field)).toEqual(["id"]);
    }
  });

  it("refuses a snooze or resolve body that is not JSON", async () => {
    const { chainKey, ids } = await alertsAtBothStores();
    const notJson = await ctx.app.request(`/v1/alerts/${ids.tomatoes}/snooze`, { method: "POST", headers: { ...bearer(chainKey), "content-type": "application/json" }, body: "{hours: 2" });
    await expectProblem(notJson, 400, "invalid_json");
    const text = await ctx.app.request(`/v1/alerts/${ids.tomatoes}/resolve`, { method: "POST", headers: { ...bearer(chainKey), "content-type": "text/plain" }, body: "done" });
    await expectProblem(text, 415, "unsupported_media_type");
    expect((await detail(ids.tomatoes, chainKey)).state).toBe("open");
  });
});
