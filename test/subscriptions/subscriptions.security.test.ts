import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { createApiKey } from "../../src/http/api-keys.js";
import { createStore } from "../../src/stores/store-admin.js";
import { suppressEmail } from "../../src/subscriptions/customer-identity.js";
import { seedStoresAndKeys, storeFixtures, useTestContext, type TestContext } from "../helpers/context.js";
import { postJson, postStock } from "../notify/alert-fixtures.js";

const PER_IP = 5;
const PER_ADDRESS = 3;
const ctx = useTestContext({
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  PUBLIC_URL: "https://shelfwatch.example",
  RATE_LIMIT_PER_IP: String(PER_IP),
  RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS),
  TRUST_PROXY: "true",
});

let lastIp = 0;
/** A client address of its own for each request, so that only the limit under test can refuse it. */
function freshIp(): string {
  lastIp += 1;
  return `10.${(lastIp >> 16) & 255}.${(lastIp >> 8) & 255}.${lastIp & 255}`;
}

async function postPublic(path: string, body: unknown, options: { ip?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  return ctx.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": options.ip ?? freshIp(), ...options.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const subscribe = (email: string, options: { ip?: string; extra?: Record<string, unknown> } = {}) =>
  postPublic("/v1/subscriptions", { email, store: "S12", sku: "0001", ...options.extra }, options);

const askForData = (email: string, options: { ip?: string } = {}) => postPublic("/v1/privacy/requests", { email }, options);

async function postForm(path: string, form: Record<string, string>, ip = freshIp()): Promise<Response> {
  return ctx.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html", "x-forwarded-for": ip },
    body: new URLSearchParams(form).toString(),
  });
}

async function expectRateLimited(res: Response, retryAfterSeconds?: number): Promise<void> {
  expect(res.status, await res.clone().text()).toBe(429);
  const retryAfter = res.headers.get("retry-after");
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  expect(Number(retryAfter)).toBeLessThanOrEqual(3600);
  if (retryAfterSeconds !== undefined) expect(Number(retryAfter)).toBe(retryAfterSeconds);
  if (!res.headers.get("content-type")?.startsWith("text/html")) {
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 429, code: "rate_limited" });
  }
}

async function subscriptionRows(c: TestContext) {
  return queryRows<{ email: string; store: string; status: string; request_id: string; restock: boolean; deals: boolean }>(
    c.db.db,
    sql`select s.email, st.code as store, s.status, s.request_id, s.restock, s.deals
        from subscriptions s join stores st on st.id = s.store_id order by s.id`,
  );
}

async function outboxRows(c: TestContext) {
  return queryRows<{ recipient: string; category: string; subject: string; text_body: string; html_body: string }>(
    c.db.db,
    sql`select recipient, category, subject, text_body, html_body from outbox order by id`,
  );
}

/** The two fixture stores and Tomatoes 1 kg (SKU 0001), out of stock at S12. */
async function seed(c: TestContext) {
  const keys = await seedStoresAndKeys(c);
  await postStock(c, keys.chainKey, 0);
  return keys;
}

/** What a client can observe of a response, minus what differs on every request. */
async function observable(res: Response) {
  const headers = Object.fromEntries([...res.headers].filter(([name]) => !["x-request-id", "date"].includes(name)));
  return { status: res.status, headers, body: await res.text() };
}

