import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { AppError } from "../http/problem.js";
import type { StoreRef } from "../stores/store-directory.js";
import { formatRainCheckCode, longDate } from "./customer-templates.js";

export interface RainCheckView {
  code: string;
  store: string;
  sku: string;
  item: string | null;
  /** the deal as it was when the rain check was issued; dates and price are null for rain checks issued before they were kept */
  promotion: { id: string; name: string; startDate: string | null; endDate: string | null; advertisedPrice: string | null };
  issuedAt: string;
  /** the advertised price is owed from this instant (the promotion's first store-local day) */
  validFrom: string;
  expiresAt: string;
  redeemedAt: string | null;
  redeemedBy: string | null;
  /** what the till shows: usable now, or why not */
  status: "not_yet_valid" | "valid" | "redeemed" | "expired";
}

interface RainCheckRow extends Record<string, unknown> {
  code: string;
  store_id: number;
  store: string;
  sku: string;
  item: string | null;
  promotion_external_id: string;
  promotion_name: string;
  promotion_start: string | null;
  promotion_end: string | null;
  advertised_price: string | null;
  issued_at: string;
  valid_from: string;
  expires_at: string;
  redeemed_at: string | null;
  redeemed_by: string | null;
}

async function findRainCheck(db: Database, code: string): Promise<RainCheckRow | null> {
  const [row] = await queryRows<RainCheckRow>(
    db,
    sql`select rc.code, rc.store_id, s.code as store, i.sku, i.name as item, rc.promotion_external_id, rc.promotion_name,
               to_char(rc.promotion_start, 'YYYY-MM-DD') as promotion_start, to_char(rc.promotion_end, 'YYYY-MM-DD') as promotion_end,
               rc.advertised_price, to_json(rc.issued_at) #>> '{}' as issued_at,
               to_json(coalesce(rc.valid_from, rc.issued_at)) #>> '{}' as valid_from, to_json(rc.expires_at) #>> '{}' as expires_at,
               to_json(rc.redeemed_at) #>> '{}' as redeemed_at, rc.redeemed_by
        from rain_checks rc join stores s on s.id = rc.store_id join items i on i.id = rc.item_id
        where rc.code = ${code}`,
  );
  return row ?? null;
}

function present(row: RainCheckRow, now: Date): RainCheckView {
  return {
    code: formatRainCheckCode(row.code),
    store: row.store,
    sku: row.sku,
    item: row.item,
    promotion: {
      id: row.promotion_external_id,
      name: row.promotion_name,
      startDate: row.promotion_start ?? null,
      endDate: row.promotion_end ?? null,
      advertisedPrice: row.advertised_price ?? null,
    },
    issuedAt: row.issued_at,
    validFrom: row.valid_from,
    expiresAt: row.expires_at,
    redeemedAt: row.redeemed_at ?? null,
    redeemedBy: row.redeemed_by ?? null,
    status: row.redeemed_at
      ? "redeemed"
      : Date.parse(row.expires_at) <= now.getTime()
        ? "expired"
        : Date.parse(row.valid_from) > now.getTime()
          ? "not_yet_valid"
          : "valid",
  };
}

/** A rain check as the till sees it; no customer data. `canSee` limits an API key to its stores. */
export async function lookupRainCheck(db: Database, code: string, now: Date, canSee: (storeId: number) => boolean): Promise<RainCheckView> {
  const row = await findRainCheck(db, code);
  // a code of a store the key may not use answers like a code that does not exist
  if (!row || !canSee(Number(row.store_id))) throw new AppError({ code: "not_found", detail: "no rain check with this code" });
  return present(row, now);
}

/**
 * Redeems a rain check once, at its own store, from its promotion's start until it expires: one conditional update, so
 * two tills cannot both win.
 * `canSee` as for lookups: a key that may not see the code's store is told no more than that the code does not exist.
 */
export async function redeemRainCheck(
  db: Database,
  code: string,
  store: StoreRef,
  by: string | undefined,
  now: Date,
  canSee: (storeId: number) => boolean,
): Promise<RainCheckView> {
  const redeemed = await queryRows(
    db,
    sql`update rain_checks set redeemed_at = ${now.toISOString()}::timestamptz, redeemed_by = ${by ?? null}
        where code = ${code} and store_id = ${store.id} and redeemed_at is null and expires_at > ${now.toISOString()}::timestamptz
          and coalesce(valid_from, issued_at) <= ${now.toISOString()}::timestamptz
        returning id`,
  );
  const row = await findRainCheck(db, code);
  if (!row || !canSee(Number(row.store_id))) throw new AppError({ code: "not_found", detail: "no rain check with this code" });
  if (redeemed.length > 0) return present(row, now);
  if (Number(row.store_id) !== store.id) throw new AppError({ code: "rain_check_wrong_store", detail: `this rain check is good at store ${row.store} only` });
  if (row.redeemed_at) throw new AppError({ code: "rain_check_redeemed", detail: `this rain check was redeemed at ${row.redeemed_at}` });
  if (Date.parse(row.valid_from) > now.getTime()) {
    const from = row.promotion_start ? `${longDate(row.promotion_start)}, when "${row.promotion_name}" starts` : row.valid_from;
    throw new AppError({ code: "rain_check_not_yet_valid", detail: `this rain check is good from ${from}` });
  }
  throw new AppError({ code: "rain_check_expired", detail: `this rain check expired at ${row.expires_at}` });
}
