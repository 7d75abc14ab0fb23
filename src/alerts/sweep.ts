import { setImmediate as nextTurn } from "node:timers/promises";
import { sql, type SQL } from "drizzle-orm";
import type { AppDeps } from "../app-env.js";
import { queryRows, type Database } from "../db/client.js";
import {
  assessShelfFromLedger,
  BASELINE_HALF_WIDTH_DAYS,
  fitDemand,
  poolUplifts,
  REORDER_POINT_DAYS,
  reorderPointAlerts,
  REPLENISHMENT_WINDOW_DAYS,
  UPLIFT_WINDOW_DAYS,
  withUpliftPrior,
} from "../forecast/index.js";
import type { DayRecord, DemandModel, DemandPrior, ExpectedDelivery } from "../forecast/forecast-types.js";
import type { ReceiptRecord, ShelfDelivery, ShelfRisk } from "../forecast/index.js";
import { localDateAt } from "../stores/store-directory.js";
import { alertRiskProbability, alertRiskWindowEnd, openingProbability } from "./alert-policy.js";
import { planFeedAlert, planItemAlerts, planSnoozeExpiry, type AlertChange, type LiveAlert, type RiskReading } from "./alert-lifecycle.js";
import { applyAlertChanges, loadLiveAlerts, type AlertTransition } from "./alert-writes.js";
import { recordMornings, type MorningReading } from "./track-record.js";
import {
  addDays,
  buildHistory,
  currentPromotion,
  daysBetween,
  futureDays,
  pastPromotionSpans,
  spanHistory,
  upcomingDeliveries,
  type PromotionWindow,
} from "./risk-inputs.js";

export interface SweepOptions {
  now: Date;
  /** recompute every store-item, not only those whose inputs changed */
  full?: boolean;
  /** told of every alert transition inside the transaction that records it (the notifier writes its outbox rows there) */
  onAlertTransitions?: AlertTransitionHook;
}

export type AlertTransitionHook = (tx: Database, store: SweptStore, transitions: AlertTransition[], now: Date) => Promise<void>;

export type SweptStore = {
  id: number;
  code: string;
  time_zone: string;
  feed_last_seen_at: Date | string | null;
  feed_interval_minutes: number;
  alert_probability: number;
  resolve_probability: number;
};

export interface SweepResult {
  full: boolean;
  stores: number;
  storeItems: number;
  ms: number;
  /** alert transitions recorded (opened, escalated, resolved, unsnoozed) */
  transitions: number;
}

/**
 * Days of sales history the model learns level, weekly pattern and dispersion from. An item's uplift is learned from
 * its promotions of the past UPLIFT_WINDOW_DAYS: the days around those that lie further back are read for the fit too.
 */
export const HISTORY_DAYS = 84;
/** Days ahead the risk looks at least. */
export const HORIZON_DAYS = 28;
/** An item is advertised while its promotion runs or when it starts within this many days. */
export const LOOKAHEAD_DAYS = 14;
/** Uplift assumed for a promotion when neither the item nor its category has run one before. */
export const DEFAULT_UPLIFT = 1.8;
const WRITE_CHUNK = 2000;
/** CPU time a sweep computes between two turns of the event loop: a request or a timer waits at most about this long. */
const SWEEP_SLICE_MS = 15;

/**
 * A per-item loop's pause: once SWEEP_SLICE_MS have passed since the last turn, it waits a macrotask, so that pending
 * I/O (health checks, API requests) and timers (scheduled jobs) run while a store of 300,000 items is fitted.
 */
function eventLoopYielder(sliceMs = SWEEP_SLICE_MS): () => Promise<void> {
  let sliceStarted = performance.now();
  return async () => {
    if (performance.now() - sliceStarted < sliceMs) return;
    await nextTurn();
    sliceStarted = performance.now();
  };
}

export type StockInput = {
  item_id: number;
  on_hand: number;
  observed_at: Date | string;
  out_of_stock_since: Date | string | null;
  category: string | null;
  sku: string;
  name: string | null;
  /** the recent history's sales rows as columns: [day offsets from its start, units, stockout flags] */
  history: SalesColumns | string | null;
  /** the receipts the replenishment is learned from, oldest first, as columns: [store-local dates, units, on hand after] */
  receipts: ReceiptColumns | string | null;
};

