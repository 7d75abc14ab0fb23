import { Hono, type Context } from "hono";
import { z } from "zod";
import { isFeedStale } from "../alerts/alert-lifecycle.js";
import { listAlertEmails, listAlerts } from "../alerts/alert-reads.js";
import { ALERT_KINDS } from "../alerts/alert-types.js";
import { actOnAlert, AlertActionError, type ManualAction } from "../alerts/alert-writes.js";
import { alertIdParam, MAX_SNOOZE_HOURS } from "../alerts/alerts.schemas.js";
import type { AppDeps } from "../app-env.js";
import { validate } from "../http/validation.js";
import { countSubscribersByItem } from "../subscriptions/subscriber-counts.js";
import { findImportBatch, listImportBatches } from "../sync/import-batches.js";
import { rejectedRowsCsv } from "../sync/import-export.js";
import { ALERT_STATE_FILTERS, ALERTS_PATH, AlertsPage } from "./alerts-page.js";
import { returnPathField, safeReturnPath, type DashboardEnv } from "./dashboard-auth.js";
import { ImportsPage, type ImportRow } from "./imports-page.js";
import { DASHBOARD_SECURITY_HEADERS, ErrorPage, renderPage } from "./layout.js";
import { SubscribersPage } from "./subscribers-page.js";
import { filterStores, visibleStores, type VisibleStore } from "./viewer-stores.js";

/** rows on the alerts and subscribers pages; more is a note asking to filter, not a longer page */
export const ALERT_ROW_CAP = 200;
export const SUBSCRIBER_ROW_CAP = 200;
/** imports listed: the newest */
export const IMPORT_ROW_CAP = 50;
/** a select's "all" option sends an empty value */
const emptyAsMissing = (value: unknown) => (value === "" ? undefined : value);

const alertsQuery = z.object({
  store: z.preprocess(emptyAsMissing, z.string().trim().max(100).optional()),
  state: z.preprocess(emptyAsMissing, z.enum(ALERT_STATE_FILTERS).default("live")),
  kind: z.preprocess(emptyAsMissing, z.enum(ALERT_KINDS).optional()),
});

/** a serial id: anything larger cannot exist (and would not fit the column) */
const importIdParam = z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) });

const acknowledgeForm = z.object({ next: returnPathField });
const snoozeForm = z.object({
  next: returnPathField,
  hours: z.preprocess(emptyAsMissing, z.coerce.number().int().min(1).max(MAX_SNOOZE_HOURS).optional()),
});

/** The stores an import may hold, and the time zone to show its times in: the stores' own when they share one. */
/** The stores a batch's rows named when it recorded them, else those its key was limited to (null: any store). */
function describeBatchStores(
  batch: { storeIds: number[] | null; keyStoreIds: number[] | null },
  visible: VisibleStore[],
): Pick<ImportRow, "storeCodes" | "timeZone"> {
  const named = batch.storeIds !== null && batch.storeIds.length > 0 ? batch.storeIds : batch.keyStoreIds;
  const stores = named === null ? visible : visible.filter((store) => named.includes(store.id));
  const zones = new Set(stores.map((store) => store.timeZone));
  return {
    storeCodes: named === null ? null : stores.map((store) => store.code),
    timeZone: zones.size === 1 ? [...zones][0]! : "UTC",
  };
}

