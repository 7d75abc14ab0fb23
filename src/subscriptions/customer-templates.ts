/**
 * Customer email: the subscription confirmation, back-in-stock and running-low notices, and the privacy link. Pure
 * functions; every value reaches HTML through the shared escaping layout. Commercial notices carry the store's postal
 * address and a visible unsubscribe link, and the one-click unsubscribe headers of RFC 8058.
 */
import { dayOfWeek } from "../forecast/calendar.js";
import type { ItemForEmail, StoreForEmail } from "../notify/alert-templates.js";
import { renderBarcodePng } from "./barcode.js";
import { renderEmail, type Block, type Link, type RenderedEmail } from "../notify/email-layout.js";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"] as const;

/** "Friday 11 December" for a YYYY-MM-DD date. */
export function longDate(date: string): string {
  const [, month, day] = date.split("-").map(Number);
  return `${WEEKDAYS[dayOfWeek(date)]} ${day} ${MONTHS[(month ?? 1) - 1]}`;
}

function itemLabel(item: ItemForEmail): string {
  return item.name ?? item.sku;
}

/** "RC-7K3M-9QXD-2PTA": easier to read out at a till than twelve letters in a row. */
export function formatRainCheckCode(code: string): string {
  return code.replace(/^RC/, "").match(/.{1,4}/g)!.reduce((text, group) => `${text}-${group}`, "RC");
}

export interface NoticeLinks {
  /** one click ends this subscription (the List-Unsubscribe target) */
  unsubscribe: string;
  /** ends every subscription of the address and suppresses it */
  stopAll: string;
  /** the item page with its subscribe form */
  itemPage: string;
}

export interface CustomerEmail extends RenderedEmail {
  headers: Record<string, string>;
}

function customerFooter(store: StoreForEmail, reason: string): string[] {
  return [reason, `${store.name}`, ...store.addressLines];
}

function noticeFooterLinks(links: NoticeLinks): Link[] {
  return [
    { label: "Unsubscribe", href: links.unsubscribe, primary: false },
    { label: "Stop all email from us", href: links.stopAll, primary: false },
  ];
}