/**
 * Rows come as a few arrays per item rather than an array per row: the database builds them with less work and the
 * sweep parses and keeps far fewer objects (a full sweep reads millions of rows). A column is null when there are none.
 */
type SalesColumns = [number[] | null, number[] | null, boolean[] | null];
type ReceiptColumns = [string[] | null, number[] | null, Array<number | null> | null];

/**
 * Recomputes the stockout risk of store-items: those whose stock, deliveries or promotions changed since the last
 * sweep, or all of them once a day (sales history changes every day even when nothing was posted). One store at a time,
 * so memory stays bounded by the largest store.
 */
export async function runSweep(deps: Pick<AppDeps, "db" | "log" | "config">, options: SweepOptions): Promise<SweepResult> {
  const { db, log } = deps;
  // days from an order placed today to the shelf: receipts expected sooner are on their way already
  const leadDays = deps.config.ORDER_LEAD_DAYS;
  const started = performance.now();
  const [state] = await queryRows<{ last_started_at: Date | string; last_full_at: Date | string | null }>(
    db,
    sql`select last_started_at, last_full_at from sweep_state where name = 'risk'`,
  );
  const since = state ? new Date(state.last_started_at) : null;
  const lastFull = state?.last_full_at ? new Date(state.last_full_at) : null;
  const full = options.full === true || !since || !lastFull || options.now.getTime() - lastFull.getTime() >= 86_400_000;

  const stores = await queryRows<SweptStore>(
    db,
    sql`select id, code, time_zone, feed_last_seen_at, feed_interval_minutes, alert_probability, resolve_probability from stores order by id`,
  );
  let storeItems = 0;
  let transitions = 0;
  for (const store of stores) {
    const readings = await sweepStore(db, store, { now: options.now, since: full ? null : since, leadDays });
    storeItems += readings.length;
    transitions += await evaluateStoreAlerts(db, store, readings, options);
    await recordMornings(db, store, readings, options.now);
  }
  await db.execute(
    sql`insert into sweep_state (name, last_started_at, last_full_at) values ('risk', ${options.now.toISOString()}::timestamptz, ${full ? options.now.toISOString() : null}::timestamptz)
        on conflict (name) do update set last_started_at = excluded.last_started_at,
          last_full_at = coalesce(excluded.last_full_at, sweep_state.last_full_at)`,
  );
  const result = { full, stores: stores.length, storeItems, transitions, ms: Math.round(performance.now() - started) };
  log.info(result, "risk sweep done");
  return result;
}

/**
 * Everything the model needs about the store-items of one store, loaded in three queries (four in an incremental
 * sweep), and each item's model: its uplift is shrunk toward what its category's items at the store learned of their
 * own promotions, so the items are fitted together.
 */
export interface StoreInputs {
  today: string;
  items: Array<{
    row: StockInput;
    windows: PromotionWindow[];
    history: DayRecord[];
    /** loaded deliveries (purchase orders) not yet received */
    deliveries: ExpectedDelivery[];
    /** the receipts of the learning window up to today, oldest first */
    receipts: ReceiptRecord[];
    model?: DemandModel;
  }>;
  peerLevels: Map<string, number>;
}

