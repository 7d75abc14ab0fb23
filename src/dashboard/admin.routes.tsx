import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { JSX } from "hono/jsx/jsx-runtime";
import { z } from "zod";
import { createAdminApiKey, listAdminApiKeys, revokeAdminApiKey } from "../admin/admin-keys.js";
import { administeredStore, type Administrator } from "../admin/admin-scope.js";
import { addAdminAliases, createAdminStore, findAdminStore, listAdminStores, removeAdminAlias, setAlertThresholds, updateAdminStore } from "../admin/admin-stores.js";
import { createAdminUser, findAdminUser, listAdminUsers, removeAdminUser, updateAdminUser } from "../admin/admin-users.js";
import {
  alertThresholdsSchema,
  idParam,
  newAdminUserSchema,
  newApiKeySchema,
  newRecipientSchema,
  newStoreSchema,
  storeAliasesSchema,
  storeChangesSchema,
} from "../admin/admin.schemas.js";
import type { AppDeps } from "../app-env.js";
import { AppError } from "../http/problem.js";
import { validate, validationError } from "../http/validation.js";
import { addRecipient, listRecipients, RecipientExistsError, removeRecipient } from "../notify/recipients.js";
import {
  ADMIN_PATH,
  AdminKeysPage,
  AdminStorePage,
  AdminStoresPage,
  adminStorePath,
  AdminUserPage,
  adminUserPath,
  AdminUsersPage,
  SAVED_NOTICES,
  type FormProblem,
  type SavedNotice,
} from "./admin-pages.js";
import type { DashboardEnv } from "./dashboard-auth.js";
import { ErrorPage, renderPage } from "./layout.js";

type AdminPageEnv = DashboardEnv & { Variables: { admin: Administrator } };
type AdminContext = Context<AdminPageEnv>;

const codeParam = z.object({ code: z.string().min(1).max(100) });
const savedQuery = z.object({ saved: z.enum(Object.keys(SAVED_NOTICES) as [SavedNotice, ...SavedNotice[]]).optional().catch(undefined) });

/** "a, b ,c" → ["a", "b", "c"] */
const commaList = (value: unknown) =>
  typeof value === "string"
    ? value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "")
    : [];
const text = (value: unknown) => (typeof value === "string" ? value : undefined);
const optionalText = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value : undefined);
const numberOrText = (value: unknown) => (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value);
const ticked = (value: unknown) => value === "on";
/** the stores of a key or user form: "every store" ticked, or the codes ticked */
const storesOfForm = (form: Record<string, unknown>) => {
  if (ticked(form.allStores)) return "all";
  const codes = form.stores;
  return Array.isArray(codes) ? codes.filter((code): code is string => typeof code === "string") : typeof codes === "string" ? [codes] : [];
};

/** a change the admin may not make, or input it cannot take: shown on the page, not as a server fault */
const isRefusal = (error: unknown): error is AppError => error instanceof AppError && error.status < 500;

/** A form's fields, read into the shape the admin API takes, then checked by its schema (422 naming the field). */
function parsed<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, "the form");
  return result.data;
}

async function formOf(c: AdminContext): Promise<Record<string, unknown>> {
  return (await c.req.parseBody({ all: true })) as Record<string, unknown>;
}

/**
 * The administration pages: the same domain functions as /v1/admin, as the signed-in admin, for the stores they see.
 * A refused change shows its page again with the reasons (and the status the API would answer); a saved one redirects.
 */
