import { asc } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { applyAlertChanges } from "../../src/alerts/alert-writes.js";
import type { AlertFigures } from "../../src/alerts/alert-types.js";
import { items, outbox } from "../../src/db/schema/index.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import type { Mailer, OutgoingEmail } from "../../src/notify/mail-types.js";
import { enqueueEmails, type NewEmail } from "../../src/notify/outbox.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { expectJson, expectProblem } from "../helpers/sync-requests.js";

const ctx = useTestContext();

const figures: AlertFigures = {
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

interface OutboxMessage {
  id: number;
  store: string;
  category: string;
  alertId: number | null;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  messageId: string;
  createdAt: string;
  notBefore: string;
  sentAt: string | null;
  giveUpAt: string;
  lastError: string | null;
}
interface OutboxList {
  messages: OutboxMessage[];
  nextBefore: number | null;
}

function get(path: string, key: string | null) {
  return ctx.app.request(path, { headers: key === null ? {} : bearer(key) });
}

async function listIds(path: string, key: string): Promise<number[]> {
  return (await expectJson<OutboxList>(await get(path, key), 200)).messages.map((m) => m.id);
}

/** A mail server that takes some addresses, refuses one for good and is unreachable for the digests' address. */
const flakyMailer: Mailer = {
  transport: "smtp",
  async send(email: OutgoingEmail) {
    if (email.to === "old.manager@store12.example") throw Object.assign(new Error("550 5.1.1 <old.manager@store12.example>: mailbox unavailable"), { responseCode: 550 });
    if (email.subject.startsWith("Daily digest")) throw new Error("connect ECONNREFUSED 127.0.0.1:25");
  },
  async close() {},
};

/**
 * Two alerts (S12 and S7) and five emails: at S12 an alert email sent, one refused for good, a digest waiting for a
 * retry and a digest held until tomorrow morning; at S7 an alert email sent.
 */
async function outboxAtBothStores() {
  const keys = await seedStoresAndKeys(ctx);
  const [tomatoes] = await ctx.db.db.insert(items).values({ sku: "0001", name: "Tomatoes 1 kg", category: "Produce" }).returning({ id: items.id });
  const open = async (storeId: number) => {
    const [transition] = await applyAlertChanges(ctx.db.db, { storeId, now: ctx.clock.now(), actor: "sweep" }, [
      { type: "open", kind: "promotion_stockout", itemId: tomatoes!.id, urgent: true, figures, cause: "93% likely to run out before the promotion ends" },
    ]);
    return transition!;
  };
  const s12Alert = await open(keys.s12.id);
  const s7Alert = await open(keys.s7.id);
  const now = ctx.clock.now();
  const email = (storeId: number, to: string, subject: string, options: { alertId?: number; notBefore?: Date } = {}): NewEmail => ({
    storeId,
    category: options.alertId === undefined ? "digest" : "alert",
    dedupeKey: `${options.alertId === undefined ? "digest:2026-11-20" : `alert-event:${options.alertId}`}:${to}`,
    alertId: options.alertId ?? null,
    to,
    subject,
    text: subject,
    html: `<p>${subject}</p>`,
    notBefore: options.notBefore ?? now,
  });
  const urgentSubject = "Tomatoes 1 kg: runs out Sun, ad ends Thu";
  const written = await enqueueEmails(
    ctx.db.db,
    ctx.config,
    [
      email(keys.s12.id, "ana.manager@store12.example", `${urgentSubject}, Store 12 Mt Auburn`, { alertId: s12Alert.alertId }),
      email(keys.s12.id, "old.manager@store12.example", `${urgentSubject}, Store 12 Mt Auburn`, { alertId: s12Alert.alertId }),
      email(keys.s12.id, "ana.manager@store12.example", "Daily digest: 1 alert, Store 12 Mt Auburn"),
      email(keys.s7.id, "dee.manager@store7.example", `${urgentSubject}, Store 7 Harbour`, { alertId: s7Alert.alertId }),
      email(keys.s12.id, "ben.manager@store12.example", "Daily digest: 1 alert, Store 12 Mt Auburn", { notBefore: new Date("2026-11-21T12:00:00Z") }),
    ],
    now,
  );
  expect(written).toBe(5);
  ctx.clock.advance(60_000);
  // random() = 1: the first retry comes the full 30 seconds later
  const dispatched = await runDispatch({ ...ctx.deps, mailer: flakyMailer }, { random: () => 1 });
  expect(dispatched).toEqual({ sent: 2, deferred: 1, failed: 1 });
  const rows = await ctx.db.db.select({ id: outbox.id, messageId: outbox.messageId }).from(outbox).orderBy(asc(outbox.id));
  expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  return { ...keys, alertIds: { s12: s12Alert.alertId, s7: s7Alert.alertId }, messageIds: rows.map((r) => r.messageId) };
}

describe("GET /v1/outbox", () => {
  it("lists every email, newest first, with its status, attempts, last error and Message-ID", async () => {
    const { chainKey, alertIds, messageIds } = await outboxAtBothStores();
    const body = await expectJson<OutboxList>(await get("/v1/outbox", chainKey), 200);
    expect(body.nextBefore).toBeNull();
    const created = "2026-11-20T15:00:00+00:00";
    const giveUpAt = "2026-11-21T15:00:00+00:00";
    expect(body.messages).toEqual([
      {
        id: 5,
        store: "S12",
        category: "digest",
        alertId: null,
        recipient: "ben.manager@store12.example",
        subject: "Daily digest: 1 alert, Store 12 Mt Auburn",
        status: "pending",
        attempts: 0,
        messageId: messageIds[4],
        createdAt: created,
        notBefore: "2026-11-21T12:00:00+00:00",
        sentAt: null,
        // a day after it may first be sent
        giveUpAt: "2026-11-22T12:00:00+00:00",
        lastError: null,
      },
      {
        id: 4,
        store: "S7",
        category: "alert",
        alertId: alertIds.s7,
        recipient: "dee.manager@store7.example",
        subject: "Tomatoes 1 kg: runs out Sun, ad ends Thu, Store 7 Harbour",
        status: "sent",
        attempts: 1,
        messageId: messageIds[3],
        createdAt: created,
        notBefore: created,
        sentAt: "2026-11-20T15:01:00+00:00",
        giveUpAt,
        lastError: null,
      },
      {
        id: 3,
        store: "S12",
        category: "digest",
        alertId: null,
        recipient: "ana.manager@store12.example",
        subject: "Daily digest: 1 alert, Store 12 Mt Auburn",
        status: "pending",
        attempts: 1,
        messageId: messageIds[2],
        createdAt: created,
        notBefore: "2026-11-20T15:01:30+00:00",
        sentAt: null,
        giveUpAt,
        lastError: "connect ECONNREFUSED 127.0.0.1:25",
      },
      {
        id: 2,
        store: "S12",
        category: "alert",
        alertId: alertIds.s12,
        recipient: "old.manager@store12.example",
        subject: "Tomatoes 1 kg: runs out Sun, ad ends Thu, Store 12 Mt Auburn",
        status: "failed",
        attempts: 1,
        messageId: messageIds[1],
        createdAt: created,
        notBefore: "2026-11-20T15:01:30+00:00",
        sentAt: null,
        giveUpAt,
        lastError: "550 5.1.1 <old.manager@store12.example>: mailbox unavailable",
      },
      {
        id: 1,
        store: "S12",
        category: "alert",
        alertId: alertIds.s12,
        recipient: "ana.manager@store12.example",
        subject: "Tomatoes 1 kg: runs out Sun, ad ends Thu, Store 12 Mt Auburn",
        status: "sent",
        attempts: 1,
        messageId: messageIds[0],
        createdAt: created,
        notBefore: created,
        sentAt: "2026-11-20T15:01:00+00:00",
        giveUpAt,
        lastError: null,
      },
    ]);
    for (const messageId of messageIds) expect(messageId).toMatch(/^<[0-9a-f-]{36}@shelfwatch\.localhost>$/);
    expect(new Set(messageIds).size).toBe(5);
  });

  it("filters by status, category and store (code or alias), and combines them", async () => {
    const { chainKey } = await outboxAtBothStores();
    expect(await listIds("/v1/outbox?status=sent", chainKey)).toEqual([4, 1]);
    expect(await listIds("/v1/outbox?status=failed", chainKey)).toEqual([2]);
    expect(await listIds("/v1/outbox?status=pending", chainKey)).toEqual([5, 3]);
    expect(await listIds("/v1/outbox?category=digest", chainKey)).toEqual([5, 3]);
    expect(await listIds("/v1/outbox?category=alert", chainKey)).toEqual([4, 2, 1]);
    expect(await listIds("/v1/outbox?store=S7", chainKey)).toEqual([4]);
    expect(await listIds("/v1/outbox?store=Harbour", chainKey)).toEqual([4]);
    expect(await listIds("/v1/outbox?store=S12", chainKey)).toEqual([5, 3, 2, 1]);
    expect(await listIds("/v1/outbox?store=S12&status=sent", chainKey)).toEqual([1]);
    expect(await listIds("/v1/outbox?store=S12&category=alert&status=pending", chainKey)).toEqual([]);
    expect(await listIds("/v1/outbox?store=S7&category=digest", chainKey)).toEqual([]);
  });

  it("pages with limit and before", async () => {
    const { chainKey } = await outboxAtBothStores();
    const first = await expectJson<OutboxList>(await get("/v1/outbox?limit=2", chainKey), 200);
    expect({ ids: first.messages.map((m) => m.id), nextBefore: first.nextBefore }).toEqual({ ids: [5, 4], nextBefore: 4 });
    const second = await expectJson<OutboxList>(await get(`/v1/outbox?limit=2&before=${first.nextBefore}`, chainKey), 200);
    expect({ ids: second.messages.map((m) => m.id), nextBefore: second.nextBefore }).toEqual({ ids: [3, 2], nextBefore: 2 });
    const third = await expectJson<OutboxList>(await get(`/v1/outbox?limit=2&before=${second.nextBefore}`, chainKey), 200);
    expect({ ids: third.messages.map((m) => m.id), nextBefore: third.nextBefore }).toEqual({ ids: [1], nextBefore: null });
  });

  it("refuses a bad query naming the parameter, an unknown store, and a request without an API key", async () => {
    const { chainKey } = await outboxAtBothStores();
    for (const [query, field] of [
      ["status=bounced", "status"],
      ["category=customer", "category"],
      ["limit=0", "limit"],
      ["before=abc", "before"],
    ] as const) {
      const problem = await expectProblem(await get(`/v1/outbox?${query}`, chainKey), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.field), query).toEqual([field]);
    }
    const unknown = await expectProblem(await get("/v1/outbox?store=S99", chainKey), 404, "not_found");
    expect(unknown.detail).toBe('no store "S99"');
    await expectProblem(await get("/v1/outbox", null), 401, "unauthorized");
    await expectProblem(await get("/v1/outbox", "sw_not-a-key"), 401, "unauthorized");
  });

  it("shows a key limited to one store only that store's emails, and refuses another store", async () => {
    const { s12Key } = await outboxAtBothStores();
    const body = await expectJson<OutboxList>(await get("/v1/outbox", s12Key), 200);
    expect(body.messages.map((m) => [m.id, m.store])).toEqual([
      [5, "S12"],
      [3, "S12"],
      [2, "S12"],
      [1, "S12"],
    ]);
    expect(await listIds("/v1/outbox?status=sent", s12Key)).toEqual([1]);
    expect(await listIds("/v1/outbox?store=S12", s12Key)).toEqual([5, 3, 2, 1]);
    for (const store of ["S7", "Harbour"]) {
      const problem = await expectProblem(await get(`/v1/outbox?store=${store}`, s12Key), 403, "forbidden_store");
      expect(problem.detail).toBe("this API key may not use store S7");
    }
  });
});

