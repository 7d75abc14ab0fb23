/** `npm run admin -- recipient:*`: a store's alert email recipients, through the API's schemas and queries. */
import { parseArgs } from "node:util";
import { z } from "zod";
import { ALERT_KINDS } from "../alerts/alert-types.js";
import type { Database } from "../db/client.js";
import { StoreDirectory, type StoreRef } from "../stores/store-directory.js";
import {
  addRecipient,
  listRecipients,
  newRecipientSchema,
  recipientChangesSchema,
  RecipientExistsError,
  removeRecipient,
  updateRecipient,
  type Recipient,
} from "./recipients.js";

export const RECIPIENT_COMMANDS = ["recipient:add", "recipient:list", "recipient:update", "recipient:remove"] as const;
export type RecipientCommand = (typeof RECIPIENT_COMMANDS)[number];

export const RECIPIENT_USAGE = `  recipient:add     <store> <email> [--name "Ana Ruiz"] [--role manager|staff] [--kinds out_of_stock,stale_feed]
                    [--no-urgent] [--no-digest] [--digest-time 07:00] [--quiet-hours 22:00-07:00]
  recipient:list    <store>
  recipient:update  <store> <id|email> [the flags of recipient:add, and --urgent, --digest, --no-quiet-hours]
  recipient:remove  <store> <id|email>
                    <store> is a code, name or alias; kinds: ${ALERT_KINDS.join(", ")}
`;

export interface RecipientCliIo {
  out(text: string): void;
  err(text: string): void;
}

/** an argument the command cannot use: printed as `error: …`, exit status 1 */
class RecipientCliError extends Error {}

const flags = {
  name: { type: "string" },
  role: { type: "string" },
  kinds: { type: "string" },
  urgent: { type: "boolean" },
  "no-urgent": { type: "boolean" },
  digest: { type: "boolean" },
  "no-digest": { type: "boolean" },
  "digest-time": { type: "string" },
  "quiet-hours": { type: "string" },
  "no-quiet-hours": { type: "boolean" },
} as const;
type FlagValues = { [K in keyof typeof flags]?: (typeof flags)[K]["type"] extends "string" ? string : boolean };

// the schemas speak the API's field names; errors speak the command line's
const ARGUMENT_OF_FIELD: Record<string, string> = {
  email: "<email>",
  name: "--name",
  role: "--role",
  kinds: "--kinds",
  urgentEmails: "--urgent/--no-urgent",
  digest: "--digest/--no-digest",
  digestTime: "--digest-time",
  quietStart: "--quiet-hours",
  quietEnd: "--quiet-hours",
};

function validated<T>(schema: z.ZodType<T>, input: unknown, argument = "arguments"): T {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? "");
    const got = typeof issue.input === "string" ? ` (got "${issue.input}")` : "";
    return `${field === "" ? argument : (ARGUMENT_OF_FIELD[field] ?? field)}: ${issue.message}${got}`;
  });
  throw new RecipientCliError([...new Set(lines)].join("; "));
}

/** The preferences the flags name, in the schemas' field names; flags not given are left out. */
function preferencesFromFlags(values: FlagValues): Record<string, unknown> {
  const preferences: Record<string, unknown> = {};
  const toggle = (on: boolean | undefined, off: boolean | undefined, flag: string) => {
    if (on && off) throw new RecipientCliError(`give --${flag} or --no-${flag}, not both`);
    return on ? true : off ? false : undefined;
  };
  if (values.name !== undefined) preferences.name = values.name;
  if (values.role !== undefined) preferences.role = values.role;
  if (values.kinds !== undefined) preferences.kinds = values.kinds.split(",").map((kind) => kind.trim()).filter((kind) => kind !== "");
  const urgentEmails = toggle(values.urgent, values["no-urgent"], "urgent");
  if (urgentEmails !== undefined) preferences.urgentEmails = urgentEmails;
  const digest = toggle(values.digest, values["no-digest"], "digest");
  if (digest !== undefined) preferences.digest = digest;
  if (values["digest-time"] !== undefined) preferences.digestTime = values["digest-time"];
  if (values["quiet-hours"] !== undefined && values["no-quiet-hours"]) throw new RecipientCliError("give --quiet-hours or --no-quiet-hours, not both");
  if (values["quiet-hours"] !== undefined) {
    const parts = values["quiet-hours"].split("-");
    if (parts.length !== 2) throw new RecipientCliError(`--quiet-hours: must be two times HH:MM-HH:MM, e.g. 22:00-07:00 (got "${values["quiet-hours"]}")`);
    [preferences.quietStart, preferences.quietEnd] = parts;
  }
  if (values["no-quiet-hours"]) {
    preferences.quietStart = null;
    preferences.quietEnd = null;
  }
  return preferences;
}

