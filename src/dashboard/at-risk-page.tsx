import type { AtRiskRow } from "../alerts/at-risk.js";
import type { Viewer } from "../http/sessions.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";

export interface AtRiskFilters {
  /** a store code, or undefined for all the viewer's stores */
  store?: string;
  category?: string;
  advertisedOnly: boolean;
}

interface AtRiskPageProps {
  viewer: Viewer;
  stores: Array<{ code: string; name: string }>;
  categories: string[];
  filters: AtRiskFilters;
  rows: AtRiskRow[];
  /** more rows matched than are shown */
  capped: boolean;
  cap: number;
  /** a problem with the filters, shown above the table */
  message?: string;
}

const dayFormat = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });

export function itemPath(storeCode: string, sku: string): string {
  return `${DASHBOARD_PATH}/stores/${encodeURIComponent(storeCode)}/items/${encodeURIComponent(sku)}`;
}

function Day({ date }: { date: string | null }) {
  if (date === null) return <None />;
  return <time datetime={date}>{dayFormat.format(new Date(`${date}T00:00:00Z`))}</time>;
}

/** a dash for the eye, a word for the screen reader */
function None() {
  return (
    <>
      <span aria-hidden="true">—</span>
      <span class="sr-only">none</span>
    </>
  );
}

function percent(probability: number): string {
  if (probability >= 0.995) return ">99%";
  if (probability < 0.005) return "<1%";
  return `${Math.round(probability * 100)}%`;
}

export function AtRiskPage({ viewer, stores, categories, filters, rows, capped, cap, message }: AtRiskPageProps) {
  const scope = filters.store ?? (stores.length === 1 ? stores[0]!.code : "your stores");
  return (
    <Layout title="At risk" viewer={viewer} current="at-risk">
      <h1>At risk</h1>
      <form class="filters" method="get" action={DASHBOARD_PATH} role="search" aria-label="Filter items at risk">
        <div class="field">
          <label for="filter-store">Store</label>
          <select id="filter-store" name="store">
            <option value="" selected={filters.store === undefined}>
              All my stores
            </option>
            {stores.map((store) => (
              <option value={store.code} selected={filters.store === store.code}>
                {`${store.code} · ${store.name}`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-category">Category</label>
          <select id="filter-category" name="category">
            <option value="" selected={filters.category === undefined}>
              All categories
            </option>
            {categories.map((category) => (
              <option value={category} selected={filters.category === category}>
                {category}
              </option>
            ))}
          </select>
        </div>
        <div class="field check">
          <input id="filter-advertised" type="checkbox" name="advertised" value="1" checked={filters.advertisedOnly} />
          <label for="filter-advertised">Advertised only</label>
        </div>
        <button class="button" type="submit">
          Apply filters
        </button>
        <a class="button secondary" href={DASHBOARD_PATH}>
          Clear
        </a>
      </form>

      {message ? (
        <p class="message" role="alert">
          {message}
        </p>
      ) : null}

      <p class="note" role="status">
        {rows.length === 0
          ? "Nothing at risk for these filters."
          : capped
            ? `Showing the first ${cap} items at risk; more match. Narrow the list with the filters above.`
            : `${rows.length} ${rows.length === 1 ? "item" : "items"} at risk.`}
      </p>

      {rows.length > 0 ? (
        <div class="table-region" role="region" aria-labelledby="at-risk-caption" tabindex={0}>
          <table>
            <caption id="at-risk-caption">{`Items likely to run out at ${scope}: advertised items first, then by projected stockout date`}</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Store</th>
                <th scope="col">On hand</th>
                <th scope="col">Chance of running out</th>
                <th scope="col">Projected stockout</th>
                <th scope="col">Promotion ends</th>
                <th scope="col">Incoming delivery</th>
                <th scope="col">Suggested quantity</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr>
                  <th scope="row">
                    <a href={itemPath(row.storeCode, row.sku)}>{row.name ?? row.sku}</a>
                    <span class="sku">{`SKU ${row.sku}${row.category ? ` · ${row.category}` : ""}`}</span>
                    {row.advertised ? <span class="badge">Advertised</span> : null}
                  </th>
                  <td>
                    <abbr title={row.storeName}>{row.storeCode}</abbr>
                  </td>
                  <td class="number">{row.onHand}</td>
                  <td class="number">{percent(Number(row.probability))}</td>
                  <td>
                    <Day date={row.projectedStockoutDate} />
                  </td>
                  <td>
                    <Day date={row.promotionEnd} />
                  </td>
                  <td>
                    {row.nextDeliveryDate === null ? (
                      <None />
                    ) : (
                      <>
                        <Day date={row.nextDeliveryDate} />
                        {row.nextDeliveryQuantity === null ? null : `, ${row.nextDeliveryQuantity} units`}
                      </>
                    )}
                  </td>
                  <td class="number">{row.quantityToLastPromotion === null ? <None /> : row.quantityToLastPromotion}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Layout>
  );
}