describe("enqueueEmails", () => {
  it("writes one row per dedupe key: the second write of a key is left out and the first row kept", async () => {
    const { s12 } = await seedStoresAndKeys(ctx);
    const digest = (subject: string): NewEmail => ({
      storeId: s12.id,
      category: "digest",
      dedupeKey: "digest:2026-11-20:ana.manager@store12.example",
      to: "ana.manager@store12.example",
      subject,
      text: subject,
      html: `<p>${subject}</p>`,
      notBefore: ctx.clock.now(),
    });
    expect(await enqueueEmails(ctx.db.db, ctx.config, [digest("Daily digest: 1 alert")], ctx.clock.now())).toBe(1);
    ctx.clock.advance(60_000);
    expect(await enqueueEmails(ctx.db.db, ctx.config, [digest("Daily digest: 2 alerts")], ctx.clock.now())).toBe(0);
    // a batch with the same key again and a new one writes only the new one
    const other = { ...digest("Daily digest: 2 alerts"), dedupeKey: "digest:2026-11-20:ben.manager@store12.example", to: "ben.manager@store12.example" };
    expect(await enqueueEmails(ctx.db.db, ctx.config, [digest("Daily digest: 3 alerts"), other], ctx.clock.now())).toBe(1);
    expect(await enqueueEmails(ctx.db.db, ctx.config, [], ctx.clock.now())).toBe(0);

    const rows = await ctx.db.db.select().from(outbox).orderBy(asc(outbox.id));
    expect(rows.map((r) => [r.recipient, r.subject, r.createdAt.toISOString(), r.status, r.attempts])).toEqual([
      ["ana.manager@store12.example", "Daily digest: 1 alert", "2026-11-20T15:00:00.000Z", "pending", 0],
      ["ben.manager@store12.example", "Daily digest: 2 alerts", "2026-11-20T15:01:00.000Z", "pending", 0],
    ]);
    expect(rows[0]!.sender).toBe("Shelfwatch <alerts@shelfwatch.localhost>");
  });

  it("writes one row when two writers race with the same key", async () => {
    const { s12 } = await seedStoresAndKeys(ctx);
    const email: NewEmail = {
      storeId: s12.id,
      category: "alert",
      dedupeKey: "alert-event:7:ana.manager@store12.example",
      to: "ana.manager@store12.example",
      subject: "Tomatoes 1 kg: runs out Sun",
      text: "text",
      html: "<p>html</p>",
      notBefore: ctx.clock.now(),
    };
    const written = await Promise.all([1, 2, 3].map(() => enqueueEmails(ctx.db.db, ctx.config, [email], ctx.clock.now())));
    expect(written.sort()).toEqual([0, 0, 1]);
    expect(await ctx.db.db.select({ id: outbox.id }).from(outbox)).toHaveLength(1);
  });
});
