import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.js";
import { runDispatch } from "../../src/notify/dispatcher.js";
import { enqueueEmails, type EmailCategory } from "../../src/notify/outbox.js";
import { addSuppressions, isSuppressed } from "../../src/notify/suppressions.js";
import { seedStoresAndKeys, useTestContext } from "../helpers/context.js";
import { useTestSmtp } from "../helpers/smtp.js";

const ctx = useTestContext();
const live = useTestSmtp(() => ctx.deps.log);

async function write(storeId: number, category: EmailCategory, to: string, key: string) {
  const now = ctx.clock.now();
  await enqueueEmails(ctx.deps.db, ctx.config, [{ storeId, category, dedupeKey: key, to, subject: `${category} for ${to}`, text: "hello", html: "<p>hello</p>", notBefore: now }], now);
}

async function statusOf(key: string) {
  const [row] = await queryRows<{ status: string; last_error: string | null }>(ctx.db.db, sql`select status, last_error from outbox where dedupe_key = ${key}`);
  return row!;
}

describe("the dispatcher and the suppression list", () => {
  it("never sends customer email to a suppressed address, even one written before it was suppressed; staff email still goes", async () => {
    const { s12 } = await seedStoresAndKeys(ctx);
    await write(s12.id, "restock", "gone@example.com", "r1");
    await write(s12.id, "deal", "Gone@Example.com ", "d1");
    await write(s12.id, "restock", "here@example.com", "r2");
    await write(s12.id, "alert", "gone@example.com", "a1");
    await addSuppressions(ctx.db.db, ["gone@example.com"], "asked to stop all email", ctx.clock.now());

    const result = await runDispatch({ ...ctx.deps, mailer: live.mailer });
    expect(live.smtp.messages.map((m) => m.subject).sort()).toEqual(["alert for gone@example.com", "restock for here@example.com"]);
    expect(result).toMatchObject({ sent: 2, failed: 2, deferred: 0 });
    for (const key of ["r1", "d1"]) expect(await statusOf(key)).toEqual({ status: "failed", last_error: "suppressed: the address is on the suppression list" });
    // a second run does not try again
    await runDispatch({ ...ctx.deps, mailer: live.mailer });
    expect(live.smtp.messages).toHaveLength(2);
  });

  it("puts a customer address the server refuses for good (550) on the suppression list; a staff address is not suppressed", async () => {
    const { s12 } = await seedStoresAndKeys(ctx);
    live.smtp.rejectRecipient("nobody@example.com");
    live.smtp.rejectRecipient("old.manager@example.com");
    await write(s12.id, "confirmation", "nobody@example.com", "c1");
    await write(s12.id, "alert", "old.manager@example.com", "a1");
    await runDispatch({ ...ctx.deps, mailer: live.mailer });
    expect((await statusOf("c1")).status).toBe("failed");
    expect((await statusOf("a1")).status).toBe("failed");
    expect(await isSuppressed(ctx.db.db, "nobody@example.com")).toBe(true);
    expect(await isSuppressed(ctx.db.db, "old.manager@example.com")).toBe(false);
    // kept as a keyed hash, never as the address
    const rows = await queryRows<{ email_hash: string; reason: string }>(ctx.db.db, sql`select email_hash, reason from suppressions`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.email_hash).not.toContain("nobody");
    expect(rows[0]!.reason).toBe("refused for good by the receiving server");
  });
});
