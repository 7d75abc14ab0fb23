import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppDeps, AppEnv } from "../app-env.js";
import { requireApiKey, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import { jsonBody, validate } from "../http/validation.js";
import { addRecipient, listRecipients, presentRecipient, RecipientExistsError, removeRecipient, updateRecipient } from "../notify/recipients.js";
import { createAdminApiKey, listAdminApiKeys, revokeAdminApiKey } from "./admin-keys.js";
import { administeredStore, type Administrator } from "./admin-scope.js";
import { addAdminAliases, createAdminStore, findAdminStore, listAdminStores, removeAdminAlias, setAlertThresholds, updateAdminStore } from "./admin-stores.js";
import { createAdminUser, findAdminUser, listAdminUsers, removeAdminUser, updateAdminUser } from "./admin-users.js";
import {
  aliasParam,
  alertThresholdsSchema,
  idParam,
  newAdminUserSchema,
  newApiKeySchema,
  newRecipientSchema,
  newStoreSchema,
  recipientChangesSchema,
  recipientParam,
  storeAliasesSchema,
  storeChangesSchema,
  storeParam,
  userChangesSchema,
} from "./admin.schemas.js";

const MAX_BODY_BYTES = 16_384;
const body = <T extends Parameters<typeof jsonBody>[0]>(schema: T) => jsonBody(schema, { maxBytes: MAX_BODY_BYTES });

type AdminEnv = AppEnv & { Variables: { apiKey: ApiKeyPrincipal; admin: Administrator } };

/** Refuses keys without the admin flag; the admin then acts on the stores its key may use. */
function requireAdminKey() {
  return createMiddleware<AdminEnv>(async (c, next) => {
    const key = c.get("apiKey");
    if (!key.admin) {
      throw new AppError({ code: "admin_required", detail: "this API key is not an admin key: ask an admin for one (POST /v1/admin/keys with \"admin\": true)" });
    }
    c.set("admin", { storeIds: key.storeIds, actor: `api key ${key.id}` });
    await next();
  });
}

/**
 * /v1/admin: stores, aliases and alert thresholds, API keys, recipients and dashboard users, changed while the service
 * runs. Every read goes to the database, so a change holds from the next request on (a revoked key is refused at once).
 */
export function adminRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const router = new Hono<AdminEnv>();
  router.use("*", requireApiKey(db));
  router.use("*", requireAdminKey());
  const audit = (c: { get(key: "log"): AppEnv["Variables"]["log"]; get(key: "admin"): Administrator }, what: Record<string, unknown>, message: string) =>
    c.get("log").info({ actor: c.get("admin").actor, ...what }, message);

  router.get("/stores", async (c) => c.json({ stores: await listAdminStores(db, c.get("admin")) }));

  router.post("/stores", body(newStoreSchema), async (c) => {
    const store = await createAdminStore(db, c.get("admin"), c.req.valid("json"));
    audit(c, { store: store.code }, "admin: store created");
    return c.json(store, 201);
  });

  router.get("/stores/:store", validate("param", storeParam), async (c) => c.json(await findAdminStore(db, c.get("admin"), c.req.valid("param").store)));

  router.patch("/stores/:store", validate("param", storeParam), body(storeChangesSchema), async (c) => {
    const store = await updateAdminStore(db, c.get("admin"), c.req.valid("param").store, c.req.valid("json"));
    audit(c, { store: store.code, changes: Object.keys(c.req.valid("json")) }, "admin: store changed");
    return c.json(store);
  });

  router.post("/stores/:store/aliases", validate("param", storeParam), body(storeAliasesSchema), async (c) => {
    const store = await addAdminAliases(db, c.get("admin"), c.req.valid("param").store, c.req.valid("json").aliases);
    audit(c, { store: store.code, aliases: c.req.valid("json").aliases }, "admin: store aliases added");
    return c.json(store);
  });

  router.delete("/stores/:store/aliases/:alias", validate("param", aliasParam), async (c) => {
    const { store: name, alias } = c.req.valid("param");
    const store = await removeAdminAlias(db, c.get("admin"), name, alias);
    audit(c, { store: store.code, alias }, "admin: store alias removed");
    return c.json(store);
  });

  router.put("/stores/:store/thresholds", validate("param", storeParam), body(alertThresholdsSchema), async (c) => {
    const store = await setAlertThresholds(db, c.get("admin"), c.req.valid("param").store, c.req.valid("json"));
    audit(c, { store: store.code, ...c.req.valid("json") }, "admin: alert thresholds set");
    return c.json(store);
  });

  router.get("/stores/:store/recipients", validate("param", storeParam), async (c) => {
    const store = await administeredStore(db, c.get("admin"), c.req.valid("param").store);
    return c.json({ recipients: (await listRecipients(db, store.id)).map(presentRecipient) });
  });

  router.post("/stores/:store/recipients", validate("param", storeParam), body(newRecipientSchema), async (c) => {
    const store = await administeredStore(db, c.get("admin"), c.req.valid("param").store);
    try {
      const row = await addRecipient(db, store.id, c.req.valid("json"));
      audit(c, { store: store.code, recipientId: row.id }, "admin: recipient added");
      return c.json(presentRecipient(row), 201);
    } catch (error) {
      if (error instanceof RecipientExistsError) throw new AppError({ code: "conflict", detail: error.message, errors: [{ field: "email", reason: "already a recipient" }] });
      throw error;
    }
  });

  router.patch("/stores/:store/recipients/:id", validate("param", recipientParam), body(recipientChangesSchema), async (c) => {
    const { store: name, id } = c.req.valid("param");
    const store = await administeredStore(db, c.get("admin"), name);
    const row = await updateRecipient(db, store.id, id, c.req.valid("json"));
    if (!row) throw new AppError({ code: "not_found", detail: `no recipient ${id} at store ${store.code}` });
    audit(c, { store: store.code, recipientId: id }, "admin: recipient changed");
    return c.json(presentRecipient(row));
  });

  router.delete("/stores/:store/recipients/:id", validate("param", recipientParam), async (c) => {
    const { store: name, id } = c.req.valid("param");
    const store = await administeredStore(db, c.get("admin"), name);
    if (!(await removeRecipient(db, store.id, id))) throw new AppError({ code: "not_found", detail: `no recipient ${id} at store ${store.code}` });
    audit(c, { store: store.code, recipientId: id }, "admin: recipient removed");
    return c.body(null, 204);
  });

  router.get("/keys", async (c) => c.json({ keys: await listAdminApiKeys(db, c.get("admin")) }));

  router.post("/keys", body(newApiKeySchema), async (c) => {
    const key = await createAdminApiKey(db, c.get("admin"), c.req.valid("json"));
    audit(c, { keyId: key.id, stores: key.stores, admin: key.admin }, "admin: API key created");
    // the secret is in this answer only: no cache may keep it
    return c.json(key, 201, { "cache-control": "no-store" });
  });

  router.delete("/keys/:id", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    await revokeAdminApiKey(db, c.get("admin"), id, clock.now());
    audit(c, { keyId: id }, "admin: API key revoked");
    return c.body(null, 204);
  });

  router.get("/users", async (c) => c.json({ users: (await listAdminUsers(db, c.get("admin"))).map(presentUser) }));

  router.post("/users", body(newAdminUserSchema), async (c) => {
    const user = await createAdminUser(db, c.get("admin"), c.req.valid("json"), clock.now());
    audit(c, { userId: user.id, stores: user.stores, admin: user.admin }, "admin: user created");
    return c.json(presentUser(user), 201);
  });

  router.get("/users/:id", validate("param", idParam), async (c) => c.json(presentUser(await findAdminUser(db, c.get("admin"), c.req.valid("param").id))));

  router.patch("/users/:id", validate("param", idParam), body(userChangesSchema), async (c) => {
    const { id } = c.req.valid("param");
    const user = await updateAdminUser(db, c.get("admin"), id, c.req.valid("json"));
    audit(c, { userId: id, changes: Object.keys(c.req.valid("json")) }, "admin: user changed");
    return c.json(presentUser(user));
  });

  router.delete("/users/:id", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    await removeAdminUser(db, c.get("admin"), id);
    audit(c, { userId: id }, "admin: user removed");
    return c.body(null, 204);
  });

  return router;
}

function presentUser({ storeIds: _storeIds, ...user }: Awaited<ReturnType<typeof findAdminUser>>) {
  return user;
}
