/**
 * The track record's figures, from the recorded mornings and the ledger's stockout days: pure, no I/O.
 *
 * - Reliability: settled mornings in bands of 0.1 of the predicted probability, each with its mean prediction and the
 *   share whose shelf ran out within the window the prediction was about.
 * - An episode is a run of consecutive recorded mornings of a store-item on which the rule warned (a live Shelfwatch
 *   alert, or the reorder-point rule's verdict). It is true when the shelf ran out within the window of its first
 *   morning. Precision = true episodes / settled episodes.
 * - A stockout event is the first day of a run of stockout days. It counts when it lies in the period and a morning of
 *   the same store-item was recorded in the period at least lead days before it (a warning was possible). It is warned
 *   when an episode started at least lead days before it, it falls within the window of that episode's first morning,
 *   and it is the first stockout of the store-item since that start (an episode warns of one stockout, not also of the
 *   next one after a restock); the warning time is the days from the earliest such start to the event.
 *   Recall = warned events / events.
 */
import { addDays, daysBetween } from "./risk-inputs.js";

export interface TrackedMorning {
  itemId: number;
  /** store-local date */
  morning: string;
  probability: number;
  windowEnd: string;
  alerted: boolean;
  reorderPointAlerted: boolean;
  /** null until the window has passed */
  ranOut: boolean | null;
}

export interface StockoutDay {
  itemId: number;
  date: string;
}

export interface ReliabilityBand {
  /** probabilities from low (inclusive) to high (exclusive; the last band includes 1) */
  low: number;
  high: number;
  mornings: number;
  meanPredicted: number | null;
  ranOutShare: number | null;
}

export interface RuleFigures {
  episodes: number;
  trueEpisodes: number;
  /** episodes whose first window has not passed yet: not in the precision */
  pendingEpisodes: number;
  precision: number | null;
  stockouts: number;
  warned: number;
  recall: number | null;
  /** days from the start of the warning episode to the stockout, the median over warned stockouts */
  medianWarningDays: number | null;
}

export interface TrackRecordFigures {
  from: string;
  to: string;
  leadDays: number;
  mornings: number;
  settledMornings: number;
  reliability: ReliabilityBand[];
  shelfwatch: RuleFigures;
  reorderPoint: RuleFigures;
}

export const RELIABILITY_BANDS = 10;

/** `mornings` and `stockoutDays` may hold any dates: only those of the period [from, to] count. */
export function computeTrackRecord(input: {
  mornings: readonly TrackedMorning[];
  stockoutDays: readonly StockoutDay[];
  leadDays: number;
  from: string;
  to: string;
}): TrackRecordFigures {
  const { from, to, leadDays } = input;
  const inPeriod = (date: string) => date >= from && date <= to;
  const mornings = input.mornings.filter((m) => inPeriod(m.morning));
  const settled = mornings.filter((m) => m.ranOut !== null);
  const byItem = groupByItem(mornings);
  const allEvents = stockoutEvents(input.stockoutDays);
  const events = allEvents.filter((event) => {
    if (!inPeriod(event.date)) return false;
    const latest = addDays(event.date, -leadDays);
    return (byItem.get(event.itemId) ?? []).some((m) => m.morning <= latest);
  });
  return {
    from,
    to,
    leadDays,
    mornings: mornings.length,
    settledMornings: settled.length,
    reliability: reliabilityBands(settled),
    shelfwatch: ruleFigures(byItem, { counted: events, all: allEvents }, leadDays, (m) => m.alerted),
    reorderPoint: ruleFigures(byItem, { counted: events, all: allEvents }, leadDays, (m) => m.reorderPointAlerted),
  };
}

