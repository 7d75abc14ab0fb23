/**
 * Staff email: one alert as it opens or escalates, and the daily digest per store. Pure functions: dates, time zones
 * and links come in with the input. Each email is built once as blocks, then rendered as plain text and as HTML, so
 * the two parts cannot drift apart and every value reaches HTML through one escaping renderer.
 */
import { ALERT_KINDS, type AlertFigures, type AlertKind } from "../alerts/alert-types.js";
import { dayOfWeek, daysBetween } from "../forecast/calendar.js";
import { formatMeasure, formatQuantity } from "../sync/quantities.js";
import { renderEmail, type Block, type Fact, type ItemLine, type RenderedEmail } from "./email-layout.js";

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
  /** the item's dashboard page (the store's, for a stale feed) */
  links: { page: string };
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

/** The body of one alert's email after its heading: what changed, the figures, what to do, and its buttons. */
function alertBlocks(input: AlertEmailInput, dashboardLabel: string): Block[] {
  const { kind, figures, today, event } = input;
  const blocks: Block[] = [];
  const changed = changedFacts(input);
  if (event === "escalated") blocks.push({ type: "paragraph", text: "This alert has got worse since the last email." });
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
        { label: dashboardLabel, href: input.links.dashboard, primary: false },
      ],
    },
  );
  return blocks;
}

function headlineOf(input: AlertEmailInput): string {
  return input.event === "escalated" ? `Worse: ${headline(input)}` : headline(input);
}

export function renderAlertEmail(input: AlertEmailInput): RenderedEmail {
  const { kind, store, figures, today, event } = input;
  const problem = describeProblem(kind, figures, today, store.timeZone);
  const summary =
    kind === "stale_feed" ? `${store.name}: ${problem}` : `${shorten(itemName(input.item), SUBJECT_ITEM_MAX)}: ${problem}, ${store.name}`;
  const subject = event === "escalated" ? `Worse: ${summary}` : summary;
  const blocks: Block[] = [{ type: "heading", text: headlineOf(input) }, ...alertBlocks(input, "Open dashboard")];
  return renderEmail({ subject, preview: capitalize(problem), blocks, footer: storeFooter(store) });
}

/** One alert event in an email that tells of several. */
export interface AlertNoticeForEmail {
  event: "opened" | "escalated";
  kind: AlertKind;
  /** null for stale_feed */
  item: ItemForEmail | null;
  figures: AlertFigures;
  previous?: AlertFigures | null;
  /** the item's dashboard page (the store's, for a stale feed) */
  page: string;
}

export interface AlertBatchInput {
  store: StoreForEmail;
  /** store-local YYYY-MM-DD */
  today: string;
  /** two or more, most urgent first (orderByUrgency) */
  notices: AlertNoticeForEmail[];
  /** the signed links of the first notice, the one the email leads with */
  leadLinks: { acknowledge: string; snooze: string };
  /** the store's alerts on the dashboard, where the others are acknowledged or snoozed */
  alertsPage: string;
}

/** Days until the shelf is expected to be empty: now for an empty shelf, never when not known. */
function daysLeft(kind: AlertKind, figures: AlertFigures, today: string): number {
  if (kind === "out_of_stock") return 0;
  return figures.projectedStockoutDate === null ? Number.POSITIVE_INFINITY : daysBetween(today, figures.projectedStockoutDate);
}

/**
 * The most urgent first: a silent POS feed (it holds back every other alert of the store), then the soonest empty
 * shelf, the likelier stockout, the kinds in the order a manager should look at them, and the name.
 */
export function orderByUrgency<T extends Pick<AlertNoticeForEmail, "kind" | "item" | "figures">>(notices: T[], today: string): T[] {
  return [...notices].sort((a, b) => {
    const feed = Number(b.kind === "stale_feed") - Number(a.kind === "stale_feed");
    if (feed !== 0) return feed;
    const days = daysLeft(a.kind, a.figures, today) - daysLeft(b.kind, b.figures, today);
    if (days !== 0 && !Number.isNaN(days)) return days;
    const chance = (b.figures.probability ?? 0) - (a.figures.probability ?? 0);
    if (chance !== 0) return chance;
    const byKind = ALERT_KINDS.indexOf(a.kind) - ALERT_KINDS.indexOf(b.kind);
    return byKind !== 0 ? byKind : itemName(a.item).localeCompare(itemName(b.item));
  });
}

