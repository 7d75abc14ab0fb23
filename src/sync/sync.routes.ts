import { and, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv, AppDeps } from "../app-env.js";
import { importBatches, importRejections } from "../db/schema/index.js";
import { requireApiKey, type ApiKeyPrincipal } from "../http/api-keys.js";
import { csvBody } from "../http/csv-body.js";
import { AppError } from "../http/problem.js";
import { jsonBody, validate } from "../http/validation.js";
import { importExport, rejectedRowsCsv } from "./import-export.js";
import { postStock } from "./post-stock.js";
import { batchIdParamSchema, idempotencyKeySchema, importQuerySchema, postStockBodySchema } from "./sync.schemas.js";
import { z } from "zod";


const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function syncRoutes(deps: AppDeps) {
  const { db, config, clock } = deps;
  const router = new Hono<AppEnv & { Variables: { apiKey: ApiKeyPrincipal } }>();
  router.use("*", requireApiKey(db));

  router.post(
    "/stock",
    jsonBody(postStockBodySchema(config.STOCK_BATCH_MAX_ROWS), {
      maxBytes: Math.max(1 << 20, config.STOCK_BATCH_MAX_ROWS * 1024),
      // one row with a NUL is rejected alone, the others kept
      rowsCheckTheirText: true,
    }),
    async (c) => {
      const header = c.req.header("idempotency-key");
      const key = header === undefined ? undefined : idempotencyKeySchema.safeParse(header);
      if (key && !key.success) {
        throw new AppError({ code: "validation_failed", detail: "Idempotency-Key is not valid", errors: [{ field: "Idempotency-Key", reason: key.error.issues[0]!.message }] });
      }
      const answer = await postStock(
        { db, log: c.get("log"), config },
        {
          rows: c.req.valid("json").rows,
          apiKey: c.get("apiKey"),
          idempotencyKey: key?.data,
          // the body as parsed, re-serialised: equal JSON with other white space counts as the same request
          requestBody: JSON.stringify(c.req.valid("json")),
          now: clock.now(),
        },
      );
      if (answer.replayed) c.header("idempotent-replayed", "true");
      else deps.onLedgerChange?.();
      return c.json(answer.body, answer.status);
    },
  );

  router.post("/imports", validate("query", importQuerySchema), async (c) => {
    const query = c.req.valid("query");
    const now = clock.now();
    // a wrong observedAt would otherwise reject every row of the file one by one
    if (query.observedAt && query.observedAt.getTime() > now.getTime() + config.FUTURE_TOLERANCE_MINUTES * 60_000) {
      throw new AppError({
        code: "validation_failed",
        detail: `observedAt ${query.observedAt.toISOString()} lies in the future`,
        errors: [{ field: "observedAt", reason: `more than ${config.FUTURE_TOLERANCE_MINUTES} min ahead of ${now.toISOString()}` }],
      });
    }
    const report = await importExport(
      { db, log: c.get("log"), config },
      {
        body: csvBody(c, config.IMPORT_MAX_BYTES),
        format: query.format,
        source: "upload",
        fileName: query.fileName,
        observedAt: query.observedAt,
        apiKey: c.get("apiKey"),
        now,
      },
    );
    if (report.status === "applied") deps.onLedgerChange?.();
    c.header("location", `/v1/imports/${report.batchId}`);
    return c.json(report, report.status === "duplicate" ? 200 : 201);
  });

  router.get("/imports", validate("query", listQuerySchema), async (c) => {
    const apiKey = c.get("apiKey");
    const rows = await db
      .select()
      .from(importBatches)
      .where(apiKey.storeIds === null ? undefined : eq(importBatches.apiKeyId, apiKey.id))
      .orderBy(desc(importBatches.id))
      .limit(c.req.valid("query").limit);
    return c.json({ imports: rows.map(publicBatch) });
  });

  router.get("/imports/:id", validate("param", batchIdParamSchema), async (c) => {
    const batch = await visibleBatch(deps, c.get("apiKey"), c.req.valid("param").id);
    const rejected = await db
      .select({ line: importRejections.line, column: importRejections.column, reason: importRejections.reason })
      .from(importRejections)
      .where(eq(importRejections.batchId, batch.id))
      .orderBy(importRejections.seq)
      .limit(100);
    return c.json({ ...publicBatch(batch), rejected });
  });

  router.get("/imports/:id/rejected.csv", validate("param", batchIdParamSchema), async (c) => {
    const batch = await visibleBatch(deps, c.get("apiKey"), c.req.valid("param").id);
    const csv = await rejectedRowsCsv(db, batch.id);
    c.header("content-disposition", `attachment; filename="import-${batch.id}-rejected.csv"`);
    return c.body(csv, 200, { "content-type": "text/csv; charset=utf-8" });
  });

  return router;
}

type BatchRow = typeof importBatches.$inferSelect;

async function visibleBatch(deps: AppDeps, apiKey: ApiKeyPrincipal, id: number): Promise<BatchRow> {
  // a key limited to some stores sees only its own imports; a chain-wide key sees all
  const [batch] = await deps.db
    .select()
    .from(importBatches)
    .where(apiKey.storeIds === null ? eq(importBatches.id, id) : and(eq(importBatches.id, id), eq(importBatches.apiKeyId, apiKey.id)))
    .limit(1);
  if (!batch) throw new AppError({ code: "not_found", detail: `no import ${id}` });
  return batch;
}

function publicBatch(batch: BatchRow) {
  const { header: _header, apiKeyId: _apiKeyId, ...rest } = batch;
  return { ...rest, rejectedCsv: batch.rowsRejected > 0 ? `/v1/imports/${batch.id}/rejected.csv` : null };
}
