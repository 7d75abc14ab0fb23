import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../app-env.js";
import { requireApiKey, type ApiKeyPrincipal } from "../http/api-keys.js";
import { csvBody } from "../http/csv-body.js";
import { jsonBody, validate } from "../http/validation.js";
import { readCsvTable } from "./csv-table.js";
import { csvLimits } from "../sync/csv-records.js";
import { receiveDelivery, upsertDeliveries } from "./deliveries.js";
import {
  deliveryCsvRowSchema,
  deliveryIdParamSchema,
  postDeliveriesBodySchema,
  postPromotionsBodySchema,
  promotionCsvRowSchema,
  receiveDeliveryBodySchema,
} from "./plan.schemas.js";
import { foldPromotionLines, listPromotions, upsertPromotions } from "./promotions.js";

/** The plan that shapes demand and supply: the ad calendar and expected deliveries. */
export function planRoutes(deps: AppDeps) {
  const { db, config, clock } = deps;
  const router = new Hono<AppEnv & { Variables: { apiKey: ApiKeyPrincipal } }>();
  router.use("*", requireApiKey(db));
  const json = { maxBytes: 4 << 20 };
  const smallCsv = Math.min(config.IMPORT_MAX_BYTES, 64 << 20);

  router.post("/promotions", jsonBody(postPromotionsBodySchema, json), async (c) => {
    const saved = await upsertPromotions(db, c.req.valid("json").promotions, c.get("apiKey"));
    deps.onLedgerChange?.();
    return c.json({ promotions: saved }, 200);
  });

  router.post("/promotions/import", async (c) => {
    const lines = await readCsvTable(csvBody(c, smallCsv), promotionCsvRowSchema, {
      limits: csvLimits(config, smallCsv),
      required: ["promotion_id", "sku", "store", "start_date", "end_date"],
      what: "promotions",
    });
    const { promotions, places } = foldPromotionLines(lines);
    const saved = await upsertPromotions(db, promotions, c.get("apiKey"), places);
    deps.onLedgerChange?.();
    return c.json({ promotions: saved }, 200);
  });

  router.get("/promotions", validate("query", z.object({ activeOn: z.iso.date().optional() })), async (c) => {
    return c.json({ promotions: await listPromotions(db, { ...c.req.valid("query"), apiKey: c.get("apiKey") }) });
  });

  router.post("/deliveries", jsonBody(postDeliveriesBodySchema, json), async (c) => {
    const saved = await upsertDeliveries(db, c.req.valid("json").deliveries, c.get("apiKey"));
    deps.onLedgerChange?.();
    return c.json({ deliveries: saved }, 200);
  });

  router.post("/deliveries/import", async (c) => {
    const lines = await readCsvTable(csvBody(c, smallCsv), deliveryCsvRowSchema, {
      limits: csvLimits(config, smallCsv),
      required: ["store", "sku", "quantity", "expected_date", "reference"],
      what: "deliveries",
    });
    const input = lines.map(({ row }) => ({ store: row.store, sku: row.sku, quantity: row.quantity, expectedDate: row.expected_date, reference: row.reference }));
    const saved = await upsertDeliveries(db, input, c.get("apiKey"), (index) => ({ line: lines[index]!.line, column: "store" }));
    deps.onLedgerChange?.();
    return c.json({ deliveries: saved }, 200);
  });

  router.post(
    "/deliveries/:id/receive",
    validate("param", deliveryIdParamSchema),
    jsonBody(receiveDeliveryBodySchema, json),
    async (c) => {
      const body = c.req.valid("json");
      const received = await receiveDelivery(db, {
        id: c.req.valid("param").id,
        quantity: body.quantity,
        receivedAt: body.receivedAt ? new Date(body.receivedAt) : clock.now(),
        apiKey: c.get("apiKey"),
      });
      deps.onLedgerChange?.();
      return c.json(received, 200);
    },
  );

  return router;
}
