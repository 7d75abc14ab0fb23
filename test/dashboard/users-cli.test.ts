import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runUserCommand, type UserCommand } from "../../src/dashboard/users-cli.js";
import { listUsers } from "../../src/dashboard/users.js";
import { sessions, users, userStores } from "../../src/db/schema/index.js";
import { verifyPassword } from "../../src/http/passwords.js";
import { createStore } from "../../src/stores/store-admin.js";
import { runAdminScript, withAdminScriptDatabase } from "../helpers/admin-script.js";
import { storeFixtures, useTestContext } from "../helpers/context.js";
import { DashboardBrowser } from "../helpers/dashboard.js";

const ctx = useTestContext();
const CHOSEN = "a chosen pass phrase";

async function admin(command: UserCommand, argv: string[], env: Record<string, string> = {}) {
  const output = { out: "", err: "" };
  const status = await runUserCommand(
    ctx.db.db,
    command,
    argv,
    { out: (text) => void (output.out += text), err: (text) => void (output.err += text), env },
    ctx.clock,
  );
  return { status, ...output };
}

async function seedStores() {
  const s12 = await createStore(ctx.db.db, storeFixtures.s12);
  const s7 = await createStore(ctx.db.db, storeFixtures.s7);
  return { s12, s7 };
}

async function passwordHashOf(email: string): Promise<string> {
  const [row] = await ctx.db.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.email, email));
  return row!.passwordHash;
}

describe("user:add", () => {
  it("--admin makes the first admin, who finds the Admin pages for the user's stores", async () => {
    await seedStores();
    const added = await admin("user:add", ["head@chain.example", "--name", "Head Office", "--role", "manager", "--stores", "S12", "--admin"], { SHELFWATCH_PASSWORD: CHOSEN });
    expect(added).toMatchObject({ status: 0, err: "" });
    expect(added.out.split("\n")[2]).toBe("may administer stores S12 (/dashboard/admin, /v1/admin)");
    const browser = new DashboardBrowser(ctx);
    expect((await browser.signIn("head@chain.example", CHOSEN)).status).toBe(303);
    expect((await browser.get("/dashboard/admin")).status).toBe(200);
  });

  it("adds a user for some stores with a generated password, printed once, that signs in", async () => {
    const { s12, s7 } = await seedStores();
    const added = await admin("user:add", ["Ana.Ruiz@Store12.Example", "--name", "Ana Ruiz", "--role", "staff", "--stores", "S12,Harbour"]);
    expect(added).toMatchObject({ status: 0, err: "" });
    const lines = added.out.split("\n");
    expect(lines[0]).toMatch(/^user \d+ added:$/);
    expect(lines[1]).toMatch(/^\d+\tana\.ruiz@store12\.example\tAna Ruiz\tstaff\tstores: S12,S7\tlast sign-in never$/);
    const password = /^password: (\S+)$/.exec(lines[2]!)![1]!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(lines[3]).toBe("It is shown only now: give it to Ana Ruiz through a private channel.");

    expect(await verifyPassword(password, await passwordHashOf("ana.ruiz@store12.example"))).toBe(true);
    const memberships = await ctx.db.db.select().from(userStores);
    expect(memberships.map((m) => m.storeId).sort()).toEqual([s12.id, s7.id].sort());
    expect((await new DashboardBrowser(ctx).signIn("ana.ruiz@store12.example", password)).status).toBe(303);
  });

  it("takes the password from SHELFWATCH_PASSWORD without echoing it, and --stores all for every store", async () => {
    await seedStores();
    const added = await admin("user:add", ["sam@chain.example", "--name", "Sam Lee", "--role", "manager", "--stores", "all"], { SHELFWATCH_PASSWORD: CHOSEN });
    expect(added.status).toBe(0);
    expect(added.out).toContain("\tSam Lee\tmanager\tstores: all\t");
    expect(added.out).toContain("password: as given in SHELFWATCH_PASSWORD\n");
    expect(added.out).not.toContain(CHOSEN);
    expect(await verifyPassword(CHOSEN, await passwordHashOf("sam@chain.example"))).toBe(true);
    expect(await ctx.db.db.select().from(userStores)).toEqual([]);
    expect((await listUsers(ctx.db.db))[0]).toMatchObject({ stores: "all", role: "manager" });
  });

  it.each([
    { argv: ["not-an-email", "--name", "A", "--role", "staff", "--stores", "S12"], message: '<email>: must be an email address (got "not-an-email")' },
    { argv: ["ana@x.example", "--name", "A", "--role", "owner", "--stores", "S12"], message: '--role: Invalid option: expected one of "manager"|"staff" (got "owner")' },
    { argv: ["ana@x.example", "--role", "staff", "--stores", "S12"], message: "--name: Invalid input: expected string, received undefined" },
    { argv: ["ana@x.example", "--name", "  ", "--role", "staff", "--stores", "S12"], message: "--name: Too small" },
    { argv: ["ana@x.example", "--name", "A", "--role", "staff"], message: "--stores: give the store codes, e.g. --stores S01,S02, or --stores all" },
    { argv: ["ana@x.example", "--name", "A", "--role", "staff", "--stores", ","], message: "--stores: give the store codes" },
    { argv: ["ana@x.example", "--name", "A", "--role", "staff", "--stores", "S12,S99"], message: '--stores: no store "S99"' },
    { argv: ["ana@x.example", "--name", "A", "--role", "staff", "--stores", "S12", "--colour", "red"], message: "Unknown option '--colour'" },
    { argv: ["--name", "A", "--role", "staff", "--stores", "S12"], message: "user:add takes <email>, got 0 argument(s)" },
  ])("rejects $argv naming the argument, and stores nothing", async ({ argv, message }) => {
    await seedStores();
    const result = await admin("user:add", argv);
    expect(result).toMatchObject({ status: 1, out: "" });
    expect(result.err).toContain(`error: ${message}`);
    expect(await listUsers(ctx.db.db)).toEqual([]);
  });

  it("refuses a short password from the environment without showing it", async () => {
    await seedStores();
    const result = await admin("user:add", ["ana@x.example", "--name", "A", "--role", "staff", "--stores", "S12"], { SHELFWATCH_PASSWORD: "hunter2" });
    expect(result).toEqual({ status: 1, out: "", err: "error: SHELFWATCH_PASSWORD: must be at least 12 characters\n" });
    expect(await listUsers(ctx.db.db)).toEqual([]);
  });

  it("refuses a second user with the same email, whatever its case", async () => {
    await seedStores();
    expect((await admin("user:add", ["ana@x.example", "--name", "Ana", "--role", "staff", "--stores", "S12"])).status).toBe(0);
    expect(await admin("user:add", ["ANA@x.example", "--name", "Ana 2", "--role", "manager", "--stores", "all"])).toEqual({
      status: 1,
      out: "",
      err: "error: a user with the email ana@x.example already exists\n",
    });
    expect(await listUsers(ctx.db.db)).toHaveLength(1);
  });
});

