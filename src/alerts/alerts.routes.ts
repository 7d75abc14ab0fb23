import { sql } from "drizzle-orm";
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../app-env.js";
import { queryRows } from "../db/client.js";
import { requireApiKey, storeScope, visibleStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import { jsonBody, validate } from "../http/validation.js";
import { actOnAlert, AlertActionError, type ManualAction } from "./alert-writes.js";
import { alertIdParam, alertListQuerySchema, resolveBodySchema, snoozeBodySchema } from "./alerts.schemas.js";

const ALERT_COLUMNS = sql`a.id, s.code as store, i.sku, i.name as item_name, a.kind, a.state, a.urgent, a.figures,
  to_json(a.opened_at) #>> '{}' as opened_at, to_json(a.updated_at) #>> '{}' as updated_at,
  to_json(a.acknowledged_at) #>> '{}' as acknowledged_at, to_json(a.snoozed_until) #>> '{}' as snoozed_until,
  to_json(a.resolved_at) #>> '{}' as resolved_at`;

type AlertRow = Record<string, unknown> & { id: number; figures: unknown };

function present(row: AlertRow) {
  return {
    id: Number(row.id),
    store: row.store,
    sku: row.sku ?? null,
    itemName: row.item_name ?? null,
    kind: row.kind,
    state: row.state,
    urgent: row.urgent,
    figures: typeof row.figures === "string" ? JSON.parse(row.figures) : row.figures,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    acknowledgedAt: row.acknowledged_at ?? null,
    snoozedUntil: row.snoozed_until ?? null,
    resolvedAt: row.resolved_at ?? null,
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
    let storeFilter = sql``;
    if (query.store) {
      const store = await visibleStore(db, apiKey, query.store);
      storeFilter = sql`and a.store_id = ${store.id}`;
    }
    const stateFilter =
      query.state === "live" ? sql`and a.state <> 'resolved'` : query.state ? sql`and a.state = ${query.state}` : sql``;
    const rows = await queryRows<AlertRow>(
      db,
      sql`select ${ALERT_COLUMNS}
          from alerts a join stores s on s.id = a.store_id left join items i on i.id = a.item_id
          where ${storeScope(apiKey, sql`a.store_id`)} ${storeFilter} ${stateFilter}
            ${query.kind ? sql`and a.kind = ${query.kind}` : sql``}
            ${query.sku ? sql`and i.sku = ${query.sku}` : sql``}
            ${query.before ? sql`and a.id < ${query.before}` : sql``}
          order by a.id desc
          limit ${query.limit}`,
    );
    const alerts = rows.map(present);
    return c.json({ alerts, nextBefore: alerts.length === query.limit ? alerts.at(-1)!.id : null });
  });

  router.get("/alerts/:id", validate("param", alertIdParam), async (c) => {
    const { id } = c.req.valid("param");
    const [row] = await queryRows<AlertRow>(
      db,
      sql`select ${ALERT_COLUMNS}, a.store_id from alerts a join stores s on s.id = a.store_id left join items i on i.id = a.item_id
          where a.id = ${id} and ${storeScope(c.get("apiKey"), sql`a.store_id`)}`,
    );
    if (!row) throw new AppError({ code: "not_found", detail: `no alert ${id}` });
    const storeId = Number(row.store_id);
    const events = await queryRows<Record<string, unknown>>(
      db,
      sql`select to_json(at) #>> '{}' as at, event, from_state, to_state, cause, figures, actor from alert_events
          where store_id = ${storeId} and alert_id = ${id} order by at, id`,
    );
    const emails = await queryRows<Record<string, unknown>>(
      db,
      sql`select id, recipient, subject, status, attempts, to_json(created_at) #>> '{}' as created_at,
                 to_json(sent_at) #>> '{}' as sent_at, last_error, message_id
          from outbox where store_id = ${storeId} and alert_id = ${id} order by id`,
    );
    return c.json({
      ...present(row),
      history: events.map((e) => ({
        at: e.at,
        event: e.event,
        fromState: e.from_state ?? null,
        toState: e.to_state,
        cause: e.cause,
        actor: e.actor,
        figures: typeof e.figures === "string" ? JSON.parse(e.figures) : e.figures,
      })),
      emails: emails.map((m) => ({
        id: Number(m.id),
        recipient: m.recipient,
        subject: m.subject,
        status: m.status,
        attempts: Number(m.attempts),
        createdAt: m.created_at,
        sentAt: m.sent_at ?? null,
        lastError: m.last_error ?? null,
        messageId: m.message_id,
      })),
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
    return c.json(answer(await act(c.get("apiKey"), c.req.valid("param").id, { type: "snooze", until })));
  });

  router.post("/alerts/:id/resolve", validate("param", alertIdParam), jsonBody(resolveBodySchema, { maxBytes: 4096 }), async (c) => {
    const { reason } = c.req.valid("json");
    return c.json(answer(await act(c.get("apiKey"), c.req.valid("param").id, { type: "resolve", ...(reason ? { cause: reason } : {}) })));
  });

  return router;
}
