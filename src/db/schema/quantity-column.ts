import { numeric } from "drizzle-orm/pg-core";

/**
 * A quantity column: a decimal to thousandths (goods sold by weight), read as a JS number. numeric keeps sums and
 * differences exact in SQL (a float column would turn 0.1 + 0.2 into 0.30000000000000004 in derived sales), and its
 * values read the same through postgres.js and PGlite: as text, which the query builder maps to a number here. Raw
 * SQL reads cast to float8 or pass through Number(). 14 digits hold the ±1,000,000,000 the row schemas allow.
 */
export const quantityColumn = () => numeric({ precision: 14, scale: 3, mode: "number" });
