import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { serviceSecrets } from "../db/schema/index.js";

/**
 * The key that signs email links: LINK_SECRET when set, else one the first replica made and stored, so that a link
 * sent by one replica is honoured by another and after a restart. Read each time (one primary-key lookup), never cached,
 * so that every replica and transaction agrees on it.
 */
export async function linkSecret(db: Database, config: Pick<Config, "LINK_SECRET">): Promise<string> {
  return config.LINK_SECRET ?? storedSecret(db, "links");
}

/** A secret made by the first replica that needed it and shared through the database from then on. */
export async function storedSecret(db: Database, name: string): Promise<string> {
  await db
    .insert(serviceSecrets)
    .values({ name, value: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await db.select({ value: serviceSecrets.value }).from(serviceSecrets).where(eq(serviceSecrets.name, name));
  return row!.value;
}
