/**
 * Staff email: one alert as it opens or escalates, and the daily digest per store. Pure functions: dates, time zones
 * and links come in with the input. Each email is built once as blocks, then rendered as plain text and as HTML, so
 * the two parts cannot drift apart and every value reaches HTML through one escaping renderer.
 */
import { ALERT_KINDS, type AlertFigures, type AlertKind } from "../alerts/alert-types.js";
import { dayOfWeek, daysBetween } from "../forecast/calendar.js";
import { formatMeasure, formatQuantity } from "../sync/quantities.js";
import { renderEmail, type Block, type Fact, type Link, type ListEntry, type RenderedEmail } from "./email-layout.js";

export { escapeHtml, type RenderedEmail } from "./email-layout.js";

export interface StoreForEmail {
  code: string;
  name: string;
  timeZone: string;
  addressLines: string[];
}

export interface ItemForEmail {
  sku: string;
  name: string | null;
  /** what its quantities count: each (the default), or a measure such as kg or lb */
  unit?: string;
}

export interface AlertEmailInput {
  event: "opened" | "escalated";
  kind: AlertKind;
  store: StoreForEmail;
  /** null for stale_feed */
  item: ItemForEmail | null;
  figures: AlertFigures;
  /** for escalations: the figures in the previous email */
  previous?: AlertFigures | null;
  /** store-local YYYY-MM-DD */
  today: string;
  links: { acknowledge: string; snooze: string; dashboard: string };
}

export interface DigestAlert {
  kind: AlertKind;
  state: "open" | "acknowledged" | "snoozed";
  item: ItemForEmail | null;
  figures: AlertFigures;
  urgent: boolean;
  links: { acknowledge: string; snooze: string };
}

export interface DigestChange {
  /** ISO instant */
  at: string;
  event: "opened" | "escalated" | "resolved" | "acknowledged" | "snoozed";
  kind: AlertKind;
  item: ItemForEmail | null;
  cause: string;
}

export interface DigestInput {
  store: StoreForEmail;
  /** store-local YYYY-MM-DD of the digest */
  localDate: string;
  recipientName: string | null;
  alerts: DigestAlert[];
  changes: DigestChange[];
  links: { dashboard: string };
}


// ---------------------------------------------------------------- dates, numbers, names

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
/** keeps the subject's problem visible on a phone when an item name is long */
const SUBJECT_ITEM_MAX = 40;

function weekdayOf(date: string): string {
  return WEEKDAYS[dayOfWeek(date)] ?? "";
}

/** "Thu 10 Dec" */
function formatDate(date: string): string {
  return `${weekdayOf(date)} ${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1] ?? ""}`;
}

/** A date from today on, short: "today", "tomorrow", "Thu" within six days, else "Thu 10 Dec". */
function upcomingDay(date: string, today: string): string {
  const days = daysBetween(today, date);
  if (days === 0) return "today";
  if (days === 1) return "tomorrow";
  if (days >= 2 && days <= 6) return weekdayOf(date);
  return formatDate(date);
}

/** A date in an email body: "Thu 3 Dec (tomorrow)". */
function bodyDate(date: string, today: string): string {
  const days = daysBetween(today, date);
  return formatDate(date) + (days === 0 ? " (today)" : days === 1 ? " (tomorrow)" : "");
}

interface LocalMoment {
  date: string;
  time: string;
}

/** An ISO instant as the store's wall clock (24 h), or null when it does not parse. */
function toStoreLocal(instant: string, timeZone: string): LocalMoment | null {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return null;
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return { date: `${part("year")}-${part("month")}-${part("day")}`, time: `${part("hour")}:${part("minute")}` };
}

/** A past moment, short: "09:40" today, "Mon 09:40" within six days, else "Mon 30 Nov 09:40". */
function pastMoment(instant: string, timeZone: string, today: string): string {
  const local = toStoreLocal(instant, timeZone);
  if (!local) return instant;
  const daysAgo = daysBetween(local.date, today);
  if (daysAgo === 0) return local.time;
  return `${daysAgo >= 1 && daysAgo <= 6 ? weekdayOf(local.date) : formatDate(local.date)} ${local.time}`;
}

function percent(probability: number): string {
  let whole = Math.round(probability * 100);
  // never round a possibility up to certainty or down to nothing
  if (whole === 100 && probability < 1) whole = 99;
  if (whole === 0 && probability > 0) whole = 1;
  return `${whole}%`;
}

/** "12 units" for an item sold by the piece, "2.35 lb" for one sold by weight. */
function units(count: number, item: ItemForEmail | null): string {
  return formatQuantity(count, item?.unit);
}