export async function loadStoreInputs(
  db: Database,
  store: { id: number; time_zone: string },
  options: { now: Date; since?: Date | null; itemFilter?: SQL },
): Promise<StoreInputs> {
  const today = localDateAt(options.now, store.time_zone);
  const historyStart = addDays(today, -HISTORY_DAYS);
  const upliftStart = addDays(today, -UPLIFT_WINDOW_DAYS);
  const lookaheadEnd = addDays(today, LOOKAHEAD_DAYS + HORIZON_DAYS);
  const since = options.since?.toISOString() ?? null;
  const changed = since
    ? sql`and (s.updated_at > ${since}::timestamptz
           or exists (select 1 from deliveries d where d.store_id = s.store_id and d.item_id = s.item_id and d.updated_at > ${since}::timestamptz)
           or exists (select 1 from promotion_items pi join promotions p on p.id = pi.promotion_id
                      where pi.item_id = s.item_id and p.updated_at > ${since}::timestamptz))`
    : sql``;
  const historyColumn = sql`(select json_build_array(array_agg(d.sales_date - ${historyStart}::date), array_agg(d.units), array_agg(d.stockout))
                from daily_sales d
                where d.store_id = s.store_id and d.item_id = s.item_id
                  and d.sales_date >= ${historyStart}::date and d.sales_date < ${today}::date) as history`;
  // the receipts inferReplenishment learns from as of this morning: today's included
  const receiptsColumn = sql`(select json_build_array(array_agg(r.receipt_date::text order by r.receipt_date),
                  array_agg(r.units order by r.receipt_date), array_agg(r.on_hand_after order by r.receipt_date))
                from stock_receipts r
                where r.store_id = s.store_id and r.item_id = s.item_id
                  and r.receipt_date >= ${addDays(today, 1 - REPLENISHMENT_WINDOW_DAYS)}::date and r.receipt_date <= ${today}::date) as receipts`;
  const stock = await queryRowsWithoutJit<StockInput>(
    db,
    sql`select s.item_id, s.on_hand, s.observed_at, s.out_of_stock_since, i.category, i.sku, i.name, ${historyColumn}, ${receiptsColumn}
        from stock_levels s join items i on i.id = s.item_id
        where s.store_id = ${store.id} ${changed} ${options.itemFilter ?? sql``}`,
  );
  if (stock.length === 0) return { today, items: [], peerLevels: new Map() };
  const promotionRows = await queryRows<{ promotion_id: number; name: string; item_id: number; start_date: string; end_date: string; uplift: number | null }>(
    db,
    sql`select p.id as promotion_id, p.name, pi.item_id, p.start_date::text as start_date, p.end_date::text as end_date,
               coalesce(pi.uplift, p.uplift) as uplift
        from promotions p join promotion_items pi on pi.promotion_id = p.id
        where p.end_date >= ${upliftStart}::date and p.start_date <= ${lookaheadEnd}::date
          and (p.all_stores or exists (select 1 from promotion_stores ps where ps.promotion_id = p.id and ps.store_id = ${store.id}))`,
  );
  const deliveryRows = await queryRows<{ item_id: number; expected_date: string; quantity: number }>(
    db,
    sql`select item_id, expected_date::text as expected_date, quantity from deliveries
        where store_id = ${store.id} and status = 'expected'`,
  );
  const promotionsByItem = groupBy(promotionRows, (r) => Number(r.item_id));
  const deliveriesByItem = groupBy(deliveryRows, (r) => Number(r.item_id));
  const outOfStockFromOf = (row: Pick<StockInput, "out_of_stock_since">) =>
    row.out_of_stock_since ? localDateAt(new Date(row.out_of_stock_since), store.time_zone) : null;
  const historyOf = (row: Pick<StockInput, "history" | "out_of_stock_since">, windows: PromotionWindow[]): DayRecord[] => {
    const [offsets, units, stockouts] = typeof row.history === "string" ? (JSON.parse(row.history) as SalesColumns) : (row.history ?? []);
    const outOfStockFrom = outOfStockFromOf(row);
    return buildHistory(
      { offsets: offsets ?? [], units: units ?? [], stockouts: stockouts ?? [] },
      { start: historyStart, days: HISTORY_DAYS, promotions: windows, outOfStockFrom },
    );
  };
  // of the past year's promotions, those that end within the recent history or later are the item's windows
  const allWindowsOf = (itemId: number): PromotionWindow[] =>
    (promotionsByItem.get(itemId) ?? []).map((p) => ({
      promotionId: Number(p.promotion_id),
      name: p.name,
      startDate: p.start_date,
      endDate: p.end_date,
      ...(p.uplift !== null ? { plannedUplift: Number(p.uplift) } : {}),
    }));
  const windowsOf = (itemId: number): PromotionWindow[] => allWindowsOf(itemId).filter((w) => w.endDate >= historyStart);
  const pause = eventLoopYielder();
  const items: StoreInputs["items"] = [];
  for (const row of stock) {
    await pause();
    const windows = windowsOf(Number(row.item_id));
    const history = historyOf(row, windows);
    const deliveries = upcomingDeliveries(
      (deliveriesByItem.get(Number(row.item_id)) ?? []).map((d) => ({ expectedDate: d.expected_date, quantity: Number(d.quantity) })),
      today,
    );
    items.push({ row, windows, history, deliveries, receipts: receiptsOf(row) });
  }

  // A category's typical level at this store is the prior that short histories shrink toward, and its items' own
  // promotions teach the uplift that theirs shrink toward. Both are learned from all its items: an incremental sweep
  // reads the histories of the changed items' unchanged peers too, so that it learns what the full sweep learns.
  const peers = items.map(({ row, history }) => ({ itemId: Number(row.item_id), category: row.category, history, outOfStockFrom: outOfStockFromOf(row) }));
  if (since) {
    const categories = [...new Set(items.map(({ row }) => row.category ?? ""))];
    const others = await queryRowsWithoutJit<Pick<StockInput, "item_id" | "category" | "out_of_stock_since" | "history">>(
      db,
      sql`select s.item_id, i.category, s.out_of_stock_since, ${historyColumn}
          from stock_levels s join items i on i.id = s.item_id
          where s.store_id = ${store.id} and coalesce(i.category, '') in (${sql.join(categories.map((category) => sql`${category}`), sql`, `)})`,
    );
    const loaded = new Set(peers.map((peer) => peer.itemId));
    for (const row of others) {
      await pause();
      const itemId = Number(row.item_id);
      if (!loaded.has(itemId)) {
        peers.push({ itemId, category: row.category, history: historyOf(row, windowsOf(itemId)), outOfStockFrom: outOfStockFromOf(row) });
      }
    }
  }
  const peerLevels = await categoryLevels(peers, pause);
  const pastDays = await loadPastPromotionDays(db, store.id, peers, allWindowsOf, { from: upliftStart, before: historyStart }, pause);
  const fitted = new Map<number, DemandModel>();
  for (const peer of peers) {
    await pause();
    const prior = itemPrior(peer.category, peerLevels);
    const past = pastDays.get(peer.itemId);
    // between the spans around past promotions and the recent history, days are unknown rather than zero
    // (as of today: an item with no sales in the recent history has only those older days to go by)
    fitted.set(
      peer.itemId,
      past ? fitDemand([...past, ...peer.history], prior, { missingDays: "unobserved", asOf: today }) : fitDemand(peer.history, prior),
    );
  }
  const upliftPriors = new Map<string, ReturnType<typeof poolUplifts>>();
  for (const [category, members] of groupBy(peers, (peer) => peer.category ?? "")) {
    await pause();
    upliftPriors.set(category, poolUplifts(members.map((member) => fitted.get(member.itemId)!)));
  }
  const modelled: StoreInputs["items"] = [];
  for (const item of items) {
    await pause();
    modelled.push({
      ...item,
      model: withUpliftPrior(fitted.get(Number(item.row.item_id))!, {
        ...itemPrior(item.row.category, peerLevels),
        ...upliftPriors.get(item.row.category ?? ""),
      }),
    });
  }
  return { today, items: modelled, peerLevels };
}