async function findStore(db: Database, name: string): Promise<StoreRef> {
  // the same lookup as the API: a store's code, name or any of its aliases
  const store = (await StoreDirectory.load(db)).resolve(name);
  if (!store) throw new RecipientCliError(`no store "${name}"`);
  return store;
}

async function findRecipient(db: Database, store: StoreRef, idOrEmail: string): Promise<Recipient> {
  const all = await listRecipients(db, store.id);
  const found = /^\d+$/.test(idOrEmail)
    ? all.find((r) => r.id === Number(idOrEmail))
    : all.find((r) => r.email === validated(newRecipientSchema.shape.email, idOrEmail, "<id|email>"));
  if (!found) throw new RecipientCliError(`no recipient ${idOrEmail} at store ${store.code}`);
  return found;
}

export function describeRecipient(r: Recipient): string {
  return [
    r.id,
    r.email,
    r.name ?? "-",
    r.role,
    `kinds: ${r.kinds.join(",")}`,
    `urgent ${r.urgentEmails ? "on" : "off"}`,
    `digest ${r.digest ? `at ${r.digestTime}` : "off"}`,
    `quiet hours ${r.quietStart === null ? "none" : `${r.quietStart}-${r.quietEnd}`}`,
  ].join("\t");
}

function positionalsFor(command: RecipientCommand, positionals: string[]): string[] {
  const wanted = command === "recipient:list" ? ["<store>"] : command === "recipient:add" ? ["<store>", "<email>"] : ["<store>", "<id|email>"];
  if (positionals.length !== wanted.length) throw new RecipientCliError(`${command} takes ${wanted.join(" ")}, got ${positionals.length} argument(s)`);
  return positionals;
}

export function isRecipientCommand(command: string | undefined): command is RecipientCommand {
  return (RECIPIENT_COMMANDS as readonly string[]).includes(command ?? "");
}

/** Runs one recipient command (`argv` without the command); returns the exit status. */
export async function runRecipientCommand(db: Database, command: RecipientCommand, argv: string[], io: RecipientCliIo): Promise<number> {
  const out = (line: string) => io.out(`${line}\n`);
  try {
    let parsed: { values: FlagValues; positionals: string[] };
    try {
      parsed = parseArgs({ args: argv, options: flags, allowPositionals: true, strict: true });
    } catch (error) {
      throw new RecipientCliError((error as Error).message);
    }
    const [storeName, target] = positionalsFor(command, parsed.positionals) as [string, string | undefined];
    const preferences = preferencesFromFlags(parsed.values);
    if (command !== "recipient:add" && command !== "recipient:update" && Object.keys(preferences).length > 0) {
      throw new RecipientCliError(`${command} takes no preference flags`);
    }

    switch (command) {
      case "recipient:add": {
        const recipient = validated(newRecipientSchema, { email: target, ...preferences });
        const store = await findStore(db, storeName);
        const row = await addRecipient(db, store.id, recipient);
        out(`recipient ${row.id} added to ${store.code}:`);
        out(describeRecipient(row));
        return 0;
      }
      case "recipient:list": {
        const store = await findStore(db, storeName);
        const rows = await listRecipients(db, store.id);
        if (rows.length === 0) out(`no recipients at ${store.code}`);
        for (const row of rows) out(describeRecipient(row));
        return 0;
      }
      case "recipient:update": {
        if (Object.keys(preferences).length === 0) throw new RecipientCliError("nothing to change: give at least one preference flag");
        const changes = validated(recipientChangesSchema, preferences);
        const store = await findStore(db, storeName);
        const recipient = await findRecipient(db, store, target!);
        const row = await updateRecipient(db, store.id, recipient.id, changes);
        if (!row) throw new RecipientCliError(`no recipient ${target} at store ${store.code}`);
        out(`recipient ${row.id} updated:`);
        out(describeRecipient(row));
        return 0;
      }
      case "recipient:remove": {
        const store = await findStore(db, storeName);
        const recipient = await findRecipient(db, store, target!);
        if (!(await removeRecipient(db, store.id, recipient.id))) throw new RecipientCliError(`no recipient ${target} at store ${store.code}`);
        out(`recipient ${recipient.id} (${recipient.email}) removed from ${store.code}`);
        return 0;
      }
    }
  } catch (error) {
    if (!(error instanceof RecipientCliError || error instanceof RecipientExistsError)) throw error;
    io.err(`error: ${error.message}\n`);
    return 1;
  }
}