describe("rate limits on the public endpoints", () => {
  it("refuses the request after the limit about one address with 429 and Retry-After, from any client address, until the next hour", async () => {
    await seed(ctx);
    ctx.clock.set("2026-11-20T15:20:30Z");
    for (let i = 0; i < PER_ADDRESS; i += 1) {
      expect((await subscribe("shopper@example.com")).status).toBe(202);
      ctx.clock.advance(10_000);
    }
    // 15:21:00
    await expectRateLimited(await subscribe("shopper@example.com"), 2340);
    // the same address written differently is the same address
    await expectRateLimited(await subscribe("  SHOPPER@Example.com "));

    // other addresses from other clients are not affected
    expect((await subscribe("someone.else@example.com")).status).toBe(202);
    // a refused request wrote nothing: one pending row, a confirmation per accepted request
    expect((await subscriptionRows(ctx)).filter((r) => r.email === "shopper@example.com")).toHaveLength(1);
    expect((await outboxRows(ctx)).filter((r) => r.recipient === "shopper@example.com")).toHaveLength(PER_ADDRESS);

    // still refused at the end of the hour, allowed again in the next one
    ctx.clock.set("2026-11-20T15:59:59Z");
    await expectRateLimited(await subscribe("shopper@example.com"), 1);
    ctx.clock.set("2026-11-20T16:00:00Z");
    expect((await subscribe("shopper@example.com")).status).toBe(202);
  });

  it("refuses the request after the limit from one client address, whatever the email address", async () => {
    await seed(ctx);
    const ip = "198.51.100.7";
    for (let i = 0; i < PER_IP; i += 1) expect((await subscribe(`shopper${i}@example.com`, { ip })).status).toBe(202);
    await expectRateLimited(await subscribe("one.more@example.com", { ip }), 3600);
    expect((await subscribe("one.more@example.com", { ip: "198.51.100.8" })).status).toBe(202);
    ctx.clock.advance(3600_000);
    expect((await subscribe("and.again@example.com", { ip })).status).toBe(202);
  });

  it("counts the address our proxy saw, not one the client wrote into X-Forwarded-For", async () => {
    await seed(ctx);
    // the proxy appends the peer it saw; whatever the client sent comes first and proves nothing
    const viaProxy = (i: number) => ({ ip: `192.0.2.${i}, 198.51.100.9` });
    for (let i = 0; i < PER_IP; i += 1) expect((await subscribe(`spoofer${i}@example.com`, viaProxy(i))).status).toBe(202);
    await expectRateLimited(await subscribe("spoofer.next@example.com", viaProxy(99)));
  });

  it("limits privacy requests the same way, per address and per client", async () => {
    await seed(ctx);
    for (let i = 0; i < PER_ADDRESS; i += 1) expect((await askForData("curious@example.com")).status).toBe(202);
    await expectRateLimited(await askForData("curious@example.com"), 3600);
    expect((await askForData("other@example.com")).status).toBe(202);

    const ip = "203.0.113.50";
    for (let i = 0; i < PER_IP; i += 1) expect((await askForData(`asker${i}@example.com`, { ip })).status).toBe(202);
    await expectRateLimited(await askForData("asker.next@example.com", { ip }));

    ctx.clock.advance(3600_000);
    expect((await askForData("curious@example.com")).status).toBe(202);
    expect((await askForData("asker.next@example.com", { ip })).status).toBe(202);
  });

  it("counts subscribe and privacy requests about one address together", async () => {
    await seed(ctx);
    expect((await subscribe("both@example.com")).status).toBe(202);
    expect((await askForData("both@example.com")).status).toBe(202);
    expect((await subscribe("both@example.com")).status).toBe(202);
    await expectRateLimited(await askForData("both@example.com"));
  });

  it("answers the item page's form with a 429 page and Retry-After", async () => {
    await seed(ctx);
    for (let i = 0; i < PER_ADDRESS; i += 1) {
      const res = await postForm("/s/S12/0001", { email: "formfiller@example.com", restock: "on" });
      expect(res.status, await res.clone().text()).toBe(202);
    }
    const refused = await postForm("/s/S12/0001", { email: "formfiller@example.com", restock: "on" });
    await expectRateLimited(refused, 3600);
    expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await refused.text()).toContain("Too many requests");

    // the JSON endpoint and the form share the counters
    await expectRateLimited(await subscribe("formfiller@example.com"));
  });
});