/** RFC 8058: mail programs show an unsubscribe button that POSTs to this address, no page visit needed. */
export function oneClickHeaders(unsubscribeUrl: string): Record<string, string> {
  return { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

export interface ConfirmationInput {
  /** the store named in the request; with `allStores` the first of them, whose address goes in the footer */
  store: StoreForEmail;
  allStores: boolean;
  item: ItemForEmail;
  restock: boolean;
  deals: boolean;
  confirmUrl: string;
  expiresHours: number;
}

export function renderConfirmationEmail(input: ConfirmationInput): RenderedEmail {
  const where = input.allStores ? "any of our stores" : input.store.name;
  const wants = [input.restock ? "when it is back in stock" : null, input.deals ? "when a deal on it is about to sell out" : null]
    .filter(Boolean)
    .join(" and ");
  const blocks: Block[] = [
    { type: "heading", text: "Please confirm your subscription" },
    { type: "paragraph", text: `Someone, hopefully you, asked to hear about ${itemLabel(input.item)} at ${where}: ${wants}.` },
    { type: "paragraph", text: `Nothing more will be sent to this address unless you confirm. The link works for ${input.expiresHours} hours.` },
    { type: "links", links: [{ label: "Confirm subscription", href: input.confirmUrl, primary: true }] },
    { type: "paragraph", text: "If you did not ask for this, ignore this email." },
  ];
  return renderEmail({
    subject: `Confirm: tell me about ${itemLabel(input.item)} at ${where}`,
    preview: `Confirm to hear about ${itemLabel(input.item)}`,
    blocks,
    footer: customerFooter(input.store, "You get this email because this address was entered on our website."),
  });
}

export interface RestockInput {
  store: StoreForEmail;
  item: ItemForEmail;
  /** the subscription goes on after this notice */
  staySubscribed: boolean;
  links: NoticeLinks;
}

export function renderRestockEmail(input: RestockInput): CustomerEmail {
  const name = itemLabel(input.item);
  const blocks: Block[] = [
    { type: "heading", text: `${name} is back in stock` },
    { type: "paragraph", text: `${name} is back on the shelf at ${input.store.name}. Quantities are limited, and we are letting subscribers know in the order they signed up.` },
    { type: "facts", facts: [["Store", [input.store.name, ...input.store.addressLines].join(", ")], ["Item", `${name} (${input.item.sku})`]] },
    {
      type: "paragraph",
      text: input.staySubscribed
        ? "You asked to stay subscribed: we will tell you again the next time it comes back."
        : "This was your one notice for this item; subscribe again on the item page to hear about the next restock.",
    },
    { type: "links", links: [{ label: "See the item", href: input.links.itemPage, primary: true }] },
  ];
  return {
    ...renderEmail({
      subject: `Back in stock: ${name} at ${input.store.name}`,
      preview: `${name} is back at ${input.store.name}`,
      blocks,
      footer: customerFooter(input.store, "You get this email because you subscribed to back-in-stock notices for this item."),
      footerLinks: noticeFooterLinks(input.links),
    }),
    headers: oneClickHeaders(input.links.unsubscribe),
  };
}

export interface RunningLowInput {
  store: StoreForEmail;
  item: ItemForEmail;
  /** first and last day of the deal, store-local YYYY-MM-DD; the price as the ad prints it, when the calendar gave one */
  promotion: { name: string; start: string; end: string; advertisedPrice: string | null };
  /** when the forecast expects the shelf to be empty; null when it is likely but not dated within the deal */
  expectedSellOut: string | null;
  /** good from the deal's first day until the end of `expires`, store-local days */
  rainCheck: { code: string; validFrom: string; expires: string };
  links: NoticeLinks;
}

/** Says what is known: the deal, its dates and price, the forecast as a forecast, and what the rain check promises. */
export function renderRunningLowEmail(input: RunningLowInput): CustomerEmail {
  const name = itemLabel(input.item);
  const { promotion, rainCheck } = input;
  const when = input.expectedSellOut ? `by ${longDate(input.expectedSellOut)}` : `before the deal ends on ${longDate(promotion.end)}`;
  const code = formatRainCheckCode(rainCheck.code);
  const price = promotion.advertisedPrice ? `the advertised price of ${promotion.advertisedPrice}` : "the advertised price";
  const dates = `${longDate(promotion.start)} to ${longDate(promotion.end)}`;
  const barcode = renderBarcodePng(rainCheck.code);
  const blocks: Block[] = [
    { type: "heading", text: `${name} may sell out ${when}` },
    {
      type: "paragraph",
      text: `${name} is on offer at ${input.store.name} in "${promotion.name}" from ${dates}${promotion.advertisedPrice ? `, at ${promotion.advertisedPrice}` : ""}. Our forecast says the shelf may be empty ${when}.`,
    },
    {
      type: "callout",
      label: "Your rain check",
      text: `${code}. If the shelf is empty when you come, show this code or its barcode at the till to buy the item at ${price}, from ${longDate(rainCheck.validFrom)} until ${longDate(rainCheck.expires)}.`,
    },
    { type: "image", src: `data:image/png;base64,${barcode.png.toString("base64")}`, alt: `Barcode of rain check ${code}`, width: barcode.width, height: barcode.height },
    {
      type: "facts",
      facts: [
        ["Store", [input.store.name, ...input.store.addressLines].join(", ")],
        ["Item", `${name} (${input.item.sku})`],
        ["Offer", `${promotion.name}, ${dates}`],
        ...(promotion.advertisedPrice ? [["Advertised price", promotion.advertisedPrice] as [string, string]] : []),
        ["Rain check code", code],
        ["Good", `from ${longDate(rainCheck.validFrom)} until ${longDate(rainCheck.expires)}`],
      ],
    },
    { type: "paragraph", text: "The rain check is good once, at this store." },
    { type: "links", links: [{ label: "See the item", href: input.links.itemPage, primary: true }] },
  ];
  return {
    ...renderEmail({
      subject: `${name} may sell out ${when} at ${input.store.name}: your rain check`,
      preview: `Rain check ${code} inside`,
      blocks,
      footer: customerFooter(input.store, "You get this email because you subscribed to deal notices for this item."),
      footerLinks: noticeFooterLinks(input.links),
    }),
    headers: oneClickHeaders(input.links.unsubscribe),
  };
}

export interface PrivacyInput {
  store: StoreForEmail;
  privacyUrl: string;
  expiresHours: number;
}

export function renderPrivacyEmail(input: PrivacyInput): RenderedEmail {
  return renderEmail({
    subject: `Your data at ${input.store.name}`,
    preview: "Download or delete what we hold about this address",
    blocks: [
      { type: "heading", text: "Your data" },
      { type: "paragraph", text: "Someone, hopefully you, asked what we hold about this email address. The link below lets you download it, or delete it all." },
      { type: "paragraph", text: `The link works for ${input.expiresHours} hours. If you did not ask, ignore this email: nothing changes.` },
      { type: "links", links: [{ label: "See or delete my data", href: input.privacyUrl, primary: true }] },
    ],
    footer: customerFooter(input.store, "You get this email because this address asked for its data."),
  });
}
