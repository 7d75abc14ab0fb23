import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyAlertChanges, loadLiveAlerts } from "../../src/alerts/alert-writes.js";
import type { AlertFigures, AlertKind } from "../../src/alerts/alert-types.js";
import { openDatabase, type DatabaseHandle } from "../../src/db/client.js";
import { items, outbox } from "../../src/db/schema/index.js";
import { runDigests, type DigestDeps } from "../../src/notify/digests.js";
import { runDispatch, type DispatchDeps } from "../../src/notify/dispatcher.js";
import type { Mailer } from "../../src/notify/mail-types.js";
import { createMailer } from "../../src/notify/mailer.js";
import { addRecipient, type NewRecipient } from "../../src/notify/recipients.js";
import { createStore } from "../../src/stores/store-admin.js";
import { storeFixtures, TestClock, useTestContext } from "../helpers/context.js";
import { onPostgres } from "../helpers/database.js";
import { useTestSmtp, type TestSmtp } from "../helpers/smtp.js";

const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example" });
const live = useTestSmtp(() => ctx.deps.log);

const MINUTE = 60_000;

/**
 * The second replica. On PostgreSQL it has its own connection pool to the same database, so the two replicas' runs
 * really race (Promise.all). PGlite is one in-process database with one connection, so there the second replica is a
 * second set of deps sharing the only db handle, with its own clock and SMTP connection pool, and runs interleave.
 */
let otherDatabase: DatabaseHandle | undefined;
let otherMailer: Mailer;
beforeAll(() => {
  if (onPostgres) otherDatabase = openDatabase({ url: ctx.db.url!, dataDir: "unused" });
  otherMailer = createMailer({ smtpUrl: live.smtp.url, outboxDir: "unused", log: ctx.deps.log });
});
afterAll(async () => {
  await otherMailer?.close();
  await otherDatabase?.close();
});

interface Replica {
  clock: TestClock;
  deps: DigestDeps & DispatchDeps;
}

function twoReplicas(): Replica[] {
  return [
    { db: ctx.db.db, mailer: live.mailer },
    { db: otherDatabase?.db ?? ctx.db.db, mailer: otherMailer },
  ].map(({ db, mailer }) => {
    const clock = new TestClock();
    return { clock, deps: { db, mailer, clock, config: ctx.config, log: ctx.deps.log } };
  });
}

interface Arrival {
  at: string;
  to: string;
  subject: string;
}

const addressOf = (message: TestSmtp["messages"][number]) => (Array.isArray(message.to) ? message.to[0] : message.to)!.value[0]!.address!;

/**
 * At each instant, sets both replicas' clocks and has each run the digests job and then the dispatcher, the way the
 * scheduler chains them. Returns the emails that arrived over SMTP, each with the instant of the step that sent it.
 */
async function runReplicas(replicas: Replica[], instants: Date[]): Promise<{ arrivals: Arrival[]; written: number; writtenBy: number[] }> {
  const arrivals: Arrival[] = [];
  const writtenBy = replicas.map(() => 0);
  const writeDigests = async (replica: Replica) => {
    writtenBy[replicas.indexOf(replica)]! += (await runDigests(replica.deps)).written;
  };
  for (const instant of instants) {
    for (const replica of replicas) replica.clock.set(instant.toISOString());
    const before = live.smtp.messages.length;
    // on PostgreSQL the replicas race on their own connections; PGlite has one connection, so they interleave
    if (onPostgres) {
      await Promise.all(
        replicas.map(async (replica) => {
          await writeDigests(replica);
          await runDispatch(replica.deps);
        }),
      );
    } else {
      // the replicas take turns going first, a UTC day each, so both write digests and one sends what the other wrote
      const order = Math.floor(instant.getTime() / 86_400_000) % 2 === 0 ? replicas : [...replicas].reverse();
      for (const replica of order) await writeDigests(replica);
      for (const replica of [...order].reverse()) await runDispatch(replica.deps);
    }
    for (const message of live.smtp.messages.slice(before)) {
      arrivals.push({ at: instant.toISOString(), to: addressOf(message), subject: message.subject ?? "" });
    }
  }
  return { arrivals, written: writtenBy.reduce((sum, n) => sum + n, 0), writtenBy };
}

