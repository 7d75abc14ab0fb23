import type { Child } from "hono/jsx";
import type { Viewer } from "../http/sessions.js";
import { formatQuantity } from "../sync/quantities.js";
import { DASHBOARD_PATH } from "./layout.js";

/** Small pieces the operations pages share: dates, moments in a store's time zone, percentages, empty cells, filters, tables. */

const dayFormat = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });

const momentFormats = new Map<string, { moment: Intl.DateTimeFormat; zone: Intl.DateTimeFormat }>();
function momentFormat(timeZone: string) {
  let format = momentFormats.get(timeZone);
  if (!format) {
    format = {
      moment: new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }),
      // en-US names zones as people there say them: EST, not GMT-5
      zone: new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" }),
    };
    momentFormats.set(timeZone, format);
  }
  return format;
}

/** "Fri 20 Nov, 10:00 EST": an instant on a store's wall clock, with the zone named. */
export function formatMoment(instant: Date, timeZone: string): string {
  const format = momentFormat(timeZone);
  const zone = format.zone.formatToParts(instant).find((part) => part.type === "timeZoneName")?.value ?? timeZone;
  return `${format.moment.format(instant)} ${zone}`;
}

/** a dash for the eye, a word for the screen reader */
export function None({ word = "none" }: { word?: string }) {
  return (
    <>
      <span aria-hidden="true">—</span>
      <span class="sr-only">{word}</span>
    </>
  );
}

export function Moment({ at, timeZone }: { at: string | Date | null; timeZone: string }) {
  if (at === null) return <None />;
  const instant = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(instant.getTime())) return <None />;
  return <time datetime={instant.toISOString()}>{formatMoment(instant, timeZone)}</time>;
}

/** a store-local calendar date (YYYY-MM-DD) */
export function Day({ date }: { date: string | null }) {
  if (date === null) return <None />;
  return <time datetime={date}>{dayFormat.format(new Date(`${date}T00:00:00Z`))}</time>;
}

/** How the receipts recur, in words: "weekly", "every 3 days". */
export function cadence(intervalDays: number): string {
  if (intervalDays === 1) return "daily";
  if (intervalDays === 7) return "weekly";
  if (intervalDays === 14) return "fortnightly";
  return `every ${intervalDays} days`;
}

/**
 * A delivery and where it came from: "Mon 14 Dec, 24 units (purchase order)" for a loaded one, "Mon 14 Dec, ~28 units
 * (inferred from weekly receipts)" for one the item's receipts lead to expect (its quantity is an estimate).
 */
export function NextDelivery({
  date,
  quantity,
  source,
  intervalDays,
  unit,
}: { date: string; quantity: number | null; source: string | null; intervalDays?: number; unit?: string }) {
  const inferred = source === "inferred";
  const units = quantity === null ? "" : `, ${inferred ? "~" : ""}${formatQuantity(quantity, unit)}`;
  const origin = inferred
    ? ` (inferred from ${intervalDays === undefined ? "past" : cadence(intervalDays)} receipts)`
    : source === "loaded"
      ? " (purchase order)"
      : "";
  return (
    <>
      <Day date={date} />
      {`${units}${origin}`}
    </>
  );
}

export function percent(probability: number): string {
  if (probability >= 0.995) return ">99%";
  if (probability < 0.005) return "<1%";
  return `${Math.round(probability * 100)}%`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function StoreCell({ store }: { store: { code: string; name: string } }) {
  return <abbr title={store.name}>{store.code}</abbr>;
}

/** The store filter every operations page offers: all the viewer's stores, or one. */
export function StoreSelect({ stores, selected }: { stores: Array<{ code: string; name: string }>; selected?: string }) {
  return (
    <div class="field">
      <label for="filter-store">Store</label>
      <select id="filter-store" name="store">
        <option value="" selected={selected === undefined}>
          All my stores
        </option>
        {stores.map((store) => (
          <option value={store.code} selected={selected === store.code}>
            {`${store.code} · ${store.name}`}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A page's filter form: its fields, then the buttons to apply them or to clear them all (back to the bare page). */
export function FilterForm({ action, label, children }: { action: string; label: string; children: Child }) {
  return (
    <form class="filters" method="get" action={action} role="search" aria-label={label}>
      {children}
      <button class="button" type="submit">
        Apply filters
      </button>
      <a class="button secondary" href={action}>
        Clear
      </a>
    </form>
  );
}

/** A problem with the filters, announced above the list. */
export function FilterMessage({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p class="message" role="alert">
      {message}
    </p>
  );
}

/** What a capped list shows, announced: nothing, the first `cap` of more, or how many. */
export function ListStatus({ count, capped, empty, cappedText, countText }: { count: number; capped: boolean; empty: string; cappedText: string; countText: string }) {
  return (
    <p class="note" role="status">
      {count === 0 ? empty : capped ? cappedText : countText}
    </p>
  );
}

/** A table in its own scrolling region, named by its caption, so that a keyboard can scroll it and a screen reader name it. */
export function TableRegion({ id, caption, columns, compact = false, children }: { id: string; caption: string; columns: string[]; compact?: boolean; children: Child }) {
  const captionId = `${id}-caption`;
  return (
    <div class="table-region" role="region" aria-labelledby={captionId} tabindex={0}>
      <table class={compact ? "compact" : undefined}>
        <caption id={captionId}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col">{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Where an alert's buttons post: acknowledge or snooze. */
export function alertActionPath(alertId: number, action: "acknowledge" | "snooze"): string {
  return `${DASHBOARD_PATH}/alerts/${alertId}/${action}`;
}

/**
 * One alert button's form: the session's CSRF token and the page to come back to, then the page's own fields and
 * button. The alerts list and the item page word their buttons differently; the form they post is the same.
 */
export function AlertActionForm({ alertId, action, viewer, next, children }: { alertId: number; action: "acknowledge" | "snooze"; viewer: Viewer; next: string; children: Child }) {
  return (
    <form method="post" action={alertActionPath(alertId, action)}>
      <input type="hidden" name="csrf" value={viewer.csrfToken} />
      <input type="hidden" name="next" value={next} />
      {children}
    </form>
  );
}
