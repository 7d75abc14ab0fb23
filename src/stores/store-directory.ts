import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";

export interface StoreRef {
  id: number;
  code: string;
  timeZone: string;
}

/** Location names in exports vary (`Mt_Auburn`, `Mt Auburn`, `MT AUBURN`): compare them case-folded with `_` as a space. */
export function normaliseAlias(name: string): string {
  return name.trim().replaceAll("_", " ").replace(/\s+/g, " ").toLowerCase();
}

/** Every store and its aliases, loaded once per import; a chain has hundreds of stores, not millions. */
export class StoreDirectory {
  private readonly byAlias = new Map<string, StoreRef>();

  constructor(entries: Array<{ alias: string; store: StoreRef }>) {
    for (const { alias, store } of entries) this.byAlias.set(normaliseAlias(alias), store);
  }

  resolve(name: string): StoreRef | undefined {
    return this.byAlias.get(normaliseAlias(name));
  }

  static async load(db: Database): Promise<StoreDirectory> {
    // one round trip: every store's code, then names, then aliases, each a name it answers to; a later one wins a clash
    const names = await queryRows<{ alias: string; id: number; code: string; time_zone: string }>(
      db,
      sql`select alias, id, code, time_zone from (
            select 1 as kind, code as alias, id, code, time_zone from stores
            union all
            select 2, name, id, code, time_zone from stores
            union all
            select 3, a.alias, s.id, s.code, s.time_zone from store_aliases a join stores s on s.id = a.store_id
          ) n
          order by kind`,
    );
    return new StoreDirectory(names.map((n) => ({ alias: n.alias, store: { id: Number(n.id), code: n.code, timeZone: n.time_zone } })));
  }
}

/** The calendar date at an instant in a time zone, as YYYY-MM-DD. */
export function localDateAt(instant: Date, timeZone: string): string {
  return localDateFormatter(timeZone).format(instant);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localDateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-CA formats dates as YYYY-MM-DD
    formatter = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}
