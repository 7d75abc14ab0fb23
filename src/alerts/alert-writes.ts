import { and, eq, ne, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { alertEvents, alerts } from "../db/schema/index.js";
import type { AlertChange, LiveAlert } from "./alert-lifecycle.js";
import type { AlertEventKind, AlertFigures, AlertKind, AlertState } from "./alert-types.js";

/** One recorded transition, as the notifier sees it. */
export interface AlertTransition {
  alertId: number;
  eventId: number;
  storeId: number;
  itemId: number | null;
  kind: AlertKind;
  event: AlertEventKind;
  fromState: AlertState | null;
  toState: AlertState;
  urgent: boolean;
  /** recipients should hear about it now (an urgent alert opened, or an open urgent alert got worse) */
  notify: boolean;
  figures: AlertFigures;
  previousFigures: AlertFigures | null;
  cause: string;
  at: Date;
}

type Executor = Database;

export async function loadLiveAlerts(db: Executor, storeId: number): Promise<LiveAlert[]> {
  const rows = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.storeId, storeId), ne(alerts.state, "resolved")));
  return rows.map(toLiveAlert);
}

export function toLiveAlert(row: typeof alerts.$inferSelect): LiveAlert {
  return {
    id: row.id,
    itemId: row.itemId,
    kind: row.kind as AlertKind,
    state: row.state as LiveAlert["state"],
    urgent: row.urgent,
    figures: row.figures,
    notifiedFigures: row.notifiedFigures,
    snoozedUntil: row.snoozedUntil,
  };
}

/** Rows per multi-row statement: well under PostgreSQL's 65,535 parameters at a dozen columns a row. */
const WRITE_CHUNK = 1000;

function chunks<T>(rows: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) result.push(rows.slice(i, i + WRITE_CHUNK));
  return result;
}

/**
 * Writes the planned changes and their events; returns what happened, for the notifier. Opening alerts, the figure
 * updates every sweep makes and the events are written a thousand rows to a statement: a first sweep of a large store
 * opens thousands of alerts, and a statement each made the sweep's writes its slowest part (npm run bench:sweep).
 */
export async function applyAlertChanges(
  tx: Executor,
  context: { storeId: number; now: Date; actor: string },
  changes: AlertChange[],
): Promise<AlertTransition[]> {
  const { storeId, now, actor } = context;
  type Pending = Omit<AlertTransition, "eventId">;
  const pending: Pending[] = [];
  const record = (
    alert: { id: number; itemId: number | null; kind: AlertKind; urgent: boolean },
    event: AlertEventKind,
    fromState: AlertState | null,
    toState: AlertState,
    figures: AlertFigures,
    previousFigures: AlertFigures | null,
    cause: string,
    notify: boolean,
  ) => {
    pending.push({ alertId: alert.id, storeId, itemId: alert.itemId, kind: alert.kind, event, fromState, toState, urgent: alert.urgent, notify, figures, previousFigures, cause, at: now });
  };

  // one live alert per store, item and kind (the partial unique index): that pair names each new row
  const opens = changes.flatMap((change) => (change.type === "open" ? [change] : []));
  const openedIds = new Map<string, number>();
  for (const chunk of chunks(opens)) {
    const rows = await tx
      .insert(alerts)
      .values(chunk.map((change) => ({ storeId, itemId: change.itemId, kind: change.kind, state: "open", urgent: change.urgent, figures: change.figures, notifiedFigures: change.figures, openedAt: now, updatedAt: now })))
      .returning({ id: alerts.id, itemId: alerts.itemId, kind: alerts.kind });
    for (const row of rows) openedIds.set(`${row.itemId ?? 0}:${row.kind}`, row.id);
  }
  const updates = changes.flatMap((change) => (change.type === "update" ? [{ id: change.alert.id, figures: change.figures }] : []));
  for (const chunk of chunks(updates)) {
    await tx.execute(
      sql`update alerts a set figures = u.figures, updated_at = ${now.toISOString()}::timestamptz
          from json_to_recordset(${JSON.stringify(chunk)}::json) as u(id int, figures jsonb)
          where a.store_id = ${storeId} and a.id = u.id`,
    );
  }

  for (const change of changes) {
    switch (change.type) {
      case "open": {
        const alert = { id: openedIds.get(`${change.itemId ?? 0}:${change.kind}`)!, itemId: change.itemId, kind: change.kind, urgent: change.urgent };
        record(alert, "opened", null, "open", change.figures, null, change.cause, change.urgent);
        break;
      }
      case "escalate": {
        await tx
          .update(alerts)
          .set({ figures: change.figures, notifiedFigures: change.figures, updatedAt: now })
          .where(and(eq(alerts.storeId, storeId), eq(alerts.id, change.alert.id)));
        const { alert } = change;
        record(alert, "escalated", alert.state, alert.state, change.figures, alert.notifiedFigures, change.cause, change.notify && alert.urgent);
        break;
      }
      case "update":
        // figures drift every sweep (written above); only transitions are events
        break;
      case "resolve": {
        await tx
          .update(alerts)
          .set({ state: "resolved", figures: change.figures, resolvedAt: now, updatedAt: now })
          .where(and(eq(alerts.storeId, storeId), eq(alerts.id, change.alert.id)));
        record(change.alert, "resolved", change.alert.state, "resolved", change.figures, change.alert.figures, change.cause, false);
        break;
      }
      case "unsnooze": {
        await tx
          .update(alerts)
          .set({ state: "open", snoozedUntil: null, updatedAt: now })
          .where(and(eq(alerts.storeId, storeId), eq(alerts.id, change.alert.id)));
        record(change.alert, "unsnoozed", "snoozed", "open", change.alert.figures, null, change.cause, false);
        break;
      }
    }
  }

  return recordEvents(tx, actor, pending);
}

