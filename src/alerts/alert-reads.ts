import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.js";
import { storeScope } from "../http/api-keys.js";
import type { AlertFigures, AlertKind, AlertState } from "./alert-types.js";

/** Alerts as people read them (API and dashboard): one query each, limited to the caller's stores. */

/** null: every store */
export type StoreIds = number[] | null;

export interface AlertRecord {
  id: number;
  storeId: number;
  storeCode: string;
  storeName: string;
  timeZone: string;
  /** null for store-wide alerts (a stale feed) */
  sku: string | null;
  itemName: string | null;
  kind: AlertKind;
  state: AlertState;
  urgent: boolean;
  figures: AlertFigures;
  /** instants as PostgreSQL writes them in JSON */
  openedAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  snoozedUntil: string | null;
  resolvedAt: string | null;
}

export interface AlertListFilter {
  storeIds: StoreIds;
  /** one store, already checked against storeIds */
  storeId?: number;
  /** "live" = open, acknowledged or snoozed */
  state?: AlertState | "live";
  kind?: AlertKind;
  sku?: string;
  /** alerts with a smaller id than this (the previous page's last id) */
  before?: number;
  limit: number;
}

export interface AlertEvent {
  at: string;
  event: string;
  fromState: string | null;
  toState: string;
  cause: string;
  actor: string;
  figures: AlertFigures;
}

export interface AlertEmail {
  id: number;
  alertId: number;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  lastError: string | null;
  messageId: string;
}

const ALERT_COLUMNS = sql`a.id, a.store_id, s.code as store_code, s.name as store_name, s.time_zone, i.sku, i.name as item_name,
  a.kind, a.state, a.urgent, a.figures,
  to_json(a.opened_at) #>> '{}' as opened_at, to_json(a.updated_at) #>> '{}' as updated_at,
  to_json(a.acknowledged_at) #>> '{}' as acknowledged_at, to_json(a.snoozed_until) #>> '{}' as snoozed_until,
  to_json(a.resolved_at) #>> '{}' as resolved_at`;

const ALERT_FROM = sql`alerts a join stores s on s.id = a.store_id left join items i on i.id = a.item_id`;

function scopeOf(storeIds: StoreIds) {
  return storeScope({ storeIds }, sql`a.store_id`);
}

/** jsonb arrives parsed from postgres.js and as text from some PGlite paths */
function parsedJson<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

function toAlertRecord(row: Record<string, unknown>): AlertRecord {
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    storeCode: String(row.store_code),
    storeName: String(row.store_name),
    timeZone: String(row.time_zone),
    sku: (row.sku as string | null) ?? null,
    itemName: (row.item_name as string | null) ?? null,
    kind: row.kind as AlertKind,
    state: row.state as AlertState,
    urgent: Boolean(row.urgent),
    figures: parsedJson<AlertFigures>(row.figures),
    openedAt: String(row.opened_at),
    updatedAt: String(row.updated_at),
    acknowledgedAt: (row.acknowledged_at as string | null) ?? null,
    snoozedUntil: (row.snoozed_until as string | null) ?? null,
    resolvedAt: (row.resolved_at as string | null) ?? null,
  };
}

/** Alerts of the given stores, newest first. */
export async function listAlerts(db: Database, filter: AlertListFilter): Promise<AlertRecord[]> {
  const stateFilter =
    filter.state === "live" ? sql`and a.state <> 'resolved'` : filter.state ? sql`and a.state = ${filter.state}` : sql``;
  const rows = await queryRows(
    db,
    sql`select ${ALERT_COLUMNS} from ${ALERT_FROM}
        where ${scopeOf(filter.storeIds)}
          ${filter.storeId === undefined ? sql`` : sql`and a.store_id = ${filter.storeId}`}
          ${stateFilter}
          ${filter.kind ? sql`and a.kind = ${filter.kind}` : sql``}
          ${filter.sku ? sql`and i.sku = ${filter.sku}` : sql``}
          ${filter.before ? sql`and a.id < ${filter.before}` : sql``}
        order by a.id desc
        limit ${filter.limit}`,
  );
  return rows.map(toAlertRecord);
}

/** One alert, or undefined when it does not exist or belongs to a store outside storeIds. */
export async function findAlert(db: Database, id: number, storeIds: StoreIds): Promise<AlertRecord | undefined> {
  const [row] = await queryRows(db, sql`select ${ALERT_COLUMNS} from ${ALERT_FROM} where a.id = ${id} and ${scopeOf(storeIds)}`);
  return row ? toAlertRecord(row) : undefined;
}

/** Every transition of an alert, oldest first. */
export async function listAlertHistory(db: Database, alert: { id: number; storeId: number }): Promise<AlertEvent[]> {
  const events = await queryRows(
    db,
    sql`select to_json(at) #>> '{}' as at, event, from_state, to_state, cause, figures, actor from alert_events
        where store_id = ${alert.storeId} and alert_id = ${alert.id} order by at, id`,
  );
  return events.map((e) => ({
    at: String(e.at),
    event: String(e.event),
    fromState: (e.from_state as string | null) ?? null,
    toState: String(e.to_state),
    cause: String(e.cause),
    actor: String(e.actor),
    figures: parsedJson<AlertFigures>(e.figures),
  }));
}

/** The emails the alerts produced (outbox rows by alert id), oldest first. */
export async function listAlertEmails(db: Database, alerts: Array<{ id: number; storeId: number }>): Promise<AlertEmail[]> {
  if (alerts.length === 0) return [];
  const storeIds = [...new Set(alerts.map((a) => a.storeId))];
  const alertIds = alerts.map((a) => a.id);
  const rows = await queryRows(
    db,
    sql`select o.id, told.alert_id, o.recipient, o.subject, o.status, o.attempts, to_json(o.created_at) #>> '{}' as created_at,
               to_json(o.sent_at) #>> '{}' as sent_at, o.last_error, o.message_id
        from outbox o
        -- an urgent email tells of every alert in alert_notices (one batched email, several alerts); older rows of one
        cross join lateral (
          select (notice ->> 'alertId')::int as alert_id from jsonb_array_elements(o.alert_notices) notice
          union select o.alert_id where o.alert_notices is null
        ) told
        where o.store_id in (select value::int from json_array_elements_text(${JSON.stringify(storeIds)}::json))
          and told.alert_id in (select value::int from json_array_elements_text(${JSON.stringify(alertIds)}::json))
        order by o.id, told.alert_id`,
  );
  // alert ids are unique across stores; the store ids only let the query use the outbox key
  return rows.map((m) => ({
    id: Number(m.id),
    alertId: Number(m.alert_id),
    recipient: String(m.recipient),
    subject: String(m.subject),
    status: String(m.status),
    attempts: Number(m.attempts),
    createdAt: String(m.created_at),
    sentAt: (m.sent_at as string | null) ?? null,
    lastError: (m.last_error as string | null) ?? null,
    messageId: String(m.message_id),
  }));
}
