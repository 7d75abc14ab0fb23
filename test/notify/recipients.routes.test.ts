import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { recipients } from "../../src/db/schema/index.js";
import { bearer, seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { expectJson, expectProblem } from "../helpers/sync-requests.js";

const ctx = useTestContext();

interface RecipientBody {
  id: number;
  email: string;
  name: string | null;
  role: "manager" | "staff";
  kinds: string[];
  urgentEmails: boolean;
  digest: boolean;
  digestTime: string;
  quietStart: string | null;
  quietEnd: string | null;
  createdAt: string;
}

function send(method: "POST" | "PATCH" | "DELETE", path: string, key: string | null, body?: unknown) {
  return ctx.app.request(path, {
    method,
    headers: { ...(key === null ? {} : bearer(key)), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function get(path: string, key: string | null) {
  return ctx.app.request(path, { headers: key === null ? {} : bearer(key) });
}

async function addRecipient(key: string, store: string, body: unknown): Promise<RecipientBody> {
  return expectJson<RecipientBody>(await send("POST", `/v1/stores/${store}/recipients`, key, body), 201);
}

async function listed(key: string, store: string): Promise<RecipientBody[]> {
  return (await expectJson<{ recipients: RecipientBody[] }>(await get(`/v1/stores/${store}/recipients`, key), 200)).recipients;
}

const isoTime = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

describe("POST /v1/stores/:store/recipients", () => {
  it("adds a recipient with the email lower-cased and the defaults filled in", async () => {
    const { chainKey, s12 } = await seedStoresAndKeys(ctx);
    const ana = await addRecipient(chainKey, "S12", { email: "Ana.Manager@Store12.Example", name: "  Ana Ruiz " });
    expect(ana).toEqual({
      id: expect.any(Number),
      email: "ana.manager@store12.example",
      name: "Ana Ruiz",
      role: "manager",
      kinds: ["promotion_stockout", "out_of_stock", "delivery_stockout", "stale_feed"],
      urgentEmails: true,
      digest: true,
      digestTime: "07:00",
      quietStart: null,
      quietEnd: null,
      createdAt: isoTime,
    });
    const [row] = await ctx.db.db.select().from(recipients).where(eq(recipients.id, ana.id));
    expect({ storeId: row!.storeId, email: row!.email }).toEqual({ storeId: s12.id, email: "ana.manager@store12.example" });

    const cy = await addRecipient(chainKey, "Mt Auburn", {
      email: "cy.staff@store12.example",
      role: "staff",
      kinds: ["out_of_stock"],
      urgentEmails: false,
      digest: true,
      digestTime: "06:30",
      quietStart: "22:00",
      quietEnd: "06:00",
    });
    expect(cy).toEqual({
      id: expect.any(Number),
      email: "cy.staff@store12.example",
      name: null,
      role: "staff",
      kinds: ["out_of_stock"],
      urgentEmails: false,
      digest: true,
      digestTime: "06:30",
      quietStart: "22:00",
      quietEnd: "06:00",
      createdAt: isoTime,
    });
  });

  it("answers 409 naming the email when the address already receives the store's alerts, in any case", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    await addRecipient(chainKey, "S12", { email: "ana.manager@store12.example", name: "Ana" });
    for (const email of ["ana.manager@store12.example", "ANA.Manager@STORE12.example"]) {
      const problem = await expectProblem(await send("POST", "/v1/stores/S12/recipients", chainKey, { email, name: "Ana again" }), 409, "conflict");
      expect(problem.errors, email).toEqual([{ field: "email", reason: "already a recipient" }]);
      expect(problem.detail).toBe("ana.manager@store12.example already receives this store's alerts");
    }
    const s12 = await listed(chainKey, "S12");
    expect(s12.map((r) => [r.email, r.name])).toEqual([["ana.manager@store12.example", "Ana"]]);
    // the same person may receive another store's alerts
    expect((await addRecipient(chainKey, "S7", { email: "Ana.Manager@store12.example" })).email).toBe("ana.manager@store12.example");
  });

  it("refuses a bad recipient with 422 naming the field, and stores nothing", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const good = { email: "ana.manager@store12.example" };
    for (const [body, field] of [
      [{ email: "ana.manager" }, "email"],
      [{ email: "ana manager@store12.example" }, "email"],
      [{}, "email"],
      [{ ...good, digestTime: "7am" }, "digestTime"],
      [{ ...good, digestTime: "24:00" }, "digestTime"],
      [{ ...good, digestTime: "7:00" }, "digestTime"],
      [{ ...good, quietStart: "22:00" }, "quietStart"],
      [{ ...good, quietStart: "22:00", quietEnd: null }, "quietStart"],
      [{ ...good, quietEnd: "06:00" }, "quietStart"],
      [{ ...good, quietStart: "10pm", quietEnd: "06:00" }, "quietStart"],
      [{ ...good, kinds: ["low_stock"] }, "kinds/0"],
      [{ ...good, kinds: ["out_of_stock", "everything"] }, "kinds/1"],
      [{ ...good, kinds: [] }, "kinds"],
      [{ ...good, role: "owner" }, "role"],
      [{ ...good, urgentEmails: "yes" }, "urgentEmails"],
      [{ ...good, name: "" }, "name"],
    ] as const) {
      const problem = await expectProblem(await send("POST", "/v1/stores/S12/recipients", chainKey, body), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.field), JSON.stringify(body)).toEqual([field]);
    }
    expect(await listed(chainKey, "S12")).toEqual([]);
  });

  it("answers 404 for an unknown store and 401 without an API key", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const unknown = await expectProblem(await send("POST", "/v1/stores/S99/recipients", chainKey, { email: "a@b.example" }), 404, "not_found");
    expect(unknown.detail).toBe('no store "S99"');
    await expectProblem(await get("/v1/stores/S99/recipients", chainKey), 404, "not_found");
    for (const response of [
      await get("/v1/stores/S12/recipients", null),
      await send("POST", "/v1/stores/S12/recipients", null, { email: "a@b.example" }),
      await send("PATCH", "/v1/stores/S12/recipients/1", null, { digest: false }),
      await send("DELETE", "/v1/stores/S12/recipients/1", null),
    ]) {
      await expectProblem(response, 401, "unauthorized");
    }
    expect(await listed(chainKey, "S12")).toEqual([]);
  });
});

describe("GET /v1/stores/:store/recipients", () => {
  it("lists the store's recipients by email, and not another store's", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const ben = await addRecipient(chainKey, "S12", { email: "ben.manager@store12.example", name: "Ben" });
    const ana = await addRecipient(chainKey, "S12", { email: "ana.manager@store12.example", name: "Ana" });
    const dee = await addRecipient(chainKey, "S7", { email: "dee.manager@store7.example", name: "Dee" });
    expect(await listed(chainKey, "S12")).toEqual([ana, ben]);
    expect(await listed(chainKey, "Harbour")).toEqual([dee]);
  });
});

