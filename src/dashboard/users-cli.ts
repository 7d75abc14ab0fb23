/** `npm run admin -- user:*`: dashboard accounts. */
import { parseArgs } from "node:util";
import { z } from "zod";
import { systemClock, type Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { generatePassword } from "../http/passwords.js";
import { StoreDirectory } from "../stores/store-directory.js";
import {
  createUser,
  findUserByEmail,
  listUsers,
  newUserSchema,
  passwordSchema,
  removeUser,
  setUserPassword,
  userEmailSchema,
  UserExistsError,
  type UserSummary,
} from "./users.js";

export const USER_COMMANDS = ["user:add", "user:list", "user:remove", "user:password"] as const;
export type UserCommand = (typeof USER_COMMANDS)[number];

/** the environment variable a password is read from, so that it stays out of shell history and `ps` */
export const PASSWORD_VARIABLE = "SHELFWATCH_PASSWORD";

export const USER_USAGE = `  user:add       <email> --name "Ana Ruiz" --role manager|staff --stores S01,S02|all [--admin]
                 (--admin: may also open the administration pages, for the same stores)
  user:list
  user:remove    <email>
  user:password  <email>       (also lifts a lock-out and signs the user out everywhere)
                 the password is read from ${PASSWORD_VARIABLE}, or made up and printed once
`;

export interface UserCliIo {
  out(text: string): void;
  err(text: string): void;
  /** where SHELFWATCH_PASSWORD is read from (process.env in the admin script) */
  env: Record<string, string | undefined>;
}

/** an argument the command cannot use: printed as `error: …`, exit status 1 */
class UserCliError extends Error {}

const flags = {
  name: { type: "string" },
  role: { type: "string" },
  stores: { type: "string" },
  admin: { type: "boolean" },
} as const;
type FlagValues = { name?: string; role?: string; stores?: string; admin?: boolean };

const ARGUMENT_OF_FIELD: Record<string, string> = { email: "<email>", name: "--name", role: "--role", storeIds: "--stores", password: PASSWORD_VARIABLE };

function validated<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? "");
    // a password is never echoed, not even a wrong one
    const got = typeof issue.input === "string" && field !== "password" ? ` (got "${issue.input}")` : "";
    return `${ARGUMENT_OF_FIELD[field] ?? field}: ${issue.message}${got}`;
  });
  throw new UserCliError([...new Set(lines)].join("; "));
}

export function describeUser(user: UserSummary, now: Date): string {
  return [
    user.id,
    user.email,
    user.name,
    user.role,
    `stores: ${user.stores === "all" ? "all" : user.stores.join(",")}`,
    `last sign-in ${user.lastSignInAt?.toISOString() ?? "never"}`,
    ...(user.lockedUntil && user.lockedUntil > now ? [`locked until ${user.lockedUntil.toISOString()}`] : []),
  ].join("\t");
}

/** `all`, or store codes (names and aliases work too, as in the API) turned into ids. */
async function storeIdsOf(db: Database, list: string | undefined): Promise<number[] | null> {
  if (list === undefined) throw new UserCliError("--stores: give the store codes, e.g. --stores S01,S02, or --stores all");
  if (list.trim().toLowerCase() === "all") return null;
  const names = list.split(",").map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) throw new UserCliError("--stores: give the store codes, e.g. --stores S01,S02, or --stores all");
  const directory = await StoreDirectory.load(db);
  const missing = names.filter((name) => !directory.resolve(name));
  if (missing.length > 0) throw new UserCliError(`--stores: no store ${missing.map((name) => `"${name}"`).join(", ")}`);
  return names.map((name) => directory.resolve(name)!.id);
}

/** The password from the environment, or a new one to print. */
function passwordFrom(io: UserCliIo): { password: string; generated: boolean } {
  const given = io.env[PASSWORD_VARIABLE];
  if (given !== undefined && given !== "") {
    validated(z.object({ password: passwordSchema }), { password: given });
    return { password: given, generated: false };
  }
  return { password: generatePassword(), generated: true };
}

export function isUserCommand(command: string | undefined): command is UserCommand {
  return (USER_COMMANDS as readonly string[]).includes(command ?? "");
}

/** Runs one user command (`argv` without the command); returns the exit status. */
export async function runUserCommand(db: Database, command: UserCommand, argv: string[], io: UserCliIo, clock: Clock = systemClock): Promise<number> {
  const out = (line: string) => io.out(`${line}\n`);
  const printPassword = (password: { password: string; generated: boolean }, who: string) => {
    if (!password.generated) return out(`password: as given in ${PASSWORD_VARIABLE}`);
    out(`password: ${password.password}`);
    out(`It is shown only now: give it to ${who} through a private channel.`);
  };
  try {
    let parsed: { values: FlagValues; positionals: string[] };
    try {
      parsed = parseArgs({ args: argv, options: flags, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UserCliError((error as Error).message);
    }
    const wanted = command === "user:list" ? 0 : 1;
    if (parsed.positionals.length !== wanted) {
      throw new UserCliError(`${command} takes ${wanted === 0 ? "no arguments" : "<email>"}, got ${parsed.positionals.length} argument(s)`);
    }
    if (command !== "user:add" && Object.keys(parsed.values).length > 0) throw new UserCliError(`${command} takes no flags`);
    const email = parsed.positionals[0];

    switch (command) {
      case "user:add": {
        // the flags first, so that a typo costs no store lookup and shows every problem at once
        validated(newUserSchema.omit({ storeIds: true, password: true }), { email, name: parsed.values.name, role: parsed.values.role });
        const storeIds = await storeIdsOf(db, parsed.values.stores);
        const password = passwordFrom(io);
        const user = validated(newUserSchema, { email, name: parsed.values.name, role: parsed.values.role, storeIds, password: password.password, admin: parsed.values.admin ?? false });
        const row = await createUser(db, user, clock.now());
        out(`user ${row.id} added:`);
        out(describeUser(row, clock.now()));
        if (user.admin) out(`may administer ${row.stores === "all" ? "every store" : `stores ${row.stores.join(", ")}`} (/dashboard/admin, /v1/admin)`);
        printPassword(password, row.name);
        return 0;
      }
      case "user:list": {
        const rows = await listUsers(db);
        if (rows.length === 0) out("no users");
        for (const row of rows) out(describeUser(row, clock.now()));
        return 0;
      }
      case "user:remove": {
        const address = validated(z.object({ email: userEmailSchema }), { email }).email;
        if (!(await removeUser(db, address))) throw new UserCliError(`no user ${address}`);
        out(`user ${address} removed; their sessions are closed`);
        return 0;
      }
      case "user:password": {
        const address = validated(z.object({ email: userEmailSchema }), { email }).email;
        const user = await findUserByEmail(db, address);
        if (!user) throw new UserCliError(`no user ${address}`);
        const password = passwordFrom(io);
        await setUserPassword(db, address, password.password);
        out(`new password set for ${address}; lock-out lifted, sessions closed`);
        printPassword(password, user.name);
        return 0;
      }
    }
  } catch (error) {
    if (!(error instanceof UserCliError || error instanceof UserExistsError)) throw error;
    io.err(`error: ${error.message}\n`);
    return 1;
  }
}
