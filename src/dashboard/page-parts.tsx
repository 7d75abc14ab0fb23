/** Small pieces the operations pages share: dates, moments in a store's time zone, percentages, empty cells. */

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
