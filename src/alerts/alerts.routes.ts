import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../app-env.js";
import { requireApiKey, visibleStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import { jsonBody, validate } from "../http/validation.js";
import { findAlert, listAlertEmails, listAlertHistory, listAlerts, type AlertRecord } from "./alert-reads.js";
import { actOnAlert, AlertActionError, type ManualAction } from "./alert-writes.js";
import { MAX_SNOOZE_HOURS, alertIdParam, alertListQuerySchema, resolveBodySchema, snoozeBodySchema } from "./alerts.schemas.js";

/** The API's view of an alert: the store by its code. */
function present(alert: AlertRecord) {
  return {
    id: alert.id,
    store: alert.storeCode,
    sku: alert.sku,
    itemName: alert.itemName,
    kind: alert.kind,
    state: alert.state,
    urgent: alert.urgent,
    figures: alert.figures,
    openedAt: alert.openedAt,
    updatedAt: alert.updatedAt,
    acknowledgedAt: alert.acknowledgedAt,
    snoozedUntil: alert.snoozedUntil,
    resolvedAt: alert.resolvedAt,
  };
}

/** Alerts: list, read with their history and emails, acknowledge, snooze, resolve. */
export function alertRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const router = new Hono<AppEnv & { Variables: { apiKey: ApiKeyPrincipal } }>();
  router.use("/alerts/*", requireApiKey(db));
  router.use("/alerts", requireApiKey(db));

  router.get("/alerts", validate("query", alertListQuerySchema), async (c) => {
    const query = c.req.valid("query");
    const apiKey = c.get("apiKey");
    const store = query.store ? await visibleStore(db, apiKey, query.store) : undefined;
    const rows = await listAlerts(db, {
      storeIds: apiKey.storeIds,
      storeId: store?.id,
      state: query.state,
      kind: query.kind,
      sku: query.sku,
      before: query.before,
      limit: query.limit,
    });
    const alerts = rows.map(present);
    return c.json({ alerts, nextBefore: alerts.length === query.limit ? alerts.at(-1)!.id : null });
  });

  router.get("/alerts/:id", validate("param", alertIdParam), async (c) => {
    const { id } = c.req.valid("param");
    const alert = await findAlert(db, id, c.get("apiKey").storeIds);
    if (!alert) throw new AppError({ code: "not_found", detail: `no alert ${id}` });
    const history = await listAlertHistory(db, alert);
    const emails = await listAlertEmails(db, [alert]);
    return c.json({
      ...present(alert),
      history,
      emails: emails.map(({ alertId: _alertId, ...email }) => email),
    });
  });

  const act = async (apiKey: ApiKeyPrincipal, id: number, action: ManualAction) => {
    try {
      return await actOnAlert(db, id, action, { now: clock.now(), actor: `api key ${apiKey.name}`, storeIds: apiKey.storeIds });
    } catch (error) {
      if (error instanceof AlertActionError) {
        throw new AppError({ code: error.reason === "not_found" ? "not_found" : "conflict", detail: error.message });
      }
      throw error;
    }
  };
  const answer = (transition: Awaited<ReturnType<typeof act>>) => ({
    id: transition.alertId,
    state: transition.toState,
    event: transition.event,
    at: transition.at.toISOString(),
  });

  router.post("/alerts/:id/acknowledge", validate("param", alertIdParam), async (c) => {
    return c.json(answer(await act(c.get("apiKey"), c.req.valid("param").id, { type: "acknowledge" })));
  });

  router.post("/alerts/:id/snooze", validate("param", alertIdParam), jsonBody(snoozeBodySchema, { maxBytes: 4096 }), async (c) => {
    const body = c.req.valid("json");
    const now = clock.now();
    const until = body.until ? new Date(body.until) : new Date(now.getTime() + body.hours! * 3600_000);
    if (until.getTime() <= now.getTime()) {
      throw new AppError({ code: "validation_failed", detail: "snooze until a time in the future", errors: [{ field: "until", reason: "is not in the future" }] });
    }
    // as far as hours may reach: a snooze without an end would hide a worsening alert for good
    if (until.getTime() > now.getTime() + MAX_SNOOZE_HOURS * 3600_000) {
      throw new AppError({
        code: "validation_failed",
        detail: `snooze for at most ${MAX_SNOOZE_HOURS / 24} days`,
        errors: [{ field: "until", reason: `is more than ${MAX_SNOOZE_HOURS / 24} days ahead` }],
      });
    }
    return c.json(answer(await act(c.get("apiKey"), c.req.valid("param").id, { type: "snooze", until })));
  });

  router.post("/alerts/:id/resolve", validate("param", alertIdParam), jsonBody(resolveBodySchema, { maxBytes: 4096 }), async (c) => {
    const { reason } = c.req.valid("json");
    return c.json(answer(await act(c.get("apiKey"), c.req.valid("param").id, { type: "resolve", ...(reason ? { cause: reason } : {}) })));
  });

  return router;
}