export function adminPageRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const router = new Hono<AdminPageEnv>();

  router.use(
    "*",
    createMiddleware<AdminPageEnv>(async (c, next) => {
      const viewer = c.get("viewer");
      if (!viewer.admin) {
        return renderPage(c, <ErrorPage title="Administration is for admins" message="Your account may not administer stores. Ask an admin if you need to." viewer={viewer} />, 403);
      }
      c.set("admin", { storeIds: viewer.storeIds, actor: `dashboard: ${viewer.email}` });
      await next();
    }),
  );

  /** Runs a change; a refusal (4xx) renders the page again with its reasons. */
  const attempt = async (c: AdminContext, change: () => Promise<Response>, page: (problem: FormProblem) => Promise<{ body: JSX.Element }>) => {
    try {
      return await change();
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return renderPage(c, (await page({ detail: error.detail, errors: error.errors })).body, error.status);
    }
  };
  const audit = (c: AdminContext, what: Record<string, unknown>, message: string) => c.get("log").info({ actor: c.get("admin").actor, ...what }, message);

  const storesPage = async (c: AdminContext, problem?: FormProblem, saved?: SavedNotice) => ({
    body: <AdminStoresPage viewer={c.get("viewer")} stores={await listAdminStores(db, c.get("admin"))} problem={problem} saved={saved} />,
  });
  const storePage = async (c: AdminContext, code: string, problem?: FormProblem, saved?: SavedNotice) => {
    const store = await findAdminStore(db, c.get("admin"), code);
    return { body: <AdminStorePage viewer={c.get("viewer")} store={store} recipients={await listRecipients(db, store.id)} problem={problem} saved={saved} /> };
  };
  const keysPage = async (c: AdminContext, extra: { problem?: FormProblem; saved?: SavedNotice; created?: Awaited<ReturnType<typeof createAdminApiKey>> } = {}) => ({
    body: <AdminKeysPage viewer={c.get("viewer")} keys={await listAdminApiKeys(db, c.get("admin"))} stores={await listAdminStores(db, c.get("admin"))} {...extra} />,
  });
  const usersPage = async (c: AdminContext, problem?: FormProblem, saved?: SavedNotice) => ({
    body: <AdminUsersPage viewer={c.get("viewer")} users={await listAdminUsers(db, c.get("admin"))} stores={await listAdminStores(db, c.get("admin"))} problem={problem} saved={saved} />,
  });
  const userPage = async (c: AdminContext, id: number, problem?: FormProblem, saved?: SavedNotice) => ({
    body: <AdminUserPage viewer={c.get("viewer")} user={await findAdminUser(db, c.get("admin"), id)} stores={await listAdminStores(db, c.get("admin"))} problem={problem} saved={saved} />,
  });
  const show = async (c: AdminContext, page: Promise<{ body: JSX.Element }>) => renderPage(c, (await page).body);

  router.get("/", validate("query", savedQuery), (c) => show(c, storesPage(c, undefined, c.req.valid("query").saved)));

  router.post("/stores", async (c) => {
    const form = await formOf(c);
    return attempt(
      c,
      async () => {
        const input = parsed(newStoreSchema, { code: text(form.code), name: text(form.name), timeZone: text(form.timeZone), aliases: commaList(form.aliases) });
        const store = await createAdminStore(db, c.get("admin"), input);
        audit(c, { store: store.code }, "admin: store created");
        return c.redirect(`${adminStorePath(store.code)}?saved=store`, 303);
      },
      (problem) => storesPage(c, problem),
    );
  });

  router.get("/stores/:code", validate("param", codeParam), validate("query", savedQuery), (c) => show(c, storePage(c, c.req.valid("param").code, undefined, c.req.valid("query").saved)));

  /** A change to one store: refused ones show the store's page again, saved ones go back to it. */
  const storeChange = (c: AdminContext, saved: SavedNotice, change: (code: string, form: Record<string, unknown>) => Promise<void>) => {
    // an unknown code is answered by administeredStore (404)
    const code = c.req.param("code") ?? "";
    return attempt(
      c,
      async () => {
        // a store the admin may not administer is refused before its form is read
        const store = await administeredStore(db, c.get("admin"), code);
        await change(store.code, await formOf(c));
        return c.redirect(`${adminStorePath(store.code)}?saved=${saved}`, 303);
      },
      // the store's page again; the list of stores when the store is not one the admin may see
      (problem) => storePage(c, code, problem).catch((error: unknown) => (isRefusal(error) ? storesPage(c, problem) : Promise.reject(error))),
    );
  };

  router.post("/stores/:code", (c) =>
    storeChange(c, "store", async (code, form) => {
      const changes = parsed(storeChangesSchema, { name: text(form.name), timeZone: text(form.timeZone), feedIntervalMinutes: numberOrText(form.feedIntervalMinutes) });
      await updateAdminStore(db, c.get("admin"), code, changes);
      audit(c, { store: code }, "admin: store changed");
    }),
  );

  router.post("/stores/:code/thresholds", (c) =>
    storeChange(c, "thresholds", async (code, form) => {
      const percent = (value: unknown) => {
        const number = numberOrText(value);
        return typeof number === "number" ? number / 100 : number;
      };
      const thresholds = parsed(alertThresholdsSchema, { alertProbability: percent(form.alertPercent), resolveProbability: percent(form.resolvePercent) });
      await setAlertThresholds(db, c.get("admin"), code, thresholds);
      audit(c, { store: code, ...thresholds }, "admin: alert thresholds set");
    }),
  );

  router.post("/stores/:code/aliases", (c) =>
    storeChange(c, "aliases", async (code, form) => {
      const { aliases } = parsed(storeAliasesSchema, { aliases: commaList(form.aliases) });
      await addAdminAliases(db, c.get("admin"), code, aliases);
      audit(c, { store: code, aliases }, "admin: store aliases added");
    }),
  );

  router.post("/stores/:code/aliases/remove", (c) =>
    storeChange(c, "aliases", async (code, form) => {
      const { alias } = parsed(z.object({ alias: z.string().min(1).max(100) }), { alias: text(form.alias) });
      await removeAdminAlias(db, c.get("admin"), code, alias);
      audit(c, { store: code, alias }, "admin: store alias removed");
    }),
  );

  router.post("/stores/:code/recipients", (c) =>
    storeChange(c, "recipients", async (code, form) => {
      const recipient = parsed(newRecipientSchema, { email: text(form.email), name: optionalText(form.name), role: text(form.role) });
      const store = await administeredStore(db, c.get("admin"), code);
      try {
        const row = await addRecipient(db, store.id, recipient);
        audit(c, { store: code, recipientId: row.id }, "admin: recipient added");
      } catch (error) {
        if (error instanceof RecipientExistsError) throw new AppError({ code: "conflict", detail: error.message, errors: [{ field: "email", reason: "already a recipient" }] });
        throw error;
      }
    }),
  );

  router.post("/stores/:code/recipients/:id/remove", validate("param", codeParam.extend(idParam.shape)), (c) =>
    storeChange(c, "recipients", async (code) => {
      const { id } = c.req.valid("param");
      const store = await administeredStore(db, c.get("admin"), code);
      if (!(await removeRecipient(db, store.id, id))) throw new AppError({ code: "not_found", detail: `no recipient ${id} at store ${code}` });
      audit(c, { store: code, recipientId: id }, "admin: recipient removed");
    }),
  );

  router.get("/keys", validate("query", savedQuery), (c) => show(c, keysPage(c, { saved: c.req.valid("query").saved })));

  router.post("/keys", async (c) => {
    const form = await formOf(c);
    return attempt(
      c,
      async () => {
        const input = parsed(newApiKeySchema, { name: text(form.name), stores: storesOfForm(form), admin: ticked(form.admin) });
        const created = await createAdminApiKey(db, c.get("admin"), input);
        audit(c, { keyId: created.id, stores: created.stores, admin: created.admin }, "admin: API key created");
        // the secret is on this page only: not behind a redirect, and no-store (as every dashboard page)
        return renderPage(c, (await keysPage(c, { created })).body, 201);
      },
      (problem) => keysPage(c, { problem }),
    );
  });

  router.post("/keys/:id/revoke", validate("param", idParam), (c) =>
    attempt(
      c,
      async () => {
        const { id } = c.req.valid("param");
        await revokeAdminApiKey(db, c.get("admin"), id, clock.now());
        audit(c, { keyId: id }, "admin: API key revoked");
        return c.redirect(`${ADMIN_PATH}/keys?saved=revoked`, 303);
      },
      (problem) => keysPage(c, { problem }),
    ),
  );

  router.get("/users", validate("query", savedQuery), (c) => show(c, usersPage(c, undefined, c.req.valid("query").saved)));

  router.post("/users", async (c) => {
    const form = await formOf(c);
    return attempt(
      c,
      async () => {
        const input = parsed(newAdminUserSchema, {
          email: text(form.email),
          name: text(form.name),
          role: text(form.role),
          password: text(form.password),
          stores: storesOfForm(form),
          admin: ticked(form.admin),
        });
        const user = await createAdminUser(db, c.get("admin"), input, clock.now());
        audit(c, { userId: user.id, stores: user.stores, admin: user.admin }, "admin: user created");
        return c.redirect(`${ADMIN_PATH}/users?saved=user`, 303);
      },
      (problem) => usersPage(c, problem),
    );
  });

  router.get("/users/:id", validate("param", idParam), validate("query", savedQuery), (c) => show(c, userPage(c, c.req.valid("param").id, undefined, c.req.valid("query").saved)));

  router.post("/users/:id", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const form = await formOf(c);
    return attempt(
      c,
      async () => {
        const changes = parsed(newAdminUserSchema.pick({ name: true, role: true, stores: true, admin: true }), {
          name: text(form.name),
          role: text(form.role),
          stores: storesOfForm(form),
          admin: ticked(form.admin),
        });
        await updateAdminUser(db, c.get("admin"), id, changes);
        audit(c, { userId: id }, "admin: user changed");
        return c.redirect(`${adminUserPath(id)}?saved=user`, 303);
      },
      (problem) => userPage(c, id, problem).catch((error: unknown) => (isRefusal(error) ? usersPage(c, problem) : Promise.reject(error))),
    );
  });

  router.post("/users/:id/remove", validate("param", idParam), (c) =>
    attempt(
      c,
      async () => {
        const { id } = c.req.valid("param");
        await removeAdminUser(db, c.get("admin"), id);
        audit(c, { userId: id }, "admin: user removed");
        return c.redirect(`${ADMIN_PATH}/users?saved=removed`, 303);
      },
      (problem) => usersPage(c, problem),
    ),
  );

  return router;
}