function reliabilityBands(settled: readonly TrackedMorning[]): ReliabilityBand[] {
  const bands = Array.from({ length: RELIABILITY_BANDS }, (_, i) => ({ i, mornings: 0, predicted: 0, ranOut: 0 }));
  for (const morning of settled) {
    const band = bands[Math.min(RELIABILITY_BANDS - 1, Math.floor(morning.probability * RELIABILITY_BANDS))]!;
    band.mornings += 1;
    band.predicted += morning.probability;
    if (morning.ranOut) band.ranOut += 1;
  }
  return bands.map((band) => ({
    low: band.i / RELIABILITY_BANDS,
    high: (band.i + 1) / RELIABILITY_BANDS,
    mornings: band.mornings,
    meanPredicted: band.mornings > 0 ? band.predicted / band.mornings : null,
    ranOutShare: band.mornings > 0 ? band.ranOut / band.mornings : null,
  }));
}

/** The first day of each run of consecutive stockout days of a store-item. */
export function stockoutEvents(days: readonly StockoutDay[]): StockoutDay[] {
  const events: StockoutDay[] = [];
  for (const [itemId, list] of groupByItem(days.map((d) => ({ ...d, morning: d.date })))) {
    let previous: string | null = null;
    for (const day of list) {
      if (previous === null || addDays(previous, 1) !== day.date) events.push({ itemId, date: day.date });
      previous = day.date;
    }
  }
  return events;
}

/** Runs of consecutive warned mornings: each run's first morning. */
function episodeStarts(mornings: readonly TrackedMorning[], warns: (m: TrackedMorning) => boolean): TrackedMorning[] {
  const starts: TrackedMorning[] = [];
  let previous: TrackedMorning | null = null;
  for (const morning of mornings) {
    const continues = previous !== null && warns(previous) && addDays(previous.morning, 1) === morning.morning;
    if (warns(morning) && !continues) starts.push(morning);
    previous = morning;
  }
  return starts;
}

function ruleFigures(
  byItem: Map<number, TrackedMorning[]>,
  events: { counted: readonly StockoutDay[]; all: readonly StockoutDay[] },
  leadDays: number,
  warns: (m: TrackedMorning) => boolean,
): RuleFigures {
  const eventsByItem = groupByItem(events.all.map((event) => ({ ...event, morning: event.date })));
  const firstEventFrom = (itemId: number, date: string) => (eventsByItem.get(itemId) ?? []).find((event) => event.date >= date)?.date;
  const startsByItem = new Map<number, TrackedMorning[]>();
  let episodes = 0;
  let trueEpisodes = 0;
  let pendingEpisodes = 0;
  for (const [itemId, mornings] of byItem) {
    const starts = episodeStarts(mornings, warns);
    startsByItem.set(itemId, starts);
    for (const start of starts) {
      if (start.ranOut === null) pendingEpisodes += 1;
      else {
        episodes += 1;
        if (start.ranOut) trueEpisodes += 1;
      }
    }
  }
  const warningDays: number[] = [];
  for (const event of events.counted) {
    const latest = addDays(event.date, -leadDays);
    // starts are in date order: the first that qualifies gave the longest warning
    const warning = (startsByItem.get(event.itemId) ?? []).find(
      (start) => start.morning <= latest && event.date <= start.windowEnd && firstEventFrom(event.itemId, start.morning) === event.date,
    );
    if (warning) warningDays.push(daysBetween(warning.morning, event.date));
  }
  return {
    episodes,
    trueEpisodes,
    pendingEpisodes,
    precision: episodes > 0 ? trueEpisodes / episodes : null,
    stockouts: events.counted.length,
    warned: warningDays.length,
    recall: events.counted.length > 0 ? warningDays.length / events.counted.length : null,
    medianWarningDays: median(warningDays),
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Per store-item, in date order. */
function groupByItem<T extends { itemId: number; morning: string }>(rows: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const list = groups.get(row.itemId);
    if (list) list.push(row);
    else groups.set(row.itemId, [row]);
  }
  for (const list of groups.values()) list.sort((a, b) => (a.morning < b.morning ? -1 : a.morning > b.morning ? 1 : 0));
  return groups;
}
