/** The public item page with its subscribe form: plain HTML that works without JavaScript. Pure functions. */
import { escapeHtml } from "../notify/email-layout.js";
import { pageShell } from "../notify/link-pages.js";

export interface ItemPageInput {
  store: { code: string; name: string } | null;
  item: { sku: string; name: string | null };
  /** null when the page covers every store */
  inStock: boolean | null;
  action: string;
  /** what was typed, shown again with the errors */
  values?: { email?: string; restock?: boolean; deals?: boolean; stay?: boolean };
  errors?: Array<{ field: string; reason: string }>;
}

function checkbox(name: string, label: string, checked: boolean): string {
  return `<p style="margin:0 0 8px"><label><input type="checkbox" name="${name}" value="on"${checked ? " checked" : ""} style="width:20px;height:20px;vertical-align:middle"> ${escapeHtml(label)}</label></p>`;
}

export function itemPage(input: ItemPageInput): string {
  const name = input.item.name ?? input.item.sku;
  const where = input.store ? input.store.name : "any of our stores";
  const status =
    input.inStock === null ? "" : `<p><strong>${input.inStock ? "In stock now." : "Out of stock right now."}</strong></p>`;
  const errors =
    input.errors && input.errors.length > 0
      ? `<div role="alert" style="border-left:4px solid #b91c1c;padding:8px 12px;margin:0 0 16px;background:#fef2f2"><p style="margin:0 0 4px"><strong>Please check the form:</strong></p><ul style="margin:0;padding-left:20px">${input.errors
          .map((e) => `<li>${escapeHtml(`${e.field}: ${e.reason}`)}</li>`)
          .join("")}</ul></div>`
      : "";
  const values = input.values ?? {};
  const form = `<form method="post" action="${escapeHtml(input.action)}">
<p style="margin:0 0 4px"><label for="email">Your email address</label></p>
<p style="margin:0 0 12px"><input id="email" name="email" type="email" required autocomplete="email" maxlength="254" value="${escapeHtml(values.email ?? "")}" style="font-size:16px;padding:8px;width:100%;max-width:24rem;box-sizing:border-box"></p>
<fieldset style="border:0;padding:0;margin:0 0 12px"><legend style="margin:0 0 8px">Tell me</legend>
${checkbox("restock", "when it is back in stock", values.restock ?? true)}
${checkbox("deals", "when a deal on it is about to sell out (with a rain check)", values.deals ?? false)}
${checkbox("stay", "every time it comes back, not just the next time", values.stay ?? false)}
</fieldset>
<button type="submit" style="font-size:18px;padding:12px 20px;background:#1d4ed8;color:#fff;border:0;border-radius:6px">Subscribe</button>
</form>
<p style="color:#4b5563;font-size:14px">We send a confirmation email first and nothing else until you confirm. Every email has a one-click unsubscribe.</p>`;
  return pageShell(`${name} at ${where}`, `${status}${errors}${form}`);
}
