import { describe, expect, it } from "vitest";
import { ALERT_KINDS } from "../../src/alerts/alert-types.js";
import { listRecipients } from "../../src/notify/recipients.js";
import { runRecipientCommand, type RecipientCommand } from "../../src/notify/recipients-cli.js";
import { createStore } from "../../src/stores/store-admin.js";
import { runAdminScript, withAdminScriptDatabase } from "../helpers/admin-script.js";
import { storeFixtures, useTestContext } from "../helpers/context.js";

const ctx = useTestContext();

async function admin(command: RecipientCommand, ...argv: string[]) {
  const output = { out: "", err: "" };
  const status = await runRecipientCommand(ctx.db.db, command, argv, {
    out: (text) => void (output.out += text),
    err: (text) => void (output.err += text),
  });
  return { status, ...output };
}

async function seedStores() {
  const s12 = await createStore(ctx.db.db, storeFixtures.s12);
  const s7 = await createStore(ctx.db.db, storeFixtures.s7);
  return { s12, s7 };
}

describe("recipient:add and recipient:list", () => {
  it("adds a recipient with the API's defaults, and lists it", async () => {
    const { s12 } = await seedStores();
    const added = await admin("recipient:add", "S12", "Ana.Manager@Store12.Example");
    expect(added).toMatchObject({ status: 0, err: "" });
    expect(added.out).toMatch(/^recipient \d+ added to S12:\n/);

    const [row, ...others] = await listRecipients(ctx.db.db, s12.id);
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      email: "ana.manager@store12.example",
      name: null,
      role: "manager",
      kinds: [...ALERT_KINDS],
      urgentEmails: true,
      digest: true,
      digestTime: "07:00",
      quietStart: null,
      quietEnd: null,
    });

    const listed = await admin("recipient:list", "S12");
    expect(listed).toMatchObject({ status: 0, err: "" });
    expect(listed.out).toBe(
      `${row!.id}\tana.manager@store12.example\t-\tmanager\tkinds: ${ALERT_KINDS.join(",")}\turgent on\tdigest at 07:00\tquiet hours none\n`,
    );
    expect((await admin("recipient:list", "S7")).out).toBe("no recipients at S7\n");
  });

  it("takes every preference as a flag, and finds the store by an alias as the API does", async () => {
    const { s12 } = await seedStores();
    const added = await admin(
      "recipient:add", "Mt_Auburn", "sam@store12.example",
      "--name", "Sam Lee", "--role", "staff", "--kinds", "out_of_stock, stale_feed", "--no-urgent", "--no-digest",
      "--digest-time", "06:30", "--quiet-hours", "22:00-07:00",
    );
    expect(added).toMatchObject({ status: 0, err: "" });
    expect(await listRecipients(ctx.db.db, s12.id)).toEqual([
      expect.objectContaining({
        email: "sam@store12.example",
        name: "Sam Lee",
        role: "staff",
        kinds: ["out_of_stock", "stale_feed"],
        urgentEmails: false,
        digest: false,
        digestTime: "06:30",
        quietStart: "22:00",
        quietEnd: "07:00",
      }),
    ]);
    expect((await admin("recipient:list", "S12")).out).toContain("sam@store12.example\tSam Lee\tstaff\tkinds: out_of_stock,stale_feed\turgent off\tdigest off\tquiet hours 22:00-07:00");
  });

  it("refuses a second recipient with the same email at the store", async () => {
    await seedStores();
    expect((await admin("recipient:add", "S12", "ana@store12.example")).status).toBe(0);
    expect(await admin("recipient:add", "S12", "ANA@store12.example")).toEqual({
      status: 1,
      out: "",
      err: "error: ana@store12.example already receives this store's alerts\n",
    });
    expect((await admin("recipient:add", "S7", "ana@store12.example")).status).toBe(0);
  });
});

describe("bad values", () => {
  it.each([
    { argv: ["S12", "not-an-email"], message: '<email>: must be an email address (got "not-an-email")' },
    { argv: ["S12", "ana@store12.example", "--role", "owner"], message: '--role: Invalid option: expected one of "manager"|"staff" (got "owner")' },
    { argv: ["S12", "ana@store12.example", "--digest-time", "7am"], message: '--digest-time: must be a 24-hour time HH:MM, e.g. 07:00 (got "7am")' },
    { argv: ["S12", "ana@store12.example", "--quiet-hours", "22:00-24:00"], message: '--quiet-hours: must be a 24-hour time HH:MM, e.g. 07:00 (got "24:00")' },
    { argv: ["S12", "ana@store12.example", "--quiet-hours", "22:00"], message: '--quiet-hours: must be two times HH:MM-HH:MM, e.g. 22:00-07:00 (got "22:00")' },
    { argv: ["S12", "ana@store12.example", "--kinds", "out_of_stock,low_stock"], message: "--kinds: Invalid option: expected one of" },
    { argv: ["S12", "ana@store12.example", "--kinds", ","], message: "--kinds: Too small" },
    { argv: ["S12", "ana@store12.example", "--name", "  "], message: "--name: Too small" },
    { argv: ["S12", "ana@store12.example", "--urgent", "--no-urgent"], message: "give --urgent or --no-urgent, not both" },
    { argv: ["S12", "ana@store12.example", "--colour", "red"], message: "Unknown option '--colour'" },
    { argv: ["S12"], message: "recipient:add takes <store> <email>, got 1 argument(s)" },
  ])("rejects $argv with a message naming the argument, and stores nothing", async ({ argv, message }) => {
    const { s12 } = await seedStores();
    const result = await admin("recipient:add", ...argv);
    expect(result.status).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toContain(`error: ${message}`);
    expect(await listRecipients(ctx.db.db, s12.id)).toEqual([]);
  });

  it("rejects an unknown store for every command", async () => {
    await seedStores();
    expect(await admin("recipient:add", "S99", "ana@store12.example")).toEqual({ status: 1, out: "", err: 'error: no store "S99"\n' });
    expect((await admin("recipient:list", "S99")).err).toBe('error: no store "S99"\n');
    expect((await admin("recipient:update", "S99", "ana@store12.example", "--role", "staff")).err).toBe('error: no store "S99"\n');
    expect((await admin("recipient:remove", "S99", "1")).err).toBe('error: no store "S99"\n');
  });
});