function receiptsOf(row: Pick<StockInput, "receipts">): ReceiptRecord[] {
  const [dates, units, onHandAfter] = typeof row.receipts === "string" ? (JSON.parse(row.receipts) as ReceiptColumns) : (row.receipts ?? []);
  const receipts: ReceiptRecord[] = [];
  for (let index = 0; index < (dates?.length ?? 0); index++) {
    const after = onHandAfter?.[index] ?? null;
    const receipt: ReceiptRecord = { date: dates![index]!, units: Number(units![index]) };
    if (after !== null) receipt.onHandAfter = Number(after);
    receipts.push(receipt);
  }
  return receipts;
}

/**
 * queryRows for a read whose per-item subqueries make the planner's estimate large enough for JIT compilation: that
 * costs a second or more per store and gains nothing on short index lookups, so it is switched off for this one read.
 */
function queryRowsWithoutJit<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Database;
    await tx.execute(sql`set local jit = off`);
    return queryRows<T>(tx, query);
  });
}

/**
 * The days around the items' promotions of the past year that lie before the recent history, as history records per
 * item (see spanHistory); only items with such promotions are read, each by its own spans.
 */
async function loadPastPromotionDays(
  db: Database,
  storeId: number,
  peers: Array<{ itemId: number; outOfStockFrom: string | null }>,
  windowsOf: (itemId: number) => PromotionWindow[],
  range: { from: string; before: string },
  pause: () => Promise<void>,
): Promise<Map<number, DayRecord[]>> {
  const spansByItem = new Map<number, Array<{ from: string; to: string }>>();
  const input: Array<{ i: number; f: string; t: string }> = [];
  for (const peer of peers) {
    await pause();
    const spans = pastPromotionSpans(windowsOf(peer.itemId), { ...range, marginDays: BASELINE_HALF_WIDTH_DAYS });
    if (spans.length === 0) continue;
    spansByItem.set(peer.itemId, spans);
    for (const span of spans) input.push({ i: peer.itemId, f: span.from, t: span.to });
  }
  if (input.length === 0) return new Map();
  // the first day each item sold at the store: before it, a day without a row is not a day without sales
  const firsts = await queryRows<{ item_id: number; first_date: string | null }>(
    db,
    sql`select r.i as item_id,
               (select min(d.sales_date)::text from daily_sales d where d.store_id = ${storeId} and d.item_id = r.i) as first_date
        from unnest(${`{${[...spansByItem.keys()].join(",")}}`}::int[]) as r(i)`,
  );
  const firstRecorded = new Map(firsts.map((row) => [Number(row.item_id), row.first_date]));
  const rows = await queryRows<{ item_id: number; sales_date: string; units: number; stockout: boolean }>(
    db,
    sql`select d.item_id, d.sales_date::text as sales_date, d.units, d.stockout
        from json_to_recordset(${JSON.stringify(input)}::json) as r(i int, f date, t date)
        join daily_sales d on d.store_id = ${storeId} and d.item_id = r.i and d.sales_date between r.f and r.t`,
  );
  const rowsByItem = groupBy(rows, (row) => Number(row.item_id));
  const days = new Map<number, DayRecord[]>();
  for (const peer of peers) {
    const spans = spansByItem.get(peer.itemId);
    if (!spans) continue;
    await pause();
    const records = spanHistory(
      spans,
      (rowsByItem.get(peer.itemId) ?? []).map((row) => ({ date: row.sales_date, units: Number(row.units), stockout: Boolean(row.stockout) })),
      { firstRecorded: firstRecorded.get(peer.itemId) ?? null, promotions: windowsOf(peer.itemId), outOfStockFrom: peer.outOfStockFrom },
    );
    if (records.length > 0) days.set(peer.itemId, records);
  }
  return days;
}

