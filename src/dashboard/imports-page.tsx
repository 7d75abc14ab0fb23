import type { Viewer } from "../http/sessions.js";
import type { ImportBatchSummary } from "../sync/import-batches.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";
import { Moment, None, plural, TableRegion } from "./page-parts.js";

export const IMPORTS_PATH = `${DASHBOARD_PATH}/imports`;

export interface StoreFeed {
  code: string;
  name: string;
  timeZone: string;
  feedIntervalMinutes: number;
  feedLastSeenAt: Date | null;
  stale: boolean;
}

export interface ImportRow extends ImportBatchSummary {
  /** the codes of the stores the batch may hold; null: any store */
  storeCodes: string[] | null;
  /** the time zone its times are shown in */
  timeZone: string;
}

interface ImportsPageProps {
  viewer: Viewer;
  feeds: StoreFeed[];
  imports: ImportRow[];
  /** at most this many imports are listed, the newest */
  cap: number;
}

const SOURCE_LABELS: Record<string, string> = {
  upload: "Upload (API)",
  "drop-folder": "Drop folder",
  api: "API",
  demo: "Demo data",
};

const STATUS_LABELS: Record<string, string> = {
  processing: "Processing",
  applied: "Applied",
  rejected: "Refused",
  failed: "Failed",
  duplicate: "Already imported",
  interrupted: "Interrupted",
};

function interval(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, "day");
  if (minutes % 60 === 0) return plural(minutes / 60, "hour");
  return plural(minutes, "minute");
}

export function rejectedCsvPath(batchId: number): string {
  return `${IMPORTS_PATH}/${batchId}/rejected.csv`;
}

function FeedStatus({ feed }: { feed: StoreFeed }) {
  if (feed.feedLastSeenAt === null) return <>No data yet</>;
  if (feed.stale) return <span class="badge">Stale</span>;
  return <>Up to date</>;
}

const FEED_COLUMNS = ["Store", "Last data received", "Expected every", "Feed"];
const IMPORT_COLUMNS = ["Import", "Source", "Stores", "Started", "Status", "Rows read", "Accepted", "Rejected", "Rejected rows"];

/** When each store's POS data last came, and the recent imports with their rejected rows. */
export function ImportsPage({ viewer, feeds, imports, cap }: ImportsPageProps) {
  const staleCount = feeds.filter((feed) => feed.stale).length;
  return (
    <Layout title="Imports" viewer={viewer} current="imports">
      <h1>Imports</h1>

      <h2 id="feeds-heading">POS feeds</h2>
      <p class="note" role="status">
        {feeds.length === 0
          ? "You have no stores."
          : staleCount === 0
            ? "Every feed is up to date."
            : `${plural(staleCount, "store")} sent no POS data for longer than expected.`}
      </p>
      {feeds.length > 0 ? (
        <TableRegion
          id="feeds"
          compact
          caption="POS data of your stores: a feed is stale when nothing arrived for longer than its expected interval; times in each store's time zone"
          columns={FEED_COLUMNS}
        >
          {feeds.map((feed) => (
            <tr>
              <th scope="row">
                {feed.code}
                <span class="sku">{feed.name}</span>
              </th>
              <td data-label={FEED_COLUMNS[1]}>{feed.feedLastSeenAt === null ? <None word="never" /> : <Moment at={feed.feedLastSeenAt} timeZone={feed.timeZone} />}</td>
              <td data-label={FEED_COLUMNS[2]}>{interval(feed.feedIntervalMinutes)}</td>
              <td data-label={FEED_COLUMNS[3]}>
                <FeedStatus feed={feed} />
              </td>
            </tr>
          ))}
        </TableRegion>
      ) : null}

      <h2 id="imports-heading">Recent imports</h2>
      <p class="note">
        {imports.length === 0
          ? "No imports yet."
          : imports.length >= cap
            ? `The newest ${cap} imports.`
            : `${plural(imports.length, "import")}.`}
      </p>
      {imports.length > 0 ? (
        <TableRegion
          id="imports"
          caption="Imports of POS data for your stores, newest first"
          columns={IMPORT_COLUMNS}
        >
          {imports.map((batch) => (
            <tr id={`import-${batch.id}`}>
              <th scope="row">
                {`#${batch.id}`}
                {batch.fileName ? <span class="sku">{batch.fileName}</span> : null}
              </th>
              <td data-label={IMPORT_COLUMNS[1]}>
                {SOURCE_LABELS[batch.source] ?? batch.source}
                {batch.format ? <span class="sku">{batch.format}</span> : null}
              </td>
              <td data-label={IMPORT_COLUMNS[2]}>{batch.storeCodes === null ? "Any store" : batch.storeCodes.join(", ")}</td>
              <td data-label={IMPORT_COLUMNS[3]}>
                <Moment at={batch.startedAt} timeZone={batch.timeZone} />
              </td>
              <td data-label={IMPORT_COLUMNS[4]}>
                {STATUS_LABELS[batch.status] ?? batch.status}
                {batch.problem ? <span class="reason">{batch.problem.detail}</span> : null}
              </td>
              <td data-label={IMPORT_COLUMNS[5]} class="number">{batch.rowsRead}</td>
              <td data-label={IMPORT_COLUMNS[6]} class="number">{batch.rowsAccepted}</td>
              <td data-label={IMPORT_COLUMNS[7]} class="number">{batch.rowsRejected}</td>
              <td data-label={IMPORT_COLUMNS[8]}>
                {batch.rowsRejected > 0 ? (
                  <a href={rejectedCsvPath(batch.id)} download>
                    {"Download CSV"}
                    <span class="sr-only">{` of the ${plural(batch.rowsRejected, "rejected row")} of import ${batch.id}`}</span>
                  </a>
                ) : (
                  <None />
                )}
              </td>
            </tr>
          ))}
        </TableRegion>
      ) : null}
    </Layout>
  );
}
