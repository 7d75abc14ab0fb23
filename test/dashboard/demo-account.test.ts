import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { setUserPassword } from "../../src/dashboard/users.js";
import { users } from "../../src/db/schema/index.js";
import { DEMO_MANAGER, seedDemo } from "../../src/demo/seed-demo.js";
import { useTestContext } from "../helpers/context.js";
import { DashboardBrowser } from "../helpers/dashboard.js";

const ctx = useTestContext();

describe("the demo database", () => {
  it("has a manager whose sign-in is in the log and who sees a populated at-risk list; seeding again adds nobody", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const deps = { ...ctx.deps, log };
    expect(await seedDemo(deps)).toEqual({ seeded: true });
    const announced = lines.find((line) => line.msg === "demo dashboard account: sign in with this email and password");
    expect(announced).toMatchObject({ email: DEMO_MANAGER.email, password: DEMO_MANAGER.password, signIn: "http://localhost:3000/dashboard/login" });

    const browser = new DashboardBrowser(ctx);
    expect((await browser.signIn(DEMO_MANAGER.email, DEMO_MANAGER.password)).status).toBe(303);
    const home = await browser.get("/dashboard");
    expect(home.status).toBe(200);
    const html = await home.text();
    const rows = html.match(/<tr><th scope="row">/g) ?? [];
    expect(rows.length).toBeGreaterThan(0);
    expect(html).toContain('<option value="S01">');
    expect(html).toContain('<option value="S02">');

    lines.length = 0;
    expect(await seedDemo(deps)).toEqual({ seeded: false });
    expect(await ctx.db.db.select({ email: users.email }).from(users)).toEqual([{ email: DEMO_MANAGER.email }]);
    expect(lines.map((line) => line.msg)).toContain("demo dashboard account: sign in with this email and password");

    // a changed password is not printed as if it still worked
    await setUserPassword(ctx.db.db, DEMO_MANAGER.email, "a private pass phrase");
    lines.length = 0;
    await seedDemo(deps);
    const changed = lines.find((line) => String(line.msg).startsWith("demo dashboard account"));
    expect(changed).toMatchObject({ msg: "demo dashboard account present; its password was changed", email: DEMO_MANAGER.email });
    expect(changed).not.toHaveProperty("password");
  }, 120_000);
});
