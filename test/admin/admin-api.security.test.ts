import { describe, expect, it } from "vitest";
import { createUser } from "../../src/dashboard/users.js";
import { adminRequest, seedAdminKeys } from "../helpers/admin-api.js";
import { useTestContext } from "../helpers/context.js";
import { TEST_PASSWORD } from "../helpers/dashboard.js";
import { expectJson, expectProblem } from "../helpers/sync-requests.js";

const ctx = useTestContext();

describe("who may use the admin API", () => {
  it("refuses a request without a key (401), with a key that is not an admin key (403) and with a revoked admin key (401)", async () => {
    const { chainKey, chainAdmin, chainAdminId } = await seedAdminKeys(ctx);
    const missing = await expectProblem(await adminRequest(ctx, "GET", "/v1/admin/stores", null), 401, "unauthorized");
    expect(missing.detail).toContain("Authorization: Bearer");
    await expectProblem(await adminRequest(ctx, "GET", "/v1/admin/stores", "sw_not-a-key"), 401, "unauthorized");
    for (const [method, path, body] of [
      ["GET", "/v1/admin/stores", undefined],
      ["POST", "/v1/admin/stores", { code: "S03", name: "Store 3", timeZone: "UTC" }],
      ["POST", "/v1/admin/keys", { name: "mine", stores: "all", admin: true }],
      ["GET", "/v1/admin/users", undefined],
    ] as const) {
      await expectProblem(await adminRequest(ctx, method, path, chainKey, body), 403, "admin_required");
    }
    // revoked with another admin key, refused on its very next request
    const { key: second } = await expectJson<{ key: string }>(await adminRequest(ctx, "POST", "/v1/admin/keys", chainAdmin, { name: "deputy", stores: "all", admin: true }), 201);
    expect((await adminRequest(ctx, "DELETE", `/v1/admin/keys/${chainAdminId}`, second)).status).toBe(204);
    await expectProblem(await adminRequest(ctx, "GET", "/v1/admin/stores", chainAdmin), 401, "unauthorized");
  });
});