/**
 * Writes the events of transitions, in their order, a thousand to a statement. An alert has at most one event of a
 * kind per batch, which names each returned row.
 */
async function recordEvents(tx: Executor, actor: string, pending: Array<Omit<AlertTransition, "eventId">>): Promise<AlertTransition[]> {
  const eventIds = new Map<string, number>();
  for (const chunk of chunks(pending)) {
    const rows = await tx
      .insert(alertEvents)
      .values(chunk.map((t) => ({ storeId: t.storeId, alertId: t.alertId, at: t.at, event: t.event, fromState: t.fromState, toState: t.toState, cause: t.cause, figures: t.figures, actor })))
      .returning({ id: alertEvents.id, alertId: alertEvents.alertId, event: alertEvents.event });
    for (const row of rows) eventIds.set(`${row.alertId}:${row.event}`, row.id);
  }
  return pending.map((t) => ({ ...t, eventId: eventIds.get(`${t.alertId}:${t.event}`)! }));
}

export type ManualAction = { type: "acknowledge" } | { type: "snooze"; until: Date } | { type: "resolve"; cause?: string };

export class AlertActionError extends Error {
  constructor(
    readonly reason: "not_found" | "resolved",
    message: string,
  ) {
    super(message);
  }
}

/**
 * A person acknowledges, snoozes or resolves an alert (API or email link). Acknowledged and snoozed alerts stay live
 * (the sweep still follows and resolves them) but send no more urgent email.
 */
export async function actOnAlert(
  db: Database,
  alertId: number,
  action: ManualAction,
  context: { now: Date; actor: string; storeIds?: number[] | null },
): Promise<AlertTransition> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(alerts)
      .where(eq(alerts.id, alertId))
      .for("update");
    if (!row || (context.storeIds && !context.storeIds.includes(row.storeId))) throw new AlertActionError("not_found", `no alert ${alertId}`);
    if (row.state === "resolved") throw new AlertActionError("resolved", `alert ${alertId} is already resolved`);
    const alert = toLiveAlert(row);
    const { now, actor } = context;
    const toState: AlertState = action.type === "acknowledge" ? "acknowledged" : action.type === "snooze" ? "snoozed" : "resolved";
    await tx
      .update(alerts)
      .set({
        state: toState,
        updatedAt: now,
        ...(action.type === "acknowledge" ? { acknowledgedAt: now, snoozedUntil: null } : {}),
        ...(action.type === "snooze" ? { snoozedUntil: action.until } : {}),
        ...(action.type === "resolve" ? { resolvedAt: now } : {}),
      })
      .where(and(eq(alerts.storeId, row.storeId), eq(alerts.id, alertId)));
    const cause =
      action.type === "acknowledge"
        ? `acknowledged by ${actor}`
        : action.type === "snooze"
          ? `snoozed by ${actor} until ${action.until.toISOString()}`
          : (action.cause ?? `resolved by ${actor}`);
    const [transition] = await recordEvents(tx as unknown as Executor, actor, [
      {
        alertId,
        storeId: row.storeId,
        itemId: row.itemId,
        kind: alert.kind,
        event: toState as AlertEventKind,
        fromState: alert.state,
        toState,
        urgent: alert.urgent,
        notify: false,
        figures: alert.figures,
        previousFigures: null,
        cause,
        at: now,
      },
    ]);
    return transition!;
  });
}