/** One line of a notice that is not the lead: the item, its stock, when and how likely it runs out, what to do. */
function noticeLine(notice: AlertNoticeForEmail, store: StoreForEmail, today: string): ItemLine {
  const { kind, figures } = notice;
  const parts: string[] = [];
  if (notice.event === "escalated") parts.push("worse");
  if (kind !== "stale_feed") parts.push(figures.onHand === null ? "on hand unknown" : `${units(figures.onHand, notice.item)} on hand`);
  parts.push(describeProblem(kind, figures, today, store.timeZone));
  if (figures.probability !== null && kind !== "out_of_stock" && kind !== "stale_feed") parts.push(`${percent(figures.probability)} chance`);
  return {
    title: kind === "stale_feed" ? "POS data feed" : itemWithSku(notice.item),
    href: notice.page,
    detail: `${capitalize(parts.join(" · "))}. ${suggestAction(kind, figures, today, notice.item)}.`,
  };
}

/** lines an email of several alerts lists: the first sweep of a large store may open thousands at once */
const BATCH_LINES = 100;

/** Several urgent alerts for one store and recipient in one email: the most urgent in full, the others a line each. */
export function renderAlertBatchEmail(input: AlertBatchInput): RenderedEmail {
  const { store, today, notices } = input;
  const [lead, ...others] = notices;
  if (!lead || others.length === 0) throw new Error("an email of several alerts needs at least two");
  const leadInput: AlertEmailInput = {
    event: lead.event,
    kind: lead.kind,
    store,
    item: lead.item,
    figures: lead.figures,
    previous: lead.previous ?? null,
    today,
    links: { ...input.leadLinks, dashboard: lead.page },
  };
  const problem = describeProblem(lead.kind, lead.figures, today, store.timeZone);
  const leadName = lead.kind === "stale_feed" ? "POS data feed" : shorten(itemName(lead.item), SUBJECT_ITEM_MAX);
  const count = `${notices.length} urgent alerts at ${store.name}`;
  const subject = `${count}: ${leadName} (${problem}) and ${others.length} more`;
  const blocks: Block[] = [
    { type: "heading", text: count },
    { type: "paragraph", text: "The most urgent first; each of the others links to its page on the dashboard." },
    { type: "subheading", text: headlineOf(leadInput), urgent: true },
    ...alertBlocks(leadInput, "Open item"),
    { type: "subheading", text: `Also urgent (${others.length})` },
    { type: "lines", lines: others.slice(0, BATCH_LINES).map((notice) => noticeLine(notice, store, today)) },
  ];
  if (others.length > BATCH_LINES) {
    blocks.push({ type: "paragraph", text: `And ${others.length - BATCH_LINES} more, the least urgent, on the dashboard.` });
  }
  blocks.push({ type: "links", links: [{ label: "Open alerts on the dashboard", href: input.alertsPage, primary: true }] });
  return renderEmail({ subject, preview: `${leadName}: ${problem}, and ${others.length} more`, blocks, footer: storeFooter(store) });
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

/** What a digest line asks for: the digest groups its lines by it. */
type DigestAction = "order" | "move" | "shelf" | "feed";

const DIGEST_GROUPS: Array<[DigestAction, string]> = [
  ["order", "Order"],
  ["move", "Move stock"],
  ["shelf", "Check the shelf"],
  ["feed", "Check the POS export"],
];

function digestAction(alert: DigestAlert): DigestAction {
  const { kind, figures } = alert;
  switch (kind) {
    case "stale_feed":
      return "feed";
    case "out_of_stock":
      return "shelf";
    case "delivery_stockout":
      return figures.nextDeliveryDate ? "move" : "order";
    case "promotion_stockout":
      return figures.suggestedQuantity !== null && figures.suggestedQuantity > 0 ? "order" : "shelf";
  }
}

const alertKey = (kind: AlertKind, item: ItemForEmail | null) => `${kind}:${item?.sku ?? ""}`;

/** The problem in the fewest words, for a digest line whose group already says what to do. */
function shortProblem(kind: AlertKind, figures: AlertFigures, today: string, timeZone: string): string {
  const runsOut = figures.projectedStockoutDate ? `runs out ${upcomingDay(figures.projectedStockoutDate, today)}` : "may run out";
  switch (kind) {
    case "promotion_stockout":
      return runsOut;
    case "out_of_stock":
      return "out of stock";
    case "delivery_stockout":
      return `${runsOut}, ${figures.nextDeliveryDate ? `delivery ${upcomingDay(figures.nextDeliveryDate, today)}` : "no delivery"}`;
    case "stale_feed":
      return describeProblem(kind, figures, today, timeZone);
  }
}

/** One line: the item, linked to its page, then the few figures that say how bad it is and how much to act on. */
function digestLine(alert: DigestAlert, input: DigestInput, marks: Map<string, string>): ItemLine {
  const { figures, kind } = alert;
  const parts: string[] = [];
  if (alert.state !== "open") parts.push(alert.state === "acknowledged" ? "acknowledged" : "snoozed");
  else if (alert.urgent) parts.push("urgent");
  const mark = marks.get(alertKey(kind, alert.item));
  if (mark) parts.push(mark);
  parts.push(shortProblem(kind, figures, input.localDate, input.store.timeZone));
  if (kind !== "stale_feed") {
    if (figures.onHand !== null) parts.push(`${formatMeasure(figures.onHand, alert.item?.unit)} on hand`);
    if (figures.probability !== null && kind !== "out_of_stock") parts.push(percent(figures.probability));
    if (figures.suggestedQuantity !== null && figures.suggestedQuantity > 0) {
      parts.push(`${digestAction(alert) === "move" ? "move" : "order"} ${formatMeasure(figures.suggestedQuantity, alert.item?.unit)}`);
    }
  }
  // the name alone: the SKU, the promotion and the delivery are on the item's page, one tap away
  return { title: kind === "stale_feed" ? "POS data feed" : itemName(alert.item), href: alert.links.page, detail: capitalize(parts.join(" · ")) };
}

const CHANGE_LABELS: Record<DigestChange["event"], string> = {
  opened: "opened",
  escalated: "got worse",
  resolved: "resolved",
  acknowledged: "acknowledged",
  snoozed: "snoozed",
};
/** resolved alerts named in the digest; the count says how many more */
const RESOLVED_NAMED = 10;

/** The last 24 hours in two lines: how many of each change, and what resolved (live alerts carry "new" or "worse"). */
function changeSummary(changes: DigestChange[]): string[] {
  if (changes.length === 0) return ["No changes since yesterday."];
  const counts = (Object.keys(CHANGE_LABELS) as Array<DigestChange["event"]>)
    .map((event) => [event, changes.filter((c) => c.event === event).length] as const)
    .filter(([, n]) => n > 0)
    .map(([event, n]) => `${n} ${CHANGE_LABELS[event]}`);
  const lines = [`${capitalize(counts.join(", "))}.`];
  const resolved = [...new Set(changes.filter((c) => c.event === "resolved").map((c) => (c.kind === "stale_feed" ? "POS data feed" : itemName(c.item))))];
  if (resolved.length > 0) {
    const more = resolved.length > RESOLVED_NAMED ? ` and ${resolved.length - RESOLVED_NAMED} more` : "";
    lines.push(`Resolved: ${resolved.slice(0, RESOLVED_NAMED).join(", ")}${more}.`);
  }
  return lines;
}

/**
 * The daily digest: one line per alert, grouped by what to do, each item linked to its dashboard page. No signed
 * links: acknowledging or snoozing many alerts is the dashboard's work, and fifty pairs of them made the email long.
 */
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

  // the latest change of each live alert marks its line
  const marks = new Map<string, string>();
  for (const change of [...input.changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    if (change.event === "opened") marks.set(alertKey(change.kind, change.item), "new");
    else if (change.event === "escalated" && !marks.has(alertKey(change.kind, change.item))) marks.set(alertKey(change.kind, change.item), "worse");
  }

  const blocks: Block[] = [
    { type: "heading", text: `${store.name} stock alerts, ${formatDate(localDate)}` },
    { type: "paragraph", text: input.recipientName ? `Hello ${input.recipientName},` : "Hello," },
    {
      type: "paragraph",
      text: open.length > 0 ? `${capitalize(counts)} at ${store.name} today.` : `Nothing new is at risk at ${store.name} today.`,
    },
  ];
  for (const [action, title] of DIGEST_GROUPS) {
    const group = open.filter((alert) => digestAction(alert) === action);
    if (group.length === 0) continue;
    blocks.push(
      { type: "subheading", text: `${title} (${group.length})`, urgent: group.some((alert) => alert.urgent) },
      { type: "lines", lines: group.map((alert) => digestLine(alert, input, marks)) },
    );
  }
  if (handled.length > 0) {
    blocks.push(
      { type: "subheading", text: `Acknowledged or snoozed (${handled.length})` },
      { type: "lines", lines: handled.map((alert) => digestLine(alert, input, marks)) },
    );
  }
  blocks.push({ type: "subheading", text: "Changed since yesterday" });
  for (const line of changeSummary(input.changes)) blocks.push({ type: "paragraph", text: line });
  blocks.push({ type: "links", links: [{ label: "Open dashboard", href: input.links.dashboard, primary: true }] });
  return renderEmail({ subject, preview: capitalize(counts), blocks, footer: storeFooter(store) });
}
