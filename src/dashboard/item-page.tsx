import type { AlertKind } from "../alerts/alert-types.js";
import type { Viewer } from "../http/sessions.js";
import { formatMeasure, formatQuantity } from "../sync/quantities.js";
import { ALERT_KIND_LABELS } from "../notify/alert-templates.js";
import { AlertActionForm, Day, Moment, NextDelivery, percent, TableRegion } from "./page-parts.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";
import { StockChart, type StockChartInput } from "./stock-chart.js";
import { ItemPredictions } from "./track-record-page.js";
import type { TrackedMorning } from "../alerts/track-record-figures.js";

export interface ItemAlertEvent {
  at: string;
  event: string;
  toState: string;
  cause: string;
  actor: string;
}

export interface ItemAlert {
  id: number;
  kind: AlertKind;
  state: string;
  openedAt: string;
  updatedAt: string;
  snoozedUntil: string | null;
  events: ItemAlertEvent[];
}

export interface ItemPageProps {
  viewer: Viewer;
  store: { code: string; name: string; timeZone: string };
  item: { sku: string; name: string | null; category: string | null; unit?: string };
  onHand: number;
  stockObservedAt: string;
  risk: {
    projectedStockoutDate: string | null;
    daysOfCover: number;
    probabilityBeforePromotionEnd: number | null;
    probabilityBeforeNextDelivery: number | null;
    quantityToLastPromotion: number | null;
    /** last day of the window an alert decides about (see forecast/shelf-risk) */
    decisionEnd: string;
  };
  /** what an alert is judged on */
  probability: number;
  promotion: { name?: string; startDate: string; endDate: string } | null;
  /** the multiplier promoted days are forecast with, and where it came from (see forecast/demand-model) */
  uplift: { multiplier: number; source: "item" | "planned" | "category" | "default"; prior: "planned" | "category" | "default" | null };
  nextDelivery: { date: string; quantity: number; source: "loaded" | "inferred" } | null;
  /** the replenishment learned from the item's receipts (null: too few receipts) */
  replenishment: { intervalDays: number } | null;
  chart: StockChartInput;
  alerts: ItemAlert[];
  subscribers: { restock: number; deals: number };
  /** the item's recent morning predictions, newest first */
  predictions: TrackedMorning[];
  snoozeHours: number;
  /** this page's own path, where the alert buttons come back to */
  path: string;
}