describe("an admin limited to store S12", () => {
  it("sees and changes only S12, and gets 403 for S7 in every resource", async () => {
    const { s12Admin, chainAdmin } = await seedAdminKeys(ctx);
    const listed = await expectJson<{ stores: Array<{ code: string }> }>(await adminRequest(ctx, "GET", "/v1/admin/stores", s12Admin), 200);
    expect(listed.stores.map((s) => s.code)).toEqual(["S12"]);
    expect((await adminRequest(ctx, "PATCH", "/v1/admin/stores/S12", s12Admin, { name: "Store 12 renamed" })).status).toBe(200);

    const refused: Array<[string, string, unknown]> = [
      ["GET", "/v1/admin/stores/S7", undefined],
      ["GET", "/v1/admin/stores/Harbour", undefined],
      ["PATCH", "/v1/admin/stores/S7", { name: "Mine now" }],
      ["PUT", "/v1/admin/stores/S7/thresholds", { alertProbability: 0.9, resolveProbability: 0.1 }],
      ["POST", "/v1/admin/stores/S7/aliases", { aliases: ["taken over"] }],
      ["DELETE", "/v1/admin/stores/S7/aliases/harbour", undefined],
      ["GET", "/v1/admin/stores/S7/recipients", undefined],
      ["POST", "/v1/admin/stores/S7/recipients", { email: "spy@example.com" }],
      ["DELETE", "/v1/admin/stores/S7/recipients/1", undefined],
      ["POST", "/v1/admin/stores", { code: "S03", name: "Store 3", timeZone: "UTC" }],
    ];
    for (const [method, path, body] of refused) {
      const problem = await expectProblem(await adminRequest(ctx, method as "GET", path, s12Admin, body), 403, "forbidden_store");
      expect(problem.detail, `${method} ${path}`).toContain("administers only those stores");
    }
    // S7 is as it was
    const s7 = await expectJson<{ name: string; aliases: string[]; alertProbability: number }>(await adminRequest(ctx, "GET", "/v1/admin/stores/S7", chainAdmin), 200);
    expect(s7).toMatchObject({ name: "Store 7 Harbour", aliases: ["harbour"], alertProbability: 0.5 });
  });

  it("creates keys only for S12, lists and revokes only keys limited to S12", async () => {
    const { s12Admin, chainAdminId } = await seedAdminKeys(ctx);
    const all = await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/keys", s12Admin, { name: "everywhere", stores: "all", admin: true }), 403, "forbidden_store");
    expect(all.errors).toEqual([{ field: "stores", reason: "name your own stores instead of all" }]);
    const other = await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/keys", s12Admin, { name: "both", stores: ["S12", "S7"] }), 403, "forbidden_store");
    expect(other.errors).toEqual([{ field: "stores/1", reason: "store S7 is not yours to administer" }]);

    const till = await expectJson<{ id: number; key: string }>(await adminRequest(ctx, "POST", "/v1/admin/keys", s12Admin, { name: "S12 till 2", stores: ["Mt Auburn"] }), 201);
    const { keys } = await expectJson<{ keys: Array<{ name: string }> }>(await adminRequest(ctx, "GET", "/v1/admin/keys", s12Admin), 200);
    expect(keys.map((k) => k.name)).toEqual(["s12 till", "S12 manager", "S12 till 2"]);
    await expectProblem(await adminRequest(ctx, "DELETE", `/v1/admin/keys/${chainAdminId}`, s12Admin), 403, "forbidden_store");
    expect((await adminRequest(ctx, "DELETE", `/v1/admin/keys/${till.id}`, s12Admin)).status).toBe(204);
  });

  it("creates, changes and removes only users who see S12 alone", async () => {
    const { s12Admin, s12, s7 } = await seedAdminKeys(ctx);
    const now = ctx.clock.now();
    const chainUser = await createUser(ctx.db.db, { email: "head@example.com", name: "Head", role: "manager", storeIds: null, password: TEST_PASSWORD }, now);
    const bothUser = await createUser(ctx.db.db, { email: "both@example.com", name: "Both", role: "manager", storeIds: [s12.id, s7.id], password: TEST_PASSWORD }, now);
    const s12User = await createUser(ctx.db.db, { email: "s12@example.com", name: "Twelve", role: "staff", storeIds: [s12.id], password: TEST_PASSWORD }, now);

    const { users } = await expectJson<{ users: Array<{ email: string }> }>(await adminRequest(ctx, "GET", "/v1/admin/users", s12Admin), 200);
    expect(users.map((u) => u.email)).toEqual(["s12@example.com"]);
    for (const id of [chainUser.id, bothUser.id]) {
      await expectProblem(await adminRequest(ctx, "GET", `/v1/admin/users/${id}`, s12Admin), 403, "forbidden_store");
      await expectProblem(await adminRequest(ctx, "PATCH", `/v1/admin/users/${id}`, s12Admin, { password: "taken over pass phrase" }), 403, "forbidden_store");
      await expectProblem(await adminRequest(ctx, "DELETE", `/v1/admin/users/${id}`, s12Admin), 403, "forbidden_store");
    }
    // no widening of its own users beyond its stores either
    const widened = await expectProblem(await adminRequest(ctx, "PATCH", `/v1/admin/users/${s12User.id}`, s12Admin, { stores: ["S12", "S7"] }), 403, "forbidden_store");
    expect(widened.errors).toEqual([{ field: "stores/1", reason: "store S7 is not yours to administer" }]);
    await expectProblem(
      await adminRequest(ctx, "POST", "/v1/admin/users", s12Admin, { email: "new@example.com", name: "New", role: "staff", stores: "all", password: TEST_PASSWORD }),
      403,
      "forbidden_store",
    );
    expect((await adminRequest(ctx, "PATCH", `/v1/admin/users/${s12User.id}`, s12Admin, { role: "manager", admin: true })).status).toBe(200);
    expect((await adminRequest(ctx, "DELETE", `/v1/admin/users/${s12User.id}`, s12Admin)).status).toBe(204);
  });

  it("cannot take another store's alias, nor a name that stands for it", async () => {
    const { s12Admin } = await seedAdminKeys(ctx);
    await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/aliases", s12Admin, { aliases: ["S7"] }), 409, "conflict");
    await expectProblem(await adminRequest(ctx, "PATCH", "/v1/admin/stores/S12", s12Admin, { name: "harbour" }), 409, "conflict");
  });
});

