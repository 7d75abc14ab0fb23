import { describe, expect, it } from "vitest";
import type { AlertFigures } from "../../src/alerts/alert-types.js";
import {
  orderByUrgency,
  renderAlertBatchEmail,
  renderAlertEmail,
  renderDigestEmail,
  type AlertEmailInput,
  type AlertNoticeForEmail,
  type DigestAlert,
  type DigestInput,
  type StoreForEmail,
} from "../../src/notify/alert-templates.js";

// 2025-11-27 is a Thursday; the month ends on Sunday the 30th
const TODAY = "2025-11-27";

const store: StoreForEmail = {
  code: "S12",
  name: "Store 12",
  timeZone: "Europe/Berlin",
  addressLines: ["Hauptstraße 1", "10115 Berlin"],
};

function figures(overrides: Partial<AlertFigures> = {}): AlertFigures {
  return {
    onHand: 14,
    projectedStockoutDate: "2025-11-29",
    probability: 0.834,
    promotionName: "Winter Salad Week",
    promotionEnd: "2025-12-02",
    nextDeliveryDate: "2025-12-01",
    nextDeliveryQuantity: 24,
    suggestedQuantity: 20,
    feedLastSeenAt: null,
    ...overrides,
  };
}

function alertEmail(overrides: Partial<AlertEmailInput> = {}): AlertEmailInput {
  return {
    event: "opened",
    kind: "promotion_stockout",
    store,
    item: { sku: "4011", name: "Tomatoes 1 kg" },
    figures: figures(),
    today: TODAY,
    links: {
      acknowledge: "https://shelfwatch.example/alerts/91/acknowledge?token=a1&via=email",
      snooze: "https://shelfwatch.example/alerts/91/snooze?token=a1&via=email",
      dashboard: "https://shelfwatch.example/stores/S12",
    },
    ...overrides,
  };
}

function subjectOf(overrides: Partial<AlertEmailInput>): string {
  return renderAlertEmail(alertEmail(overrides)).subject;
}

