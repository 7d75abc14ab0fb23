import { expect } from "vitest";
import { items, promotions, stockRisks } from "../../src/db/schema/index.js";
import { createUser, type NewUser } from "../../src/dashboard/users.js";
import type { TestContext } from "./context.js";

export const TEST_PASSWORD = "correct horse battery staple";

/** A dashboard account; the password is the same for every test user unless given. */
export async function addUser(context: TestContext, user: Partial<NewUser> & { email: string }) {
  return createUser(
    context.db.db,
    { name: "Ana Ruiz", role: "manager", storeIds: null, password: TEST_PASSWORD, ...user },
    context.clock.now(),
  );
}

/** A browser signed in as a new user: a manager of every store when storeIds is null, else staff of those stores. */
export async function signedInBrowser(context: TestContext, email: string, storeIds: number[] | null): Promise<DashboardBrowser> {
  await addUser(context, { email, role: storeIds === null ? "manager" : "staff", storeIds });
  const browser = new DashboardBrowser(context);
  expect((await browser.signIn(email)).status).toBe(303);
  return browser;
}

/** A dashboard page's HTML, once its status is the one expected (the page is shown when it is not). */
export async function pageHtml(browser: DashboardBrowser, path: string, status = 200): Promise<string> {
  const res = await browser.get(path);
  const html = await res.text();
  expect(res.status, html).toBe(status);
  return html;
}

/** The hidden CSRF field of the first form on a page. */
export function csrfFieldOf(html: string): string {
  const match = /name="csrf" value="([^"]*)"/.exec(html);
  expect(match, "the page has a csrf field").not.toBeNull();
  return match![1]!;
}

export interface ParsedCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

export function parseSetCookie(header: string): ParsedCookie {
  const [pair, ...attributes] = header.split(";").map((part) => part.trim());
  const equals = pair!.indexOf("=");
  return {
    name: pair!.slice(0, equals),
    value: decodeURIComponent(pair!.slice(equals + 1)),
    attributes: new Map(
      attributes.map((attribute) => {
        const [key, ...value] = attribute.split("=");
        return [key!.toLowerCase(), value.join("=")] as [string, string];
      }),
    ),
  };
}

/** A browser for the in-process app: keeps the cookies the dashboard sets (for /dashboard paths) and sends them back. */
export class DashboardBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly context: TestContext) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && path.startsWith("/dashboard")) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const res = await this.context.app.request(path, { ...init, headers });
    for (const header of res.headers.getSetCookie()) {
      const cookie = parseSetCookie(header);
      const expired = cookie.attributes.get("max-age") === "0" || (cookie.attributes.has("expires") && new Date(cookie.attributes.get("expires")!) < new Date());
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return res;
  }

  get(path: string): Promise<Response> {
    return this.request(path);
  }

  post(path: string, form: Record<string, string>): Promise<Response> {
    return this.request(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
  }

  /** Opens the sign-in page and sends the form, as a person would. */
  async signIn(email: string, password = TEST_PASSWORD, next?: string): Promise<Response> {
    const page = await this.get(`/dashboard/login${next ? `?next=${encodeURIComponent(next)}` : ""}`);
    expect(page.status).toBe(200);
    const csrf = csrfFieldOf(await page.text());
    return this.post("/dashboard/login", { csrf, email, password, ...(next ? { next } : {}) });
  }

  /** The CSRF token of the signed-in session, from the sign-out form every page carries. */
  async csrfToken(): Promise<string> {
    const page = await this.get("/dashboard");
    expect(page.status).toBe(200);
    return csrfFieldOf(await page.text());
  }
}

let skuCounter = 0;

/** A computed risk as the sweep writes it, with realistic figures; the item is created with it. */
export async function addRisk(
  context: TestContext,
  storeId: number,
  options: {
    sku?: string;
    name?: string;
    category?: string;
    advertised?: boolean;
    promotion?: { externalId: string; endDate: string };
    onHand?: number;
    projectedStockoutDate?: string | null;
    probability?: number;
    nextDelivery?: { date: string; quantity: number; source?: "loaded" | "inferred" };
    quantityToLastPromotion?: number | null;
  } = {},
) {
  const db = context.db.db;
  skuCounter += 1;
  const sku = options.sku ?? `9${String(skuCounter).padStart(5, "0")}`;
  const [item] = await db
    .insert(items)
    .values({ sku, name: options.name ?? `Item ${sku}`, category: options.category ?? "Pantry" })
    .onConflictDoUpdate({ target: items.sku, set: { name: options.name ?? `Item ${sku}` } })
    .returning({ id: items.id });
  let promotionId: number | null = null;
  if (options.promotion) {
    const [promotion] = await db
      .insert(promotions)
      .values({
        externalId: options.promotion.externalId,
        name: `Flyer ${options.promotion.externalId}`,
        startDate: "2026-11-16",
        endDate: options.promotion.endDate,
      })
      .returning({ id: promotions.id });
    promotionId = promotion!.id;
  }
  const now = context.clock.now();
  const advertised = options.advertised ?? options.promotion !== undefined;
  const probability = options.probability ?? 0.8;
  await db.insert(stockRisks).values({
    storeId,
    itemId: item!.id,
    computedAt: now,
    advertised,
    promotionId,
    promotionEnd: options.promotion?.endDate ?? null,
    onHand: options.onHand ?? 12,
    projectedStockoutDate: options.projectedStockoutDate === undefined ? "2026-11-24" : options.projectedStockoutDate,
    daysOfCover: 4,
    probabilityBeforePromotionEnd: advertised ? probability : null,
    probabilityBeforeNextDelivery: advertised ? null : probability,
    probabilityWithinHorizon: probability,
    quantityToLastPromotion: options.quantityToLastPromotion === undefined ? (advertised ? 40 : null) : options.quantityToLastPromotion,
    nextDeliveryDate: options.nextDelivery?.date ?? null,
    nextDeliveryQuantity: options.nextDelivery?.quantity ?? null,
    nextDeliverySource: options.nextDelivery ? (options.nextDelivery.source ?? "loaded") : null,
    probability,
    modelMethod: "negative_binomial",
    stockObservedAt: now,
    salesThrough: "2026-11-19",
  });
  return { sku, itemId: item!.id };
}
