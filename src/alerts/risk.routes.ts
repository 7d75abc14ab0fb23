import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../app-env.js";
import { queryRows } from "../db/client.js";
import { forecastDays } from "../forecast/index.js";
import { requireApiKey, visibleStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import { validate } from "../http/validation.js";
import { AT_RISK_DEFAULTS, listAtRisk } from "./at-risk.js";
import { assessItem, loadStoreInputs } from "./sweep.js";

const booleanQuery = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const atRiskQuerySchema = z.object({
  advertisedOnly: booleanQuery.default(false),
  minProbability: z.coerce.number().min(0).max(1).default(AT_RISK_DEFAULTS.minProbability),
  /** only items projected to run out within this many days (or whose promotion ends within it) */
  horizonDays: z.coerce.number().int().min(1).max(120).default(AT_RISK_DEFAULTS.horizonDays),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const storeParam = z.object({ store: z.string().min(1).max(100) });
const itemParam = storeParam.extend({ sku: z.string().min(1).max(64) });

export function riskRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const router = new Hono<AppEnv & { Variables: { apiKey: ApiKeyPrincipal } }>();
  router.use("*", requireApiKey(db));

  router.get("/stores/:store/at-risk", validate("param", storeParam), validate("query", atRiskQuerySchema), async (c) => {
    const store = await visibleStore(deps.db, c.get("apiKey"), c.req.valid("param").store);
    const query = c.req.valid("query");
    const rows = await listAtRisk(db, { ...query, storeIds: [store.id], now: clock.now() });
    return c.json({ store: store.code, items: rows.map(({ storeCode: _code, storeName: _name, ...item }) => item) });
  });

  router.get("/stores/:store/items/:sku/forecast", validate("param", itemParam), async (c) => {
    const params = c.req.valid("param");
    const store = await visibleStore(deps.db, c.get("apiKey"), params.store);
    const [item] = await queryRows<{ id: number; category: string | null }>(db, sql`select id, category from items where sku = ${params.sku}`);
    if (!item) throw new AppError({ code: "not_found", detail: `no item with SKU ${params.sku}` });
    // the category's items come along: they are the prior a short history shrinks toward
    const inputs = await loadStoreInputs(db, { id: store.id, time_zone: store.timeZone }, {
      now: clock.now(),
      itemFilter: item.category === null ? sql`and s.item_id = ${item.id}` : sql`and i.category = ${item.category}`,
    });
    const target = inputs.items.find((candidate) => Number(candidate.row.item_id) === Number(item.id));
    if (!target) throw new AppError({ code: "not_found", detail: `no stock recorded for ${params.sku} at ${store.code}` });
    const { model, risk, promotion, days } = assessItem(target, inputs.peerLevels, inputs.today);
    return c.json({
      store: store.code,
      sku: params.sku,
      today: inputs.today,
      onHand: Number(target.row.on_hand),
      stockObservedAt: new Date(target.row.observed_at).toISOString(),
      model,
      history: target.history,
      forecast: forecastDays(model, days),
      projectedStock: risk.projectedStock,
      risk: { ...risk, projectedStock: undefined },
      promotion: promotion ? { startDate: promotion.startDate, endDate: promotion.endDate } : null,
      promotions: target.windows.map((w) => ({ startDate: w.startDate, endDate: w.endDate })),
      deliveries: target.deliveries,
    });
  });

  return router;
}
