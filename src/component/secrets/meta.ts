/** What the secrets queries return: which secrets are stored, never their values. */
import { v, type Infer } from "convex/values";
import { tenantDefaultsFields } from "../schema.js";
import { vSecretsPresence } from "../validators.js";

/** The keyId reported for a row 0.1.x sealed that upgradeFromV01 has not re-sealed yet. */
export const LEGACY_KEY_ID = "0.1.x";

export const vAgentSecretsMeta = v.object({
  tenantId: v.string(),
  userId: v.string(),
  updatedAt: v.number(),
  /** Id of the key that sealed the row (never the key), or "0.1.x" before upgradeFromV01. */
  keyId: v.string(),
  ...vSecretsPresence.fields,
});
export type AgentSecretsMeta = Infer<typeof vAgentSecretsMeta>;

/** Which of a tenant's non-secret defaults are set (0.1.x's names). */
export const vTenantDefaultsPresence = v.object({
  hasFlyAppName: v.boolean(),
  hasImage: v.boolean(),
  hasLlmModel: v.boolean(),
  /** 0.1.x's name for the tenant's OPENCLAW_APP_KEY: the same secret as `hasAppKey`. */
  hasOpenclawAppKey: v.boolean(),
  hasAllowedSkillsJson: v.boolean(),
});
export type TenantDefaultsPresence = Infer<typeof vTenantDefaultsPresence>;

export const vCompanySecretsMeta = v.object({
  tenantId: v.string(),
  updatedAt: v.number(),
  /** Id of the key that sealed the row (never the key), or "0.1.x" before upgradeFromV01. */
  keyId: v.string(),
  ...vSecretsPresence.fields,
  ...vTenantDefaultsPresence.fields,
});
export type CompanySecretsMeta = Infer<typeof vCompanySecretsMeta>;

/** What getCompanySecrets returns: the non-secret defaults, and for each secret whether it is set. */
export const vCompanySecrets = v.object({
  ...vCompanySecretsMeta.fields,
  ...tenantDefaultsFields,
});
export type CompanySecrets = Infer<typeof vCompanySecrets>;
export type TenantDefaults = Pick<CompanySecrets, "flyAppName" | "image" | "llmModel" | "allowedSkillsJson">;

/** Arguments of upsertCompanySecrets besides the secrets: 0.1.x's tenant defaults. */
export const tenantDefaultsArgs = {
  ...tenantDefaultsFields,
  /** 0.1.x's name for the tenant's OPENCLAW_APP_KEY; stored sealed, as `appKey`. */
  openclawAppKey: v.optional(v.string()),
};