/** What a person sees in the HTML part: tags dropped, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

function expectPhoneFriendlyHtml(html: string, title: string) {
  expect(html.startsWith("<!doctype html>")).toBe(true);
  expect(html).toContain('<html lang="en">');
  expect(html).toContain(`<title>${title}</title>`);
  expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  expect(html).toContain("max-width:600px");
  expect(html).not.toMatch(/<(link|style|img|script)\b/i);
  const fontSizes = [...html.matchAll(/font-size:(\d+)px/g)].map((match) => Number(match[1]));
  expect(fontSizes.length).toBeGreaterThan(3);
  expect(Math.min(...fontSizes)).toBeGreaterThanOrEqual(14);
}

function expectPlainText(text: string) {
  expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
  expect(text).not.toMatch(/&(amp|lt|gt|quot);/);
  for (const line of text.split("\n")) {
    if (!line.includes("://")) expect(line.length, line).toBeLessThanOrEqual(72);
  }
}

describe("renderAlertEmail subjects", () => {
  it("names the weekdays of the stockout and the ad's end, across the month end", () => {
    expect(subjectOf({})).toBe("Tomatoes 1 kg: runs out Sat, ad ends Tue, Store 12");
  });

  it("says today and tomorrow", () => {
    const soon = figures({ projectedStockoutDate: "2025-11-27", promotionEnd: "2025-11-28" });
    expect(subjectOf({ figures: soon })).toBe("Tomatoes 1 kg: runs out today, ad ends tomorrow, Store 12");
  });

  it("adds day and month to a date more than six days ahead", () => {
    const later = figures({ projectedStockoutDate: "2025-12-03", promotionEnd: "2025-12-04" });
    expect(subjectOf({ figures: later })).toBe("Tomatoes 1 kg: runs out Wed, ad ends Thu 4 Dec, Store 12");
  });

  it("counts weekdays across the year end", () => {
    const newYear = figures({ projectedStockoutDate: "2026-01-01", promotionEnd: "2026-01-06" });
    expect(subjectOf({ today: "2025-12-30", figures: newYear })).toBe("Tomatoes 1 kg: runs out Thu, ad ends Tue 6 Jan, Store 12");
  });

  it("starts an escalation with Worse:", () => {
    expect(subjectOf({ event: "escalated", previous: figures({ probability: 0.62 }) })).toBe(
      "Worse: Tomatoes 1 kg: runs out Sat, ad ends Tue, Store 12",
    );
  });

  it("falls back to the SKU when the item has no name, and shortens a long name", () => {
    expect(subjectOf({ item: { sku: "4011", name: null } })).toBe("4011: runs out Sat, ad ends Tue, Store 12");
    const long = subjectOf({ item: { sku: "4011", name: "Organic heirloom cherry tomatoes on the vine, 500 g tray" } });
    expect(long).toBe("Organic heirloom cherry tomatoes on the…: runs out Sat, ad ends Tue, Store 12");
  });

  it("says out of stock now, with the ad's end only when there is a promotion", () => {
    expect(subjectOf({ kind: "out_of_stock", figures: figures({ onHand: 0 }) })).toBe(
      "Tomatoes 1 kg: out of stock now, ad ends Tue, Store 12",
    );
    const noPromotion = figures({ onHand: 0, promotionName: null, promotionEnd: null });
    expect(subjectOf({ kind: "out_of_stock", figures: noPromotion })).toBe("Tomatoes 1 kg: out of stock now, Store 12");
  });

  it("names the delivery the stock will not last until, or that none is expected", () => {
    expect(subjectOf({ kind: "delivery_stockout" })).toBe("Tomatoes 1 kg: runs out Sat, before delivery Mon, Store 12");
    const noDelivery = figures({ nextDeliveryDate: null, nextDeliveryQuantity: null });
    expect(subjectOf({ kind: "delivery_stockout", figures: noDelivery })).toBe(
      "Tomatoes 1 kg: runs out Sat, no delivery expected, Store 12",
    );
  });

  it("gives the last POS data time on the store's wall clock", () => {
    const stale = (feedLastSeenAt: string, timeZone = "Europe/Berlin") =>
      subjectOf({ kind: "stale_feed", item: null, store: { ...store, timeZone }, figures: figures({ feedLastSeenAt }) });
    // 08:40 UTC is 09:40 in Berlin (CET)
    expect(stale("2025-11-24T08:40:00Z")).toBe("Store 12: no POS data since Mon 09:40");
    // 03:05 UTC on Tuesday is still Monday evening in Los Angeles
    expect(stale("2025-11-25T03:05:00Z", "America/Los_Angeles")).toBe("Store 12: no POS data since Mon 19:05");
    expect(stale("2025-11-27T06:00:00Z")).toBe("Store 12: no POS data since 07:00");
    expect(stale("2025-11-18T10:00:00Z")).toBe("Store 12: no POS data since Tue 18 Nov 11:00");
  });
});

describe("renderAlertEmail bodies", () => {
  it("shows every figure of a promotion stockout, the action, the links and the address", () => {
    const { text, html } = renderAlertEmail(alertEmail());
    const shown = visibleText(html);
    for (const part of [text, shown]) {
      expect(part).toContain("Tomatoes 1 kg");
      expect(part).toContain("4011");
      expect(part).toContain("Store 12");
      expect(part).toContain("14 units");
      expect(part).toContain("Sat 29 Nov");
      expect(part).toContain("83%");
      expect(part).toContain("Winter Salad Week, ends Tue 2 Dec");
      expect(part).toContain("Mon 1 Dec, 24 units");
      expect(part).toContain("Order or move 20 units to last through Tue 2 Dec");
      expect(part).toContain("Hauptstraße 1");
      expect(part).toContain("10115 Berlin");
      expect(part).not.toContain("What changed");
    }
    expect(text).toContain("Acknowledge: https://shelfwatch.example/alerts/91/acknowledge?token=a1&via=email");
    expect(text).toContain("Snooze: https://shelfwatch.example/alerts/91/snooze?token=a1&via=email");
    expect(text).toContain("https://shelfwatch.example/stores/S12");
    expect(html).toContain('href="https://shelfwatch.example/alerts/91/acknowledge?token=a1&amp;via=email"');
    expect(html).toContain('href="https://shelfwatch.example/alerts/91/snooze?token=a1&amp;via=email"');
    expect(html).toContain('href="https://shelfwatch.example/stores/S12"');
    // the links come before the address footer
    expect(text.indexOf("Snooze:")).toBeLessThan(text.indexOf("Hauptstraße 1"));
  });

  it("marks today and tomorrow in the body, and never rounds a chance up to certain", () => {
    const { text } = renderAlertEmail(
      alertEmail({ figures: figures({ projectedStockoutDate: "2025-11-28", promotionEnd: "2025-11-27", probability: 0.996 }) }),
    );
    expect(text).toContain("Runs out: Fri 28 Nov (tomorrow)");
    expect(text).toContain("Winter Salad Week, ends Thu 27 Nov (today)");
    expect(text).toContain("99%");
    expect(text).not.toContain("100%");
  });

  it("suggests an action with a quantity for each kind", () => {
    // text wraps, so compare with runs of whitespace as one space
    const action = (overrides: Partial<AlertEmailInput>) => renderAlertEmail(alertEmail(overrides)).text.replace(/\s+/g, " ");
    expect(action({ kind: "out_of_stock", figures: figures({ onHand: 0, suggestedQuantity: 36 }) })).toContain(
      "Restock the shelf / check the back room; order 36 units",
    );
    expect(action({ kind: "delivery_stockout", figures: figures({ suggestedQuantity: 8 }) })).toContain(
      "Ask for the delivery on Mon 1 Dec to come earlier, or move stock from another store (8 units)",
    );
    const stale = action({ kind: "stale_feed", item: null, figures: figures({ feedLastSeenAt: "2025-11-24T08:40:00Z" }) });
    expect(stale).toContain("Check that the POS export runs; stockout alerts for this store are held back until data arrives");
    expect(stale).toContain("Last POS data: Mon 24 Nov 09:40 (Europe/Berlin)");
    expect(stale).not.toContain("SKU");
  });

  it("shows what changed in an escalation, previous → now", () => {
    const previous = figures({ projectedStockoutDate: "2025-11-30", probability: 0.62, onHand: 20 });
    const { text, html } = renderAlertEmail(alertEmail({ event: "escalated", previous }));
    for (const part of [text, visibleText(html)]) {
      expect(part).toMatch(/what changed/i);
      expect(part).toContain("Sun 30 Nov → Sat 29 Nov");
      expect(part).toContain("62% → 83%");
      expect(part).toContain("20 units → 14 units");
    }
    expect(text.startsWith("Worse: ")).toBe(true);
  });

  it("is a phone-friendly HTML page and wrapped plain text", () => {
    const longPromotion = "Winter Salad Week with extra savings on every tomato, cucumber and lettuce in the store";
    const email = renderAlertEmail(alertEmail({ figures: figures({ promotionName: longPromotion }) }));
    expectPhoneFriendlyHtml(email.html, "Tomatoes 1 kg: runs out Sat, ad ends Tue, Store 12");
    expectPlainText(email.text);
    expect(email.text).toMatch(/Promotion: Winter Salad Week with extra savings on every tomato,\n {2}cucumber/);
  });

  it("escapes every value from data in the HTML part", () => {
    const email = renderAlertEmail(
      alertEmail({
        item: { sku: `"4011'`, name: "<script>alert(1)</script>" },
        store: { ...store, name: 'Smith & Sons "Corner"', addressLines: ["<img src=x onerror=alert(1)>"] },
        figures: figures({ promotionName: "<b>Deal</b>" }),
        links: { acknowledge: 'https://x.example/a?"><script>', snooze: "javascript:alert(1)", dashboard: "https://x.example/d" },
      }),
    );
    expect(email.html).not.toMatch(/<script/i);
    expect(email.html).not.toMatch(/<img|<b>/i);
    expect(email.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(email.html).toContain("Smith &amp; Sons &quot;Corner&quot;");
    expect(email.html).toContain("&quot;4011&#39;");
    expect(email.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(email.html).toContain("&lt;b&gt;Deal&lt;/b&gt;");
    expect(email.html).toContain('href="https://x.example/a?&quot;&gt;&lt;script&gt;"');
    expect(email.html).not.toContain("javascript:");
    // the plain text part carries the name as it is
    expect(email.text).toContain("<script>alert(1)</script>");
  });
});

describe("renderAlertBatchEmail", () => {
  const page = (sku: string) => `https://shelfwatch.example/dashboard/stores/S12/items/${sku}`;
  function notice(sku: string, overrides: Partial<AlertNoticeForEmail> = {}): AlertNoticeForEmail {
    return { event: "opened", kind: "promotion_stockout", item: { sku, name: `Item ${sku}` }, figures: figures(), page: page(sku), ...overrides };
  }
  const leadLinks = { acknowledge: "https://shelfwatch.example/links/ack-lead", snooze: "https://shelfwatch.example/links/snooze-lead" };

  it("puts a silent POS feed first, then the emptiest shelf, the soonest stockout and the likelier one", () => {
    const ordered = orderByUrgency(
      [
        notice("later", { figures: figures({ projectedStockoutDate: "2025-12-01" }) }),
        notice("unknown", { figures: figures({ projectedStockoutDate: null }) }),
        notice("sooner-less-likely", { figures: figures({ projectedStockoutDate: "2025-11-28", probability: 0.6 }) }),
        notice("empty", { kind: "out_of_stock", figures: figures({ onHand: 0, projectedStockoutDate: null, probability: null }) }),
        notice("sooner-likelier", { figures: figures({ projectedStockoutDate: "2025-11-28", probability: 0.9 }) }),
        notice("feed", { kind: "stale_feed", item: null, figures: figures({ feedLastSeenAt: "2025-11-26T08:00:00Z" }) }),
      ],
      TODAY,
    );
    expect(ordered.map((n) => n.item?.sku ?? "feed")).toEqual(["feed", "empty", "sooner-likelier", "sooner-less-likely", "later", "unknown"]);
  });

  it("leads with the first alert in full and gives each of the others a line linked to its page", () => {
    const notices = [
      notice("4011", { figures: figures({ projectedStockoutDate: "2025-11-28" }) }),
      notice("5020", { event: "escalated", previous: figures({ probability: 0.55 }), figures: figures({ onHand: 9, probability: 0.91 }) }),
      notice("6030", { kind: "out_of_stock", figures: figures({ onHand: 0, probability: null }) }),
    ];
    const email = renderAlertBatchEmail({ store, today: TODAY, notices, leadLinks, alertsPage: "https://shelfwatch.example/dashboard/alerts?store=S12" });
    expect(email.subject).toBe("3 urgent alerts at Store 12: Item 4011 (runs out tomorrow, ad ends Tue) and 2 more");
    const flat = email.text.replace(/\s+/g, " ");
    // the lead: the same figures, action and buttons as the email of one alert, its page as "Open item"
    expect(flat).toContain("ITEM 4011 MAY RUN OUT BEFORE THE PROMOTION ENDS");
    expect(flat).toContain("Chance of running out before the promotion ends: 83%");
    expect(flat).toContain("Suggested action: Order or move 20 units to last through Tue 2 Dec");
    expect(email.text).toContain("Acknowledge: https://shelfwatch.example/links/ack-lead");
    expect(email.text).toContain("Snooze: https://shelfwatch.example/links/snooze-lead");
    expect(email.text).toContain(`Open item: ${page("4011")}`);
    // the others: a line each, in the order given, with stock, date, chance, what to do and the page
    expect(flat).toContain(`ALSO URGENT (2) * Item 5020 (SKU 5020): Worse · 9 units on hand · runs out Sat, ad ends Tue · 91% chance. Order or move 20 units to last through Tue 2 Dec. ${page("5020")}`);
    expect(flat).toContain(`* Item 6030 (SKU 6030): 0 units on hand · out of stock now, ad ends Tue. Restock the shelf / check the back room; order 20 units. ${page("6030")}`);
    expect(email.html).toContain(`<a href="${page("5020")}"`);
    expect(email.html).toContain('href="https://shelfwatch.example/dashboard/alerts?store=S12"');
    // signed links for the lead only
    expect([...email.html.matchAll(/href="https:\/\/shelfwatch\.example\/links\//g)]).toHaveLength(2);
    expectPhoneFriendlyHtml(email.html, "3 urgent alerts at Store 12: Item 4011 (runs out tomorrow, ad ends Tue) and 2 more");
    expectPlainText(email.text);
  });

  it("lists a hundred others at most and says how many more are on the dashboard", () => {
    const notices = Array.from({ length: 151 }, (_, i) => notice(String(7000 + i)));
    const email = renderAlertBatchEmail({ store, today: TODAY, notices, leadLinks, alertsPage: "https://shelfwatch.example/dashboard/alerts?store=S12" });
    expect(email.subject).toMatch(/^151 urgent alerts at Store 12: Item 7000 .* and 150 more$/);
    expect(email.text).toContain(page("7100"));
    expect(email.text).not.toContain(page("7101"));
    expect(email.text.replace(/\s+/g, " ")).toContain("And 50 more, the least urgent, on the dashboard.");
  });

  it("escapes every value from data, and refuses to batch a single alert", () => {
    const evil = notice("<b>1</b>", { item: { sku: "<b>1</b>", name: "<script>x</script>" }, page: "javascript:alert(1)" });
    const email = renderAlertBatchEmail({ store, today: TODAY, notices: [notice("4011"), evil], leadLinks, alertsPage: "https://shelfwatch.example/dashboard/alerts" });
    expect(email.html).not.toMatch(/<script|<b>|javascript:/i);
    expect(email.html).toContain("&lt;script&gt;x&lt;/script&gt; (SKU &lt;b&gt;1&lt;/b&gt;)");
    expect(() => renderAlertBatchEmail({ store, today: TODAY, notices: [notice("4011")], leadLinks, alertsPage: "x" })).toThrow(/at least two/);
  });
});

describe("renderDigestEmail", () => {
  const FRIDAY = "2025-11-28";

  function digestAlert(sku: string, overrides: Partial<DigestAlert> & { date?: string | null } = {}): DigestAlert {
    const { date, ...rest } = overrides;
    return {
      kind: "promotion_stockout",
      state: "open",
      item: { sku, name: `Item ${sku}` },
      figures: figures({ projectedStockoutDate: date === undefined ? "2025-11-30" : date }),
      urgent: false,
      links: { page: `https://shelfwatch.example/dashboard/stores/S12/items/${sku}` },
      ...rest,
    };
  }

  function digest(overrides: Partial<DigestInput> = {}): DigestInput {
    return {
      store,
      localDate: FRIDAY,
      recipientName: "Dana",
      alerts: [
        digestAlert("W-late", { date: "2025-12-05" }),
        digestAlert("ACK", { state: "acknowledged", date: "2025-11-28" }),
        digestAlert("W-unknown", { date: null }),
        digestAlert("U-later", { urgent: true, date: "2025-12-01", kind: "delivery_stockout" }),
        digestAlert("W-soon", { date: "2025-11-29" }),
        digestAlert("SNZ", { state: "snoozed", urgent: true, date: "2025-11-30" }),
        digestAlert("U-sooner", { urgent: true, date: "2025-11-28", kind: "out_of_stock" }),
      ],
      changes: [
        { at: "2025-11-28T05:15:00Z", event: "escalated", kind: "out_of_stock", item: { sku: "U-sooner", name: "Item U-sooner" }, cause: "on hand reached 0" },
        { at: "2025-11-27T16:40:00Z", event: "opened", kind: "promotion_stockout", item: { sku: "W-soon", name: null }, cause: "sales ran ahead of the forecast" },
        { at: "2025-11-27T18:00:00Z", event: "resolved", kind: "stale_feed", item: null, cause: "POS data arrived" },
      ],
      links: { dashboard: "https://shelfwatch.example/stores/S12" },
      ...overrides,
    };
  }

  it("counts urgent and to-watch alerts in the subject", () => {
    expect(renderDigestEmail(digest()).subject).toBe("Store 12 daily stock alerts, Fri 28 Nov: 2 urgent, 3 to watch");
    expect(renderDigestEmail(digest({ alerts: [], changes: [] })).subject).toBe(
      "Store 12 daily stock alerts, Fri 28 Nov: nothing at risk",
    );
    expect(renderDigestEmail(digest({ alerts: [digestAlert("ACK", { state: "acknowledged" })] })).subject).toBe(
      "Store 12 daily stock alerts, Fri 28 Nov: nothing new, 1 being handled",
    );
  });

  it("groups one line per alert by what to do (order, move, check the shelf), urgent first, then those being handled", () => {
    const { text, html } = renderDigestEmail(digest());
    for (const part of [text, visibleText(html)]) {
      const order = ["W-soon", "W-late", "W-unknown", "U-later", "U-sooner", "SNZ", "ACK"].map((sku) => part.indexOf(`Item ${sku}`));
      expect(order.every((position) => position >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      const headings = [/order \(3\)/i, /move stock \(1\)/i, /check the shelf \(1\)/i, /acknowledged or snoozed \(2\)/i, /changed since yesterday/i].map(
        (re) => part.search(re),
      );
      expect(headings.every((position) => position >= 0)).toBe(true);
      expect(headings).toEqual([...headings].sort((a, b) => a - b));
      // each group holds its alerts
      expect(part.indexOf("Item W-unknown")).toBeLessThan(headings[1]!);
      expect(part.indexOf("Item U-later")).toBeGreaterThan(headings[1]!);
      expect(part.indexOf("Item U-sooner")).toBeGreaterThan(headings[2]!);
      expect(part.indexOf("Item SNZ")).toBeGreaterThan(headings[3]!);
    }
  });

  it("links each item to its dashboard page, with its figures on the same line and no signed links", () => {
    const { text, html } = renderDigestEmail(digest());
    expect(text).toContain("Hello Dana,");
    // the line wraps at 72 characters; the URL keeps a line of its own
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain("* Item W-soon: New · runs out tomorrow · 14 on hand · 83% · order 20 https://shelfwatch.example/dashboard/stores/S12/items/W-soon *");
    expect(text).toContain("\n  https://shelfwatch.example/dashboard/stores/S12/items/W-soon\n");
    expect(flat).toContain("* Item U-sooner: Urgent · worse · out of stock · 14 on hand · order 20 ");
    expect(flat).toContain("* Item U-later: Urgent · runs out Mon, delivery Mon · 14 on hand · 83% · move 20 ");
    expect(flat).toContain("* Item ACK: Acknowledged · ");
    expect(flat).toContain("* Item SNZ: Snoozed · ");
    for (const sku of ["W-soon", "W-late", "W-unknown", "U-later", "U-sooner", "SNZ", "ACK"]) {
      expect(html).toContain(`<a href="https://shelfwatch.example/dashboard/stores/S12/items/${sku}"`);
    }
    // the links of the page: one per item and the dashboard, nothing signed
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]);
    expect(hrefs).toHaveLength(8);
    expect(hrefs.filter((href) => href!.includes("/links/"))).toEqual([]);
    expect(text).toContain("Open dashboard: https://shelfwatch.example/stores/S12");
    expect(text.trimEnd().endsWith("Stock alerts from Shelfwatch")).toBe(true);
    expect(text).toContain("10115 Berlin");
  });

  it("sums up the last day's changes and names what resolved", () => {
    const { text } = renderDigestEmail(digest());
    const changes = text.slice(text.indexOf("CHANGED SINCE YESTERDAY"));
    expect(changes).toContain("1 opened, 1 got worse, 1 resolved.");
    expect(changes).toContain("Resolved: POS data feed.");
    const many = Array.from({ length: 12 }, (_, i) => ({
      at: "2025-11-28T05:15:00Z",
      event: "resolved" as const,
      kind: "delivery_stockout" as const,
      item: { sku: `R${i}`, name: `Rice ${i}` },
      cause: "stock received",
    }));
    const summed = renderDigestEmail(digest({ changes: many })).text;
    expect(summed).toContain("12 resolved.");
    expect(summed.replace(/\s+/g, " ")).toContain("Resolved: Rice 0, Rice 1, Rice 2, Rice 3, Rice 4, Rice 5, Rice 6, Rice 7, Rice 8, Rice 9 and 2 more.");
  });

  it("says so when nothing is at risk and nothing changed", () => {
    const { text } = renderDigestEmail(digest({ alerts: [], changes: [], recipientName: null }));
    expect(text).toContain("Hello,");
    expect(text).toContain("Nothing new is at risk at Store 12 today.");
    expect(text).toContain("No changes since yesterday.");
    expect(text).not.toMatch(/ORDER|CHECK THE SHELF|ACKNOWLEDGED/);
  });

  it("is phone-friendly, wrapped, and escapes every value from data", () => {
    const email = renderDigestEmail(
      digest({
        recipientName: "<script>alert(1)</script>",
        alerts: [digestAlert("1", { item: { sku: "<i>1</i>", name: "<script>alert(1)</script>" }, figures: figures({ promotionName: "A & B" }) })],
        changes: [{ at: "2025-11-28T05:15:00Z", event: "resolved", kind: "out_of_stock", item: { sku: "2", name: "<iframe src=x>" }, cause: "stock received" }],
      }),
    );
    expectPhoneFriendlyHtml(email.html, "Store 12 daily stock alerts, Fri 28 Nov: 0 urgent, 1 to watch");
    expect(email.html).not.toMatch(/<script|<iframe|<i>/i);
    expect(email.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;</a>");
    expect(email.html).toContain("Resolved: &lt;iframe src=x&gt;.");
    expectPlainText(renderDigestEmail(digest()).text);
  });
});
