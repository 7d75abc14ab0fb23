import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../app-env.js";
import { queryRows } from "../db/client.js";
import { forecastDays } from "../forecast/index.js";
import { requireApiKey, visibleStore, type ApiKeyPrincipal } from "../http/api-keys.js";
import { AppError } from "../http/problem.js";
import { validate } from "../http/validation.js";
import { localDateAt } from "../stores/store-directory.js";
import { addDays } from "./risk-inputs.js";
import { assessItem, loadStoreInputs } from "./sweep.js";

const booleanQuery = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const atRiskQuerySchema = z.object({
  advertisedOnly: booleanQuery.default(false),
  minProbability: z.coerce.number().min(0).max(1).default(0.5),
  /** only items projected to run out within this many days (or whose promotion ends within it) */
  horizonDays: z.coerce.number().int().min(1).max(120).default(28),
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
    const horizonEnd = addDays(localDateAt(clock.now(), store.timeZone), query.horizonDays);
    // advertised items first, then the earliest projected stockout, then the likeliest
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`select i.sku, i.name, i.category, r.advertised, p.external_id as promotion, r.promotion_end::text as promotion_end,
                 r.on_hand, r.projected_stockout_date::text as projected_stockout_date, r.days_of_cover,
                 r.probability, r.probability_before_promotion_end, r.probability_before_next_delivery,
                 r.quantity_to_last_promotion, r.next_delivery_date::text as next_delivery_date, r.next_delivery_quantity,
                 to_json(r.computed_at) #>> '{}' as computed_at, to_json(r.stock_observed_at) #>> '{}' as stock_observed_at, r.sales_through::text as sales_through, r.model_method
          from stock_risks r join items i on i.id = r.item_id left join promotions p on p.id = r.promotion_id
          where r.store_id = ${store.id} and r.probability >= ${query.minProbability}
            ${query.advertisedOnly ? sql`and r.advertised` : sql``}
            and (r.projected_stockout_date <= ${horizonEnd}::date or r.promotion_end <= ${horizonEnd}::date)
          order by r.advertised desc, r.projected_stockout_date asc nulls last, r.probability desc, i.sku
          limit ${query.limit}`,
    );
    return c.json({ store: store.code, items: rows.map(camelCaseKeys) });
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

function camelCaseKeys(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase()), v]));
}
