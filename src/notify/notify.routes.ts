import { sql } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { actOnAlert, AlertActionError } from "../alerts/alert-writes.js";
import type { AppDeps, AppEnv } from "../app-env.js";
import { queryRows } from "../db/client.js";
import { usedLinks } from "../db/schema/index.js";
import { requireApiKey, storeScope, visibleStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { wantsHtml } from "../http/negotiation.js";
import { AppError, problemBody, type ErrorCode } from "../http/problem.js";
import { jsonBody, validate } from "../http/validation.js";
import { linkPage } from "./link-pages.js";
import { EMAIL_CATEGORIES } from "./outbox.js";
import {
  addRecipient,
  listRecipients,
  newRecipientSchema,
  presentRecipient,
  recipientChangesSchema,
  RecipientExistsError,
  removeRecipient,
  updateRecipient,
} from "./recipients.js";
import { linkSecret } from "./service-secrets.js";
import { verifyLink, type LinkPayload } from "./signed-links.js";

const storeParam = z.object({ store: z.string().min(1).max(100) });
const recipientParam = storeParam.extend({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) });
const tokenParam = z.object({ token: z.string().min(10).max(2000) });

export const outboxQuerySchema = z.object({
  store: z.string().min(1).max(100).optional(),
  status: z.enum(["pending", "sent", "failed"]).optional(),
  category: z.enum(EMAIL_CATEGORIES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().positive().max(2 ** 31 - 1).optional(),
});

/** Recipients of alert emails per store, and the outbox with each email's status. */
export function notifyRoutes(deps: AppDeps) {
  const { db } = deps;
  const router = new Hono<AppEnv & { Variables: { apiKey: ApiKeyPrincipal } }>();
  router.use("/stores/:store/recipients", requireApiKey(db));
  router.use("/stores/:store/recipients/*", requireApiKey(db));
  router.use("/outbox", requireApiKey(db));

  router.get("/stores/:store/recipients", validate("param", storeParam), async (c) => {
    const store = await visibleStore(deps.db, c.get("apiKey"), c.req.valid("param").store);
    return c.json({ recipients: (await listRecipients(db, store.id)).map(presentRecipient) });
  });

  router.post("/stores/:store/recipients", validate("param", storeParam), jsonBody(newRecipientSchema, { maxBytes: 16_384 }), async (c) => {
    const store = await visibleStore(deps.db, c.get("apiKey"), c.req.valid("param").store);
    try {
      const row = await addRecipient(db, store.id, c.req.valid("json"));
      return c.json(presentRecipient(row), 201);
    } catch (error) {
      if (error instanceof RecipientExistsError) throw new AppError({ code: "conflict", detail: error.message, errors: [{ field: "email", reason: "already a recipient" }] });
      throw error;
    }
  });

  router.patch("/stores/:store/recipients/:id", validate("param", recipientParam), jsonBody(recipientChangesSchema, { maxBytes: 16_384 }), async (c) => {
    const { store: name, id } = c.req.valid("param");
    const store = await visibleStore(deps.db, c.get("apiKey"), name);
    const row = await updateRecipient(db, store.id, id, c.req.valid("json"));
    if (!row) throw new AppError({ code: "not_found", detail: `no recipient ${id} at store ${store.code}` });
    return c.json(presentRecipient(row));
  });

  router.delete("/stores/:store/recipients/:id", validate("param", recipientParam), async (c) => {
    const { store: name, id } = c.req.valid("param");
    const store = await visibleStore(deps.db, c.get("apiKey"), name);
    if (!(await removeRecipient(db, store.id, id))) throw new AppError({ code: "not_found", detail: `no recipient ${id} at store ${store.code}` });
    return c.body(null, 204);
  });

  router.get("/outbox", validate("query", outboxQuerySchema), async (c) => {
    const query = c.req.valid("query");
    const apiKey = c.get("apiKey");
    const store = query.store ? await visibleStore(deps.db, apiKey, query.store) : null;
    const scope = store ? sql`o.store_id = ${store.id}` : storeScope(apiKey, sql`o.store_id`);
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`select o.id, s.code as store, o.category, o.alert_id, o.recipient, o.subject, o.status, o.attempts, o.message_id,
                 to_json(o.created_at) #>> '{}' as created_at, to_json(o.not_before) #>> '{}' as not_before,
                 to_json(o.sent_at) #>> '{}' as sent_at, to_json(o.give_up_at) #>> '{}' as give_up_at, o.last_error
          from outbox o join stores s on s.id = o.store_id
          where ${scope}
            ${query.status ? sql`and o.status = ${query.status}` : sql``}
            ${query.category ? sql`and o.category = ${query.category}` : sql``}
            ${query.before ? sql`and o.id < ${query.before}` : sql``}
          order by o.id desc limit ${query.limit}`,
    );
    const messages = rows.map((r) => ({
      id: Number(r.id),
      store: r.store,
      category: r.category,
      alertId: r.alert_id === null ? null : Number(r.alert_id),
      recipient: r.recipient,
      subject: r.subject,
      status: r.status,
      attempts: Number(r.attempts),
      messageId: r.message_id,
      createdAt: r.created_at,
      notBefore: r.not_before,
      sentAt: r.sent_at ?? null,
      giveUpAt: r.give_up_at,
      lastError: r.last_error ?? null,
    }));
    return c.json({ messages, nextBefore: messages.length === query.limit ? messages.at(-1)!.id : null });
  });

  return router;
}