describe("user:list, user:remove and user:password", () => {
  it("lists users by email with their stores and any lock-out", async () => {
    expect(await admin("user:list", [])).toEqual({ status: 0, out: "no users\n", err: "" });
    await seedStores();
    await admin("user:add", ["zoe@x.example", "--name", "Zoe", "--role", "staff", "--stores", "S7"]);
    await admin("user:add", ["ana@x.example", "--name", "Ana", "--role", "manager", "--stores", "all"]);
    const lockedUntil = new Date(ctx.clock.now().getTime() + 600_000);
    await ctx.db.db.update(users).set({ lockedUntil }).where(eq(users.email, "zoe@x.example"));
    const listed = await admin("user:list", []);
    expect(listed.status).toBe(0);
    expect(listed.out).toMatch(
      new RegExp(`^\\d+\\tana@x\\.example\\tAna\\tmanager\\tstores: all\\tlast sign-in never\\n\\d+\\tzoe@x\\.example\\tZoe\\tstaff\\tstores: S7\\tlast sign-in never\\tlocked until ${lockedUntil.toISOString()}\\n$`),
    );
    expect((await admin("user:list", ["extra"])).err).toBe("error: user:list takes no arguments, got 1 argument(s)\n");
  });

  it("removes a user and closes their sessions", async () => {
    await seedStores();
    await admin("user:add", ["ana@x.example", "--name", "Ana", "--role", "staff", "--stores", "S12"], { SHELFWATCH_PASSWORD: CHOSEN });
    const browser = new DashboardBrowser(ctx);
    await browser.signIn("ana@x.example", CHOSEN);
    expect((await browser.get("/dashboard")).status).toBe(200);

    expect(await admin("user:remove", ["Ana@X.example"])).toEqual({ status: 0, out: "user ana@x.example removed; their sessions are closed\n", err: "" });
    expect(await listUsers(ctx.db.db)).toEqual([]);
    expect(await ctx.db.db.select().from(sessions)).toEqual([]);
    expect(await ctx.db.db.select().from(userStores)).toEqual([]);
    expect((await browser.get("/dashboard")).status).toBe(303);
    expect(await admin("user:remove", ["ana@x.example"])).toEqual({ status: 1, out: "", err: "error: no user ana@x.example\n" });
    expect((await admin("user:remove", ["ana@x.example", "--role", "staff"])).err).toBe("error: user:remove takes no flags\n");
  });

  it("sets a new password, lifts a lock-out and signs the user out everywhere", async () => {
    await seedStores();
    await admin("user:add", ["ana@x.example", "--name", "Ana", "--role", "staff", "--stores", "S12"], { SHELFWATCH_PASSWORD: CHOSEN });
    const browser = new DashboardBrowser(ctx);
    await browser.signIn("ana@x.example", CHOSEN);
    await ctx.db.db.update(users).set({ failedAttempts: 5, lockedUntil: new Date(ctx.clock.now().getTime() + 600_000) });

    const changed = await admin("user:password", ["ana@x.example"]);
    expect(changed.status).toBe(0);
    expect(changed.out).toMatch(/^new password set for ana@x\.example; lock-out lifted, sessions closed\npassword: [A-Za-z0-9_-]{24}\nIt is shown only now: give it to Ana through a private channel\.\n$/);
    const password = /password: (\S+)/.exec(changed.out)![1]!;
    expect((await ctx.db.db.select().from(users))[0]).toMatchObject({ failedAttempts: 0, lockedUntil: null });
    expect(await ctx.db.db.select().from(sessions)).toEqual([]);
    expect((await browser.get("/dashboard")).status).toBe(303);
    expect((await new DashboardBrowser(ctx).signIn("ana@x.example", CHOSEN)).status).toBe(401);
    expect((await new DashboardBrowser(ctx).signIn("ana@x.example", password)).status).toBe(303);

    const chosen = await admin("user:password", ["ana@x.example"], { SHELFWATCH_PASSWORD: "another pass phrase" });
    expect(chosen.out).toBe("new password set for ana@x.example; lock-out lifted, sessions closed\npassword: as given in SHELFWATCH_PASSWORD\n");
    expect(await admin("user:password", ["bob@x.example"])).toEqual({ status: 1, out: "", err: "error: no user bob@x.example\n" });
  });
});