/** The operations pages of the dashboard: alerts (with acknowledge and snooze), imports and feeds, subscriber counts. */
export function operationsRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const router = new Hono<DashboardEnv>();

  router.get("/alerts", validate("query", alertsQuery), async (c) => {
    const viewer = c.get("viewer");
    const query = c.req.valid("query");
    const { visible, storeIds, store, message } = await filterStores(db, viewer, query.store);
    const alerts =
      storeIds.length === 0
        ? []
        : await listAlerts(db, {
            storeIds,
            state: query.state === "all" ? undefined : query.state,
            kind: query.kind,
            limit: ALERT_ROW_CAP + 1,
          });
    const shown = alerts.slice(0, ALERT_ROW_CAP);
    const emails = await listAlertEmails(db, shown);
    const url = new URL(c.req.url);
    return renderPage(
      c,
      <AlertsPage
        viewer={viewer}
        stores={visible}
        filters={{ store: store?.code, state: query.state, kind: query.kind }}
        alerts={shown}
        emails={emails}
        capped={alerts.length > ALERT_ROW_CAP}
        cap={ALERT_ROW_CAP}
        snoozeHours={config.SNOOZE_HOURS}
        path={safeReturnPath(url.pathname + url.search) ?? ALERTS_PATH}
        message={message}
      />,
      message ? 404 : 200,
    );
  });

  /** Acknowledges or snoozes as the signed-in person, then goes back where the button was. */
  const act = async (c: Context<DashboardEnv>, id: number, action: ManualAction, next: string | undefined) => {
    const viewer = c.get("viewer");
    try {
      await actOnAlert(db, id, action, { now: clock.now(), actor: `dashboard: ${viewer.email}`, storeIds: viewer.storeIds });
    } catch (error) {
      if (!(error instanceof AlertActionError)) throw error;
      if (error.reason === "not_found") {
        return renderPage(c, <ErrorPage title="Alert not found" message={`There is no alert ${id} among your stores.`} viewer={viewer} />, 404);
      }
      return renderPage(
        c,
        <ErrorPage
          title="This alert is already resolved"
          message={`Alert ${id} was resolved before your ${action.type === "acknowledge" ? "acknowledgement" : "snooze"} arrived: the problem went away or someone closed it. Nothing was changed.`}
          viewer={viewer}
        />,
        409,
      );
    }
    c.get("log").info({ userId: viewer.userId, alertId: id, action: action.type }, "dashboard alert action");
    return c.redirect(next ?? ALERTS_PATH, 303);
  };

  router.post("/alerts/:id/acknowledge", validate("param", alertIdParam), async (c) => {
    const form = acknowledgeForm.parse(await c.req.parseBody());
    return act(c, c.req.valid("param").id, { type: "acknowledge" }, form.next);
  });

  router.post("/alerts/:id/snooze", validate("param", alertIdParam), async (c) => {
    const form = snoozeForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      const message = `Snooze for a whole number of hours from 1 to ${MAX_SNOOZE_HOURS}. Nothing was changed.`;
      return renderPage(c, <ErrorPage title="Snooze not accepted" message={message} viewer={c.get("viewer")} />, 422);
    }
    const hours = form.data.hours ?? config.SNOOZE_HOURS;
    const until = new Date(clock.now().getTime() + hours * 3600_000);
    return act(c, c.req.valid("param").id, { type: "snooze", until }, form.data.next);
  });

  router.get("/imports", async (c) => {
    const viewer = c.get("viewer");
    const visible = await visibleStores(db, viewer);
    const now = clock.now();
    const batches = await listImportBatches(db, { storeIds: viewer.storeIds, limit: IMPORT_ROW_CAP });
    return renderPage(
      c,
      <ImportsPage
        viewer={viewer}
        feeds={visible.map((store) => ({ ...store, stale: isFeedStale(store, now) }))}
        imports={batches.map((batch) => ({ ...batch, ...describeBatchStores(batch, visible) }))}
        cap={IMPORT_ROW_CAP}
      />,
    );
  });

  router.get("/imports/:id/rejected.csv", validate("param", importIdParam), async (c) => {
    const viewer = c.get("viewer");
    const { id } = c.req.valid("param");
    const batch = await findImportBatch(db, id, viewer.storeIds);
    if (!batch) {
      return renderPage(c, <ErrorPage title="Import not found" message={`There is no import ${id} for your stores.`} viewer={viewer} />, 404);
    }
    const csv = await rejectedRowsCsv(db, batch.id);
    return c.body(csv, 200, {
      ...DASHBOARD_SECURITY_HEADERS,
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="import-${batch.id}-rejected.csv"`,
    });
  });

  router.get("/subscribers", async (c) => {
    const viewer = c.get("viewer");
    const rows = await countSubscribersByItem(db, { storeIds: viewer.storeIds, limit: SUBSCRIBER_ROW_CAP + 1 });
    return renderPage(
      c,
      <SubscribersPage viewer={viewer} rows={rows.slice(0, SUBSCRIBER_ROW_CAP)} capped={rows.length > SUBSCRIBER_ROW_CAP} cap={SUBSCRIBER_ROW_CAP} />,
    );
  });

  return router;
}
