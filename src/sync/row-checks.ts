import type { z } from "zod";
import { localDateAt, type StoreRef } from "../stores/store-directory.js";

/** A row refused during an import, and where it came from. */
export interface Rejection {
  line: number;
  column?: string;
  reason: string;
}

/** Describes zod issues of one row as a reason and the column or field that failed. */
export function describeIssues(error: z.ZodError, columnOf: (field: string) => string): { column: string; reason: string } {
  const first = error.issues[0]!;
  const field = String(first.path[0] ?? "row");
  return { column: columnOf(field), reason: error.issues.map((i) => i.message).join("; ") };
}

/** Observations stamped further ahead than the clock skew we tolerate are refused: a till with a wrong clock would otherwise pin stock forever. */
export function futureObservationReason(observedAt: Date, now: Date, toleranceMs: number): string | null {
  if (observedAt.getTime() > now.getTime() + toleranceMs) {
    return `observedAt ${observedAt.toISOString()} lies in the future (more than ${Math.round(toleranceMs / 60000)} min ahead of ${now.toISOString()})`;
  }
  return null;
}

export function futureSalesDateReason(salesDate: string, store: StoreRef, now: Date, toleranceMs: number): string | null {
  const latest = localDateAt(new Date(now.getTime() + toleranceMs), store.timeZone);
  return salesDate > latest ? `salesDate ${salesDate} lies in the future (today at store ${store.code} is ${latest})` : null;
}

/**
 * Remembers which (store, SKU) pairs an import has seen, to report duplicates. One small integer per SKU holds a bit per
 * store (the first 31 stores of the file), so a million rows of a 10-store export cost a map of 100,000 SKUs.
 */
export class SeenPairs {
  private readonly bitsBySku = new Map<string, number>();
  private readonly storeBits = new Map<number, number>();
  private readonly overflow = new Set<string>();

  /**
   * Notes a pair. Answers "pair" if it was seen before, "sku" if only the SKU was (with another store), "new" if the SKU
   * is new to the import (or may be: the SKUs of stores beyond the first 31 are not tracked on their own).
   */
  add(storeId: number, sku: string): "pair" | "sku" | "new" {
    let bit = this.storeBits.get(storeId);
    if (bit === undefined && this.storeBits.size < 31) {
      bit = 1 << this.storeBits.size;
      this.storeBits.set(storeId, bit);
    }
    if (bit === undefined) {
      const key = `${storeId}\u0000${sku}`;
      if (this.overflow.has(key)) return "pair";
      this.overflow.add(key);
      return "new";
    }
    const bits = this.bitsBySku.get(sku);
    if (bits === undefined) {
      this.bitsBySku.set(sku, bit);
      return "new";
    }
    if (bits & bit) return "pair";
    this.bitsBySku.set(sku, bits | bit);
    return "sku";
  }
}
