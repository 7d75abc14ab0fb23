// Administration from the command line: stores, their aliases, API keys, alert email recipients and dashboard users. `npm run admin -- help` lists the commands.
import { parseArgs } from "node:util";
import { eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import { loadConfig } from "../src/config.js";
import { openDatabase, type Database, type DatabaseHandle } from "../src/db/client.js";
import { apiKeys, storeAliases, stores } from "../src/db/schema/index.js";
import { createApiKey } from "../src/http/api-keys.js";
import { isUserCommand, runUserCommand, USER_USAGE } from "../src/dashboard/users-cli.js";
import { isRecipientCommand, RECIPIENT_USAGE, runRecipientCommand } from "../src/notify/recipients-cli.js";
import { addStoreAliases, createStore } from "../src/stores/store-admin.js";

const USAGE = `usage: npm run admin -- <command> [options]

  store:add    --code S12 --name "Store 12" --tz America/New_York [--address1 ..] [--city ..] [--region ..]
               [--postal-code ..] [--country ..] [--feed-interval-minutes 60] [--alias "Mt Auburn" --alias Mt_Auburn]
  store:alias  --code S12 --alias "Mt Auburn" [--alias ...]
  store:list
  key:create   --name "S12 till" [--store S12 --store S13] [--admin]
               (no --store: a key for every store; --admin: a key for the admin API /v1/admin, for the same stores)
  key:list
  key:revoke   --id 3
${RECIPIENT_USAGE}${USER_USAGE}`;

const options = {
  code: { type: "string" },
  name: { type: "string" },
  tz: { type: "string" },
  address1: { type: "string" },
  address2: { type: "string" },
  city: { type: "string" },
  region: { type: "string" },
  "postal-code": { type: "string" },
  country: { type: "string" },
  "feed-interval-minutes": { type: "string" },
  alias: { type: "string", multiple: true },
  store: { type: "string", multiple: true },
  id: { type: "string" },
  admin: { type: "boolean" },
} as const;

const required = (what: string) => z.string({ error: `--${what} is required` }).min(1, { error: `--${what} is required` });

async function storeIdsByCode(db: Database, codes: string[]): Promise<number[]> {
  const rows = await db.select({ id: stores.id, code: stores.code }).from(stores).where(inArray(stores.code, codes));
  const missing = codes.filter((code) => !rows.some((r) => r.code === code));
  if (missing.length > 0) throw new Error(`no store with code ${missing.join(", ")}`);
  return rows.map((r) => r.id);
}

async function run(db: Database, command: string | undefined, values: Record<string, unknown>): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  switch (command) {
    case "store:add": {
      const args = z
        .object({ code: required("code"), name: required("name"), tz: required("tz"), "feed-interval-minutes": z.coerce.number().int().positive().optional() })
        .parse(values);
      const store = await createStore(db, {
        code: args.code,
        name: args.name,
        timeZone: args.tz,
        addressLine1: values.address1 as string | undefined,
        addressLine2: values.address2 as string | undefined,
        city: values.city as string | undefined,
        region: values.region as string | undefined,
        postalCode: values["postal-code"] as string | undefined,
        country: values.country as string | undefined,
        feedIntervalMinutes: args["feed-interval-minutes"],
        aliases: (values.alias as string[] | undefined) ?? [],
      });
      out(`store ${store.code} created (id ${store.id})`);
      return;
    }
    case "store:alias": {
      const args = z.object({ code: required("code"), alias: z.array(z.string().min(1)).min(1, { error: "--alias is required" }) }).parse(values);
      const [id] = await storeIdsByCode(db, [args.code]);
      await addStoreAliases(db, id!, args.alias);
      out(`aliases added to ${args.code}: ${args.alias.join(", ")}`);
      return;
    }
    case "store:list": {
      const rows = await db.select().from(stores).orderBy(stores.code);
      const aliases = await db.select().from(storeAliases);
      for (const s of rows) {
        const names = aliases.filter((a) => a.storeId === s.id).map((a) => a.alias);
        out(`${s.code}\t${s.name}\t${s.timeZone}\tfeed last seen ${s.feedLastSeenAt?.toISOString() ?? "never"}\taliases: ${names.join(", ") || "-"}`);
      }
      return;
    }
    case "key:create": {
      const args = z.object({ name: required("name"), store: z.array(z.string()).optional(), admin: z.boolean().default(false) }).parse(values);
      const storeIds = args.store ? await storeIdsByCode(db, args.store) : null;
      const { id, key } = await createApiKey(db, { name: args.name, storeIds, admin: args.admin });
      out(`${args.admin ? "admin " : ""}API key ${id} "${args.name}" for ${args.store ? `stores ${args.store.join(", ")}` : "every store"}:`);
      out(key);
      out("It is shown only now: store it in the POS connector's secret settings.");
      return;
    }
    case "key:list": {
      const rows = await db.select().from(apiKeys).where(isNull(apiKeys.revokedAt)).orderBy(apiKeys.id);
      for (const k of rows) out(`${k.id}\t${k.prefix}…\t${k.name}${k.admin ? " (admin)" : ""}\tstores: ${k.storeIds?.join(",") ?? "all"}\tlast used ${k.lastUsedAt?.toISOString() ?? "never"}`);
      return;
    }
    case "key:revoke": {
      const args = z.object({ id: z.coerce.number({ error: "--id is required" }).int().positive() }).parse(values);
      const revoked = await db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, args.id)).returning({ id: apiKeys.id });
      if (revoked.length === 0) throw new Error(`no API key ${args.id}`);
      out(`API key ${args.id} revoked`);
      return;
    }
    default:
      process.stdout.write(USAGE);
      if (command && command !== "help") process.exitCode = 2;
  }
}

const [command, ...rest] = process.argv.slice(2);
const config = loadConfig();
let database: DatabaseHandle | undefined;
try {
  // with the embedded database, refused while the service (or another command) has it open
  database = openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, holder: "a Shelfwatch admin command" });
  await database.migrate();
  // recipient commands take positional arguments and flags of their own
  if (isRecipientCommand(command)) {
    process.exitCode = await runRecipientCommand(database.db, command, rest, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
  } else if (isUserCommand(command)) {
    process.exitCode = await runUserCommand(database.db, command, rest, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      env: process.env,
    });
  } else {
    const { positionals, values } = parseArgs({ options, allowPositionals: true, strict: true });
    await run(database.db, positionals[0], values);
  }
} catch (error) {
  const message = error instanceof z.ZodError ? error.issues.map((i) => i.message).join("; ") : (error as Error).message;
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
} finally {
  await database?.close();
}