/** Every quarter hour in [from, to), and every minute within three minutes of each instant of interest. */
function steps(from: string, to: string, around: string[]): Date[] {
  const times = new Set<number>();
  for (let t = Date.parse(from); t < Date.parse(to); t += 15 * MINUTE) times.add(t);
  for (const iso of around) for (let m = -3; m <= 3; m += 1) times.add(Date.parse(iso) + m * MINUTE);
  return [...times].sort((a, b) => a - b).map((t) => new Date(t));
}

const figures = (nextDeliveryDate: string): AlertFigures => ({
  onHand: 14,
  projectedStockoutDate: nextDeliveryDate,
  probability: 0.62,
  promotionName: null,
  promotionEnd: null,
  nextDeliveryDate,
  nextDeliveryQuantity: 48,
  suggestedQuantity: 20,
  feedLastSeenAt: null,
});

/** A non-urgent alert (it waits for the digest), opened long enough ago that it is live but no longer a change. */
async function openWatchAlert(storeId: number, itemId: number, openedAt: string, kind: AlertKind = "delivery_stockout") {
  const [transition] = await applyAlertChanges(ctx.db.db, { storeId, now: new Date(openedAt), actor: "sweep" }, [
    { type: "open", kind, itemId, urgent: false, figures: figures(openedAt.slice(0, 10)), cause: "62% likely to run out before the next delivery" },
  ]);
  return transition!;
}

async function seedStores() {
  const s12 = await createStore(ctx.db.db, storeFixtures.s12);
  const s7 = await createStore(ctx.db.db, storeFixtures.s7);
  const [tomatoes] = await ctx.db.db.insert(items).values({ sku: "0001", name: "Tomatoes 1 kg", category: "Produce" }).returning({ id: items.id });
  const [basil] = await ctx.db.db.insert(items).values({ sku: "0002", name: "Basil pot", category: "Produce" }).returning({ id: items.id });
  return { s12, s7, tomatoes: tomatoes!.id, basil: basil!.id };
}

const recipient = (storeId: number, input: NewRecipient) => addRecipient(ctx.db.db, storeId, input);

async function digestRows() {
  return ctx.db.db
    .select({ key: outbox.dedupeKey, to: outbox.recipient, createdAt: outbox.createdAt, sentAt: outbox.sentAt, status: outbox.status })
    .from(outbox)
    .where(eq(outbox.category, "digest"))
    .orderBy(asc(outbox.createdAt), asc(outbox.recipient));
}

const byTimeAndRecipient = (a: Arrival, b: Arrival) => a.at.localeCompare(b.at) || a.to.localeCompare(b.to);

