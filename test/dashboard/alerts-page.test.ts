import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { actOnAlert, applyAlertChanges } from "../../src/alerts/alert-writes.js";
import type { AlertFigures, AlertKind } from "../../src/alerts/alert-types.js";
import { alertEvents, alerts, items } from "../../src/db/schema/index.js";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { useTestContext } from "../helpers/context.js";
import { csrfFieldOf, pageHtml, signedInBrowser } from "../helpers/dashboard.js";
import { advertisedItemAtStore12 } from "../notify/alert-fixtures.js";

const ctx = useTestContext({ PUBLIC_URL: "https://shelfwatch.example" });

const outOfStockFigures: AlertFigures = {
  onHand: 0,
  projectedStockoutDate: "2026-11-20",
  probability: 1,
  promotionName: null,
  promotionEnd: null,
  nextDeliveryDate: "2026-11-24",
  nextDeliveryQuantity: 48,
  suggestedQuantity: null,
  feedLastSeenAt: null,
};

/** Store 12's advertised tomatoes, swept into an urgent alert whose emails went out; plus S7 with nothing yet. */
async function alertAtStore12() {
  const keys = await advertisedItemAtStore12(ctx, 110);
  await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
  await runDispatch(ctx.deps);
  const [alert] = await ctx.db.db.select().from(alerts).where(eq(alerts.storeId, keys.s12.id));
  expect(alert?.kind).toBe("promotion_stockout");
  return { ...keys, alertId: alert!.id };
}

/** Opens an alert the way the sweep does and returns its id. */
async function openAlert(storeId: number, sku: string, name: string, kind: AlertKind = "out_of_stock"): Promise<number> {
  const [item] = await ctx.db.db
    .insert(items)
    .values({ sku, name, category: "Pantry" })
    .onConflictDoUpdate({ target: items.sku, set: { name } })
    .returning({ id: items.id });
  const [transition] = await applyAlertChanges(ctx.db.db, { storeId, now: ctx.clock.now(), actor: "sweep" }, [
    { type: "open", kind, itemId: item!.id, urgent: false, figures: outOfStockFigures, cause: "on hand 0" },
  ]);
  return transition!.alertId;
}

/** The ids of the alert rows on a page, in order. */
function alertIds(html: string): number[] {
  return [...html.matchAll(/<tr id="alert-(\d+)">/g)].map((m) => Number(m[1]));
}

function rowOf(html: string, id: number): string {
  const match = new RegExp(`<tr id="alert-${id}">[\\s\\S]*?</tr>`).exec(html);
  expect(match, `alert ${id} is listed`).not.toBeNull();
  return match![0];
}

async function stateOf(id: number) {
  const [row] = await ctx.db.db.select().from(alerts).where(eq(alerts.id, id));
  return row!;
}