describe("no enumeration of subscribers", () => {
  it("answers a subscribe request the same for an unknown, a pending, a confirmed and a suppressed address", async () => {
    await seed(ctx);
    expect((await subscribe("pending@example.com")).status).toBe(202);
    expect((await subscribe("confirmed@example.com")).status).toBe(202);
    const confirmation = (await outboxRows(ctx)).find((r) => r.recipient === "confirmed@example.com")!;
    const confirmPath = /https:\/\/shelfwatch\.example(\/c\/[A-Za-z0-9_.-]+)/.exec(confirmation.text_body)![1]!;
    const confirmed = await ctx.app.request(confirmPath, { method: "POST", headers: { accept: "application/json" } });
    expect(await confirmed.json()).toEqual({ status: "confirmed" });
    await suppressEmail(ctx.db.db, "suppressed@example.com", "asked to stop all email", ctx.clock.now());

    const answers = [];
    for (const email of ["unknown@example.com", "pending@example.com", "confirmed@example.com", "suppressed@example.com"]) {
      answers.push(await observable(await subscribe(email)));
    }
    expect(answers[0]!.status).toBe(202);
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    // the differences are real, they just do not show: no email to the active or suppressed address
    const states = await subscriptionRows(ctx);
    expect(states.find((r) => r.email === "confirmed@example.com")!.status).toBe("active");
    expect((await outboxRows(ctx)).filter((r) => r.recipient === "suppressed@example.com")).toEqual([]);
  });

  it("answers a privacy request the same whether or not anything is held about the address", async () => {
    await seed(ctx);
    expect((await subscribe("known@example.com")).status).toBe(202);
    await suppressEmail(ctx.db.db, "stopped@example.com", "asked to stop all email", ctx.clock.now());
    const answers = [];
    for (const email of ["stranger@example.com", "known@example.com", "stopped@example.com"]) answers.push(await observable(await askForData(email)));
    expect(answers[0]!.status).toBe(202);
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    expect((await outboxRows(ctx)).map((r) => [r.recipient, r.category])).toEqual([
      ["known@example.com", "confirmation"],
      ["known@example.com", "privacy"],
    ]);
  });
});

