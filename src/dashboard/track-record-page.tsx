import type { ReliabilityBand, RuleFigures, TrackedMorning, TrackRecordFigures } from "../alerts/track-record-figures.js";
import type { Viewer } from "../http/sessions.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";
import { Day, None, percent, plural, TableRegion } from "./page-parts.js";

export const TRACK_RECORD_PATH = `${DASHBOARD_PATH}/track-record`;

interface TrackRecordPageProps {
  viewer: Viewer;
  stores: Array<{ code: string; name: string }>;
  store: { code: string; name: string } | null;
  /** the dates as asked (empty: the default) */
  asked: { from?: string | undefined; to?: string | undefined };
  figures: TrackRecordFigures | null;
}

/** a share as a whole percent; the track record's shares are counts, so "<1%" would hide a real one in a hundred */
function share(value: number | null): string {
  return value === null ? "no data" : `${Math.round(value * 100)}%`;
}

function bandLabel(band: ReliabilityBand): string {
  return `${Math.round(band.low * 100)}–${Math.round(band.high * 100)}%`;
}

const RULE_ROWS: Array<{ label: string; value: (rule: RuleFigures) => string }> = [
  { label: "Precision: warnings that came true", value: (r) => `${share(r.precision)} (${r.trueEpisodes} of ${r.episodes})` },
  { label: "Recall: stockouts warned in time", value: (r) => `${share(r.recall)} (${r.warned} of ${r.stockouts})` },
  { label: "Median warning", value: (r) => (r.medianWarningDays === null ? "no data" : plural(r.medianWarningDays, "day")) },
  { label: "Warnings still waiting for their outcome", value: (r) => String(r.pendingEpisodes) },
];

/**
 * The reliability chart: for each band of predicted probability, a bar for the share of mornings that ran out, and a
 * tick at the band's mean prediction (a reliable forecast's bars reach their ticks).
 */
function ReliabilityChart({ bands }: { bands: ReliabilityBand[] }) {
  const width = 640;
  const height = 260;
  const left = 44;
  const bottom = 36;
  const plotHeight = height - bottom - 12;
  const slot = (width - left - 8) / bands.length;
  const y = (value: number) => 12 + plotHeight * (1 - value);
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="reliability-title reliability-desc">
      <title id="reliability-title">Reliability of the predicted chances of running out</title>
      <desc id="reliability-desc">
        For each band of predicted chance, the bar is the share of mornings whose shelf ran out and the dark tick is the band's
        average prediction. The table below gives the same figures.
      </desc>
      {[0, 0.25, 0.5, 0.75, 1].map((tick) => (
        <g>
          <line x1={left} x2={width - 8} y1={y(tick)} y2={y(tick)} stroke="#e5e7eb" />
          <text x={left - 6} y={y(tick) + 4} text-anchor="end" font-size="12" fill="#374151">{`${tick * 100}%`}</text>
        </g>
      ))}
      {bands.map((band, i) => {
        const x = left + i * slot;
        return (
          <g>
            {band.ranOutShare !== null ? (
              <rect x={x + 4} y={y(band.ranOutShare)} width={slot - 8} height={plotHeight * band.ranOutShare} fill="#2563eb" />
            ) : null}
            {band.meanPredicted !== null ? (
              <line x1={x + 2} x2={x + slot - 2} y1={y(band.meanPredicted)} y2={y(band.meanPredicted)} stroke="#111827" stroke-width="3" />
            ) : null}
            <text x={x + slot / 2} y={height - bottom + 16} text-anchor="middle" font-size="11" fill="#374151">
              {`${Math.round(band.low * 100)}`}
            </text>
          </g>
        );
      })}
      <text x={left + (width - left) / 2} y={height - 4} text-anchor="middle" font-size="12" fill="#374151">
        Predicted chance of running out (band starting at, %)
      </text>
    </svg>
  );
}