function itemPrior(category: string | null, peerLevels: Map<string, number>): DemandPrior {
  return { peerLevel: peerLevels.get(category ?? "") ?? undefined, defaultUplift: DEFAULT_UPLIFT };
}

/**
 * The model and the risk of one store-item: the same computation for the sweep and the API (and, through
 * inferReplenishment and assessShelfRisk, for the backtest). The loaded deliveries come first; after the last of them, the receipts the
 * item's own pattern expects. `probability` is what an alert is judged on.
 */
export function assessItem(item: StoreInputs["items"][number], peerLevels: Map<string, number>, today: string, options: { leadDays: number }) {
  const fitted = item.model ?? fitDemand(item.history, itemPrior(item.row.category, peerLevels));
  const promotion = currentPromotion(item.windows, today, LOOKAHEAD_DAYS);
  // the planner's uplift for the promotion in view is the prior the item's own evidence shrinks toward
  const model =
    promotion?.plannedUplift !== undefined
      ? withUpliftPrior(fitted, { ...itemPrior(item.row.category, peerLevels), plannedUplift: promotion.plannedUplift })
      : fitted;
  const days = futureDays(today, { horizonDays: HORIZON_DAYS, until: [promotion?.endDate, item.deliveries[0]?.date], promotions: item.windows });
  const risk = assessShelfFromLedger({
    today,
    onHand: Number(item.row.on_hand),
    model,
    days,
    loaded: item.deliveries,
    receipts: item.receipts,
    sales: item.history,
    leadDays: options.leadDays,
    ...(promotion ? { promotionEnd: promotion.endDate } : {}),
  });
  const nextDelivery: ShelfDelivery | null = risk.deliveries[0] ?? null;
  return { model, promotion, nextDelivery, days, risk, probability: alertRiskProbability(risk) };
}

/** A reading, with the days until the item's promotion starts (0 or less while it runs; null when not advertised). */
type SweptReading = RiskReading & MorningReading & { daysToPromotion: number | null };

