import { describe, expect, it } from "vitest";
import { adminRequest, seedAdminKeys } from "../helpers/admin-api.js";
import { bearer, useTestContext } from "../helpers/context.js";
import { expectJson, expectProblem } from "../helpers/sync-requests.js";

const ctx = useTestContext();

/** A 422 whose errors name these fields. */
async function expectFields(response: Response, fields: string[]) {
  const problem = await expectProblem(response, 422, "validation_failed");
  expect(problem.errors?.map((e) => e.field)).toEqual(fields);
  return problem;
}

describe("the admin API refuses bad input, naming the field", () => {
  it("stores: an unknown time zone, an empty name, a negative feed interval", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    await expectFields(await adminRequest(ctx, "POST", "/v1/admin/stores", chainAdmin, { code: "S03", name: "", timeZone: "Mars/Olympus" }), ["name", "timeZone"]);
    await expectFields(await adminRequest(ctx, "PATCH", "/v1/admin/stores/S12", chainAdmin, { feedIntervalMinutes: -5 }), ["feedIntervalMinutes"]);
    const problem = await expectFields(await adminRequest(ctx, "PATCH", "/v1/admin/stores/S12", chainAdmin, { timeZone: "EST5EDT!" }), ["timeZone"]);
    expect(problem.errors![0]!.reason).toBe("must be an IANA time zone such as America/New_York");
    await expectFields(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/aliases", chainAdmin, { aliases: [] }), ["aliases"]);
  });

  it("stores: a code, name or alias that already names a store is a conflict, and moves nothing", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    const sameCode = await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/stores", chainAdmin, { code: "S12", name: "Another", timeZone: "UTC" }), 409, "conflict");
    expect(sameCode.errors).toEqual([{ field: "code", reason: '"S12" already names store S12' }]);
    const aliasOfOther = await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/stores", chainAdmin, { code: "S03", name: "Store 3", timeZone: "UTC", aliases: ["ok", "harbour"] }), 409, "conflict");
    expect(aliasOfOther.errors).toEqual([{ field: "aliases/1", reason: '"harbour" already names store S7' }]);
    // nothing of the refused store was kept
    expect((await adminRequest(ctx, "GET", "/v1/admin/stores/S03", chainAdmin)).status).toBe(404);
    const taken = await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/aliases", chainAdmin, { aliases: ["new name", "Harbour"] }), 409, "conflict");
    expect(taken.errors).toEqual([{ field: "aliases/1", reason: '"Harbour" already names store S7' }]);
    const s12 = await expectJson<{ aliases: string[] }>(await adminRequest(ctx, "GET", "/v1/admin/stores/S12", chainAdmin), 200);
    expect(s12.aliases).toEqual(["mt auburn"]);
    const s7 = await expectJson<{ aliases: string[] }>(await adminRequest(ctx, "GET", "/v1/admin/stores/S7", chainAdmin), 200);
    expect(s7.aliases).toEqual(["harbour"]);
    const renamed = await expectProblem(await adminRequest(ctx, "PATCH", "/v1/admin/stores/S12", chainAdmin, { name: "Store 7 Harbour" }), 409, "conflict");
    expect(renamed.errors).toEqual([{ field: "name", reason: '"Store 7 Harbour" already names store S7' }]);
  });

  it("thresholds: out of range, or a resolve probability not below the alert one", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    await expectFields(await adminRequest(ctx, "PUT", "/v1/admin/stores/S12/thresholds", chainAdmin, { alertProbability: 1.5, resolveProbability: 0.2 }), ["alertProbability"]);
    const flapping = await expectFields(await adminRequest(ctx, "PUT", "/v1/admin/stores/S12/thresholds", chainAdmin, { alertProbability: 0.4, resolveProbability: 0.6 }), ["resolveProbability"]);
    expect(flapping.errors![0]!.reason).toContain("below alertProbability");
    await expectFields(await adminRequest(ctx, "PUT", "/v1/admin/stores/S12/thresholds", chainAdmin, { alertProbability: 0.4 }), ["resolveProbability"]);
  });

  it("keys and users: unknown stores, a bad access list, a bad email, a short password, a taken email", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    const unknown = await expectFields(await adminRequest(ctx, "POST", "/v1/admin/keys", chainAdmin, { name: "till", stores: ["S12", "S99"] }), ["stores/1"]);
    expect(unknown.errors![0]!.reason).toBe('no store "S99"');
    await expectFields(await adminRequest(ctx, "POST", "/v1/admin/keys", chainAdmin, { name: "till", stores: "everything" }), ["stores"]);
    await expectFields(await adminRequest(ctx, "POST", "/v1/admin/keys", chainAdmin, { name: " ", stores: [] }), ["name", "stores"]);
    await expectFields(
      await adminRequest(ctx, "POST", "/v1/admin/users", chainAdmin, { email: "not an email", name: "Bo", role: "owner", stores: ["S7"], password: "short" }),
      ["email", "role", "password"],
    );
    const user = { email: "bo@example.com", name: "Bo", role: "staff", stores: ["S7"], password: "correct horse battery staple" };
    await expectJson(await adminRequest(ctx, "POST", "/v1/admin/users", chainAdmin, user), 201);
    const again = await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/users", chainAdmin, { ...user, email: "BO@example.com" }), 409, "conflict");
    expect(again.errors).toEqual([{ field: "email", reason: "already has an account" }]);
    await expectFields(await adminRequest(ctx, "PATCH", "/v1/admin/users/1", chainAdmin, { stores: [] }), ["stores"]);
  });

  it("recipients: a bad email, a time that is no time, a recipient already there", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    await expectFields(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/recipients", chainAdmin, { email: "ana@", digestTime: "25:00" }), ["email", "digestTime"]);
    await expectJson(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/recipients", chainAdmin, { email: "ana@example.com" }), 201);
    const again = await expectProblem(await adminRequest(ctx, "POST", "/v1/admin/stores/S12/recipients", chainAdmin, { email: "ANA@example.com" }), 409, "conflict");
    expect(again.errors).toEqual([{ field: "email", reason: "already a recipient" }]);
  });

  it("answers 404 for what does not exist and 415/400 for a body that is not JSON", async () => {
    const { chainAdmin } = await seedAdminKeys(ctx);
    await expectProblem(await adminRequest(ctx, "GET", "/v1/admin/stores/S99", chainAdmin), 404, "not_found");
    await expectProblem(await adminRequest(ctx, "DELETE", "/v1/admin/keys/999", chainAdmin), 404, "not_found");
    await expectProblem(await adminRequest(ctx, "PATCH", "/v1/admin/users/999", chainAdmin, { name: "X" }), 404, "not_found");
    await expectProblem(await adminRequest(ctx, "DELETE", "/v1/admin/stores/S12/aliases/nowhere", chainAdmin), 404, "not_found");
    await expectProblem(await adminRequest(ctx, "DELETE", "/v1/admin/stores/S12/recipients/999", chainAdmin), 404, "not_found");
    await expectProblem(await adminRequest(ctx, "GET", "/v1/admin/keys/abc", chainAdmin), 404, "not_found");
    const path = await expectProblem(await adminRequest(ctx, "DELETE", "/v1/admin/keys/abc", chainAdmin), 422, "validation_failed");
    expect(path.errors?.map((e) => e.field)).toEqual(["id"]);
    await expectProblem(
      await ctx.app.request("/v1/admin/stores", { method: "POST", headers: { ...bearer(chainAdmin), "content-type": "text/plain" }, body: "code=S03" }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(
      await ctx.app.request("/v1/admin/stores", { method: "POST", headers: { ...bearer(chainAdmin), "content-type": "application/json" }, body: "{code:" }),
      400,
      "invalid_json",
    );
  });
});