/** A store's track record: how often its predictions came true, and how Shelfwatch's alerts compare with a reorder point. */
export function TrackRecordPage({ viewer, stores, store, asked, figures }: TrackRecordPageProps) {
  return (
    <Layout title={store ? `Track record of ${store.name}` : "Track record"} viewer={viewer} current="track-record">
      <h1>{store ? `Track record of ${store.name}` : "Track record"}</h1>
      <form class="filters" method="get" action={TRACK_RECORD_PATH} aria-label="Choose the store and the period">
        <div class="field">
          <label for="track-store">Store</label>
          <select id="track-store" name="store">
            {stores.map((option) => (
              <option value={option.code} selected={store?.code === option.code}>
                {`${option.code} · ${option.name}`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="track-from">From</label>
          <input id="track-from" type="date" name="from" value={asked.from ?? figures?.from ?? ""} />
        </div>
        <div class="field">
          <label for="track-to">To</label>
          <input id="track-to" type="date" name="to" value={asked.to ?? figures?.to ?? ""} />
        </div>
        <button class="button" type="submit">
          Show
        </button>
      </form>

      {figures === null ? (
        <p class="note">You have no stores to show.</p>
      ) : (
        <>
          <p class="note" role="status">
            <Day date={figures.from} />
            {" to "}
            <Day date={figures.to} />
            {`: ${plural(figures.mornings, "prediction")} of store-items kept, ${figures.settledMornings} of them with a known outcome.`}
          </p>

          <h2>Warnings: Shelfwatch against a reorder point</h2>
          <TableRegion id="rules" caption="Shelfwatch's alerts and a reorder-point rule on the same mornings" columns={["Figure", "Shelfwatch", "Reorder point"]} compact>
            {RULE_ROWS.map((row) => (
              <tr>
                <th scope="row">{row.label}</th>
                <td class="number">{row.value(figures.shelfwatch)}</td>
                <td class="number">{row.value(figures.reorderPoint)}</td>
              </tr>
            ))}
          </TableRegion>
          <p class="note">
            {`A warning is a run of consecutive mornings with an alert (or, for the reorder point, with on hand at or below the average of the last 28 days' sales times the lead time of ${plural(figures.leadDays, "day")}, plus safety stock for 90% service). It came true when the shelf ran out within the window its first morning's prediction was about. A stockout (the first day of a run of empty days) was warned in time when a warning started at least ${plural(figures.leadDays, "day")} before it and it fell within that warning's window.`}
          </p>

          <h2>Reliability</h2>
          <figure class="chart">
            <ReliabilityChart bands={figures.reliability} />
            <figcaption>Bars: share of mornings whose shelf ran out. Dark ticks: average predicted chance in the band.</figcaption>
          </figure>
          <TableRegion id="reliability" caption="Predictions by band of predicted chance, against what happened" columns={["Predicted chance", "Mornings", "Average prediction", "Ran out"]} compact>
            {figures.reliability.map((band) => (
              <tr>
                <th scope="row">{bandLabel(band)}</th>
                <td class="number">{band.mornings}</td>
                <td class="number">{band.meanPredicted === null ? <None /> : percent(band.meanPredicted)}</td>
                <td class="number">{band.ranOutShare === null ? <None /> : share(band.ranOutShare)}</td>
              </tr>
            ))}
          </TableRegion>
        </>
      )}
    </Layout>
  );
}

/** The item page's table of the item's own recent predictions against what happened. */
export function ItemPredictions({ predictions }: { predictions: TrackedMorning[] }) {
  if (predictions.length === 0) return <p>No predictions of this item have been kept yet.</p>;
  return (
    <TableRegion id="predictions" caption="Recent morning predictions and what happened" columns={["Morning", "Chance of running out", "By", "Alert", "Reorder point", "What happened"]} compact>
      {predictions.map((prediction) => (
        <tr>
          <th scope="row">
            <Day date={prediction.morning} />
          </th>
          <td class="number">{percent(prediction.probability)}</td>
          <td>
            <Day date={prediction.windowEnd} />
          </td>
          <td>{prediction.alerted ? "alert" : "no alert"}</td>
          <td>{prediction.reorderPointAlerted ? "reorder" : "no"}</td>
          <td>{prediction.ranOut === null ? "not known yet" : prediction.ranOut ? "ran out" : "lasted"}</td>
        </tr>
      ))}
    </TableRegion>
  );
}
