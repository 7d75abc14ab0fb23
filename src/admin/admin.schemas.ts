import { z } from "zod";
import { newRecipientSchema, recipientChangesSchema } from "../notify/recipients.js";
import { newStoreSchema } from "../stores/store-admin.js";
import { newUserSchema, passwordSchema } from "../dashboard/users.js";

/** Bodies of the admin API (and the admin pages' forms, once read into the same shapes). */

/** "all", or the stores by code, name or alias */
export const storeAccessSchema = z.union([z.literal("all"), z.array(z.string().trim().min(1).max(100)).min(1).max(1000)], {
  error: 'must be "all" or a list of store codes, e.g. ["S12"]',
});
export type StoreAccess = z.output<typeof storeAccessSchema>;

export { newStoreSchema };

export const storeChangesSchema = newStoreSchema
  .pick({ name: true, timeZone: true, feedIntervalMinutes: true, addressLine1: true, addressLine2: true, city: true, region: true, postalCode: true, country: true })
  .partial();
export type StoreChanges = z.output<typeof storeChangesSchema>;

export const storeAliasesSchema = z.object({ aliases: z.array(z.string().trim().min(1).max(100)).min(1).max(100) });

export const alertThresholdsSchema = z
  .object({
    /** an item alert opens at this probability of running out */
    alertProbability: z.number().gt(0).max(1),
    /** and resolves once it falls below this one */
    resolveProbability: z.number().min(0).lt(1),
  })
  .refine((t) => t.resolveProbability < t.alertProbability, { error: "must be below alertProbability, so that an alert does not flap", path: ["resolveProbability"] });
export type AlertThresholds = z.output<typeof alertThresholdsSchema>;

export const newApiKeySchema = z.object({
  name: z.string().trim().min(1).max(200),
  stores: storeAccessSchema,
  admin: z.boolean().default(false),
});
export type NewApiKey = z.output<typeof newApiKeySchema>;

export const newAdminUserSchema = newUserSchema.omit({ storeIds: true }).extend({
  stores: storeAccessSchema,
  admin: z.boolean().default(false),
});
export type NewAdminUser = z.output<typeof newAdminUserSchema>;

export const userChangesSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(["manager", "staff"]),
    admin: z.boolean(),
    stores: storeAccessSchema,
    password: passwordSchema,
  })
  .partial();
export type UserChanges = z.output<typeof userChangesSchema>;

export { newRecipientSchema, recipientChangesSchema };

const serialId = z.coerce.number().int().positive().max(2 ** 31 - 1);
export const storeParam = z.object({ store: z.string().min(1).max(100) });
export const aliasParam = storeParam.extend({ alias: z.string().min(1).max(100) });
export const recipientParam = storeParam.extend({ id: serialId });
export const idParam = z.object({ id: serialId });