describe("npm run admin -- user:*", () => {
  it("adds and lists a user through the admin script, exiting 1 on a bad value", async () => {
    await withAdminScriptDatabase(ctx, async (database) => {
      const env = { ...database, SHELFWATCH_PASSWORD: "" };
      expect((await runAdminScript(["store:add", "--code", "S12", "--name", "Store 12", "--tz", "America/New_York"], env)).status).toBe(0);
      const bad = await runAdminScript(["user:add", "ana@x.example", "--name", "Ana", "--role", "owner", "--stores", "S12"], env);
      expect(bad).toMatchObject({ status: 1, stdout: "" });
      expect(bad.stderr).toContain("error: --role: Invalid option");
      const added = await runAdminScript(["user:add", "ana@x.example", "--name", "Ana", "--role", "staff", "--stores", "S12"], { ...env, SHELFWATCH_PASSWORD: CHOSEN });
      expect(added).toMatchObject({ status: 0, stderr: "" });
      expect(added.stdout).toMatch(/^user \d+ added:\n\d+\tana@x\.example\tAna\tstaff\tstores: S12\tlast sign-in never\npassword: as given in SHELFWATCH_PASSWORD\n$/);
      const listed = await runAdminScript(["user:list"], env);
      expect(listed.stdout).toMatch(/^\d+\tana@x\.example\tAna\tstaff\tstores: S12\tlast sign-in never\n$/);
      expect((await runAdminScript(["help"], env)).stdout).toContain("user:add       <email> --name");
    });
  }, 120_000);
});
