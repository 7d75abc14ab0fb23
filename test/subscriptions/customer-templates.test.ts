import { describe, expect, it } from "vitest";
import type { StoreForEmail } from "../../src/notify/alert-templates.js";
import {
  formatRainCheckCode,
  longDate,
  oneClickHeaders,
  renderConfirmationEmail,
  renderPrivacyEmail,
  renderRestockEmail,
  renderRunningLowEmail,
  type NoticeLinks,
} from "../../src/subscriptions/customer-templates.js";
import { decodeBarcodePng } from "./barcode-reader.js";

const store: StoreForEmail = {
  code: "S12",
  name: "Store 12 Mt Auburn",
  timeZone: "America/New_York",
  addressLines: ["12 Mt Auburn St", "Cambridge, MA 02138", "US"],
};
const item = { sku: "0001", name: "Tomatoes 1 kg" };
const links: NoticeLinks = {
  unsubscribe: "https://shelfwatch.example/c/unsub-token",
  stopAll: "https://shelfwatch.example/c/stop-token",
  itemPage: "https://shelfwatch.example/s/S12/0001",
};

const evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
const evilStore: StoreForEmail = { ...store, name: `Corner "Shop" <b>& Sons</b>`, addressLines: [`1 <i>Main</i> St`, "Springfield"] };

