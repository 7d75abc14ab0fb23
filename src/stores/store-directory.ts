import { eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { storeAliases, stores } from "../db/schema/index.js";

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
    const all = await db.select({ id: stores.id, code: stores.code, timeZone: stores.timeZone, name: stores.name }).from(stores);
    const aliases = await db
      .select({ alias: storeAliases.alias, id: stores.id, code: stores.code, timeZone: stores.timeZone })
      .from(storeAliases)
      .innerJoin(stores, eq(storeAliases.storeId, stores.id));
    return new StoreDirectory([
      ...all.map((s) => ({ alias: s.code, store: { id: s.id, code: s.code, timeZone: s.timeZone } })),
      ...all.map((s) => ({ alias: s.name, store: { id: s.id, code: s.code, timeZone: s.timeZone } })),
      ...aliases.map((a) => ({ alias: a.alias, store: { id: a.id, code: a.code, timeZone: a.timeZone } })),
    ]);
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
