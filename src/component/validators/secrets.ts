/**
 * Validators of stored secrets: which secrets exist, the fields of a sealed row (the secrets
 * tables are built from them in schema.ts), a tenant's non-secret defaults, and what the secrets
 * functions take and return: which secrets are stored, never their values.
 */
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";

/** The secrets a user's agent (or, as defaults, a tenant) can have stored. */
export const SECRET_FIELDS = [
  "flyApiToken",
  "llmApiKey",
  "openaiApiKey",
  "openclawGatewayToken",
  "telegramBotToken",
  "serviceKey",
  "appKey",
] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];
export type SecretValues = Partial<Record<SecretField, string>>;

/** The two tables of sealed secrets: users' own, and tenants' defaults (0.1.x's `companySecrets`). */
export const vSecretsTable = v.union(v.literal("agentVmSecrets"), v.literal("companySecrets"));
export type SecretsTable = Infer<typeof vSecretsTable>;
export const SECRETS_TABLES: SecretsTable[] = vSecretsTable.members.map((member) => member.value);

/** One of SECRET_FIELDS. */
export const vSecretField = literals(...SECRET_FIELDS);

/**
 * Where an agent's secrets come from, field by field: the user's own stored secrets, the
 * tenant's defaults, or the host (what the caller passes as an argument, or the FLY_API_TOKEN
 * bound to the component). A field in none of the lists is not set.
 */
export const vSecretsSource = v.object({
  user: v.array(vSecretField),
  tenant: v.array(vSecretField),
  host: v.array(vSecretField),
});
export type SecretsSource = Infer<typeof vSecretsSource>;

/** Which secrets are stored, never their values. */
export const vSecretsPresence = v.object({
  hasFlyApiToken: v.boolean(),
  hasLlmApiKey: v.boolean(),
  hasOpenaiApiKey: v.boolean(),
  hasOpenclawGatewayToken: v.boolean(),
  hasTelegramBotToken: v.boolean(),
  hasServiceKey: v.boolean(),
  hasAppKey: v.boolean(),
});
export type SecretsPresence = Infer<typeof vSecretsPresence>;

/** Secret arguments accepted by the upsert mutations (all optional: a missing one is kept). */
export const secretArgs = {
  flyApiToken: v.optional(v.string()),
  llmApiKey: v.optional(v.string()),
  openaiApiKey: v.optional(v.string()),
  openclawGatewayToken: v.optional(v.string()),
  telegramBotToken: v.optional(v.string()),
  serviceKey: v.optional(v.string()),
  appKey: v.optional(v.string()),
};

/** Encrypted secrets: the sealed JSON of the values, the key that sealed them, and which are present. */
export const sealedSecretsFields = {
  /** Id of the encryption key (a hash prefix, never the key) that sealed `ciphertext`. */
  keyId: v.string(),
  /** `v1:<keyId>:<nonce b64>:<box b64>`, tweetnacl secretbox of the JSON of the values. */
  ciphertext: v.string(),
  present: vSecretsPresence,
  updatedAt: v.number(),
};

/** Non-secret defaults a tenant may store beside its secrets (0.1.x sealed them; they are not secret). */
export const tenantDefaultsFields = {
  flyAppName: v.optional(v.string()),
  image: v.optional(v.string()),
  llmModel: v.optional(v.string()),
  allowedSkillsJson: v.optional(v.string()),
};

/** Arguments of upsertCompanySecrets besides the secrets: 0.1.x's tenant defaults. */
export const tenantDefaultsArgs = {
  ...tenantDefaultsFields,
  /** 0.1.x's name for the tenant's OPENCLAW_APP_KEY; stored sealed, as `appKey`. */
  openclawAppKey: v.optional(v.string()),
};

/** The keyId reported for a row 0.1.x sealed that upgradeFromV01 has not re-sealed yet. */
export const LEGACY_KEY_ID = "0.1.x";

/** When a row was sealed, and with which key. */
const sealedMetaFields = {
  updatedAt: v.number(),
  /** Id of the key that sealed the row (never the key), or "0.1.x" before upgradeFromV01. */
  keyId: v.string(),
};

/** What the user secrets functions return: whose they are, and which are stored. */
export const vAgentSecretsMeta = v.object({
  tenantId: v.string(),
  userId: v.string(),
  ...sealedMetaFields,
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

/** What the company secrets functions return: which secrets and defaults a tenant has set. */
export const vCompanySecretsMeta = v.object({
  tenantId: v.string(),
  ...sealedMetaFields,
  ...vSecretsPresence.fields,
  ...vTenantDefaultsPresence.fields,
});
export type CompanySecretsMeta = Infer<typeof vCompanySecretsMeta>;

/** What getCompanySecrets returns: the non-secret defaults, and for each secret whether it is set. */
export const vCompanySecrets = vCompanySecretsMeta.extend(tenantDefaultsFields);
export type CompanySecrets = Infer<typeof vCompanySecrets>;
export type TenantDefaults = Pick<CompanySecrets, keyof typeof tenantDefaultsFields>;

/** What rotateSecretsEncryptionKey returns: the new key's id, rows re-sealed, batches run. */
export const vRotationResult = v.object({ keyId: v.string(), rotated: v.number(), batches: v.number() });
export type RotationResult = Infer<typeof vRotationResult>;
