import type { AlertEmail, AlertRecord } from "../alerts/alert-reads.js";
import { ALERT_KINDS, type AlertKind } from "../alerts/alert-types.js";
import type { Viewer } from "../http/sessions.js";
import { ALERT_KIND_LABELS } from "../notify/alert-templates.js";
import { itemPath } from "./at-risk-page.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";
import { AlertActionForm, Day, FilterForm, FilterMessage, ListStatus, Moment, None, percent, StoreCell, StoreSelect, TableRegion } from "./page-parts.js";

export const ALERT_STATE_FILTERS = ["live", "open", "acknowledged", "snoozed", "resolved", "all"] as const;
export type AlertStateFilter = (typeof ALERT_STATE_FILTERS)[number];

const STATE_FILTER_LABELS: Record<AlertStateFilter, string> = {
  live: "Live (not resolved)",
  open: "Open",
  acknowledged: "Acknowledged",
  snoozed: "Snoozed",
  resolved: "Resolved",
  all: "All",
};

export const ALERTS_PATH = `${DASHBOARD_PATH}/alerts`;

export interface AlertsFilters {
  store?: string;
  state: AlertStateFilter;
  kind?: AlertKind;
}

interface AlertsPageProps {
  viewer: Viewer;
  stores: Array<{ code: string; name: string }>;
  filters: AlertsFilters;
  alerts: AlertRecord[];
  emails: AlertEmail[];
  capped: boolean;
  cap: number;
  snoozeHours: number;
  /** this page with its filters: where the buttons come back to */
  path: string;
  message?: string;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function kindLabel(kind: AlertKind): string {
  return capitalize(ALERT_KIND_LABELS[kind]);
}

function what(alert: AlertRecord): string {
  return alert.sku === null ? `${kindLabel(alert.kind)} at ${alert.storeCode}` : `${alert.itemName ?? alert.sku} at ${alert.storeCode}`;
}

function AlertSubject({ alert }: { alert: AlertRecord }) {
  if (alert.sku === null) {
    return (
      <>
        {"Whole store"}
        <span class="sku">{alert.storeName}</span>
      </>
    );
  }
  return (
    <>
      <a href={itemPath(alert.storeCode, alert.sku)}>{alert.itemName ?? alert.sku}</a>
      <span class="sku">{`SKU ${alert.sku}`}</span>
    </>
  );
}

function StateCell({ alert }: { alert: AlertRecord }) {
  const zone = alert.timeZone;
  switch (alert.state) {
    case "open":
      return <>Open</>;
    case "acknowledged":
      return (
        <>
          {"Acknowledged "}
          <Moment at={alert.acknowledgedAt} timeZone={zone} />
        </>
      );
    case "snoozed":
      return (
        <>
          {"Snoozed until "}
          <Moment at={alert.snoozedUntil} timeZone={zone} />
        </>
      );
    case "resolved":
      return (
        <>
          {"Resolved "}
          <Moment at={alert.resolvedAt} timeZone={zone} />
        </>
      );
  }
}

function EmailList({ emails, timeZone }: { emails: AlertEmail[]; timeZone: string }) {
  if (emails.length === 0) return <None word="no emails" />;
  return (
    <ul class="plain emails">
      {emails.map((email) => (
        <li>
          {email.recipient}
          <span class="sku">{email.subject}</span>
          <span class="sku">
            {email.status === "sent" ? (
              <>
                {"Sent "}
                <Moment at={email.sentAt} timeZone={timeZone} />
              </>
            ) : email.status === "failed" ? (
              `Failed after ${email.attempts} ${email.attempts === 1 ? "attempt" : "attempts"}`
            ) : (
              "Waiting to be sent"
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

function AlertButtons({ alert, viewer, path, snoozeHours }: { alert: AlertRecord; viewer: Viewer; path: string; snoozeHours: number }) {
  if (alert.state === "resolved") return <None word="no actions: resolved" />;
  const about = ` alert: ${what(alert)}`;
  return (
    <div class="actions">
      {alert.state !== "acknowledged" ? (
        <AlertActionForm alertId={alert.id} action="acknowledge" viewer={viewer} next={path}>
          <button type="submit" class="button">
            Acknowledge<span class="sr-only">{about}</span>
          </button>
        </AlertActionForm>
      ) : null}
      <AlertActionForm alertId={alert.id} action="snooze" viewer={viewer} next={path}>
        <label for={`snooze-hours-${alert.id}`}>
          Hours<span class="sr-only">{` to snooze the${about}`}</span>
        </label>
        <input id={`snooze-hours-${alert.id}`} type="number" name="hours" min="1" max="720" step="1" value={String(snoozeHours)} required />
        <button type="submit" class="button secondary">
          Snooze<span class="sr-only">{about}</span>
        </button>
      </AlertActionForm>
    </div>
  );
}

const ALERT_COLUMNS = ["Item", "Store", "Kind", "State", "On hand", "Chance of running out", "Projected stockout", "Promotion ends", "Opened, updated", "Emails", "Actions"];

/** The alerts of the viewer's stores, newest first, with what each sent and buttons to acknowledge or snooze. */
export function AlertsPage({ viewer, stores, filters, alerts, emails, capped, cap, snoozeHours, path, message }: AlertsPageProps) {
  const scope = filters.store ?? (stores.length === 1 ? stores[0]!.code : "your stores");
  const stateWords = filters.state === "all" ? "" : ` ${STATE_FILTER_LABELS[filters.state].toLowerCase()}`;
  return (
    <Layout title="Alerts" viewer={viewer} current="alerts">
      <h1>Alerts</h1>
      <FilterForm action={ALERTS_PATH} label="Filter alerts">
        <StoreSelect stores={stores} selected={filters.store} />
        <div class="field">
          <label for="filter-state">State</label>
          <select id="filter-state" name="state">
            {ALERT_STATE_FILTERS.map((state) => (
              <option value={state} selected={filters.state === state}>
                {STATE_FILTER_LABELS[state]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-kind">Kind</label>
          <select id="filter-kind" name="kind">
            <option value="" selected={filters.kind === undefined}>
              All kinds
            </option>
            {ALERT_KINDS.map((kind) => (
              <option value={kind} selected={filters.kind === kind}>
                {kindLabel(kind)}
              </option>
            ))}
          </select>
        </div>
      </FilterForm>

      <FilterMessage message={message} />

      <ListStatus
        count={alerts.length}
        capped={capped}
        empty="No alerts for these filters."
        cappedText={`Showing the newest ${cap} alerts; more match. Narrow the list with the filters above.`}
        countText={`${alerts.length} ${alerts.length === 1 ? "alert" : "alerts"}.`}
      />

      {alerts.length > 0 ? (
        <TableRegion
          id="alerts"
          caption={`${capitalize(`${stateWords} alerts`.trim())} at ${scope}, newest first; times in each store's time zone`}
          columns={ALERT_COLUMNS}
        >
          {alerts.map((alert) => {
            const { figures } = alert;
            return (
              <tr id={`alert-${alert.id}`}>
                <th scope="row">
                  <AlertSubject alert={alert} />
                </th>
                <td data-label={ALERT_COLUMNS[1]}>
                  <StoreCell store={{ code: alert.storeCode, name: alert.storeName }} />
                </td>
                <td data-label={ALERT_COLUMNS[2]}>
                  {kindLabel(alert.kind)}
                  {alert.kind === "stale_feed" && figures.feedLastSeenAt ? (
                    <span class="sku">
                      {"Last data "}
                      <Moment at={figures.feedLastSeenAt} timeZone={alert.timeZone} />
                    </span>
                  ) : null}
                  {alert.urgent ? <span class="badge">Urgent</span> : null}
                </td>
                <td data-label={ALERT_COLUMNS[3]} class="lead">
                  <StateCell alert={alert} />
                </td>
                <td data-label={ALERT_COLUMNS[4]} class="number">{figures.onHand === null ? <None /> : figures.onHand}</td>
                <td data-label={ALERT_COLUMNS[5]} class="number lead">{figures.probability === null ? <None /> : percent(figures.probability)}</td>
                <td data-label={ALERT_COLUMNS[6]} class="lead">
                  <Day date={figures.projectedStockoutDate} />
                </td>
                <td data-label={ALERT_COLUMNS[7]}>
                  <Day date={figures.promotionEnd} />
                  {figures.promotionName && figures.promotionEnd ? <span class="sku">{figures.promotionName}</span> : null}
                </td>
                <td data-label={ALERT_COLUMNS[8]}>
                  <Moment at={alert.openedAt} timeZone={alert.timeZone} />
                  <span class="sku">
                    {"updated "}
                    <Moment at={alert.updatedAt} timeZone={alert.timeZone} />
                  </span>
                </td>
                <td data-label={ALERT_COLUMNS[9]}>
                  <EmailList emails={emails.filter((email) => email.alertId === alert.id)} timeZone={alert.timeZone} />
                </td>
                <td data-label={ALERT_COLUMNS[10]}>
                  <AlertButtons alert={alert} viewer={viewer} path={path} snoozeHours={snoozeHours} />
                </td>
              </tr>
            );
          })}
        </TableRegion>
      ) : null}
    </Layout>
  );
}