/** The rain check's barcode, the one image of our own in a customer email. */
const BARCODE_IMG = /<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" alt="Barcode of rain check (RC-[0-9A-Z-]+)" width="\d+" height="\d+" style="[^"<>]*">/g;

function expectNoMarkupFrom(email: string): void {
  const html = email.replace(BARCODE_IMG, "");
  expect(html).not.toContain("<script");
  expect(html).not.toContain("<img");
  expect(html).not.toContain("<b>");
  expect(html).not.toContain("<i>");
  expect(html).not.toMatch(/<[^>]*\sonerror=/i);
}

/** The text part with its line wrapping undone, to look for whole sentences. */
const unwrapped = (text: string) => text.replace(/\s+/g, " ");
/** The part of the text email after the signature separator. */
const textFooter = (text: string) => text.slice(text.lastIndexOf("\n--\n"));
/** The last table cell of the HTML email: the footer. */
const htmlFooter = (html: string) => html.slice(html.lastIndexOf("<td"));

const runningLow = (overrides: Partial<Parameters<typeof renderRunningLowEmail>[0]> = {}) =>
  renderRunningLowEmail({
    store,
    item,
    promotion: { name: "Week 47 flyer", start: "2026-11-20", end: "2026-11-26", advertisedPrice: "$2.99" },
    expectedSellOut: "2026-11-24",
    rainCheck: { code: "RC7K3M9QXD2PTA", validFrom: "2026-11-20", expires: "2026-12-26" },
    links,
    ...overrides,
  });

const confirmation = (overrides: Partial<Parameters<typeof renderConfirmationEmail>[0]> = {}) =>
  renderConfirmationEmail({
    store,
    allStores: false,
    item,
    restock: true,
    deals: false,
    confirmUrl: "https://shelfwatch.example/c/confirm-token",
    expiresHours: 72,
    ...overrides,
  });

const restock = (overrides: Partial<Parameters<typeof renderRestockEmail>[0]> = {}) =>
  renderRestockEmail({ store, item, staySubscribed: false, links, ...overrides });

const privacy = (overrides: Partial<Parameters<typeof renderPrivacyEmail>[0]> = {}) =>
  renderPrivacyEmail({ store, privacyUrl: "https://shelfwatch.example/c/privacy-token", expiresHours: 24, ...overrides });

describe("formatRainCheckCode", () => {
  it("groups the twelve characters after RC in fours for reading out at a till", () => {
    expect(formatRainCheckCode("RC7K3M9QXD2PTA")).toBe("RC-7K3M-9QXD-2PTA");
    expect(formatRainCheckCode("RC000000000000")).toBe("RC-0000-0000-0000");
  });
});

describe("longDate", () => {
  it("names the weekday and month of a calendar date, whatever the time zone of the process", () => {
    expect(longDate("2026-12-11")).toBe("Friday 11 December");
    expect(longDate("2026-11-26")).toBe("Thursday 26 November");
    expect(longDate("2027-01-01")).toBe("Friday 1 January");
    expect(longDate("2028-02-29")).toBe("Tuesday 29 February");
  });
});

describe("oneClickHeaders", () => {
  it("gives the RFC 8058 pair: the HTTPS target in angle brackets and the one-click POST body", () => {
    expect(oneClickHeaders("https://shelfwatch.example/c/abc")).toEqual({
      "List-Unsubscribe": "<https://shelfwatch.example/c/abc>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
  });
});

describe("the store's postal address in every customer email", () => {
  const emails = {
    confirmation: confirmation(),
    restock: restock(),
    "running low": runningLow(),
    privacy: privacy(),
  };

  it.each(Object.entries(emails))("the %s email carries the store name and address lines in the text and HTML footers", (_kind, email) => {
    for (const line of [store.name, ...store.addressLines]) {
      expect(textFooter(email.text)).toContain(line);
      expect(htmlFooter(email.html)).toContain(line);
    }
    // and says why the address gets it
    expect(textFooter(email.text)).toMatch(/You get this email because/);
  });
});

describe("notices: a visible unsubscribe and the one-click headers", () => {
  it.each([
    ["restock", restock()],
    ["running low", runningLow()],
  ] as const)("the %s notice links to unsubscribe and to stop all email in both parts", (_kind, email) => {
    expect(textFooter(email.text)).toContain(`Unsubscribe: ${links.unsubscribe}`);
    expect(textFooter(email.text)).toContain(`Stop all email from us: ${links.stopAll}`);
    expect(htmlFooter(email.html)).toContain(`<a href="${links.unsubscribe}" style="color:#4b5563">Unsubscribe</a>`);
    expect(htmlFooter(email.html)).toContain(`<a href="${links.stopAll}" style="color:#4b5563">Stop all email from us</a>`);
    expect(email.headers).toEqual(oneClickHeaders(links.unsubscribe));
    expect(email.text).toContain(links.itemPage);
  });

  it("sends no unsubscribe headers with a confirmation or privacy email: there is nothing to leave yet", () => {
    expect("headers" in confirmation()).toBe(false);
    expect("headers" in privacy()).toBe(false);
    expect(confirmation().text).not.toContain("Unsubscribe");
  });
});

describe("renderConfirmationEmail", () => {
  it("names the item, the store and what was asked for, and how long the link works", () => {
    const email = confirmation({ deals: true });
    expect(email.subject).toBe("Confirm: tell me about Tomatoes 1 kg at Store 12 Mt Auburn");
    expect(unwrapped(email.text)).toContain("Someone, hopefully you, asked to hear about Tomatoes 1 kg at Store 12 Mt Auburn: when it is back in stock and when a deal on it is about to sell out.");
    expect(unwrapped(email.text)).toContain("The link works for 72 hours.");
    expect(email.text).toContain("Confirm subscription: https://shelfwatch.example/c/confirm-token");
    expect(email.html).toContain('href="https://shelfwatch.example/c/confirm-token"');
  });

  it("says any of our stores for a request about every store, and falls back to the SKU without a name", () => {
    const email = confirmation({ allStores: true, item: { sku: "0042", name: null }, restock: false, deals: true });
    expect(email.subject).toBe("Confirm: tell me about 0042 at any of our stores");
    expect(unwrapped(email.text)).toContain("asked to hear about 0042 at any of our stores: when a deal on it is about to sell out.");
  });
});

describe("renderRestockEmail", () => {
  it("says the item is back and whether more notices follow", () => {
    const once = restock();
    expect(once.subject).toBe("Back in stock: Tomatoes 1 kg at Store 12 Mt Auburn");
    expect(unwrapped(once.text)).toContain("This was your one notice for this item");
    const staying = restock({ staySubscribed: true });
    expect(unwrapped(staying.text)).toContain("we will tell you again the next time it comes back");
  });
});

describe("renderRunningLowEmail", () => {
  it("says the item may sell out by the forecast day, as a likelihood and not a promise, with the rain check code", () => {
    const email = runningLow();
    expect(email.subject).toBe("Tomatoes 1 kg may sell out by Tuesday 24 November at Store 12 Mt Auburn: your rain check");
    const text = unwrapped(email.text);
    expect(text).toContain(`on offer at Store 12 Mt Auburn in "Week 47 flyer" from Friday 20 November to Thursday 26 November, at $2.99.`);
    expect(text).toContain("Our forecast says the shelf may be empty by Tuesday 24 November.");
    // what it cannot know, it does not say
    expect(text).not.toMatch(/will sell out|sold out|guarantee|faster than we expected/i);
    expect(text).toContain("buy the item at the advertised price of $2.99, from Friday 20 November until Saturday 26 December");
    expect(text).toContain("Advertised price: $2.99");
    expect(text).toContain("Offer: Week 47 flyer, Friday 20 November to Thursday 26 November");
    expect(text).toContain("Rain check code: RC-7K3M-9QXD-2PTA");
    expect(text).toContain("Good: from Friday 20 November until Saturday 26 December");
    expect(text).toContain("The rain check is good once, at this store.");
    expect(email.html).toContain("RC-7K3M-9QXD-2PTA");
    expect(email.html).toContain("$2.99");
  });

  it("carries the rain check as a barcode image that reads back as its code", () => {
    const html = runningLow().html;
    const images = [...html.matchAll(BARCODE_IMG)];
    expect(images).toHaveLength(1);
    expect(images[0]![2]).toBe("RC-7K3M-9QXD-2PTA");
    expect(decodeBarcodePng(Buffer.from(images[0]![1]!, "base64"))).toBe("RC7K3M9QXD2PTA");
    // the text part has the code itself and nothing of the image
    expect(runningLow().text).not.toContain("base64");
  });

  it("without an advertised price, promises the advertised price and names none", () => {
    const text = unwrapped(runningLow({ promotion: { name: "Week 47 flyer", start: "2026-11-20", end: "2026-11-26", advertisedPrice: null } }).text);
    expect(text).toContain(`in "Week 47 flyer" from Friday 20 November to Thursday 26 November. Our forecast`);
    expect(text).toContain("buy the item at the advertised price, from Friday 20 November");
    expect(text).not.toContain("Advertised price:");
  });

  it("without a dated sell-out, says only that it may sell out before the deal ends", () => {
    const email = runningLow({ expectedSellOut: null });
    expect(email.subject).toBe("Tomatoes 1 kg may sell out before the deal ends on Thursday 26 November at Store 12 Mt Auburn: your rain check");
    expect(unwrapped(email.text)).toContain("may be empty before the deal ends on Thursday 26 November");
    expect(email.text).not.toMatch(/ by [A-Z][a-z]+day/);
  });
});

describe("renderPrivacyEmail", () => {
  it("links to the data page and says how long the link works", () => {
    const email = privacy();
    expect(email.subject).toBe("Your data at Store 12 Mt Auburn");
    expect(email.text).toContain("See or delete my data: https://shelfwatch.example/c/privacy-token");
    expect(unwrapped(email.text)).toContain("The link works for 24 hours.");
  });
});

describe("no HTML from item, store or promotion names", () => {
  const evilLinks: NoticeLinks = { unsubscribe: links.unsubscribe, stopAll: links.stopAll, itemPage: `javascript:alert(1)` };
  const emails = {
    confirmation: confirmation({ store: evilStore, item: { sku: "0001", name: evil } }),
    restock: restock({ store: evilStore, item: { sku: `"><svg onload=alert(1)>`, name: evil } }),
    "running low": runningLow({ store: evilStore, item: { sku: "0001", name: evil }, promotion: { name: `</p><script>alert(3)</script>`, start: "2026-11-20", end: "2026-11-26", advertisedPrice: `<img src=x onerror=alert(4)>` }, links: evilLinks }),
    privacy: privacy({ store: evilStore }),
  };

  it.each(Object.entries(emails))("the %s email escapes them in the HTML and keeps them as typed in the text", (kind, email) => {
    expectNoMarkupFrom(email.html);
    expect(email.html).not.toContain("<svg");
    expect(email.html).not.toContain("</p><script");
    expect(email.html).toContain("Corner &quot;Shop&quot; &lt;b&gt;&amp; Sons&lt;/b&gt;");
    expect(email.html).toContain("1 &lt;i&gt;Main&lt;/i&gt; St");
    expect(email.text).toContain(evilStore.name);
    if (kind !== "privacy") {
      expect(email.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;");
      expect(email.text).toContain(evil);
    }
  });

  it("drops a link that is not http(s) instead of making it a button", () => {
    const html = emails["running low"].html;
    expect(html).not.toContain("javascript:");
    expect(html).toContain('href="#"');
  });
});