describe("daily digests with two replicas", () => {
  it("sends one digest per recipient per local day at their own local time across the autumn change (New York and London)", async () => {
    const { s12, s7, tomatoes, basil } = await seedStores();
    await openWatchAlert(s12.id, tomatoes, "2026-10-20T14:00:00Z");
    await openWatchAlert(s12.id, basil, "2026-10-21T14:00:00Z", "out_of_stock");
    await openWatchAlert(s7.id, tomatoes, "2026-10-20T09:00:00Z");
    const ana = "ana.manager@store12.example";
    const owl = "night.manager@store12.example";
    const dee = "dee.manager@store7.example";
    const anaRow = await recipient(s12.id, { email: ana, name: "Ana" });
    // 01:30 happens twice in New York on 2026-11-01
    const owlRow = await recipient(s12.id, { email: owl, name: "Olu", digestTime: "01:30" });
    const deeRow = await recipient(s7.id, { email: dee, name: "Dee" });
    const replicas = twoReplicas();

    // the service was already running the day before: Friday's digests are out
    const yesterday = await runReplicas(replicas, [new Date("2026-10-30T23:45:00Z")]);
    expect(yesterday.arrivals.map((a) => a.to).sort()).toEqual([ana, dee, owl]);
    live.smtp.clear();

    const expected: Arrival[] = [
      // London is on GMT (UTC+0) from 2026-10-25: 07:00 local is 07:00Z every day
      { at: "2026-10-31T07:00:00.000Z", to: dee, subject: "Store 7 Harbour daily stock alerts, Sat 31 Oct: 0 urgent, 1 to watch" },
      { at: "2026-11-01T07:00:00.000Z", to: dee, subject: "Store 7 Harbour daily stock alerts, Sun 1 Nov: 0 urgent, 1 to watch" },
      { at: "2026-11-02T07:00:00.000Z", to: dee, subject: "Store 7 Harbour daily stock alerts, Mon 2 Nov: 0 urgent, 1 to watch" },
      // New York: 07:00 EDT (UTC-4) on Saturday, 07:00 EST (UTC-5) from Sunday, when 02:00 EDT became 01:00 EST
      { at: "2026-10-31T11:00:00.000Z", to: ana, subject: "Store 12 Mt Auburn daily stock alerts, Sat 31 Oct: 0 urgent, 2 to watch" },
      { at: "2026-11-01T12:00:00.000Z", to: ana, subject: "Store 12 Mt Auburn daily stock alerts, Sun 1 Nov: 0 urgent, 2 to watch" },
      { at: "2026-11-02T12:00:00.000Z", to: ana, subject: "Store 12 Mt Auburn daily stock alerts, Mon 2 Nov: 0 urgent, 2 to watch" },
      // 01:30: EDT on Saturday; on Sunday its first occurrence (EDT) and not again an hour later (EST); EST on Monday
      { at: "2026-10-31T05:30:00.000Z", to: owl, subject: "Store 12 Mt Auburn daily stock alerts, Sat 31 Oct: 0 urgent, 2 to watch" },
      { at: "2026-11-01T05:30:00.000Z", to: owl, subject: "Store 12 Mt Auburn daily stock alerts, Sun 1 Nov: 0 urgent, 2 to watch" },
      { at: "2026-11-02T06:30:00.000Z", to: owl, subject: "Store 12 Mt Auburn daily stock alerts, Mon 2 Nov: 0 urgent, 2 to watch" },
    ].sort(byTimeAndRecipient);
    // the quarter-hour grid also holds the wrong-offset instants, an hour either side of each expected one
    const instants = steps("2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z", expected.map((e) => e.at));
    const { arrivals, written, writtenBy } = await runReplicas(replicas, instants);

    // not before the local time (the minute before was a step), at it, and never twice, whichever replica wrote it
    expect(arrivals.sort(byTimeAndRecipient)).toEqual(expected);
    expect(written).toBe(expected.length);
    // interleaved on PGlite, each replica writes some; on PostgreSQL whichever wins each race does
    if (!onPostgres) expect(writtenBy.every((n) => n > 0), `written by each replica: ${writtenBy.join(", ")}`).toBe(true);
    const rows = (await digestRows()).filter((row) => row.createdAt.getTime() >= Date.parse("2026-10-31T00:00:00Z"));
    const digest = (id: number, date: string, at: string) => ({ key: `digest:${id}:${date}`, at, sentAt: at, status: "sent" });
    expect(rows.map((row) => ({ key: row.key, at: row.createdAt.toISOString(), sentAt: row.sentAt?.toISOString(), status: row.status }))).toEqual(
      [
        digest(deeRow.id, "2026-10-31", "2026-10-31T07:00:00.000Z"),
        digest(deeRow.id, "2026-11-01", "2026-11-01T07:00:00.000Z"),
        digest(deeRow.id, "2026-11-02", "2026-11-02T07:00:00.000Z"),
        digest(anaRow.id, "2026-10-31", "2026-10-31T11:00:00.000Z"),
        digest(anaRow.id, "2026-11-01", "2026-11-01T12:00:00.000Z"),
        digest(anaRow.id, "2026-11-02", "2026-11-02T12:00:00.000Z"),
        digest(owlRow.id, "2026-10-31", "2026-10-31T05:30:00.000Z"),
        digest(owlRow.id, "2026-11-01", "2026-11-01T05:30:00.000Z"),
        digest(owlRow.id, "2026-11-02", "2026-11-02T06:30:00.000Z"),
      ].sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key)),
    );
  });

  it("sends a digest set inside the spring-forward gap at the first minute after the jump, once", async () => {
    const { s12, tomatoes } = await seedStores();
    await openWatchAlert(s12.id, tomatoes, "2027-03-01T15:00:00Z");
    const ana = "ana.manager@store12.example";
    const ben = "ben.manager@store12.example";
    const anaRow = await recipient(s12.id, { email: ana, name: "Ana", digestTime: "02:30" });
    await recipient(s12.id, { email: ben, name: "Ben" });
    const replicas = twoReplicas();

    await runReplicas(replicas, [new Date("2027-03-12T23:45:00Z")]);
    live.smtp.clear();

    const subject = (day: string) => `Store 12 Mt Auburn daily stock alerts, ${day}: 0 urgent, 1 to watch`;
    const expected: Arrival[] = [
      // 02:30 EST (UTC-5)
      { at: "2027-03-13T07:30:00.000Z", to: ana, subject: subject("Sat 13 Mar") },
      // 01:59 EST is followed by 03:00 EDT: 02:30 never happens, so the digest goes at 03:00 EDT, the first minute past it
      { at: "2027-03-14T07:00:00.000Z", to: ana, subject: subject("Sun 14 Mar") },
      // 02:30 EDT (UTC-4)
      { at: "2027-03-15T06:30:00.000Z", to: ana, subject: subject("Mon 15 Mar") },
      { at: "2027-03-13T12:00:00.000Z", to: ben, subject: subject("Sat 13 Mar") },
      { at: "2027-03-14T11:00:00.000Z", to: ben, subject: subject("Sun 14 Mar") },
      { at: "2027-03-15T11:00:00.000Z", to: ben, subject: subject("Mon 15 Mar") },
    ].sort(byTimeAndRecipient);
    const watched = [...expected.map((e) => e.at), "2027-03-14T07:30:00.000Z", "2027-03-14T06:30:00.000Z"];
    const { arrivals, written } = await runReplicas(replicas, steps("2027-03-13T00:00:00Z", "2027-03-16T00:00:00Z", watched));

    expect(arrivals.sort(byTimeAndRecipient)).toEqual(expected);
    expect(written).toBe(expected.length);
    const [gapDay] = (await digestRows()).filter((row) => row.key === `digest:${anaRow.id}:2027-03-14`);
    expect(gapDay).toMatchObject({ createdAt: new Date("2027-03-14T07:00:00Z"), sentAt: new Date("2027-03-14T07:00:00Z"), status: "sent" });
  });

  it("sends nothing to a recipient with nothing live and nothing changed", async () => {
    const { s12, s7, tomatoes } = await seedStores();
    // S7: an alert resolved three days before the walk, so neither live nor a change in the last 24 hours
    await openWatchAlert(s7.id, tomatoes, "2026-10-20T09:00:00Z");
    const [stocked] = await loadLiveAlerts(ctx.db.db, s7.id);
    await applyAlertChanges(ctx.db.db, { storeId: s7.id, now: new Date("2026-10-28T09:00:00Z"), actor: "sweep" }, [
      { type: "resolve", alert: stocked!, figures: figures("2026-10-28"), cause: "stock received: 60 on hand" },
    ]);
    await recipient(s7.id, { email: "dee.manager@store7.example", name: "Dee" });
    // S12: a live out-of-stock alert, but this recipient only hears about stale POS feeds
    await openWatchAlert(s12.id, tomatoes, "2026-10-20T14:00:00Z", "out_of_stock");
    await recipient(s12.id, { email: "feeds@store12.example", name: "IT", kinds: ["stale_feed"] });
    // the control: the same store's manager, who hears about everything, does get the day's digest
    await recipient(s12.id, { email: "ana.manager@store12.example", name: "Ana" });
    const replicas = twoReplicas();

    const yesterday = await runReplicas(replicas, [new Date("2026-10-30T23:45:00Z")]);
    expect(yesterday.arrivals.map((a) => a.to)).toEqual(["ana.manager@store12.example"]);
    // a whole day, with minute steps around London's and New York's 07:00
    const { arrivals, written } = await runReplicas(replicas, steps("2026-10-31T00:00:00Z", "2026-11-01T00:00:00Z", ["2026-10-31T07:00:00Z", "2026-10-31T11:00:00Z"]));

    expect(arrivals.map((a) => [a.at, a.to])).toEqual([["2026-10-31T11:00:00.000Z", "ana.manager@store12.example"]]);
    expect(written).toBe(1);
    expect((await digestRows()).map((row) => row.to)).toEqual(["ana.manager@store12.example", "ana.manager@store12.example"]);
  });
});