describe("GET /dashboard/alerts", () => {
  it("lists the live alerts of the viewer's stores, newest first, with figures, local times and the emails each sent", async () => {
    const { s12, s7, alertId } = await alertAtStore12();
    ctx.clock.advance(3600_000);
    const basil = await openAlert(s12.id, "0002", "Basil");
    const resolved = await openAlert(s12.id, "0003", "Oat milk");
    await actOnAlert(ctx.db.db, resolved, { type: "resolve" }, { now: ctx.clock.now(), actor: "sweep" });
    const harbour = await openAlert(s7.id, "0004", "Harbour fish");

    const browser = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const html = await pageHtml(browser, "/dashboard/alerts");
    expect(alertIds(html)).toEqual([basil, alertId]);
    expect(html).not.toContain("Harbour fish");
    expect(html).not.toContain("Oat milk");
    expect(html).not.toContain('value="S7"');
    expect(html).toContain('<a href="/dashboard/alerts" aria-current="page">Alerts</a>');
    expect(html).toContain("<caption");
    for (const column of ["Item", "Store", "Kind", "State", "On hand", "Chance of running out", "Projected stockout", "Promotion ends", "Opened, updated", "Emails", "Actions"]) {
      expect(html).toContain(`<th scope="col">${column}</th>`);
    }
    for (const label of ["Store", "State", "Kind"]) expect(html).toMatch(new RegExp(`<label for="filter-\\w+">${label}</label>`));

    const tomatoes = rowOf(html, alertId);
    expect(tomatoes).toContain('<a href="/dashboard/stores/S12/items/0001">Tomatoes 1 kg</a>');
    expect(tomatoes).toContain("Promotion stockout");
    expect(tomatoes).toContain('<td data-label="On hand" class="number">110</td>');
    expect(tomatoes).toContain('<time datetime="2026-11-26">Thu 26 Nov</time>');
    expect(tomatoes).toContain("Week 47 flyer");
    // 15:00 UTC is 10:00 in Cambridge, MA
    expect(tomatoes).toContain('<time datetime="2026-11-20T15:00:00.000Z">Fri 20 Nov, 10:00 EST</time>');
    expect(tomatoes).toMatch(/<span class="sku">updated <time datetime="[^"]+">/);
    // the emails the alert produced: the two managers (the staff member turned urgent email off), sent
    expect(tomatoes).toContain("ana.manager@store12.example");
    expect(tomatoes).toContain("ben.manager@store12.example");
    expect(tomatoes).not.toContain("cy.staff@store12.example");
    expect(tomatoes).toContain("Tomatoes 1 kg: runs out");
    expect(tomatoes.match(/Sent <time/g)).toHaveLength(2);
    // the buttons post back here with the session's token
    expect(tomatoes).toContain(`action="/dashboard/alerts/${alertId}/acknowledge"`);
    expect(tomatoes).toContain(`action="/dashboard/alerts/${alertId}/snooze"`);
    expect(tomatoes).toContain('name="next" value="/dashboard/alerts"');
    expect(tomatoes).toContain(`name="csrf" value="${csrfFieldOf(html)}"`);
    expect(tomatoes).toMatch(/<label for="snooze-hours-\d+">Hours/);
    expect(tomatoes).toContain('name="hours" min="1" max="720" step="1" value="24"');

    const basilRow = rowOf(html, basil);
    expect(basilRow).toContain("Out of stock");
    expect(basilRow).toContain("<span class=\"sr-only\">no emails</span>");

    // resolved ones on request; a user of every store sees S7's as well
    expect(alertIds(await pageHtml(browser, "/dashboard/alerts?state=resolved"))).toEqual([resolved]);
    expect(alertIds(await pageHtml(browser, "/dashboard/alerts?state=all"))).toEqual([resolved, basil, alertId]);
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    expect(alertIds(await pageHtml(manager, "/dashboard/alerts"))).toEqual([harbour, basil, alertId]);
  });

  it("filters by store and kind, keeps the choices, and answers another store's name like an unknown one", async () => {
    const { s12, s7, alertId } = await alertAtStore12();
    const basil = await openAlert(s12.id, "0002", "Basil");
    const harbour = await openAlert(s7.id, "0004", "Harbour fish");
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);

    const s7Only = await pageHtml(manager, "/dashboard/alerts?store=Harbour&state=live&kind=");
    expect(alertIds(s7Only)).toEqual([harbour]);
    expect(s7Only).toContain('<option value="S7" selected="">');
    const promotions = await pageHtml(manager, "/dashboard/alerts?kind=promotion_stockout");
    expect(alertIds(promotions)).toEqual([alertId]);
    expect(promotions).toContain('<option value="promotion_stockout" selected="">');
    // the buttons come back to the filtered list
    expect(promotions).toContain('name="next" value="/dashboard/alerts?kind=promotion_stockout"');
    expect(alertIds(await pageHtml(manager, "/dashboard/alerts?kind=out_of_stock"))).toEqual([harbour, basil]);
    await pageHtml(manager, "/dashboard/alerts?kind=nonsense", 422);

    const staff = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const refused = await pageHtml(staff, "/dashboard/alerts?store=S7", 404);
    expect(alertIds(refused)).toEqual([]);
    expect(refused).toContain("among your stores");
    expect(refused.replace("“S7”", "“X”")).toBe((await pageHtml(staff, "/dashboard/alerts?store=S99", 404)).replace("“S99”", "“X”"));
  });
});

