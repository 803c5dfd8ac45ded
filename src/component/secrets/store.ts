/**
 * Stored secrets: a user's own (`agentVmSecrets`) and a tenant's defaults (`companySecrets`),
 * sealed at rest. Values go in through the upsert mutations and come out only inside actions
 * that need them for a Fly call; queries return which secrets are present, never their values.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import type { Doc } from "../_generated/dataModel.js";
import { flyAgentsError } from "../errors.js";
import { requireKeyRing } from "../settings.js";
export { vAgentSecretsMeta, vCompanySecretsMeta, type AgentSecretsMeta, type CompanySecretsMeta } from "./meta.js";
import { SECRET_FIELDS, type SecretField, type SecretValues, type SecretsPresence } from "../validators.js";
import { open, seal, type KeyRing } from "./crypto.js";

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

export function presenceOf(values: SecretValues): SecretsPresence {
  const presence = {} as SecretsPresence;
  for (const field of SECRET_FIELDS) presence[PRESENCE_KEYS[field]] = Boolean(values[field]);
  return presence;
}

type SealedRow = Doc<"agentVmSecrets"> | Doc<"companySecrets">;

async function findRow(ctx: QueryCtx, owner: SecretsOwner): Promise<SealedRow | null> {
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

/**
 * Merges `updates` into the owner's stored secrets and seals them under the current key.
 * An omitted field keeps its stored value; an empty string removes it. Rows sealed with an
 * older key of the ring are re-sealed under the current one; a key that cannot open the
 * stored row is an error and nothing is written.
 */
export async function upsertSecrets(
  ctx: MutationCtx,
  owner: SecretsOwner,
  updates: SecretValues,
  secretsEncryptionKey: string | undefined,
): Promise<{ updatedAt: number; keyId: string; presence: SecretsPresence }> {
  checkOwner(owner);
  const ring = requireKeyRing(secretsEncryptionKey);
  const existing = await findRow(ctx, owner);
  const merged: SecretValues = existing ? open(existing.ciphertext, ring) : {};
  for (const field of SECRET_FIELDS) {
    const value = updates[field];
    if (value === undefined) continue;
    if (value === "") delete merged[field];
    else merged[field] = value;
  }
  const fields = {
    keyId: ring.current.id,
    ciphertext: seal(merged, ring.current),
    present: presenceOf(merged),
    updatedAt: Date.now(),
  };
  if (existing && owner.userId !== undefined) {
    await ctx.db.patch("agentVmSecrets", existing._id as Doc<"agentVmSecrets">["_id"], fields);
  } else if (existing) {
    await ctx.db.patch("companySecrets", existing._id as Doc<"companySecrets">["_id"], fields);
  } else if (owner.userId !== undefined) {
    await ctx.db.insert("agentVmSecrets", { tenantId: owner.tenantId, userId: owner.userId, ...fields });
  } else {
    await ctx.db.insert("companySecrets", { tenantId: owner.tenantId, ...fields });
  }
  return { updatedAt: fields.updatedAt, keyId: fields.keyId, presence: fields.present };
}

export async function secretsMeta(
  ctx: QueryCtx,
  owner: SecretsOwner,
): Promise<{ updatedAt: number; keyId: string; presence: SecretsPresence } | null> {
  const row = await findRow(ctx, owner);
  return row ? { updatedAt: row.updatedAt, keyId: row.keyId, presence: row.present } : null;
}

export async function clearSecrets(ctx: MutationCtx, owner: SecretsOwner): Promise<void> {
  const row = await findRow(ctx, owner);
  if (!row) return;
  if (owner.userId !== undefined) await ctx.db.delete("agentVmSecrets", row._id as Doc<"agentVmSecrets">["_id"]);
  else await ctx.db.delete("companySecrets", row._id as Doc<"companySecrets">["_id"]);
}

const vSealed = v.object({ keyId: v.string(), ciphertext: v.string() });

/** The sealed rows an action opens to resolve a user's secrets (user's own, then tenant's). */
export const loadSealedSecrets = internalQuery({
  args: { tenantId: v.string(), userId: v.string() },
  returns: v.object({ agent: v.union(vSealed, v.null()), company: v.union(vSealed, v.null()) }),
  handler: async (ctx, args) => {
    const agent = await findRow(ctx, args);
    const company = await findRow(ctx, { tenantId: args.tenantId });
    const pick = (row: SealedRow | null) => (row ? { keyId: row.keyId, ciphertext: row.ciphertext } : null);
    return { agent: pick(agent), company: pick(company) };
  },
});

/** Opens sealed rows and merges them field by field: the user's own value wins. */
export function openStoredSecrets(
  sealed: { agent: { ciphertext: string } | null; company: { ciphertext: string } | null },
  ring: KeyRing,
): SecretValues {
  const company = sealed.company ? open(sealed.company.ciphertext, ring) : {};
  const agent = sealed.agent ? open(sealed.agent.ciphertext, ring) : {};
  return { ...company, ...agent };
}

// ---- rotation ------------------------------------------------------------------------

export const vSecretsTable = v.union(v.literal("agentVmSecrets"), v.literal("companySecrets"));

/** A batch of rows sealed with `keyId`, for re-sealing. */
export const listSealedByKeyId = internalQuery({
  args: { table: vSecretsTable, keyId: v.string(), limit: v.number() },
  returns: v.array(v.object({ id: v.string(), ciphertext: v.string() })),
  handler: async (ctx, args) => {
    const rows = await ctx.db
      .query(args.table)
      .withIndex("by_keyId", (q) => q.eq("keyId", args.keyId))
      .take(args.limit);
    return rows.map((row) => ({ id: row._id as string, ciphertext: row.ciphertext }));
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
