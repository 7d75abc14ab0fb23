import type { Viewer } from "../http/sessions.js";
import type { ItemSubscriberCount } from "../subscriptions/subscriber-counts.js";
import { itemPath } from "./at-risk-page.js";
import { Layout } from "./layout.js";
import { plural, StoreCell } from "./page-parts.js";

interface SubscribersPageProps {
  viewer: Viewer;
  rows: ItemSubscriberCount[];
  capped: boolean;
  cap: number;
}

/** How many confirmed customers wait for each item: counts only, never who they are. */
export function SubscribersPage({ viewer, rows, capped, cap }: SubscribersPageProps) {
  return (
    <Layout title="Subscribers" viewer={viewer} current="subscribers">
      <h1>Subscribers</h1>
      <p class="note">Customers who confirmed that they want to hear when an item is back in stock, or about its deals. Only counts are shown here.</p>
      <p class="note" role="status">
        {rows.length === 0
          ? "No customer is waiting for an item at your stores."
          : capped
            ? `Showing the ${cap} items with the most subscribers; more have some.`
            : `${plural(rows.length, "item")} with subscribers.`}
      </p>
      {rows.length > 0 ? (
        <div class="table-region" role="region" aria-labelledby="subscribers-caption" tabindex={0}>
          <table class="compact">
            <caption id="subscribers-caption">Confirmed subscribers per item and store, most first</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Store</th>
                <th scope="col">Customers</th>
                <th scope="col">Waiting for a restock</th>
                <th scope="col">Following deals</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr>
                  <th scope="row">
                    <a href={itemPath(row.storeCode, row.sku)}>{row.itemName ?? row.sku}</a>
                    <span class="sku">{`SKU ${row.sku}`}</span>
                  </th>
                  <td>
                    <StoreCell store={{ code: row.storeCode, name: row.storeName }} />
                  </td>
                  <td class="number">{row.customers}</td>
                  <td class="number">{row.restock}</td>
                  <td class="number">{row.deals}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Layout>
  );
}