/** Where the promotion's multiplier came from, in a manager's words. */
function upliftExplanation(uplift: ItemPageProps["uplift"]): string {
  const prior = { planned: "the planned uplift", category: "its category's", default: "the default" } as const;
  switch (uplift.source) {
    case "item":
      return `the item's past promotions, weighed against ${uplift.prior ? prior[uplift.prior] : "the default"}`;
    case "planned":
      return "the planned uplift of this promotion; the item has too few past promotions to learn its own";
    case "category":
      return "its category's past promotions at this store";
    default:
      return "the default: nothing learned yet";
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function chance(probability: number | null): string {
  return probability === null ? "not applicable" : percent(probability);
}

function AlertActions({ alert, viewer, path, snoozeHours }: { alert: ItemAlert; viewer: Viewer; path: string; snoozeHours: number }) {
  if (alert.state === "resolved") return null;
  return (
    <div class="actions">
      {alert.state !== "acknowledged" ? (
        <AlertActionForm alertId={alert.id} action="acknowledge" viewer={viewer} next={path}>
          <button type="submit" class="button">
            Acknowledge alert
          </button>
        </AlertActionForm>
      ) : null}
      <AlertActionForm alertId={alert.id} action="snooze" viewer={viewer} next={path}>
        <input type="hidden" name="hours" value={String(snoozeHours)} />
        <button type="submit" class="button secondary">{`Snooze ${snoozeHours} hours`}</button>
      </AlertActionForm>
    </div>
  );
}

const EVENT_COLUMNS = ["When", "What", "Why", "By"];

/** One item at one store: what the forecast says, the picture, what to do, and the alerts it raised. */
export function ItemPage(props: ItemPageProps) {
  const { viewer, store, item, risk } = props;
  const name = item.name ?? item.sku;
  const advertised = props.promotion !== null;
  return (
    <Layout title={`${name} at ${store.name}`} viewer={viewer}>
      <p class="crumbs">
        <a href={`${DASHBOARD_PATH}?store=${encodeURIComponent(store.code)}`}>{`At risk at ${store.name}`}</a>
      </p>
      <h1>
        {name} <span class="sku">{`SKU ${item.sku}${item.category ? ` · ${item.category}` : ""} · ${store.name}`}</span>
      </h1>
      <dl class="facts">
        <div>
          <dt>On hand</dt>
          <dd>
            {formatMeasure(props.onHand, item.unit)} <span class="sku">{"as of "}<Moment at={props.stockObservedAt} timeZone={store.timeZone} /></span>
          </dd>
        </div>
        <div>
          <dt>Projected to run out</dt>
          <dd>
            <Day date={risk.projectedStockoutDate} />
          </dd>
        </div>
        <div>
          <dt>{advertised ? "Chance of running out before the ad ends" : "Chance of running out before an order placed today can land"}</dt>
          <dd>
            {percent(props.probability)}
            {advertised ? null : (
              <span class="sku">
                {" by "}
                <Day date={risk.decisionEnd} />
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Days of cover</dt>
          <dd>{risk.daysOfCover >= 100 ? "100+" : risk.daysOfCover.toFixed(1)}</dd>
        </div>
        <div>
          <dt>Promotion</dt>
          <dd>
            {props.promotion ? (
              <>
                {props.promotion.name ?? "Advertised"}, <Day date={props.promotion.startDate} /> to <Day date={props.promotion.endDate} />
                {`; sales expected ×${props.uplift.multiplier.toFixed(1)} (${upliftExplanation(props.uplift)})`}
              </>
            ) : (
              "none"
            )}
          </dd>
        </div>
        <div>
          <dt>Next delivery</dt>
          <dd>
            {props.nextDelivery ? (
              <NextDelivery {...props.nextDelivery} intervalDays={props.replenishment?.intervalDays} unit={item.unit} />
            ) : (
              "none expected"
            )}
          </dd>
        </div>
        {risk.quantityToLastPromotion !== null && risk.quantityToLastPromotion > 0 ? (
          <div class="todo">
            <dt>To last the promotion</dt>
            <dd>{`order or move ${formatQuantity(risk.quantityToLastPromotion, item.unit)}`}</dd>
          </div>
        ) : null}
      </dl>

      <figure class="chart">
        <StockChart input={props.chart} title={`Sales, forecast and stock of ${name} at ${store.name}`} />
        <figcaption>
          Bars: units sold per day (red: the shelf was empty part of the day). Blue line and band: expected sales and the range
          of 8 days in 10. Green line: stock on hand now and projected. Shaded: promotion. Triangles: expected deliveries.
        </figcaption>
      </figure>

      <h2>Alerts</h2>
      {props.alerts.length === 0 ? (
        <p>This item has raised no alerts at this store.</p>
      ) : (
        props.alerts.map((alert) => (
          <section class="alert" aria-labelledby={`alert-${alert.id}`}>
            <h3 id={`alert-${alert.id}`}>
              {`${capitalize(ALERT_KIND_LABELS[alert.kind])}: ${alert.state}`}
              {alert.state === "snoozed" && alert.snoozedUntil ? (
                <span class="sku">
                  {" until "}
                  <Moment at={alert.snoozedUntil} timeZone={store.timeZone} />
                </span>
              ) : null}
            </h3>
            <AlertActions alert={alert} viewer={viewer} path={props.path} snoozeHours={props.snoozeHours} />
            <TableRegion id={`alert-${alert.id}-history`} caption={`History of alert ${alert.id}`} columns={EVENT_COLUMNS} compact>
              {alert.events.map((event) => (
                <tr>
                  <td data-label={EVENT_COLUMNS[0]}>
                    <Moment at={event.at} timeZone={store.timeZone} />
                  </td>
                  <td data-label={EVENT_COLUMNS[1]}>{event.event}</td>
                  <td data-label={EVENT_COLUMNS[2]}>{event.cause}</td>
                  <td data-label={EVENT_COLUMNS[3]}>{event.actor}</td>
                </tr>
              ))}
            </TableRegion>
          </section>
        ))
      )}

      <h2>Past predictions</h2>
      <ItemPredictions predictions={props.predictions} />

      <h2>Customers waiting</h2>
      <p>{`${props.subscribers.restock} waiting for a restock notice, ${props.subscribers.deals} following its deals.`}</p>
    </Layout>
  );
}
