import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { queryRows } from "../../src/db/client.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import type { Mailer } from "../../src/notify/mail-types.js";
import { enqueueEmails } from "../../src/notify/outbox.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { useTestSmtp } from "../helpers/smtp.js";

const ctx = useTestContext();
const live = useTestSmtp(() => ctx.deps.log);

async function enqueue(count: number) {
  const { s12 } = await seedStoresAndKeys(ctx);
  const now = ctx.clock.now();
  const emails = Array.from({ length: count }, (_, i) => ({
    storeId: s12.id,
    category: "alert" as const,
    dedupeKey: `test:${i}`,
    to: `person${i}@store12.example`,
    subject: `Alert ${i}`,
    text: `alert ${i}`,
    html: `<p>alert ${i}</p>`,
    notBefore: now,
  }));
  expect(await enqueueEmails(ctx.db.db, ctx.config, emails, now)).toBe(count);
}

const statuses = () => queryRows<{ status: string; n: number }>(ctx.db.db, sql`select status, count(*)::int as n from outbox group by status order by status`);

describe("dispatcher", () => {
  it("keeps every email while SMTP refuses connections and delivers each once when it accepts again", async () => {
    await enqueue(12);
    live.smtp.refuse(true);
    const refused = await runDispatch({ ...ctx.deps, mailer: live.mailer }, { batchSize: 5 });
    // a whole batch failing stops the run: the server is down, not the messages
    expect(refused).toEqual({ sent: 0, deferred: 5, failed: 0 });
    expect(await statuses()).toEqual([{ status: "pending", n: 12 }]);
    const [failedRow] = await queryRows<{ attempts: number; last_error: string }>(ctx.db.db, sql`select attempts, last_error from outbox where attempts > 0 limit 1`);
    expect(failedRow!.last_error).toMatch(/^SMTP /);

    live.smtp.refuse(false);
    ctx.clock.advance(10 * 60_000);
    const delivered = await runDispatch({ ...ctx.deps, mailer: live.mailer }, { batchSize: 5 });
    expect(delivered).toEqual({ sent: 12, deferred: 0, failed: 0 });
    expect(await runDispatch({ ...ctx.deps, mailer: live.mailer })).toEqual({ sent: 0, deferred: 0, failed: 0 });
    const ids = live.smtp.messages.map((m) => m.messageId);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(await statuses()).toEqual([{ status: "sent", n: 12 }]);
  });

  it("marks an email failed once its time is up", async () => {
    await enqueue(1);
    live.smtp.refuse(true);
    ctx.clock.advance(ctx.config.OUTBOX_GIVE_UP_MINUTES * 60_000 + 1000);
    expect(await runDispatch({ ...ctx.deps, mailer: live.mailer })).toEqual({ sent: 0, deferred: 0, failed: 1 });
    expect(await statuses()).toEqual([{ status: "failed", n: 1 }]);
  });

  it("leaves the rows of a dispatcher that died after taking them to another replica, after the lease", async () => {
    await enqueue(3);
    // this replica takes the rows and never comes back (its send hangs forever)
    const dead: Mailer = { transport: "smtp", send: () => new Promise<void>(() => {}), close: async () => {} };
    void runDispatch({ ...ctx.deps, mailer: dead });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await runDispatch({ ...ctx.deps, mailer: live.mailer })).toEqual({ sent: 0, deferred: 0, failed: 0 });
    ctx.clock.advance(ctx.config.OUTBOX_LEASE_SECONDS * 1000);
    expect(await runDispatch({ ...ctx.deps, mailer: live.mailer })).toEqual({ sent: 3, deferred: 0, failed: 0 });
    expect(live.smtp.messages).toHaveLength(3);
  });
});
