/**
 * Stored secrets: a user's own (table `agentVmSecrets`) and a tenant's defaults (table
 * `companySecrets`, 0.1.x's name for them), sealed at rest, plus a tenant's non-secret defaults
 * (Fly app, image, model, skills) in clear.
 * Values go in through the upsert mutations and come out only inside actions that need them
 * for a Fly call; queries return which secrets are present, never their values.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import type { Doc } from "../_generated/dataModel.js";
import { checkFlyAppName, checkModel, parseAllowedSkills } from "../agentSpec.js";
import { upgradeRequired } from "../agentRecord.js";
import { flyAgentsError } from "../errors.js";
import { checkSecret } from "../limits.js";
import { requireKeyRing } from "../settings.js";
import {
  LEGACY_KEY_ID,
  SECRET_FIELDS,
  type SecretField,
  type SecretValues,
  type SecretsPresence,
  type TenantDefaults,
  type TenantDefaultsPresence,
  vSecretsTable,
} from "../validators.js";
import { open, PASSPHRASE_ADVICE, seal, type KeyRing } from "./crypto.js";

/** Whose secrets: a user of a tenant, or the tenant itself (defaults for its users). */
export type SecretsOwner = { tenantId: string; userId?: string };

const PRESENCE_KEYS: Record<SecretField, keyof SecretsPresence> = {
  flyApiToken: "hasFlyApiToken",
  llmApiKey: "hasLlmApiKey",
  openaiApiKey: "hasOpenaiApiKey",
  openclawGatewayToken: "hasOpenclawGatewayToken",
  telegramBotToken: "hasTelegramBotToken",
  serviceKey: "hasServiceKey",
  appKey: "hasAppKey",
};

/** The `…Enc` field 0.1.x sealed each secret in (it stored no serviceKey or appKey per user). */
const LEGACY_FIELDS: Partial<Record<SecretField, string>> = {
  flyApiToken: "flyApiTokenEnc",
  llmApiKey: "llmApiKeyEnc",
  openaiApiKey: "openaiApiKeyEnc",
  openclawGatewayToken: "openclawGatewayTokenEnc",
  telegramBotToken: "telegramBotTokenEnc",
  appKey: "openclawAppKeyEnc",
};

export function presenceOf(values: SecretValues): SecretsPresence {
  const presence = {} as SecretsPresence;
  for (const field of SECRET_FIELDS) presence[PRESENCE_KEYS[field]] = Boolean(values[field]);
  return presence;
}

type SecretsRow = Doc<"agentVmSecrets"> | Doc<"companySecrets">;
/** A row in the current shape: sealed under a key of ours. */
export type SealedRow = SecretsRow & { keyId: string; ciphertext: string; present: SecretsPresence };

export function isSealedRow(row: SecretsRow): row is SealedRow {
  return row.keyId !== undefined && row.ciphertext !== undefined && row.present !== undefined;
}

function describe(owner: SecretsOwner): string {
  return owner.userId === undefined
    ? `The stored defaults of tenant ${JSON.stringify(owner.tenantId)}`
    : `The stored secrets of user ${JSON.stringify(owner.userId)} of tenant ${JSON.stringify(owner.tenantId)}`;
}

/** The current-shape row, or an error saying the 0.1.x row must be upgraded first. */
function requireSealed(row: SecretsRow, owner: SecretsOwner): SealedRow {
  if (!isSealedRow(row)) throw upgradeRequired(describe(owner));
  return row;
}

async function findRow(ctx: QueryCtx, owner: SecretsOwner): Promise<SecretsRow | null> {
  if (owner.userId !== undefined) {
    return await ctx.db
      .query("agentVmSecrets")
      .withIndex("by_tenantId_userId", (q) => q.eq("tenantId", owner.tenantId).eq("userId", owner.userId as string))
      .unique();
  }
  return await ctx.db
    .query("companySecrets")
    .withIndex("by_tenantId", (q) => q.eq("tenantId", owner.tenantId))
    .unique();
}

function checkOwner(owner: SecretsOwner) {
  if (owner.tenantId.trim() === "") {
    throw flyAgentsError("invalid_argument", "tenantId must be a non-empty string.");
  }
  if (owner.userId !== undefined && owner.userId.trim() === "") {
    throw flyAgentsError("invalid_argument", "userId must be a non-empty string.");
  }
}

/** Checks tenant defaults as provisioning would use them; "" (remove) is always allowed. */
function checkDefaults(defaults: TenantDefaults) {
  if (defaults.flyAppName) checkFlyAppName(defaults.flyAppName);
  if (defaults.llmModel) checkModel(defaults.llmModel);
  if (defaults.allowedSkillsJson) parseAllowedSkills(undefined, defaults.allowedSkillsJson);
  if (defaults.image !== undefined && defaults.image !== "" && /\s/.test(defaults.image)) {
    throw flyAgentsError(
      "invalid_argument",
      "image must be an image reference such as registry.fly.io/my-openclaw:v1.",
    );
  }
}