/** Recomputes and stores the risk of the store's (changed) items; returns what the alerts are decided from. */
async function sweepStore(
  db: Database,
  store: { id: number; time_zone: string },
  options: { now: Date; since: Date | null; leadDays: number },
): Promise<SweptReading[]> {
  const inputs = await loadStoreInputs(db, store, options);
  const risks: Array<Record<string, unknown>> = [];
  const readings: SweptReading[] = [];
  const pause = eventLoopYielder();
  for (const item of inputs.items) {
    await pause();
    const { model, risk, promotion, nextDelivery, probability } = assessItem(item, inputs.peerLevels, inputs.today, options);
    const row = riskRow(store.id, item.row, { method: model.method, risk, probability }, promotion, nextDelivery, item.history.at(-1)?.date ?? null, options.now);
    risks.push(row);
    readings.push({
      itemId: Number(item.row.item_id),
      advertised: promotion !== null,
      daysToPromotion: promotion ? daysBetween(inputs.today, promotion.startDate) : null,
      onHand: Number(item.row.on_hand),
      probability: row.probability as number,
      // what the track record keeps of this morning: the window the probability is about, and the reorder-point rule
      windowEnd: alertRiskWindowEnd(risk, promotion?.endDate ?? null),
      reorderPointAlerted: reorderPointAlerts({
        onHand: Number(item.row.on_hand),
        dailyUnits: item.history.slice(-REORDER_POINT_DAYS).map((day) => day.units),
        leadDays: options.leadDays,
      }),
      figures: {
        onHand: Number(item.row.on_hand),
        projectedStockoutDate: risk.projectedStockoutDate,
        probability: Math.round((row.probability as number) * 1000) / 1000,
        promotionName: promotion?.name ?? null,
        promotionEnd: promotion?.endDate ?? null,
        nextDeliveryDate: nextDelivery?.date ?? null,
        nextDeliveryQuantity: nextDelivery?.quantity ?? null,
        nextDeliverySource: nextDelivery?.source ?? null,
        suggestedQuantity: risk.quantityToLastPromotion,
        feedLastSeenAt: null,
      },
    });
  }
  for (let i = 0; i < risks.length; i += WRITE_CHUNK) await writeRisks(db, risks.slice(i, i + WRITE_CHUNK));
  return readings;
}

/**
 * Opens, escalates and resolves the store's alerts from the readings just computed, in one transaction with the
 * notifier's outbox rows. A stale feed holds item alerts as they are: old data proves nothing either way.
 */
async function evaluateStoreAlerts(db: Database, store: SweptStore, readings: SweptReading[], options: SweepOptions): Promise<number> {
  const { now } = options;
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Database;
    const live = await loadLiveAlerts(tx, store.id);
    const feed = planFeedAlert(
      { feedLastSeenAt: store.feed_last_seen_at ? new Date(store.feed_last_seen_at) : null, feedIntervalMinutes: Number(store.feed_interval_minutes) },
      live.find((a) => a.kind === "stale_feed") ?? null,
      now,
    );
    const woken = planSnoozeExpiry(live, now);
    const changes: AlertChange[] = [...feed.changes, ...woken];
    if (!feed.stale) {
      const thresholds = { openAt: Number(store.alert_probability), resolveBelow: Number(store.resolve_probability) };
      const liveByItem = new Map<number, LiveAlert[]>();
      // an alert whose snooze ends in this sweep is open again for what this sweep finds
      const wokenIds = new Set(woken.map((change) => change.alert.id));
      for (const current of live) {
        const alert: LiveAlert = wokenIds.has(current.id) ? { ...current, state: "open", snoozedUntil: null } : current;
        if (alert.itemId === null) continue;
        const list = liveByItem.get(alert.itemId);
        if (list) list.push(alert);
        else liveByItem.set(alert.itemId, [alert]);
      }
      const pause = eventLoopYielder();
      for (const reading of readings) {
        await pause();
        // a promotion still days away opens an alert only when its run-out is near certain
        const openAt = openingProbability(thresholds.openAt, reading.daysToPromotion);
        changes.push(...planItemAlerts(reading, liveByItem.get(reading.itemId) ?? [], { ...thresholds, openAt }));
      }
    }
    if (changes.length === 0) return 0;
    const transitions = await applyAlertChanges(tx, { storeId: store.id, now, actor: "sweep" }, changes);
    if (options.onAlertTransitions && transitions.length > 0) await options.onAlertTransitions(tx, store, transitions, now);
    return transitions.length;
  });
}

