import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../app-env.js";
import { stockLevels } from "../db/schema/index.js";
import { clientAddress } from "../http/client-address.js";
import { canUseStore, requireApiKey, visibleStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { wantsHtml } from "../http/negotiation.js";
import { AppError, problemBody, type ErrorCode } from "../http/problem.js";
import { fieldProblems, jsonBody, validate } from "../http/validation.js";
import { linkPage } from "../notify/link-pages.js";
import { linkSecret } from "../notify/service-secrets.js";
import { verifyToken } from "../notify/signed-links.js";
import { hashEmail } from "./customer-identity.js";
import { deleteCustomerData, exportCustomerData, requestPrivacyLink } from "./privacy.js";
import { countRequest } from "./rate-limits.js";
import { lookupRainCheck, redeemRainCheck } from "./rain-checks.js";
import { itemPage } from "./subscription-pages.js";
import {
  customerLinkSchema,
  privacyRequestSchema,
  rainCheckCodeSchema,
  redeemSchema,
  subscribeSchema,
  type CustomerLink,
  type SubscribeRequest,
} from "./subscription.schemas.js";
import { confirmSubscription, requestSubscription, resolveTarget, stopAllEmail, unsubscribe } from "./subscriptions.js";

const RATE_WINDOW_MS = 3600_000;
/** a subscribe or privacy request is a few hundred bytes; nothing larger is read */
const PUBLIC_BODY_MAX_BYTES = 4096;

const ACCEPTED_MESSAGE = "If this address can receive email from us, a message with a link is on its way. Nothing else happens until the link is used.";

const codeParam = z.object({ code: rainCheckCodeSchema });
const itemParam = z.object({ store: z.string().min(1).max(100), sku: z.string().min(1).max(100) });
const tokenParam = z.object({ token: z.string().min(10).max(2000) });
const linkActionSchema = z.object({ action: z.enum(["export", "delete"]).optional() });

/** Limits per client address and per email address, across replicas; a refusal is a 429 with Retry-After. */
async function enforceRateLimits(deps: AppDeps, c: Context, email: string): Promise<void> {
  const { db, config, clock } = deps;
  const now = clock.now();
  const checks = [
    await countRequest(db, `ip:${clientAddress(c, config.TRUST_PROXY)}`, config.RATE_LIMIT_PER_IP, RATE_WINDOW_MS, now),
    await countRequest(db, `email:${await hashEmail(db, email)}`, config.RATE_LIMIT_PER_ADDRESS, RATE_WINDOW_MS, now),
  ];
  const retryAfter = Math.max(0, ...checks.map((check) => (check.allowed ? 0 : check.retryAfterSeconds)));
  if (retryAfter > 0) {
    throw new AppError({ code: "rate_limited", detail: `too many requests; try again in ${retryAfter} seconds`, headers: { "Retry-After": String(retryAfter) } });
  }
}

/**
 * Public customer endpoints (no API key): subscribe and privacy requests, with the same answer whatever the address;
 * and the rain-check API for tills (API key).
 */
export function subscriptionRoutes(deps: AppDeps) {
  const { db, clock, config, log } = deps;
  const router = new Hono<AppEnv & { Variables: { apiKey: ApiKeyPrincipal } }>();

  const subscribe = async (c: Context, request: SubscribeRequest) => {
    await enforceRateLimits(deps, c, request.email);
    const outcome = await requestSubscription(db, config, request, clock.now());
    // the outcome goes to the log (without the address), never to the client: no telling who is subscribed
    log.info({ outcome, store: request.store, sku: request.sku }, "subscribe request");
  };

  router.post("/subscriptions", jsonBody(subscribeSchema, { maxBytes: PUBLIC_BODY_MAX_BYTES }), async (c) => {
    await subscribe(c, c.req.valid("json"));
    return c.json({ status: "accepted", message: ACCEPTED_MESSAGE }, 202);
  });

  router.post("/privacy/requests", jsonBody(privacyRequestSchema, { maxBytes: PUBLIC_BODY_MAX_BYTES }), async (c) => {
    const { email } = c.req.valid("json");
    await enforceRateLimits(deps, c, email);
    const outcome = await requestPrivacyLink(db, config, email, clock.now());
    log.info({ outcome }, "privacy request");
    return c.json({ status: "accepted", message: ACCEPTED_MESSAGE }, 202);
  });

  router.use("/rain-checks/*", requireApiKey(db));

  router.get("/rain-checks/:code", validate("param", codeParam), async (c) => {
    const apiKey = c.get("apiKey");
    return c.json(await lookupRainCheck(db, c.req.valid("param").code, clock.now(), (storeId) => canUseStore(apiKey, storeId)));
  });

  router.post("/rain-checks/:code/redeem", validate("param", codeParam), jsonBody(redeemSchema, { maxBytes: 4096 }), async (c) => {
    const body = c.req.valid("json");
    const apiKey = c.get("apiKey");
    const store = await visibleStore(db, apiKey, body.store);
    const view = await redeemRainCheck(db, c.req.valid("param").code, store, body.by ?? apiKey.name, clock.now(), (storeId) => canUseStore(apiKey, storeId));
    log.info({ code: view.code, store: store.code }, "rain check redeemed");
    return c.json(view);
  });

  return { router, subscribe };
}


/** The customer's own pages: the item page with its form, and the pages behind the links in customer email. */
export function customerPages(deps: AppDeps, subscribe: (c: Context, request: SubscribeRequest) => Promise<void>) {
  const { db, clock, config } = deps;
  const router = new Hono<AppEnv>();
  const limitBody = bodyLimit({
    maxSize: PUBLIC_BODY_MAX_BYTES,
    onError: () => {
      throw new AppError({ code: "payload_too_large", detail: `the body is larger than ${PUBLIC_BODY_MAX_BYTES} bytes` });
    },
  });

  // a browser that asked for a page gets one, for an unknown item as much as for a bad link; API clients get problem+json
  router.onError((error, c) => {
    if (!(error instanceof AppError) || error.status >= 500 || !wantsHtml(c)) throw error;
    return c.html(linkPage({ title: problemBody(error).title, message: error.detail }), error.status, error.headers);
  });

  const page = (c: Context, code: ErrorCode | null, title: string, message: string) => {
    if (code === null) return c.html(linkPage({ title, message }));
    const error = new AppError({ code, detail: message });
    if (!wantsHtml(c)) throw error;
    return c.html(linkPage({ title: problemBody(error).title, message }), error.status);
  };

  const itemView = async (storeName: string, sku: string) => {
    const target = await resolveTarget(db, storeName, sku);
    const store = target.allStores ? null : target.stores[0]!;
    let inStock: boolean | null = null;
    if (store) {
      const [stock] = await db
        .select({ onHand: stockLevels.onHand })
        .from(stockLevels)
        .where(and(eq(stockLevels.storeId, store.id), eq(stockLevels.itemId, target.item.id)));
      inStock = (stock?.onHand ?? 0) > 0;
    }
    return { store, item: target.item, inStock };
  };

  router.get("/s/:store/:sku", validate("param", itemParam), async (c) => {
    const { store, sku } = c.req.valid("param");
    const view = await itemView(store, sku);
    return c.html(itemPage({ ...view, action: c.req.path }));
  });

  router.post("/s/:store/:sku", validate("param", itemParam), limitBody, async (c) => {
    const { store, sku } = c.req.valid("param");
    const form = await c.req.parseBody();
    const fields = {
      email: typeof form.email === "string" ? form.email : "",
      // an unticked checkbox is absent from the form: absent means no
      restock: form.restock === "on",
      deals: form.deals === "on",
      stay: form.stay === "on",
    };
    const parsed = subscribeSchema.safeParse({ ...fields, store, sku });
    if (!parsed.success) {
      const view = await itemView(store, sku);
      return c.html(itemPage({ ...view, action: c.req.path, values: fields, errors: fieldProblems(parsed.error).map((e) => ({ field: e.field ?? "", reason: e.reason })) }), 422);
    }
    try {
      await subscribe(c, parsed.data);
    } catch (error) {
      if (error instanceof AppError && error.code === "rate_limited") {
        return c.html(linkPage({ title: "Too many requests", message: "Please try again later." }), 429, error.headers);
      }
      throw error;
    }
    return c.html(linkPage({ title: "Check your email", message: ACCEPTED_MESSAGE }), 202);
  });

  const check = async (c: Context, token: string): Promise<CustomerLink | Response> => {
    const result = verifyToken(await linkSecret(db, config), customerLinkSchema, token, clock.now());
    if (result.ok) return result.payload;
    if (result.reason === "expired") return page(c, "link_expired", "", "This link has expired. Please start again from the store's website.");
    return page(c, "link_invalid", "", "This link is not valid. Open it from the email again, without changing it.");
  };

  router.get("/c/:token", validate("param", tokenParam), async (c) => {
    const link = await check(c, c.req.valid("param").token);
    if (link instanceof Response) return link;
    const action = c.req.path;
    if (!wantsHtml(c)) return c.json({ purpose: link.purpose, expires: new Date(link.expires * 1000).toISOString() });
    // a page with a button, never an action on GET: mail scanners open links
    switch (link.purpose) {
      case "confirm":
        return c.html(linkPage({ title: "Confirm your subscription", message: "One click and you are subscribed.", form: { action, button: "Confirm subscription" } }));
      case "unsubscribe":
        return c.html(linkPage({ title: "Unsubscribe", message: "Stop these notices about this item?", form: { action, button: "Unsubscribe" } }));
      case "stop":
        return c.html(linkPage({ title: "Stop all email", message: "Stop every email from us to this address, for every item and store?", form: { action, button: "Stop all email" } }));
      case "privacy":
        return c.html(
          linkPage({
            title: "Your data",
            message: "Download what we hold about this address, or delete it. Deleting ends every subscription; rain checks stay valid but no longer name you.",
            forms: [
              { action, button: "Download my data", fields: { action: "export" } },
              { action, button: "Delete my data", fields: { action: "delete" }, secondary: true },
            ],
          }),
        );
    }
  });

  router.post("/c/:token", validate("param", tokenParam), limitBody, async (c) => {
    const link = await check(c, c.req.valid("param").token);
    if (link instanceof Response) return link;
    const now = clock.now();
    switch (link.purpose) {
      case "confirm": {
        const outcome = await confirmSubscription(db, config, link.request, now);
        if (outcome === "expired") return page(c, "link_expired", "", "This confirmation has expired. Please subscribe again.");
        if (outcome === "gone") return page(c, "not_found", "", "This subscription no longer exists. Please subscribe again.");
        if (!wantsHtml(c)) return c.json({ status: "confirmed" });
        return page(c, null, "Subscribed", "You are subscribed. Every email we send has a link to unsubscribe.");
      }
      case "unsubscribe": {
        // RFC 8058: the mail program posts List-Unsubscribe=One-Click; a person posts the page's button. Both unsubscribe.
        await unsubscribe(db, link.request, now);
        if (!wantsHtml(c)) return c.json({ status: "unsubscribed" });
        return page(c, null, "Unsubscribed", "You will get no more notices about this item.");
      }
      case "stop": {
        await stopAllEmail(db, link.request, now);
        if (!wantsHtml(c)) return c.json({ status: "stopped" });
        return page(c, null, "Stopped", "We will send no more email to this address.");
      }
      case "privacy": {
        const form = linkActionSchema.safeParse(await c.req.parseBody());
        const action = form.success ? form.data.action : undefined;
        if (action === "delete") {
          const deleted = await deleteCustomerData(db, link.email);
          deps.log.info(deleted, "customer data deleted on request");
          if (!wantsHtml(c)) return c.json({ status: "deleted" });
          return page(c, null, "Deleted", "Everything we held about this address is deleted.");
        }
        if (action === "export") {
          c.header("content-disposition", 'attachment; filename="my-data.json"');
          return c.json(await exportCustomerData(db, link.email));
        }
        throw new AppError({ code: "validation_failed", detail: "choose export or delete", errors: [{ field: "action", reason: "must be export or delete" }] });
      }
    }
  });

  return router;
}
