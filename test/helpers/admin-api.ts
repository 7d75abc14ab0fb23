import { createApiKey } from "../../src/http/api-keys.js";
import { bearer, seedStoresAndKeys, type TestContext } from "./context.js";

/** A request to the admin API (or any JSON route) with a key; a body is sent as JSON. */
export async function adminRequest(ctx: TestContext, method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE", path: string, key: string | null, body?: unknown): Promise<Response> {
  return ctx.app.request(path, {
    method,
    headers: { ...(key === null ? {} : bearer(key)), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The fixture stores and keys, plus an admin key for every store and an admin key limited to S12. */
export async function seedAdminKeys(ctx: TestContext) {
  const seeded = await seedStoresAndKeys(ctx);
  const chainAdmin = await createApiKey(ctx.db.db, { name: "head office", storeIds: null, admin: true });
  const s12Admin = await createApiKey(ctx.db.db, { name: "S12 manager", storeIds: [seeded.s12.id], admin: true });
  return { ...seeded, chainAdmin: chainAdmin.key, chainAdminId: chainAdmin.id, s12Admin: s12Admin.key, s12AdminId: s12Admin.id };
}
