/**
 * A tenant's defaults (its sealed secrets, used for its users who have none of their own, and
 * its non-secret image, model, skills and Fly app) as the public functions take and return
 * them. Those functions keep 0.1.x's names, `…CompanySecrets`, as does the table
 * (`companySecrets`); so do their fields: `openclawAppKey` for the sealed `appKey`, `has…` for
 * each default that is set.
 */
import type { Infer } from "convex/values";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { flyAgentsError } from "../errors.js";
import type {
  CompanySecrets,
  CompanySecretsMeta,
  SecretValues,
  TenantDefaults,
  tenantDefaultsArgs,
} from "../validators.js";
import { secretsMeta, upsertSecrets, type SecretsMeta } from "./store.js";

type TenantDefaultsArgs = { [K in keyof typeof tenantDefaultsArgs]?: Infer<(typeof tenantDefaultsArgs)[K]> };

function toTenantDefaultsMeta(tenantId: string, meta: SecretsMeta): CompanySecretsMeta {
  const defaults = meta.tenant?.defaults ?? {};
  return {
    tenantId,
    updatedAt: meta.updatedAt,
    keyId: meta.keyId,
    ...meta.presence,
    ...(meta.tenant?.presence ?? {
      hasFlyAppName: defaults.flyAppName !== undefined,
      hasImage: defaults.image !== undefined,
      hasLlmModel: defaults.llmModel !== undefined,
      hasOpenclawAppKey: meta.presence.hasAppKey,
      hasAllowedSkillsJson: defaults.allowedSkillsJson !== undefined,
    }),
  };
}

/** Stores the tenant's secrets and defaults; returns which are set. */
export async function upsertTenantDefaultsHandler(
  ctx: MutationCtx,
  args: { tenantId: string; secretsEncryptionKey?: string } & SecretValues & TenantDefaultsArgs,
): Promise<CompanySecretsMeta> {
  const { tenantId, secretsEncryptionKey, flyAppName, image, llmModel, allowedSkillsJson, openclawAppKey, ...values } =
    args;
  if (openclawAppKey !== undefined && values.appKey !== undefined && openclawAppKey !== values.appKey) {
    throw flyAgentsError("invalid_argument", "appKey and openclawAppKey name the same secret: pass only one of them.");
  }
  const defaults: TenantDefaults = { flyAppName, image, llmModel, allowedSkillsJson };
  const stored = await upsertSecrets(
    ctx,
    { tenantId },
    { ...values, appKey: values.appKey ?? openclawAppKey },
    secretsEncryptionKey,
    defaults,
  );
  return toTenantDefaultsMeta(tenantId, { ...stored, tenant: { defaults: stored.defaults, presence: undefined } });
}

/** Which defaults and secrets a tenant has stored (booleans), or null. */
export async function tenantDefaultsMeta(ctx: QueryCtx, tenantId: string): Promise<CompanySecretsMeta | null> {
  const meta = await secretsMeta(ctx, { tenantId });
  return meta && toTenantDefaultsMeta(tenantId, meta);
}

/** The tenant's non-secret defaults in clear, and which secrets are set; or null. */
export async function readTenantDefaults(ctx: QueryCtx, tenantId: string): Promise<CompanySecrets | null> {
  const meta = await secretsMeta(ctx, { tenantId });
  return meta && { ...toTenantDefaultsMeta(tenantId, meta), ...meta.tenant?.defaults };
}
