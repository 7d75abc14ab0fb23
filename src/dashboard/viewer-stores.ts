import { asc, inArray } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { stores } from "../db/schema/index.js";
import type { Viewer } from "../http/sessions.js";
import { StoreDirectory } from "../stores/store-directory.js";

export interface VisibleStore {
  id: number;
  code: string;
  name: string;
  timeZone: string;
  feedIntervalMinutes: number;
  feedLastSeenAt: Date | null;
}

/** The stores a viewer may see, by code, with what the operations pages show of each. */
export async function visibleStores(db: Database, viewer: Viewer): Promise<VisibleStore[]> {
  if (viewer.storeIds !== null && viewer.storeIds.length === 0) return [];
  const query = db
    .select({
      id: stores.id,
      code: stores.code,
      name: stores.name,
      timeZone: stores.timeZone,
      feedIntervalMinutes: stores.feedIntervalMinutes,
      feedLastSeenAt: stores.feedLastSeenAt,
    })
    .from(stores);
  if (viewer.storeIds === null) return query.orderBy(asc(stores.code));
  return query.where(inArray(stores.id, viewer.storeIds)).orderBy(asc(stores.code));
}

/**
 * The store a filter names (a code, name or alias, as everywhere), if the viewer may see it. A store the viewer may not
 * see is answered like one that does not exist.
 */
export async function namedStore(db: Database, visible: VisibleStore[], name: string): Promise<VisibleStore | undefined> {
  const named = (await StoreDirectory.load(db)).resolve(name);
  return named && visible.find((store) => store.id === named.id);
}

export interface StoreFilter {
  /** every store the viewer may see, for the filter's choices */
  visible: VisibleStore[];
  /** the stores to list: all visible ones, the one named, or none when the name matches none of them */
  storeIds: number[];
  store?: VisibleStore;
  /** why the list is empty when the name matched no visible store */
  message?: string;
}

/** What a page's store filter selects: all the viewer's stores when it names none, else the one it names if the viewer may see it. */
export async function filterStores(db: Database, viewer: Viewer, name: string | undefined): Promise<StoreFilter> {
  const visible = await visibleStores(db, viewer);
  if (name === undefined) return { visible, storeIds: visible.map((store) => store.id) };
  const store = await namedStore(db, visible, name);
  if (store) return { visible, storeIds: [store.id], store };
  return { visible, storeIds: [], message: `There is no store “${name}” among your stores.` };
}