describe("bounded bodies", () => {
  const padded = (bytes: number, pad = "x") => {
    const base = { email: "big@example.com", store: "S12", sku: "0001", pad: "" };
    const room = bytes - Buffer.byteLength(JSON.stringify(base));
    return JSON.stringify({ ...base, pad: pad.repeat(Math.floor(room / Buffer.byteLength(pad))) });
  };

  it("reads a JSON body of 4096 bytes and refuses one byte more with 413", async () => {
    await seed(ctx);
    const fits = padded(4096);
    expect(Buffer.byteLength(fits)).toBe(4096);
    expect((await postPublic("/v1/subscriptions", fits)).status).toBe(202);

    const tooBig = padded(4097);
    expect(Buffer.byteLength(tooBig)).toBe(4097);
    const res = await postPublic("/v1/subscriptions", tooBig);
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("counts bytes, not characters, and trusts neither a small nor a missing Content-Length", async () => {
    await seed(ctx);
    // 4 bytes in UTF-8 each: about 1,100 characters but over 4 KB
    const wide = padded(4400, "😀");
    expect(wide.length).toBeLessThan(4096);
    expect((await postPublic("/v1/subscriptions", wide)).status).toBe(413);
    expect((await postPublic("/v1/privacy/requests", JSON.stringify({ email: "big@example.com", pad: "x".repeat(5000) }))).status).toBe(413);
    // a declared length over the limit is refused before reading
    const declared = await postPublic("/v1/subscriptions", padded(5000), { headers: { "content-length": "5000" } });
    expect(declared.status).toBe(413);
    expect(await subscriptionRows(ctx)).toEqual([]);
    expect(await outboxRows(ctx)).toEqual([]);
  });

  it("refuses a form body over the limit with 413", async () => {
    await seed(ctx);
    const res = await postForm("/s/S12/0001", { email: "big@example.com", restock: "on", pad: "x".repeat(5000) });
    expect(res.status).toBe(413);
    expect(await subscriptionRows(ctx)).toEqual([]);
  });

  it("refuses a body that is not JSON by its content type with 415", async () => {
    await seed(ctx);
    const json = JSON.stringify({ email: "typed@example.com", store: "S12", sku: "0001" });
    for (const path of ["/v1/subscriptions", "/v1/privacy/requests"]) {
      for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
        const res = await postPublic(path, json, { headers: { "content-type": contentType } });
        expect(res.status, `${path} as "${contentType}"`).toBe(415);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(await res.json()).toMatchObject({ code: "unsupported_media_type" });
      }
    }
    expect((await postPublic("/v1/subscriptions", json, { headers: { "content-type": "application/json; charset=utf-8" } })).status).toBe(202);
  });
});

describe("strict email validation", () => {
  const tooLong = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(60)}.com`;
  const badAddresses: Array<[string, string]> = [
    ["no domain dot", "a@b"],
    ["no @", "no-at.example.com"],
    ["a space", "a b@example.com"],
    ["a header injection", "x@example.com\r\nBcc: evil@example.com"],
    ["a line feed only", "x@example.com\nBcc: evil@example.com"],
    ["angle brackets", "<a@example.com>"],
    ["a display name", "Name <a@example.com>"],
    ["two addresses", "a@example.com,b@example.com"],
    ["more than 254 characters", tooLong],
    ["nothing", ""],
    ["only spaces", "   "],
  ];

  it.each(badAddresses)("refuses an address with %s: 422 naming the email field, nothing stored or sent", async (_case, email) => {
    await seed(ctx);
    for (const res of [await subscribe(email), await askForData(email)]) {
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await res.json()) as { code: string; errors: Array<{ field: string; reason: string }> };
      expect(problem.code).toBe("validation_failed");
      expect(problem.errors.map((e) => e.field)).toContain("email");
    }
    expect(tooLong.length).toBeGreaterThan(254);
    expect(await subscriptionRows(ctx)).toEqual([]);
    expect(await outboxRows(ctx)).toEqual([]);
  });

  it("refuses an address that is not a string", async () => {
    await seed(ctx);
    for (const email of [null, 42, ["a@example.com"], { address: "a@example.com" }]) {
      const res = await postPublic("/v1/subscriptions", { email, store: "S12", sku: "0001" });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain("email");
    }
    expect(await subscriptionRows(ctx)).toEqual([]);
  });

  it("stores a valid address trimmed and lower-cased, and mails it there", async () => {
    await seed(ctx);
    expect((await subscribe("  Shopper.Name+Tomatoes@Example.COM \t")).status).toBe(202);
    expect((await subscriptionRows(ctx)).map((r) => r.email)).toEqual(["shopper.name+tomatoes@example.com"]);
    expect((await outboxRows(ctx)).map((r) => r.recipient)).toEqual(["shopper.name+tomatoes@example.com"]);
  });
});

describe("what a request names", () => {
  it("answers an unknown SKU or store with 404 naming the field, and stores nothing", async () => {
    await seed(ctx);
    const unknownSku = await subscribe("a@example.com", { extra: { sku: "9999" } });
    expect(unknownSku.status).toBe(404);
    expect(await unknownSku.json()).toMatchObject({ code: "not_found", errors: [{ field: "sku" }] });

    const unknownStore = await subscribe("a@example.com", { extra: { store: "S99" } });
    expect(unknownStore.status).toBe(404);
    expect(await unknownStore.json()).toMatchObject({ code: "not_found", errors: [{ field: "store" }] });
    expect(await subscriptionRows(ctx)).toEqual([]);
    expect(await outboxRows(ctx)).toEqual([]);
  });

  it('subscribes to every store with "all": one pending row per store under one request, one confirmation', async () => {
    await seed(ctx);
    expect((await subscribe("everywhere@example.com", { extra: { store: "ALL", deals: true } })).status).toBe(202);
    const rows = await subscriptionRows(ctx);
    expect(rows.map((r) => [r.store, r.status, r.restock, r.deals])).toEqual([
      ["S12", "pending", true, true],
      ["S7", "pending", true, true],
    ]);
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(1);
    const mail = await outboxRows(ctx);
    expect(mail.map((r) => [r.recipient, r.category])).toEqual([["everywhere@example.com", "confirmation"]]);
    expect(mail[0]!.subject).toBe("Confirm: tell me about Tomatoes 1 kg at any of our stores");
  });
});

describe("no HTML injection from any field", () => {
  const evilItem = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  const evilStore = `Corner "Shop" <b>& Sons</b>`;

  /** A store and item whose names a careless template would turn into markup. */
  async function evilNames() {
    await createStore(ctx.db.db, { ...storeFixtures.s12, name: evilStore, addressLine1: `1 "Main" <St>` });
    const key = (await createApiKey(ctx.db.db, { name: "feed", storeIds: null })).key;
    await postJson(ctx, "/v1/stock", key, { rows: [{ store: "S12", sku: "0001", onHand: 0, observedAt: ctx.clock.now().toISOString(), name: evilItem }] }, 201);
  }

  function expectNoMarkupFrom(html: string): void {
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    // an event handler inside a real tag
    expect(html).not.toMatch(/<[^>]*\sonerror=/i);
  }

  const escapedItem = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;";
  const escapedStore = "Corner &quot;Shop&quot; &lt;b&gt;&amp; Sons&lt;/b&gt;";

  it("escapes them on the item page", async () => {
    await evilNames();
    const res = await ctx.app.request("/s/S12/0001", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expectNoMarkupFrom(html);
    expect(html).toContain(escapedItem);
    expect(html).toContain(escapedStore);
  });

  it("escapes them in the confirmation email, and keeps the plain text as typed", async () => {
    await evilNames();
    expect((await subscribe("victim@example.com")).status).toBe(202);
    const [confirmation] = await outboxRows(ctx);
    expectNoMarkupFrom(confirmation!.html_body);
    expect(confirmation!.html_body).toContain(escapedItem);
    expect(confirmation!.html_body).toContain(escapedStore);
    expect(confirmation!.html_body).toContain("1 &quot;Main&quot; &lt;St&gt;");
    expect(confirmation!.text_body).toContain(evilItem);
    expect(confirmation!.subject).not.toMatch(/[\r\n]/);
  });

  it("escapes them, and what the customer typed, on the form's error page", async () => {
    await evilNames();
    const typed = `"><script>alert(3)</script>@example.com`;
    const res = await postForm("/s/S12/0001", { email: typed, restock: "on" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expectNoMarkupFrom(html);
    expect(html).toContain(escapedItem);
    expect(html).toContain(`value="&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;@example.com"`);
  });

  it("escapes a SKU or store from the address on the not-found page", async () => {
    await evilNames();
    for (const path of [`/s/S12/${encodeURIComponent(evilItem)}`, `/s/${encodeURIComponent(evilItem)}/0001`]) {
      for (const method of ["GET", "POST"]) {
        const res = await ctx.app.request(path, {
          method,
          headers: { accept: "text/html", "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": freshIp() },
          ...(method === "POST" ? { body: "email=a%40example.com&restock=on" } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get("content-type")).toMatch(/^text\/html/);
        const body = await res.text();
        expectNoMarkupFrom(body);
        expect(body).toContain("&lt;script&gt;alert(1)");
      }
    }
    // a client that did not ask for a page still gets problem+json
    const api = await ctx.app.request(`/s/S12/${encodeURIComponent(evilItem)}`, { headers: { accept: "application/json" } });
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toBe("application/problem+json");
    expect(await api.json()).toMatchObject({ code: "not_found", errors: [{ field: "sku" }] });
    expect(await subscriptionRows(ctx)).toEqual([]);
  });
});