function itemName(item: ItemForEmail | null): string {
  return item?.name?.trim() || item?.sku || "Unknown item";
}

function itemWithSku(item: ItemForEmail | null): string {
  if (!item) return "Unknown item";
  const name = item.name?.trim();
  return name ? `${name} (SKU ${item.sku})` : `SKU ${item.sku}`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The alert kinds in a few words, lower case, as emails and pages name them. */
export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  promotion_stockout: "promotion stockout",
  out_of_stock: "out of stock",
  delivery_stockout: "stockout before delivery",
  stale_feed: "no POS data",
};

// ---------------------------------------------------------------- what each kind says

/** The problem in a few words, as in the subject: "runs out Thu, ad ends Sun". */
function describeProblem(kind: AlertKind, figures: AlertFigures, today: string, timeZone: string): string {
  const runsOut = figures.projectedStockoutDate ? `runs out ${upcomingDay(figures.projectedStockoutDate, today)}` : "may run out";
  const adEnds = figures.promotionEnd ? `ad ends ${upcomingDay(figures.promotionEnd, today)}` : null;
  switch (kind) {
    case "promotion_stockout":
      return [runsOut, adEnds].filter(Boolean).join(", ");
    case "out_of_stock":
      return ["out of stock now", adEnds].filter(Boolean).join(", ");
    case "delivery_stockout":
      return `${runsOut}, ${figures.nextDeliveryDate ? `before delivery ${upcomingDay(figures.nextDeliveryDate, today)}` : "no delivery expected"}`;
    case "stale_feed":
      return figures.feedLastSeenAt
        ? `no POS data since ${pastMoment(figures.feedLastSeenAt, timeZone, today)}`
        : "no POS data received yet";
  }
}

function suggestAction(kind: AlertKind, figures: AlertFigures, today: string, item: ItemForEmail | null): string {
  const quantity = figures.suggestedQuantity !== null && figures.suggestedQuantity > 0 ? figures.suggestedQuantity : null;
  switch (kind) {
    case "promotion_stockout": {
      const end = figures.promotionEnd ? bodyDate(figures.promotionEnd, today) : "the end of the promotion";
      return quantity !== null
        ? `Order or move ${units(quantity, item)} to last through ${end}`
        : `Check the shelf and the back room so that the stock lasts through ${end}`;
    }
    case "out_of_stock":
      return `Restock the shelf / check the back room${quantity !== null ? `; order ${units(quantity, item)}` : ""}`;
    case "delivery_stockout": {
      const move = `move stock from another store${quantity !== null ? ` (${units(quantity, item)})` : ""}`;
      return figures.nextDeliveryDate
        ? `Ask for the delivery on ${bodyDate(figures.nextDeliveryDate, today)} to come earlier, or ${move}`
        : `No delivery is expected: order or ${move}`;
    }
    case "stale_feed":
      return "Check that the POS export runs; stockout alerts for this store are held back until data arrives";
  }
}

function headline(input: AlertEmailInput): string {
  const name = itemName(input.item);
  const { figures, store, today } = input;
  switch (input.kind) {
    case "promotion_stockout":
      return `${name} may run out before the promotion ends`;
    case "out_of_stock":
      return `${name} is out of stock`;
    case "delivery_stockout":
      return figures.nextDeliveryDate
        ? `${name} may run out before the next delivery`
        : `${name} may run out, and no delivery is expected`;
    case "stale_feed":
      return `${store.name}: ${describeProblem("stale_feed", figures, today, store.timeZone)}`;
  }
}

function chanceLabel(kind: AlertKind): string {
  if (kind === "promotion_stockout") return "Chance of running out before the promotion ends";
  if (kind === "delivery_stockout") return "Chance of running out before the delivery";
  return "Chance of running out";
}


