import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../app-env.js";
import { AppError, ERROR_CODES } from "../http/problem.js";
import { validate } from "../http/validation.js";
import { lookupRainCheck, redeemRainCheck } from "../subscriptions/rain-checks.js";
import { rainCheckCodeSchema } from "../subscriptions/subscription.schemas.js";
import type { DashboardEnv } from "./dashboard-auth.js";
import { renderPage } from "./layout.js";
import { RAIN_CHECKS_PATH, RainChecksPage, type RainCheckShown } from "./rain-checks-page.js";
import { namedStore, visibleStores, type VisibleStore } from "./viewer-stores.js";

const lookupQuery = z.object({
  code: z.string().max(100).optional(),
  redeemed: z.literal("1").optional(),
});
const codeParam = z.object({ code: rainCheckCodeSchema });
const redeemForm = z.object({ store: z.string().trim().min(1).max(100) });

/** The refusals a till hears, shown on the page rather than as an error page: the person at the till reads them there. */
const REFUSALS = new Set(["not_found", "rain_check_redeemed", "rain_check_expired", "rain_check_not_yet_valid", "rain_check_wrong_store"]);

const canSeeAmong = (visible: VisibleStore[]) => (storeId: number) => visible.some((store) => store.id === storeId);

/** Rain checks at the till, from the dashboard: look one up by its code and redeem it, only among the viewer's stores. */
export function rainCheckRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const router = new Hono<DashboardEnv>();

  /** The rain check if it belongs to a store the viewer may see; another store's code answers like an unknown one. */
  const find = async (visible: VisibleStore[], code: string): Promise<RainCheckShown> => {
    const view = await lookupRainCheck(db, code, clock.now(), canSeeAmong(visible));
    return { view, store: visible.find((store) => store.code === view.store)! };
  };

  router.get("/rain-checks", validate("query", lookupQuery), async (c) => {
    const viewer = c.get("viewer");
    const { code: typed, redeemed } = c.req.valid("query");
    if (typed === undefined || typed.trim() === "") return renderPage(c, <RainChecksPage viewer={viewer} />);
    const code = rainCheckCodeSchema.safeParse(typed);
    if (!code.success) {
      const message = `“${typed}” is not a rain check code: it looks like RC-XXXX-XXXX-XXXX.`;
      return renderPage(c, <RainChecksPage viewer={viewer} typed={typed} message={message} />, 422);
    }
    try {
      return renderPage(c, <RainChecksPage viewer={viewer} typed={typed} found={await find(await visibleStores(db, viewer), code.data)} redeemed={redeemed === "1"} />);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== "not_found") throw error;
      const message = `There is no rain check ${typed} among your stores. Check the code with the customer's email.`;
      return renderPage(c, <RainChecksPage viewer={viewer} typed={typed} message={message} />, 404);
    }
  });

  router.post("/rain-checks/:code/redeem", validate("param", codeParam), async (c) => {
    const viewer = c.get("viewer");
    const { code } = c.req.valid("param");
    const form = redeemForm.safeParse(await c.req.parseBody());
    if (!form.success) throw new AppError({ code: "validation_failed", detail: "the form names no store to redeem at", errors: [{ field: "store", reason: "is required" }] });
    const visible = await visibleStores(db, viewer);
    const store = await namedStore(db, visible, form.data.store);
    if (!store) throw new AppError({ code: "not_found", detail: `There is no store “${form.data.store}” among your stores.` });
    try {
      const view = await redeemRainCheck(db, code, store, `dashboard: ${viewer.email}`, clock.now(), canSeeAmong(visible));
      c.get("log").info({ userId: viewer.userId, code: view.code, store: store.code }, "rain check redeemed from the dashboard");
      return c.redirect(`${RAIN_CHECKS_PATH}?code=${encodeURIComponent(view.code)}&redeemed=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || !REFUSALS.has(error.code)) throw error;
      // the refusal with what is known of the code, so the person at the till sees why
      const found = error.code === "not_found" ? undefined : await find(visible, code);
      const message = `${ERROR_CODES[error.code].title}: ${error.detail}. Nothing was changed.`;
      return renderPage(c, <RainChecksPage viewer={viewer} typed={code} found={found} message={message} />, error.status);
    }
  });

  return router;
}