const DEFAULT_FIELDS = ["flyAppName", "image", "llmModel", "allowedSkillsJson"] as const;

/**
 * Merges `updates` into the owner's stored secrets and seals them under the current key; for
 * a tenant, also merges the non-secret `defaults`. An omitted field keeps its stored value; an
 * empty string removes it. Rows sealed with an older key of the ring are re-sealed under the
 * current one; a key that cannot open the stored row is an error and nothing is written.
 */
export async function upsertSecrets(
  ctx: MutationCtx,
  owner: SecretsOwner,
  updates: SecretValues,
  secretsEncryptionKey: string | undefined,
  defaults: TenantDefaults = {},
): Promise<{ updatedAt: number; keyId: string; presence: SecretsPresence; defaults: TenantDefaults }> {
  checkOwner(owner);
  checkDefaults(defaults);
  for (const field of SECRET_FIELDS) {
    const value = updates[field];
    if (value !== undefined && value !== "") checkSecret(field, value);
  }
  const ring = requireKeyRing(secretsEncryptionKey);
  if (ring.current.derived) console.warn(PASSPHRASE_ADVICE);
  const found = await findRow(ctx, owner);
  const existing = found && requireSealed(found, owner);
  const merged: SecretValues = existing ? open(existing.ciphertext, ring) : {};
  for (const field of SECRET_FIELDS) {
    const value = updates[field];
    if (value === undefined) continue;
    if (value === "") delete merged[field];
    else merged[field] = value;
  }
  const kept: TenantDefaults = {};
  if (owner.userId === undefined) {
    for (const field of DEFAULT_FIELDS) {
      const value = defaults[field] ?? (existing as Doc<"companySecrets"> | null)?.[field];
      if (value !== undefined && value !== "") kept[field] = value;
    }
  }
  const fields = {
    keyId: ring.current.id,
    ciphertext: seal(merged, ring.current),
    present: presenceOf(merged),
    updatedAt: Date.now(),
  };
  if (owner.userId !== undefined) {
    if (existing) await ctx.db.patch("agentVmSecrets", existing._id as Doc<"agentVmSecrets">["_id"], fields);
    else await ctx.db.insert("agentVmSecrets", { tenantId: owner.tenantId, userId: owner.userId, ...fields });
  } else {
    // Replace, so a default removed with "" is gone from the row.
    const row = { tenantId: owner.tenantId, ...fields, ...kept };
    if (existing) await ctx.db.replace("companySecrets", existing._id as Doc<"companySecrets">["_id"], row);
    else await ctx.db.insert("companySecrets", row);
  }
  return { updatedAt: fields.updatedAt, keyId: fields.keyId, presence: fields.present, defaults: kept };
}

/** Presence of each secret in a 0.1.x row, from which `…Enc` fields it has. */
function legacyPresence(row: SecretsRow): SecretsPresence {
  const presence = {} as SecretsPresence;
  const fields = row as unknown as Record<string, unknown>;
  for (const field of SECRET_FIELDS) {
    const legacy = LEGACY_FIELDS[field];
    presence[PRESENCE_KEYS[field]] = legacy !== undefined && typeof fields[legacy] === "string";
  }
  return presence;
}

/** Which of a tenant's defaults are set; for a 0.1.x row, from which `…Enc` fields it has. */
function defaultsPresence(row: Doc<"companySecrets">, presence: SecretsPresence): TenantDefaultsPresence {
  const sealed = isSealedRow(row);
  return {
    hasFlyAppName: sealed ? row.flyAppName !== undefined : row.flyAppNameEnc !== undefined,
    hasImage: sealed ? row.image !== undefined : row.imageEnc !== undefined,
    hasLlmModel: sealed ? row.llmModel !== undefined : row.llmModelEnc !== undefined,
    hasOpenclawAppKey: presence.hasAppKey,
    hasAllowedSkillsJson: sealed ? row.allowedSkillsJson !== undefined : row.allowedSkillsJsonEnc !== undefined,
  };
}

export type SecretsMeta = {
  updatedAt: number;
  keyId: string;
  presence: SecretsPresence;
  /** For a tenant: its defaults, and which are set (absent when derived from `defaults`). */
  tenant?: { defaults: TenantDefaults; presence?: TenantDefaultsPresence };
};

/**
 * Which secrets the owner has stored (and, for a tenant, its defaults), or null. Works on a
 * 0.1.x row too: presence comes from its `…Enc` fields, its keyId is "0.1.x", and its
 * defaults, sealed in 0.1.x, are only readable after upgradeFromV01.
 */