function alertFacts(input: AlertEmailInput): Fact[] {
  const { kind, figures, store, today, item } = input;
  if (kind === "stale_feed") {
    const seenAt = figures.feedLastSeenAt;
    const local = seenAt ? toStoreLocal(seenAt, store.timeZone) : null;
    const lastSeen = local ? `${formatDate(local.date)} ${local.time} (${store.timeZone})` : (seenAt ?? "never received");
    return [
      ["Store", store.name],
      ["Last POS data", lastSeen],
    ];
  }
  const facts: Fact[] = [];
  if (item?.name?.trim()) facts.push(["Item", item.name.trim()]);
  if (item) facts.push(["SKU", item.sku]);
  facts.push(["Store", store.name]);
  facts.push(["On hand", figures.onHand === null ? "unknown" : units(figures.onHand, item)]);
  if (kind === "out_of_stock") {
    facts.push(["Status", "out of stock now"]);
    if (figures.projectedStockoutDate) facts.push(["Stockout date", bodyDate(figures.projectedStockoutDate, today)]);
  } else {
    facts.push(["Runs out", figures.projectedStockoutDate ? bodyDate(figures.projectedStockoutDate, today) : "unknown"]);
  }
  if (figures.probability !== null || kind !== "out_of_stock") {
    facts.push([chanceLabel(kind), figures.probability === null ? "unknown" : percent(figures.probability)]);
  }
  if (figures.promotionName || figures.promotionEnd) {
    const end = figures.promotionEnd ? `ends ${bodyDate(figures.promotionEnd, today)}` : null;
    facts.push(["Promotion", [figures.promotionName, end].filter(Boolean).join(", ")]);
  }
  if (figures.nextDeliveryDate) {
    const inferred = figures.nextDeliverySource === "inferred";
    const quantity = figures.nextDeliveryQuantity === null ? "quantity not known" : `${inferred ? "~" : ""}${units(figures.nextDeliveryQuantity, item)}`;
    // a delivery nobody loaded is the item's usual receipt, expected from its past ones
    facts.push(["Next delivery", `${bodyDate(figures.nextDeliveryDate, today)}, ${quantity}${inferred ? " (inferred from past receipts)" : ""}`]);
  } else if (kind === "delivery_stockout") {
    facts.push(["Next delivery", "none expected"]);
  }
  return facts;
}

/** Escalations: the figures that moved, previous → now. */
function changedFacts(input: AlertEmailInput): Fact[] {
  const previous = input.previous;
  if (input.event !== "escalated" || !previous) return [];
  const { figures, kind } = input;
  const arrow = (before: string, now: string) => `${before} → ${now}`;
  if (kind === "stale_feed") {
    const seen = (f: AlertFigures) => (f.feedLastSeenAt ? pastMoment(f.feedLastSeenAt, input.store.timeZone, input.today) : "never");
    return [["Last POS data", arrow(seen(previous), seen(figures))]];
  }
  const date = (d: string | null) => (d ? formatDate(d) : "unknown");
  const chance = (p: number | null) => (p === null ? "unknown" : percent(p));
  const facts: Fact[] = [
    [kind === "out_of_stock" ? "Stockout date" : "Runs out", arrow(date(previous.projectedStockoutDate), date(figures.projectedStockoutDate))],
    [chanceLabel(kind), arrow(chance(previous.probability), chance(figures.probability))],
  ];
  if (previous.onHand !== figures.onHand) {
    const onHand = (n: number | null) => (n === null ? "unknown" : units(n, input.item));
    facts.push(["On hand", arrow(onHand(previous.onHand), onHand(figures.onHand))]);
  }
  return facts;
}

function storeFooter(store: StoreForEmail): string[] {
  return [`${store.name} (store ${store.code})`, ...store.addressLines, "Stock alerts from Shelfwatch"];
}

export function renderAlertEmail(input: AlertEmailInput): RenderedEmail {
  const { kind, store, figures, today, event } = input;
  const problem = describeProblem(kind, figures, today, store.timeZone);
  const summary =
    kind === "stale_feed" ? `${store.name}: ${problem}` : `${shorten(itemName(input.item), SUBJECT_ITEM_MAX)}: ${problem}, ${store.name}`;
  const worse = event === "escalated";
  const subject = worse ? `Worse: ${summary}` : summary;

  const blocks: Block[] = [{ type: "heading", text: worse ? `Worse: ${headline(input)}` : headline(input) }];
  const changed = changedFacts(input);
  if (worse) blocks.push({ type: "paragraph", text: "This alert has got worse since the last email." });
  if (changed.length > 0) {
    blocks.push({ type: "subheading", text: "What changed" }, { type: "facts", facts: changed }, { type: "subheading", text: "Now" });
  }
  blocks.push(
    { type: "facts", facts: alertFacts(input) },
    { type: "callout", label: "Suggested action", text: suggestAction(kind, figures, today, input.item) },
    {
      type: "links",
      links: [
        { label: "Acknowledge", href: input.links.acknowledge, primary: true },
        { label: "Snooze", href: input.links.snooze, primary: false },
        { label: "Open dashboard", href: input.links.dashboard, primary: false },
      ],
    },
  );
  return renderEmail({ subject, preview: capitalize(problem), blocks, footer: storeFooter(store) });
}

