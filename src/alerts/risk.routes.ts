import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../app-env.js";
import { requireApiKey, visibleStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { validate } from "../http/validation.js";
import { AT_RISK_DEFAULTS, listAtRisk } from "./at-risk.js";
import { loadItemForecast } from "./item-forecast.js";
import { storeTrackRecord } from "./track-record.js";
import { TRACK_RECORD_DEFAULT_DAYS, trackRecordQuerySchema } from "./track-record.schemas.js";

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
    const found = await loadItemForecast(db, store, params.sku, clock.now(), { leadDays: deps.config.ORDER_LEAD_DAYS });
    return c.json({
      store: store.code,
      sku: params.sku,
      /** what the quantities count: each, or a measure such as kg or lb */
      unit: found.item.unit,
      today: found.today,
      onHand: found.onHand,
      stockObservedAt: found.stockObservedAt,
      model: found.model,
      history: found.history,
      forecast: found.forecast,
      projectedStock: found.risk.projectedStock,
      risk: { ...found.risk, projectedStock: undefined, pattern: undefined },
      /** what an alert is judged on: the probability the sweep stores */
      probability: found.probability,
      promotion: found.promotion ? { startDate: found.promotion.startDate, endDate: found.promotion.endDate, plannedUplift: found.promotion.plannedUplift ?? null } : null,
      promotions: found.windows.map((w) => ({ startDate: w.startDate, endDate: w.endDate })),
      deliveries: found.deliveries,
      nextDelivery: found.nextDelivery,
      /** the replenishment learned from the item's receipts (null: too few to learn from) */
      replenishment: found.replenishment,
    });
  });

  router.get("/stores/:store/track-record", validate("param", storeParam), validate("query", trackRecordQuerySchema), async (c) => {
    const store = await visibleStore(deps.db, c.get("apiKey"), c.req.valid("param").store);
    const figures = await storeTrackRecord(db, store, c.req.valid("query"), {
      now: clock.now(),
      leadDays: deps.config.ORDER_LEAD_DAYS,
      defaultDays: TRACK_RECORD_DEFAULT_DAYS,
    });
    return c.json({ store: store.code, ...figures });
  });

  return router;
}
