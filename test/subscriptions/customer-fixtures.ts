import { expect } from "vitest";
import { sweepWithAlerts } from "../../src/notify/alert-notices.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { runCustomerNotices } from "../../src/subscriptions/customer-notices.js";
import type { TestContext } from "../helpers/context.js";
import type { TestSmtp } from "../helpers/smtp.js";
import type { Mailer } from "../../src/notify/mail-types.js";

export type Message = TestSmtp["messages"][number];

export const addressOf = (m: Message) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address!;

/** A header as it was sent (mailparser folds List-* headers into one structured value). */
export function headerLine(message: Message, key: string): string {
  const line = message.headerLines.find((h) => h.key === key)?.line ?? "";
  return line.slice(line.indexOf(":") + 1).replace(/\r?\n\s+/g, " ").trim();
}

/** The path of the first link to this service in an email's plain text that starts with `prefix`. */
export function linkIn(message: Message, prefix: string): string {
  const match = new RegExp(`https://shelfwatch\\.example(${prefix}[A-Za-z0-9_.-]+)`).exec(message.text ?? "");
  expect(match, `no ${prefix} link in: ${message.text}`).not.toBeNull();
  return match![1]!;
}

/** The customer's side of the service: subscribe, confirm by the emailed link, and the jobs as the scheduler runs them. */
export function customerFlow(ctx: TestContext, live: { smtp: TestSmtp; mailer: Mailer }) {
  /** what arrived over SMTP while `work` ran, plus a dispatcher run */
  const arrivals = async (work: () => Promise<unknown>): Promise<Message[]> => {
    const before = live.smtp.messages.length;
    await work();
    await runDispatch({ ...ctx.deps, mailer: live.mailer });
    return live.smtp.messages.slice(before);
  };

  return {
    send: () => arrivals(async () => {}),
    notices: () => arrivals(() => runCustomerNotices(ctx.deps, ctx.clock.now())),
    /** a sweep (which may open alerts and email managers), then the customer-notice job, then a dispatcher run */
    sweepAndNotices: () =>
      arrivals(async () => {
        await sweepWithAlerts(ctx.deps, { now: ctx.clock.now() });
        await runCustomerNotices(ctx.deps, ctx.clock.now());
      }),

    async subscribe(email: string, extra: Record<string, unknown> = {}): Promise<void> {
      const res = await ctx.app.request("/v1/subscriptions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, store: "S12", sku: "0001", ...extra }),
      });
      expect(res.status, await res.clone().text()).toBe(202);
    },

    /** A mail program's one-click unsubscribe (RFC 8058): a POST to the message's List-Unsubscribe address. */
    async unsubscribeOneClick(message: Message): Promise<Response> {
      const target = /<https:\/\/shelfwatch\.example(\/c\/[^>]+)>/.exec(headerLine(message, "list-unsubscribe"))![1]!;
      return ctx.app.request(target, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
    },

    /** Uses the confirmation link of this message, as a person does: the page, then its button. */
    async confirm(message: Message): Promise<void> {
      expect(message.subject).toMatch(/^Confirm:/);
      const path = linkIn(message, "/c/");
      const confirmed = await ctx.app.request(path, { method: "POST", headers: { accept: "application/json" } });
      expect(confirmed.status, await confirmed.clone().text()).toBe(200);
      expect(await confirmed.json()).toEqual({ status: "confirmed" });
    },
  };
}