const ACTION_WORDS = { acknowledge: { button: "Acknowledge alert", done: "acknowledged" }, snooze: { button: "Snooze alert", done: "snoozed" } } as const;

/**
 * Acknowledge and snooze links from emails: no login, the signature is the authority. Opening a link shows a page
 * with a button (mail scanners that prefetch links must not act on alerts); the button posts, and works once.
 */
export function linkRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const router = new Hono<AppEnv>();

  const fail = (c: Context<AppEnv>, code: ErrorCode, detail: string) => {
    const error = new AppError({ code, detail });
    if (!wantsHtml(c)) throw error;
    return c.html(linkPage({ title: problemBody(error).title, message: detail }), error.status);
  };

  const check = async (c: Context<AppEnv>, token: string): Promise<LinkPayload | Response> => {
    const result = verifyLink(await linkSecret(db, config), token, clock.now());
    if (result.ok) return result.payload;
    if (result.reason === "expired") return fail(c, "link_expired", "This link has expired. The alert is still in the store's alert list and the next digest.");
    return fail(c, "link_invalid", "This link is not valid. Open it from the email again, without changing it.");
  };

  const alreadyUsed = async (nonce: string) =>
    (await queryRows(db, sql`select 1 from used_links where nonce = ${nonce}`)).length > 0;

  router.get("/links/:token", validate("param", tokenParam), async (c) => {
    const { token } = c.req.valid("param");
    const payload = await check(c, token);
    if (payload instanceof Response) return payload;
    if (await alreadyUsed(payload.nonce)) return fail(c, "link_used", "This link was already used.");
    const words = ACTION_WORDS[payload.purpose];
    const what = payload.purpose === "snooze" ? `Snooze alert ${payload.alertId} for ${payload.hours ?? 24} hours?` : `Acknowledge alert ${payload.alertId}?`;
    if (!wantsHtml(c)) return c.json({ purpose: payload.purpose, alertId: payload.alertId, expires: new Date(payload.expires * 1000).toISOString() });
    return c.html(linkPage({ title: words.button, message: `${what} No more urgent emails will be sent for it; it stays in the digest until it is resolved.`, form: { action: c.req.path, button: words.button } }));
  });

  router.post("/links/:token", validate("param", tokenParam), async (c) => {
    const { token } = c.req.valid("param");
    const payload = await check(c, token);
    if (payload instanceof Response) return payload;
    const now = clock.now();
    const until = new Date(now.getTime() + (payload.hours ?? 24) * 3600_000);
    const claimed = await db.insert(usedLinks).values({ nonce: payload.nonce, purpose: payload.purpose, usedAt: now }).onConflictDoNothing().returning();
    if (claimed.length === 0) return fail(c, "link_used", "This link was already used.");
    try {
      const transition = await actOnAlert(
        db,
        payload.alertId,
        payload.purpose === "acknowledge" ? { type: "acknowledge" } : { type: "snooze", until },
        { now, actor: "email link" },
      );
      const message = `Alert ${payload.alertId} is ${ACTION_WORDS[payload.purpose].done}${payload.purpose === "snooze" ? ` until ${until.toISOString()}` : ""}.`;
      if (!wantsHtml(c)) return c.json({ id: transition.alertId, state: transition.toState, at: transition.at.toISOString() });
      return c.html(linkPage({ title: "Done", message }));
    } catch (error) {
      if (error instanceof AlertActionError) return fail(c, error.reason === "resolved" ? "conflict" : "not_found", error.reason === "resolved" ? "This alert is already resolved: nothing to do." : "This alert no longer exists.");
      throw error;
    }
  });

  return router;
}