export async function secretsMeta(ctx: QueryCtx, owner: SecretsOwner): Promise<SecretsMeta | null> {
  const row = await findRow(ctx, owner);
  if (!row) return null;
  const sealed = isSealedRow(row);
  const presence = sealed ? row.present : legacyPresence(row);
  const meta: SecretsMeta = { updatedAt: row.updatedAt, keyId: sealed ? row.keyId : LEGACY_KEY_ID, presence };
  if (owner.userId === undefined) {
    const tenantRow = row as Doc<"companySecrets">;
    const defaults: TenantDefaults = {};
    if (sealed)
      for (const field of DEFAULT_FIELDS) if (tenantRow[field] !== undefined) defaults[field] = tenantRow[field];
    meta.tenant = { defaults, presence: defaultsPresence(tenantRow, presence) };
  }
  return meta;
}

export async function clearSecrets(ctx: MutationCtx, owner: SecretsOwner): Promise<void> {
  const row = await findRow(ctx, owner);
  if (!row) return;
  if (owner.userId !== undefined) await ctx.db.delete("agentVmSecrets", row._id as Doc<"agentVmSecrets">["_id"]);
  else await ctx.db.delete("companySecrets", row._id as Doc<"companySecrets">["_id"]);
}

const vSealed = v.object({ keyId: v.string(), ciphertext: v.string() });

/**
 * The sealed rows an action opens to resolve a user's secrets (user's own, then tenant's),
 * with the tenant's non-secret defaults. A 0.1.x row is an error saying to upgrade first.
 */
export const loadSealedSecrets = internalQuery({
  args: { tenantId: v.string(), userId: v.string() },
  returns: v.object({
    user: v.union(vSealed, v.null()),
    tenant: v.union(vSealed, v.null()),
    defaults: v.object({
      flyAppName: v.optional(v.string()),
      image: v.optional(v.string()),
      llmModel: v.optional(v.string()),
      allowedSkillsJson: v.optional(v.string()),
    }),
  }),
  handler: async (ctx, args) => {
    const userRow = await findRow(ctx, args);
    const tenantRow = await findRow(ctx, { tenantId: args.tenantId });
    const user = userRow && requireSealed(userRow, args);
    const tenant = tenantRow && (requireSealed(tenantRow, { tenantId: args.tenantId }) as Doc<"companySecrets">);
    const defaults: TenantDefaults = {};
    if (tenant) for (const field of DEFAULT_FIELDS) if (tenant[field] !== undefined) defaults[field] = tenant[field];
    return {
      user: user && { keyId: user.keyId, ciphertext: user.ciphertext },
      tenant: tenant && { keyId: tenant.keyId as string, ciphertext: tenant.ciphertext as string },
      defaults,
    };
  },
});

/** Opens sealed rows and merges them field by field: the user's own value wins. */
export function openStoredSecrets(
  sealed: { user: { ciphertext: string } | null; tenant: { ciphertext: string } | null },
  ring: KeyRing,
): SecretValues {
  const tenant = sealed.tenant ? open(sealed.tenant.ciphertext, ring) : {};
  const user = sealed.user ? open(sealed.user.ciphertext, ring) : {};
  return { ...tenant, ...user };
}

// ---- rotation ------------------------------------------------------------------------

/** A batch of rows sealed with `keyId`, for re-sealing. */
export const listSealedByKeyId = internalQuery({
  args: { table: vSecretsTable, keyId: v.string(), limit: v.number() },
  returns: v.array(v.object({ id: v.string(), ciphertext: v.string() })),
  handler: async (ctx, args) => {
    const rows = await ctx.db
      .query(args.table)
      .withIndex("by_keyId", (q) => q.eq("keyId", args.keyId))
      .take(args.limit);
    return rows.filter(isSealedRow).map((row) => ({ id: row._id as string, ciphertext: row.ciphertext }));
  },
});

/**
 * Writes re-sealed rows. A row whose key changed since it was read (a concurrent upsert
 * re-sealed it) is left alone: it is already under the current key.
 */
export const replaceSealed = internalMutation({
  args: {
    table: vSecretsTable,
    expectedKeyId: v.string(),
    keyId: v.string(),
    rows: v.array(v.object({ id: v.string(), ciphertext: v.string() })),
  },
  returns: v.number(),
  handler: async (ctx, args) => {
    let written = 0;
    for (const row of args.rows) {
      const id = ctx.db.normalizeId(args.table, row.id);
      const doc = id ? await ctx.db.get(args.table, id) : null;
      if (!doc || doc.keyId !== args.expectedKeyId) continue;
      await ctx.db.patch(args.table, doc._id, { keyId: args.keyId, ciphertext: row.ciphertext });
      written++;
    }
    return written;
  },
});