describe("PATCH /v1/stores/:store/recipients/:id", () => {
  it("changes the fields given and keeps the rest", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const ana = await addRecipient(chainKey, "S12", { email: "ana.manager@store12.example", name: "Ana" });
    const changed = await expectJson<RecipientBody>(
      await send("PATCH", `/v1/stores/S12/recipients/${ana.id}`, chainKey, { role: "staff", kinds: ["out_of_stock", "stale_feed"], urgentEmails: false, digestTime: "06:15", quietStart: "21:00", quietEnd: "07:00" }),
      200,
    );
    expect(changed).toEqual({ ...ana, role: "staff", kinds: ["out_of_stock", "stale_feed"], urgentEmails: false, digestTime: "06:15", quietStart: "21:00", quietEnd: "07:00" });
    expect(await listed(chainKey, "S12")).toEqual([changed]);

    // quiet hours off again, and the name cleared
    const cleared = await expectJson<RecipientBody>(await send("PATCH", `/v1/stores/S12/recipients/${ana.id}`, chainKey, { quietStart: null, quietEnd: null, name: null }), 200);
    expect(cleared).toEqual({ ...changed, quietStart: null, quietEnd: null, name: null });

    // nothing to change: the recipient as it is
    expect(await expectJson<RecipientBody>(await send("PATCH", `/v1/stores/S12/recipients/${ana.id}`, chainKey, {}), 200)).toEqual(cleared);
  });

  it("refuses bad changes naming the field, and leaves the recipient as it was", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const ana = await addRecipient(chainKey, "S12", { email: "ana.manager@store12.example", name: "Ana" });
    for (const [body, field] of [
      [{ digestTime: "7am" }, "digestTime"],
      [{ quietStart: "22:00" }, "quietStart"],
      [{ quietStart: "22:00", quietEnd: null }, "quietStart"],
      [{ kinds: ["low_stock"] }, "kinds/0"],
      [{ role: "owner" }, "role"],
    ] as const) {
      const problem = await expectProblem(await send("PATCH", `/v1/stores/S12/recipients/${ana.id}`, chainKey, body), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.field), JSON.stringify(body)).toContain(field);
    }
    const bad = await expectProblem(await send("PATCH", "/v1/stores/S12/recipients/abc", chainKey, { digest: false }), 422, "validation_failed");
    expect(bad.errors?.map((e) => e.field)).toEqual(["id"]);
    expect(await listed(chainKey, "S12")).toEqual([ana]);
  });

  it("answers 404 for a recipient of another store, and for an unknown one", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const dee = await addRecipient(chainKey, "S7", { email: "dee.manager@store7.example", name: "Dee" });
    const problem = await expectProblem(await send("PATCH", `/v1/stores/S12/recipients/${dee.id}`, chainKey, { digest: false }), 404, "not_found");
    expect(problem.detail).toBe(`no recipient ${dee.id} at store S12`);
    await expectProblem(await send("PATCH", "/v1/stores/S12/recipients/999", chainKey, { digest: false }), 404, "not_found");
    // an empty change reads the recipient, which is not S12's either
    await expectProblem(await send("PATCH", `/v1/stores/S12/recipients/${dee.id}`, chainKey, {}), 404, "not_found");
    expect(await listed(chainKey, "S7")).toEqual([dee]);
  });
});