function riskRow(
  storeId: number,
  row: StockInput,
  assessed: { method: string; risk: ShelfRisk; probability: number },
  promotion: PromotionWindow | null,
  nextDelivery: ShelfDelivery | null,
  salesThrough: string | null,
  now: Date,
): Record<string, unknown> {
  const { method, risk, probability } = assessed;
  return {
    store_id: storeId,
    item_id: Number(row.item_id),
    computed_at: now.toISOString(),
    advertised: promotion !== null,
    promotion_id: promotion?.promotionId ?? null,
    promotion_end: promotion?.endDate ?? null,
    on_hand: Number(row.on_hand),
    projected_stockout_date: risk.projectedStockoutDate,
    days_of_cover: Math.min(risk.daysOfCover, 999),
    probability_before_promotion_end: risk.probabilityBeforePromotionEnd,
    probability_before_next_delivery: risk.probabilityBeforeNextDelivery,
    probability_within_horizon: risk.probabilityWithinHorizon,
    quantity_to_last_promotion: risk.quantityToLastPromotion,
    next_delivery_date: nextDelivery?.date ?? null,
    next_delivery_quantity: nextDelivery?.quantity ?? null,
    next_delivery_source: nextDelivery?.source ?? null,
    probability,
    model_method: method,
    stock_observed_at: new Date(row.observed_at).toISOString(),
    sales_through: salesThrough,
  };
}

async function writeRisks(db: Database, rows: Array<Record<string, unknown>>): Promise<void> {
  await db.execute(
    sql`insert into stock_risks as r (store_id, item_id, computed_at, advertised, promotion_id, promotion_end, on_hand,
          projected_stockout_date, days_of_cover, probability_before_promotion_end, probability_before_next_delivery,
          probability_within_horizon, quantity_to_last_promotion, next_delivery_date, next_delivery_quantity,
          next_delivery_source, probability, model_method, stock_observed_at, sales_through)
        select * from json_to_recordset(${JSON.stringify(rows)}::json) as x(store_id int, item_id int, computed_at timestamptz,
          advertised boolean, promotion_id int, promotion_end date, on_hand numeric, projected_stockout_date date, days_of_cover real,
          probability_before_promotion_end real, probability_before_next_delivery real, probability_within_horizon real,
          quantity_to_last_promotion numeric, next_delivery_date date, next_delivery_quantity numeric, next_delivery_source text,
          probability real, model_method text, stock_observed_at timestamptz, sales_through date)
        on conflict (store_id, item_id) do update set
          computed_at = excluded.computed_at, advertised = excluded.advertised, promotion_id = excluded.promotion_id,
          promotion_end = excluded.promotion_end, on_hand = excluded.on_hand,
          projected_stockout_date = excluded.projected_stockout_date, days_of_cover = excluded.days_of_cover,
          probability_before_promotion_end = excluded.probability_before_promotion_end,
          probability_before_next_delivery = excluded.probability_before_next_delivery,
          probability_within_horizon = excluded.probability_within_horizon,
          quantity_to_last_promotion = excluded.quantity_to_last_promotion, next_delivery_date = excluded.next_delivery_date,
          next_delivery_quantity = excluded.next_delivery_quantity, next_delivery_source = excluded.next_delivery_source,
          probability = excluded.probability,
          model_method = excluded.model_method, stock_observed_at = excluded.stock_observed_at,
          sales_through = excluded.sales_through`,
  );
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Mean daily units over uncensored, unpromoted days, per category: the peer level for shrinkage. */
async function categoryLevels(
  items: Array<{ category: string | null; history: Array<{ units: number; stockout: boolean; promoted: boolean }> }>,
  pause: () => Promise<void>,
): Promise<Map<string, number>> {
  const sums = new Map<string, { units: number; days: number }>();
  for (const { category, history } of items) {
    await pause();
    const entry = sums.get(category ?? "") ?? { units: 0, days: 0 };
    for (const day of history) {
      if (day.stockout || day.promoted) continue;
      entry.units += day.units;
      entry.days += 1;
    }
    sums.set(category ?? "", entry);
  }
  return new Map([...sums].filter(([, s]) => s.days > 0).map(([k, s]) => [k, s.units / s.days]));
}
