import { and, eq, ne } from "drizzle-orm";
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

/** Writes the planned changes and their events; returns what happened, for the notifier. */
export async function applyAlertChanges(
  tx: Executor,
  context: { storeId: number; now: Date; actor: string },
  changes: AlertChange[],
): Promise<AlertTransition[]> {
  const { storeId, now, actor } = context;
  const transitions: AlertTransition[] = [];
  const record = async (
    alert: { id: number; itemId: number | null; kind: AlertKind; urgent: boolean },
    event: AlertEventKind,
    fromState: AlertState | null,
    toState: AlertState,
    figures: AlertFigures,
    previousFigures: AlertFigures | null,
    cause: string,
    notify: boolean,
  ) => {
    const [row] = await tx
      .insert(alertEvents)
      .values({ storeId, alertId: alert.id, at: now, event, fromState, toState, cause, figures, actor })
      .returning({ id: alertEvents.id });
    transitions.push({ alertId: alert.id, eventId: row!.id, storeId, itemId: alert.itemId, kind: alert.kind, event, fromState, toState, urgent: alert.urgent, notify, figures, previousFigures, cause, at: now });
  };
  for (const change of changes) {
    switch (change.type) {
      case "open": {
        const [row] = await tx
          .insert(alerts)
          .values({ storeId, itemId: change.itemId, kind: change.kind, state: "open", urgent: change.urgent, figures: change.figures, notifiedFigures: change.figures, openedAt: now, updatedAt: now })
          .returning({ id: alerts.id });
        const alert = { id: row!.id, itemId: change.itemId, kind: change.kind, urgent: change.urgent };
        await record(alert, "opened", null, "open", change.figures, null, change.cause, change.urgent);
        break;
      }
      case "escalate": {
        await tx
          .update(alerts)
          .set({ figures: change.figures, notifiedFigures: change.figures, updatedAt: now })
          .where(and(eq(alerts.storeId, storeId), eq(alerts.id, change.alert.id)));
        const { alert } = change;
        await record(alert, "escalated", alert.state, alert.state, change.figures, alert.notifiedFigures, change.cause, change.notify && alert.urgent);
        break;
      }
      case "update":
        // figures drift every sweep; only transitions are events
        await tx
          .update(alerts)
          .set({ figures: change.figures, updatedAt: now })
          .where(and(eq(alerts.storeId, storeId), eq(alerts.id, change.alert.id)));
        break;
      case "resolve": {
        await tx
          .update(alerts)
          .set({ state: "resolved", figures: change.figures, resolvedAt: now, updatedAt: now })
          .where(and(eq(alerts.storeId, storeId), eq(alerts.id, change.alert.id)));
        await record(change.alert, "resolved", change.alert.state, "resolved", change.figures, change.alert.figures, change.cause, false);
        break;
      }
      case "unsnooze": {
        await tx
          .update(alerts)
          .set({ state: "open", snoozedUntil: null, updatedAt: now })
          .where(and(eq(alerts.storeId, storeId), eq(alerts.id, change.alert.id)));
        await record(change.alert, "unsnoozed", "snoozed", "open", change.alert.figures, null, change.cause, false);
        break;
      }
    }
  }
  return transitions;
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
    const [event] = await tx
      .insert(alertEvents)
      .values({ storeId: row.storeId, alertId, at: now, event: toState === "acknowledged" ? "acknowledged" : toState, fromState: alert.state, toState, cause, figures: alert.figures, actor })
      .returning({ id: alertEvents.id });
    return {
      alertId,
      eventId: event!.id,
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
    };
  });
}