describe("DELETE /v1/stores/:store/recipients/:id", () => {
  it("removes the recipient (204), then answers 404", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const ana = await addRecipient(chainKey, "S12", { email: "ana.manager@store12.example" });
    const ben = await addRecipient(chainKey, "S12", { email: "ben.manager@store12.example" });
    const removed = await send("DELETE", `/v1/stores/S12/recipients/${ana.id}`, chainKey);
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe("");
    expect(await listed(chainKey, "S12")).toEqual([ben]);
    const again = await expectProblem(await send("DELETE", `/v1/stores/S12/recipients/${ana.id}`, chainKey), 404, "not_found");
    expect(again.detail).toBe(`no recipient ${ana.id} at store S12`);
    await expectProblem(await send("PATCH", `/v1/stores/S12/recipients/${ana.id}`, chainKey, { digest: false }), 404, "not_found");
  });

  it("does not remove another store's recipient through this store", async () => {
    const { chainKey } = await seedStoresAndKeys(ctx);
    const dee = await addRecipient(chainKey, "S7", { email: "dee.manager@store7.example" });
    await expectProblem(await send("DELETE", `/v1/stores/S12/recipients/${dee.id}`, chainKey), 404, "not_found");
    expect(await listed(chainKey, "S7")).toEqual([dee]);
  });
});

describe("recipients and a key limited to one store", () => {
  it("manages its own store's recipients and gets 403 on another store's", async () => {
    const { chainKey, s12Key } = await seedStoresAndKeys(ctx);
    const dee = await addRecipient(chainKey, "S7", { email: "dee.manager@store7.example", name: "Dee" });
    const ana = await addRecipient(s12Key, "S12", { email: "ana.manager@store12.example" });
    expect(await listed(s12Key, "S12")).toEqual([ana]);

    for (const response of [
      await get("/v1/stores/S7/recipients", s12Key),
      await get("/v1/stores/Harbour/recipients", s12Key),
      await send("POST", "/v1/stores/S7/recipients", s12Key, { email: "eve@store7.example" }),
      await send("PATCH", `/v1/stores/S7/recipients/${dee.id}`, s12Key, { urgentEmails: false }),
      await send("DELETE", `/v1/stores/S7/recipients/${dee.id}`, s12Key),
    ]) {
      const problem = await expectProblem(response, 403, "forbidden_store");
      expect(problem.detail).toBe("this API key may not use store S7");
    }
    expect(await listed(chainKey, "S7")).toEqual([dee]);
  });

  it("cannot reach another store's recipient through its own store's path, nor take over its email", async () => {
    const { chainKey, s12Key } = await seedStoresAndKeys(ctx);
    const dee = await addRecipient(chainKey, "S7", { email: "dee.manager@store7.example", name: "Dee" });
    await expectProblem(await send("PATCH", `/v1/stores/S12/recipients/${dee.id}`, s12Key, { urgentEmails: false }), 404, "not_found");
    await expectProblem(await send("DELETE", `/v1/stores/S12/recipients/${dee.id}`, s12Key), 404, "not_found");
    // the same email at S12 is S12's own recipient, not S7's moved over
    const own = await addRecipient(s12Key, "S12", { email: "Dee.Manager@store7.example", urgentEmails: false });
    expect(own.id).not.toBe(dee.id);
    expect(await listed(chainKey, "S7")).toEqual([dee]);
  });
});
