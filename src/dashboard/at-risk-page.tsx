import type { AtRiskRow } from "../alerts/at-risk.js";
import type { Viewer } from "../http/sessions.js";
import { formatMeasure } from "../sync/quantities.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";
import { Day, FilterForm, FilterMessage, ListStatus, NextDelivery, None, percent, StoreCell, StoreSelect, TableRegion } from "./page-parts.js";

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

export function itemPath(storeCode: string, sku: string): string {
  return `${DASHBOARD_PATH}/stores/${encodeURIComponent(storeCode)}/items/${encodeURIComponent(sku)}`;
}

const AT_RISK_COLUMNS = ["Item", "Store", "On hand", "Chance of running out", "Projected stockout", "Promotion ends", "Incoming delivery", "Suggested quantity"];

export function AtRiskPage({ viewer, stores, categories, filters, rows, capped, cap, message }: AtRiskPageProps) {
  const scope = filters.store ?? (stores.length === 1 ? stores[0]!.code : "your stores");
  return (
    <Layout title="At risk" viewer={viewer} current="at-risk">
      <h1>At risk</h1>
      <FilterForm action={DASHBOARD_PATH} label="Filter items at risk">
        <StoreSelect stores={stores} selected={filters.store} />
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
      </FilterForm>

      <FilterMessage message={message} />

      <ListStatus
        count={rows.length}
        capped={capped}
        empty="Nothing at risk for these filters."
        cappedText={`Showing the first ${cap} items at risk; more match. Narrow the list with the filters above.`}
        countText={`${rows.length} ${rows.length === 1 ? "item" : "items"} at risk.`}
      />

      {rows.length > 0 ? (
        <TableRegion
          id="at-risk"
          caption={`Items likely to run out at ${scope}: advertised items first, then by projected stockout date`}
          columns={AT_RISK_COLUMNS}
        >
          {rows.map((row) => (
            <tr>
              <th scope="row">
                <a href={itemPath(row.storeCode, row.sku)}>{row.name ?? row.sku}</a>
                <span class="sku">{`SKU ${row.sku}${row.category ? ` · ${row.category}` : ""}`}</span>
                {row.advertised ? <span class="badge">Advertised</span> : null}
              </th>
              <td data-label={AT_RISK_COLUMNS[1]}>
                <StoreCell store={{ code: row.storeCode, name: row.storeName }} />
              </td>
              <td data-label={AT_RISK_COLUMNS[2]} class="number">{formatMeasure(row.onHand, row.unit)}</td>
              <td data-label={AT_RISK_COLUMNS[3]} class="number lead">{percent(Number(row.probability))}</td>
              <td data-label={AT_RISK_COLUMNS[4]} class="lead">
                <Day date={row.projectedStockoutDate} />
              </td>
              <td data-label={AT_RISK_COLUMNS[5]}>
                <Day date={row.promotionEnd} />
              </td>
              <td data-label={AT_RISK_COLUMNS[6]}>
                {row.nextDeliveryDate === null ? (
                  <None />
                ) : (
                  <NextDelivery date={row.nextDeliveryDate} quantity={row.nextDeliveryQuantity} source={row.nextDeliverySource} unit={row.unit} />
                )}
              </td>
              <td data-label={AT_RISK_COLUMNS[7]} class="number">{row.quantityToLastPromotion === null ? <None /> : formatMeasure(row.quantityToLastPromotion, row.unit)}</td>
            </tr>
          ))}
        </TableRegion>
      ) : null}
    </Layout>
  );
}