/** Urgent first, then by stockout date (unknown last), then in the order a manager should look at kinds. */
function compareAlerts(a: DigestAlert, b: DigestAlert): number {
  if (a.urgent !== b.urgent) return a.urgent ? -1 : 1;
  const aDate = a.figures.projectedStockoutDate;
  const bDate = b.figures.projectedStockoutDate;
  if (aDate !== bDate) {
    if (aDate === null) return 1;
    if (bDate === null) return -1;
    return aDate < bDate ? -1 : 1;
  }
  const byKind = ALERT_KINDS.indexOf(a.kind) - ALERT_KINDS.indexOf(b.kind);
  return byKind !== 0 ? byKind : itemName(a.item).localeCompare(itemName(b.item));
}

function digestEntry(alert: DigestAlert, input: DigestInput): ListEntry {
  const { figures, kind } = alert;
  const parts = [capitalize(describeProblem(kind, figures, input.localDate, input.store.timeZone))];
  if (kind !== "stale_feed") {
    if (figures.onHand !== null) parts.push(`${formatMeasure(figures.onHand, alert.item?.unit)} on hand`);
    if (figures.probability !== null && kind !== "out_of_stock") parts.push(`${percent(figures.probability)} chance`);
    if (figures.promotionName) parts.push(`promotion ${figures.promotionName}`);
    if (figures.nextDeliveryDate && kind !== "delivery_stockout") {
      parts.push(`delivery ${upcomingDay(figures.nextDeliveryDate, input.localDate)}`);
    }
    if (figures.suggestedQuantity !== null && figures.suggestedQuantity > 0) {
      parts.push(`${kind === "out_of_stock" ? "order" : "order or move"} ${units(figures.suggestedQuantity, alert.item)}`);
    }
  }
  const details = [parts.join(" · ")];
  if (alert.state !== "open") details.unshift(alert.state === "acknowledged" ? "Acknowledged" : "Snoozed");
  const links: Link[] = [];
  if (alert.state !== "acknowledged") links.push({ label: "Acknowledge", href: alert.links.acknowledge, primary: true });
  if (alert.state === "open") links.push({ label: "Snooze", href: alert.links.snooze, primary: false });
  return { title: kind === "stale_feed" ? "POS data feed" : itemWithSku(alert.item), details, links };
}

const CHANGE_LABELS: Record<DigestChange["event"], string> = {
  opened: "Opened",
  escalated: "Got worse",
  resolved: "Resolved",
  acknowledged: "Acknowledged",
  snoozed: "Snoozed",
};

export function renderDigestEmail(input: DigestInput): RenderedEmail {
  const { store, localDate } = input;
  const open = input.alerts.filter((a) => a.state === "open").sort(compareAlerts);
  const urgent = open.filter((a) => a.urgent);
  const watch = open.filter((a) => !a.urgent);
  const handled = input.alerts.filter((a) => a.state !== "open").sort(compareAlerts);

  const counts =
    open.length > 0
      ? `${urgent.length} urgent, ${watch.length} to watch`
      : handled.length > 0
        ? `nothing new, ${handled.length} being handled`
        : "nothing at risk";
  const subject = `${store.name} daily stock alerts, ${formatDate(localDate)}: ${counts}`;

  const blocks: Block[] = [
    { type: "heading", text: `${store.name} stock alerts, ${formatDate(localDate)}` },
    { type: "paragraph", text: input.recipientName ? `Hello ${input.recipientName},` : "Hello," },
    {
      type: "paragraph",
      text: open.length > 0 ? `${capitalize(counts)} at ${store.name} today.` : `Nothing new is at risk at ${store.name} today.`,
    },
  ];
  const section = (title: string, alerts: DigestAlert[], isUrgent = false) => {
    if (alerts.length === 0) return;
    blocks.push(
      { type: "subheading", text: `${title} (${alerts.length})`, urgent: isUrgent },
      { type: "entries", entries: alerts.map((alert) => digestEntry(alert, input)) },
    );
  };
  section("Urgent", urgent, true);
  section("To watch", watch);
  section("Acknowledged or snoozed", handled);

  const changes = [...input.changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  blocks.push({ type: "subheading", text: "Changed since yesterday" });
  blocks.push(
    changes.length === 0
      ? { type: "paragraph", text: "No changes." }
      : {
          type: "bullets",
          items: changes.map((change) =>
            [
              pastMoment(change.at, store.timeZone, localDate),
              CHANGE_LABELS[change.event],
              change.kind === "stale_feed" ? "POS data feed" : itemWithSku(change.item),
              ALERT_KIND_LABELS[change.kind],
              change.cause,
            ].join(" · "),
          ),
        },
  );
  blocks.push({ type: "links", links: [{ label: "Open dashboard", href: input.links.dashboard, primary: true }] });
  return renderEmail({ subject, preview: capitalize(counts), blocks, footer: storeFooter(store) });
}

