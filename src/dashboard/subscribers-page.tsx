import type { Viewer } from "../http/sessions.js";
import type { ItemSubscriberCount } from "../subscriptions/subscriber-counts.js";
import { itemPath } from "./at-risk-page.js";
import { Layout } from "./layout.js";
import { ListStatus, plural, StoreCell, TableRegion } from "./page-parts.js";

interface SubscribersPageProps {
  viewer: Viewer;
  rows: ItemSubscriberCount[];
  capped: boolean;
  cap: number;
}

const SUBSCRIBER_COLUMNS = ["Item", "Store", "Customers", "Waiting for a restock", "Following deals"];

/** How many confirmed customers wait for each item: counts only, never who they are. */
export function SubscribersPage({ viewer, rows, capped, cap }: SubscribersPageProps) {
  return (
    <Layout title="Subscribers" viewer={viewer} current="subscribers">
      <h1>Subscribers</h1>
      <p class="note">Customers who confirmed that they want to hear when an item is back in stock, or about its deals. Only counts are shown here.</p>
      <ListStatus
        count={rows.length}
        capped={capped}
        empty="No customer is waiting for an item at your stores."
        cappedText={`Showing the ${cap} items with the most subscribers; more have some.`}
        countText={`${plural(rows.length, "item")} with subscribers.`}
      />
      {rows.length > 0 ? (
        <TableRegion
          id="subscribers"
          compact
          caption="Confirmed subscribers per item and store, most first"
          columns={SUBSCRIBER_COLUMNS}
        >
          {rows.map((row) => (
            <tr>
              <th scope="row">
                <a href={itemPath(row.storeCode, row.sku)}>{row.itemName ?? row.sku}</a>
                <span class="sku">{`SKU ${row.sku}`}</span>
              </th>
              <td data-label={SUBSCRIBER_COLUMNS[1]}>
                <StoreCell store={{ code: row.storeCode, name: row.storeName }} />
              </td>
              <td data-label={SUBSCRIBER_COLUMNS[2]} class="number">{row.customers}</td>
              <td data-label={SUBSCRIBER_COLUMNS[3]} class="number">{row.restock}</td>
              <td data-label={SUBSCRIBER_COLUMNS[4]} class="number">{row.deals}</td>
            </tr>
          ))}
        </TableRegion>
      ) : null}
    </Layout>
  );
}