describe("recipient:update", () => {
  it("changes only the preferences given, found by email or by id", async () => {
    const { s12 } = await seedStores();
    await admin("recipient:add", "S12", "ana@store12.example", "--name", "Ana", "--quiet-hours", "22:00-07:00");
    const [before] = await listRecipients(ctx.db.db, s12.id);

    const byEmail = await admin("recipient:update", "S12", "ANA@store12.example", "--role", "staff", "--kinds", "stale_feed", "--no-urgent", "--digest-time", "08:15");
    expect(byEmail).toMatchObject({ status: 0, err: "" });
    expect(byEmail.out).toBe(`recipient ${before!.id} updated:\n${before!.id}\tana@store12.example\tAna\tstaff\tkinds: stale_feed\turgent off\tdigest at 08:15\tquiet hours 22:00-07:00\n`);

    expect((await admin("recipient:update", "S12", String(before!.id), "--urgent", "--no-digest", "--no-quiet-hours")).status).toBe(0);
    expect(await listRecipients(ctx.db.db, s12.id)).toEqual([
      { ...before, role: "staff", kinds: ["stale_feed"], urgentEmails: true, digest: false, digestTime: "08:15", quietStart: null, quietEnd: null },
    ]);
  });

  it("rejects bad values, unknown recipients and empty updates, changing nothing", async () => {
    const { s12 } = await seedStores();
    await admin("recipient:add", "S12", "ana@store12.example");
    const before = await listRecipients(ctx.db.db, s12.id);

    expect(await admin("recipient:update", "S12", "ana@store12.example", "--role", "owner")).toMatchObject({ status: 1, err: expect.stringContaining("error: --role:") });
    expect(await admin("recipient:update", "S12", "ana@store12.example", "--digest-time", "25:00")).toMatchObject({ status: 1, err: expect.stringContaining("error: --digest-time:") });
    expect(await admin("recipient:update", "S12", "ana@store12.example")).toMatchObject({ status: 1, err: "error: nothing to change: give at least one preference flag\n" });
    expect(await admin("recipient:update", "S12", "bo@store12.example", "--role", "staff")).toMatchObject({ status: 1, err: "error: no recipient bo@store12.example at store S12\n" });
    expect(await admin("recipient:update", "S7", String(before[0]!.id), "--role", "staff")).toMatchObject({ status: 1, err: `error: no recipient ${before[0]!.id} at store S7\n` });
    expect(await admin("recipient:update", "S12", "not-an-email", "--role", "staff")).toMatchObject({ status: 1, err: 'error: <id|email>: must be an email address (got "not-an-email")\n' });
    expect(await listRecipients(ctx.db.db, s12.id)).toEqual(before);
  });
});

describe("recipient:remove", () => {
  it("removes a recipient by email or by id, at that store only", async () => {
    const { s12, s7 } = await seedStores();
    await admin("recipient:add", "S12", "ana@store12.example");
    await admin("recipient:add", "S12", "sam@store12.example");
    await admin("recipient:add", "S7", "ana@store12.example");
    const [ana, sam] = await listRecipients(ctx.db.db, s12.id);

    expect(await admin("recipient:remove", "S12", "Ana@Store12.example")).toEqual({ status: 0, out: `recipient ${ana!.id} (ana@store12.example) removed from S12\n`, err: "" });
    expect(await admin("recipient:remove", "S12", String(sam!.id))).toMatchObject({ status: 0, err: "" });
    expect(await listRecipients(ctx.db.db, s12.id)).toEqual([]);
    expect(await listRecipients(ctx.db.db, s7.id)).toHaveLength(1);

    expect(await admin("recipient:remove", "S12", String(sam!.id))).toEqual({ status: 1, out: "", err: `error: no recipient ${sam!.id} at store S12\n` });
    expect(await admin("recipient:remove", "S12", String(sam!.id), "--role", "staff")).toMatchObject({ status: 1, err: "error: recipient:remove takes no preference flags\n" });
  });
});

describe("npm run admin -- recipient:*", () => {
  it("exits non-zero with the message on a bad value, and 0 when the recipient is added", async () => {
    await withAdminScriptDatabase(ctx, async (env) => {
      expect((await runAdminScript(["store:add", "--code", "S12", "--name", "Store 12", "--tz", "America/New_York"], env)).status).toBe(0);
      const bad = await runAdminScript(["recipient:add", "S12", "ana@store12.example", "--role", "owner"], env);
      expect(bad).toMatchObject({ status: 1, stdout: "" });
      expect(bad.stderr).toContain('error: --role: Invalid option: expected one of "manager"|"staff" (got "owner")');
      const added = await runAdminScript(["recipient:add", "S12", "ana@store12.example", "--quiet-hours", "22:00-07:00"], env);
      expect(added).toMatchObject({ status: 0, stderr: "" });
      expect(added.stdout).toMatch(/^recipient \d+ added to S12:\n\d+\tana@store12\.example\t-\tmanager\t.*\tquiet hours 22:00-07:00\n$/);
    });
  }, 120_000);
});