describe("POST /dashboard/alerts/:id/acknowledge and /snooze", () => {
  it("acknowledges with the form's token, records who did it, and comes back to the list", async () => {
    const { s12, alertId } = await alertAtStore12();
    const browser = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const csrf = csrfFieldOf(await pageHtml(browser, "/dashboard/alerts"));
    ctx.clock.advance(600_000);

    const res = await browser.post(`/dashboard/alerts/${alertId}/acknowledge`, { csrf, next: "/dashboard/alerts" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/alerts");
    const alert = await stateOf(alertId);
    expect(alert.state).toBe("acknowledged");
    expect(alert.acknowledgedAt).toEqual(ctx.clock.now());
    const events = await ctx.db.db
      .select()
      .from(alertEvents)
      .where(and(eq(alertEvents.alertId, alertId), eq(alertEvents.event, "acknowledged")));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: "dashboard: ana@store12.example", fromState: "open", toState: "acknowledged" });
    expect(events[0]!.cause).toBe("acknowledged by dashboard: ana@store12.example");

    // the list shows it, with no second acknowledge button
    const row = rowOf(await pageHtml(browser, "/dashboard/alerts"), alertId);
    expect(row).toContain("Acknowledged <time");
    expect(row).not.toContain("/acknowledge");
    expect(row).toContain("/snooze");
  });

  it("refuses a form without the session's token (403) and changes nothing", async () => {
    const { s12, alertId } = await alertAtStore12();
    const browser = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    for (const form of [{}, { csrf: "" }, { csrf: "forged-token" }] as Array<Record<string, string>>) {
      const res = await browser.post(`/dashboard/alerts/${alertId}/acknowledge`, form);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("This form cannot be accepted");
      const snooze = await browser.post(`/dashboard/alerts/${alertId}/snooze`, { ...form, hours: "4" });
      expect(snooze.status).toBe(403);
    }
    // another session's token is no better
    const other = await signedInBrowser(ctx, "ben@store12.example", [s12.id]);
    const res = await browser.post(`/dashboard/alerts/${alertId}/acknowledge`, { csrf: await other.csrfToken() });
    expect(res.status).toBe(403);
    expect((await stateOf(alertId)).state).toBe("open");
    // and without a session it goes to sign-in
    const anonymous = await ctx.app.request(`/dashboard/alerts/${alertId}/acknowledge`, { method: "POST" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/dashboard/login");
    expect((await stateOf(alertId)).state).toBe("open");
  });

  it("answers an alert of another store exactly like one that does not exist (404), and changes nothing", async () => {
    const { s12, s7 } = await alertAtStore12();
    const harbour = await openAlert(s7.id, "0004", "Harbour fish");
    const browser = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const csrf = await browser.csrfToken();
    const refused = await browser.post(`/dashboard/alerts/${harbour}/acknowledge`, { csrf });
    expect(refused.status).toBe(404);
    const text = (await refused.text()).replace(`alert ${harbour} among`, "alert N among");
    const missing = await browser.post("/dashboard/alerts/999999/acknowledge", { csrf });
    expect(missing.status).toBe(404);
    expect((await missing.text()).replace("alert 999999 among", "alert N among")).toBe(text);
    expect(text).toContain("Alert not found");
    expect(text).not.toContain("Harbour fish");
    expect((await browser.post(`/dashboard/alerts/${harbour}/snooze`, { csrf, hours: "2" })).status).toBe(404);
    expect((await stateOf(harbour)).state).toBe("open");
    expect(await ctx.db.db.select().from(alertEvents).where(eq(alertEvents.alertId, harbour))).toHaveLength(1);
    // a user of every store may act on it
    const manager = await signedInBrowser(ctx, "sam@chain.example", null);
    const done = await manager.post(`/dashboard/alerts/${harbour}/acknowledge`, { csrf: await manager.csrfToken() });
    expect(done.status).toBe(303);
    expect((await stateOf(harbour)).state).toBe("acknowledged");
  });

  it("snoozes for the hours given, or the configured default, and refuses hours out of range", async () => {
    const { s12, alertId } = await alertAtStore12();
    const basil = await openAlert(s12.id, "0002", "Basil");
    const browser = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const csrf = await browser.csrfToken();

    const res = await browser.post(`/dashboard/alerts/${alertId}/snooze`, { csrf, hours: "4" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/alerts");
    const alert = await stateOf(alertId);
    expect(alert.state).toBe("snoozed");
    expect(alert.snoozedUntil).toEqual(new Date(ctx.clock.now().getTime() + 4 * 3600_000));
    const [event] = await ctx.db.db.select().from(alertEvents).where(and(eq(alertEvents.alertId, alertId), eq(alertEvents.event, "snoozed")));
    expect(event!.actor).toBe("dashboard: ana@store12.example");

    // an empty field takes SNOOZE_HOURS (24)
    expect((await browser.post(`/dashboard/alerts/${basil}/snooze`, { csrf, hours: "" })).status).toBe(303);
    expect((await stateOf(basil)).snoozedUntil).toEqual(new Date(ctx.clock.now().getTime() + ctx.config.SNOOZE_HOURS * 3600_000));

    for (const hours of ["0", "-3", "1.5", "721", "soon"]) {
      const refused = await browser.post(`/dashboard/alerts/${basil}/snooze`, { csrf, hours });
      expect(refused.status, hours).toBe(422);
      expect(await refused.text()).toContain("whole number of hours");
    }
    expect((await stateOf(basil)).snoozedUntil).toEqual(new Date(ctx.clock.now().getTime() + 24 * 3600_000));

    const row = rowOf(await pageHtml(browser, "/dashboard/alerts"), alertId);
    // 15:00 UTC + 4 h is 14:00 in Cambridge, MA
    expect(row).toContain('Snoozed until <time datetime="2026-11-20T19:00:00.000Z">Fri 20 Nov, 14:00 EST</time>');
  });

  it("goes back to the dashboard page given in next (the item page), and never to another site", async () => {
    const { s12, alertId } = await alertAtStore12();
    const basil = await openAlert(s12.id, "0002", "Basil");
    const browser = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const csrf = await browser.csrfToken();

    const back = await browser.post(`/dashboard/alerts/${alertId}/acknowledge`, { csrf, next: "/dashboard/stores/S12/items/0001" });
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/dashboard/stores/S12/items/0001");
    const snoozed = await browser.post(`/dashboard/alerts/${alertId}/snooze`, { csrf, next: "/dashboard/alerts?store=S12&kind=out_of_stock", hours: "2" });
    expect(snoozed.headers.get("location")).toBe("/dashboard/alerts?store=S12&kind=out_of_stock");

    for (const next of ["https://evil.example/dashboard", "//evil.example/dashboard", "/dashboard//evil.example", "/v1/alerts", "javascript:alert(1)"]) {
      const res = await browser.post(`/dashboard/alerts/${basil}/snooze`, { csrf, next, hours: "1" });
      expect(res.status, next).toBe(303);
      expect(res.headers.get("location"), next).toBe("/dashboard/alerts");
    }
  });

  it("answers 409 with a clear page for an alert that is already resolved", async () => {
    const { s12 } = await alertAtStore12();
    const oatMilk = await openAlert(s12.id, "0003", "Oat milk");
    await actOnAlert(ctx.db.db, oatMilk, { type: "resolve" }, { now: ctx.clock.now(), actor: "sweep" });
    const browser = await signedInBrowser(ctx, "ana@store12.example", [s12.id]);
    const csrf = await browser.csrfToken();
    for (const action of ["acknowledge", "snooze"]) {
      const res = await browser.post(`/dashboard/alerts/${oatMilk}/${action}`, { csrf, hours: "3" });
      const html = await res.text();
      expect(res.status, action).toBe(409);
      expect(html).toContain("This alert is already resolved");
      expect(html).toContain("Nothing was changed.");
    }
    expect((await stateOf(oatMilk)).state).toBe("resolved");
  });
});
