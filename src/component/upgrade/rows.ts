/**
 * The rows @okrlinkhub/fly-agents 0.1.x wrote, found and rewritten in batches for
 * upgradeFromV01. Each table's 0.1.x rows lack a field this version always writes, and an
 * index on it finds them (`keyId`, `agentKey`, `requestedAt` equal to undefined), so a batch
 * only ever reads rows still to convert: the upgrade resumes where it stopped and, once done,
 * finds nothing.
 *
 * Keys never reach these functions: queries hand sealed values to the upgrade action, which
 * opens and re-seals them; mutations take back only sealed values, and write a row only if it
 * is still as the action read it (a concurrent write wins and the row is looked at again).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import { DEFAULT_IMAGE } from "../agentSpec.js";
import { lifecycleModeOf } from "../agentRecord.js";
import { newAgentKey } from "../provisioning.js";
import { vSecretsPresence, vSecretsTable, type SecretsPresence, type SecretsTable } from "../validators.js";
import { isSealedRow } from "../secrets/store.js";

/** The `…Enc` fields of a 0.1.x secrets row, by name. */
const vLegacyValues = v.record(v.string(), v.string());
const vCurrentSealed = v.union(v.object({ id: v.string(), ciphertext: v.string() }), v.null());

const LEGACY_VALUE = /Enc$/;

/** The current-shape row holding `owner`'s secrets, if one exists besides the 0.1.x rows. */
async function currentRow(
  ctx: QueryCtx,
  table: SecretsTable,
  owner: { tenantId: string; userId?: string },
): Promise<{ id: string; ciphertext: string } | null> {
  const rows =
    table === "agentVmSecrets"
      ? await ctx.db
          .query("agentVmSecrets")
          .withIndex("by_tenantId_userId", (q) => q.eq("tenantId", owner.tenantId).eq("userId", owner.userId ?? ""))
          .collect()
      : await ctx.db
          .query("companySecrets")
          .withIndex("by_tenantId", (q) => q.eq("tenantId", owner.tenantId))
          .collect();
  const sealed = rows.find(isSealedRow);
  return sealed ? { id: sealed._id, ciphertext: sealed.ciphertext } : null;
}

/**
 * A batch of 0.1.x secrets rows, at most one per owner (a second row of the same owner, which
 * 0.1.x could leave, comes in a later batch and is merged into the first), with each owner's
 * current-shape row if there is one.
 */
export const legacySecretsBatch = internalQuery({
  args: { table: vSecretsTable, limit: v.number() },
  returns: v.array(
    v.object({
      id: v.string(),
      tenantId: v.string(),
      userId: v.optional(v.string()),
      updatedAt: v.number(),
      values: vLegacyValues,
      current: vCurrentSealed,
    }),
  ),
  handler: async (ctx, args) => {
    const rows: Array<Doc<"agentVmSecrets"> | Doc<"companySecrets">> = await ctx.db
      .query(args.table)
      .withIndex("by_keyId", (q) => q.eq("keyId", undefined))
      .take(args.limit);
    const seen = new Set<string>();
    const batch = [];
    for (const row of rows) {
      const userId = "userId" in row ? row.userId : undefined;
      const owner = `${row.tenantId}\u0000${userId ?? ""}`;
      if (seen.has(owner)) continue;
      seen.add(owner);
      const values: Record<string, string> = {};
      for (const [field, value] of Object.entries(row)) {
        if (LEGACY_VALUE.test(field) && typeof value === "string") values[field] = value;
      }
      batch.push({
        id: row._id as string,
        tenantId: row.tenantId,
        userId,
        updatedAt: row.updatedAt,
        values,
        current: await currentRow(ctx, args.table, { tenantId: row.tenantId, userId }),
      });
    }
    return batch;
  },
});

const vSealedWrite = v.object({ keyId: v.string(), ciphertext: v.string(), present: vSecretsPresence });

/** Still as read: the 0.1.x row is still 0.1.x, the current row (if any) still holds `ciphertext`. */
async function unchanged(
  ctx: MutationCtx,
  table: SecretsTable,
  legacyId: string,
  current: { id: string; ciphertext: string } | null,
) {
  const legacyDocId = ctx.db.normalizeId(table, legacyId);
  const legacy = legacyDocId ? await ctx.db.get(table, legacyDocId) : null;
  if (!legacy || isSealedRow(legacy)) return null;
  if (!current) return { legacy, target: null };
  const targetId = ctx.db.normalizeId(table, current.id);
  const target = targetId ? await ctx.db.get(table, targetId) : null;
  if (!target || !isSealedRow(target) || target.ciphertext !== current.ciphertext) return null;
  return { legacy, target };
}

/**
 * Writes re-sealed 0.1.x secrets: into the owner's current row when there is one (the 0.1.x
 * row is then deleted), else in place of the 0.1.x row. Returns how many rows it converted.
 */
export const writeSecrets = internalMutation({
  args: {
    table: vSecretsTable,
    rows: v.array(
      v.object({
        id: v.string(),
        current: vCurrentSealed,
        sealed: vSealedWrite,
        /** A tenant's non-secret defaults, opened from 0.1.x's sealed fields. */
        defaults: v.optional(v.record(v.string(), v.string())),
      }),
    ),
  },
  returns: v.number(),
  handler: async (ctx, args) => {
    let written = 0;
    for (const row of args.rows) {
      const found = await unchanged(ctx, args.table, row.id, row.current);
      if (!found) continue;
      const { legacy, target } = found;
      const fields = { ...row.sealed, ...(row.defaults ?? {}), updatedAt: legacy.updatedAt };
      if (target) {
        await ctx.db.patch(args.table, target._id, fields);
        await ctx.db.delete(args.table, legacy._id);
      } else if (args.table === "agentVmSecrets") {
        const user = legacy as Doc<"agentVmSecrets">;
        await ctx.db.replace("agentVmSecrets", user._id, { tenantId: user.tenantId, userId: user.userId, ...fields });
      } else {
        await ctx.db.replace("companySecrets", legacy._id as Id<"companySecrets">, {
          tenantId: legacy.tenantId,
          ...fields,
        });
      }
      written++;
    }
    return written;
  },
});

/**
 * A batch of 0.1.x agent records (no `agentKey`), newest first, with the `appKey` and
 * `serviceKey` 0.1.x kept in them, and each owner's current secrets row.
 */
export const legacyAgentsBatch = internalQuery({
  args: { limit: v.number() },
  returns: v.array(
    v.object({
      id: v.string(),
      tenantId: v.string(),
      userId: v.string(),
      appKey: v.optional(v.string()),
      serviceKey: v.optional(v.string()),
      current: vCurrentSealed,
    }),
  ),
  handler: async (ctx, args) => {
    const rows = await ctx.db
      .query("agentMachines")
      .withIndex("by_agentKey", (q) => q.eq("agentKey", undefined))
      .order("desc")
      .take(args.limit);
    const batch = [];
    for (const row of rows) {
      batch.push({
        id: row._id as string,
        tenantId: row.tenantId,
        userId: row.userId,
        appKey: row.appKey,
        serviceKey: row.serviceKey,
        current: await currentRow(ctx, "agentVmSecrets", row),
      });
    }
    return batch;
  },
});

/**
 * Converts 0.1.x agent records: their `appKey` and `serviceKey` go into the owner's sealed
 * secrets (written first, in the same transaction), then leave the record, which gets the
 * fields this version needs. An owner whose secrets changed since they were read is skipped
 * (with its records) and comes again in the next batch. Returns how many records it converted.
 */
export const writeAgents = internalMutation({
  args: {
    flyAppName: v.string(),
    owners: v.array(
      v.object({
        tenantId: v.string(),
        userId: v.string(),
        current: vCurrentSealed,
        /** Absent when the records hold no key to move. */
        sealed: v.optional(vSealedWrite),
        agentIds: v.array(v.string()),
      }),
    ),
  },
  returns: v.number(),
  handler: async (ctx, args) => {
    let converted = 0;
    for (const owner of args.owners) {
      if (owner.sealed && !(await writeOwnerSecrets(ctx, owner, owner.sealed))) continue;
      for (const agentId of owner.agentIds) {
        const id = ctx.db.normalizeId("agentMachines", agentId);
        const doc = id ? await ctx.db.get("agentMachines", id) : null;
        if (!doc || doc.agentKey !== undefined) continue;
        const status = doc.status === "hibernated" ? "stopped" : doc.status;
        await ctx.db.patch("agentMachines", doc._id, {
          agentKey: newAgentKey(),
          flyAppName: args.flyAppName,
          status,
          statusReason: doc.statusReason ?? `Upgraded from 0.1.x (${doc.status})`,
          statusChangedAt: doc._creationTime,
          image: DEFAULT_IMAGE,
          lifecycleMode: doc.lifecycleMode ?? lifecycleModeOf({ status }),
          appKey: undefined,
          serviceKey: undefined,
        });
        converted++;
      }
    }
    return converted;
  },
});

/** Writes an owner's re-sealed secrets if their row is still as read. */
async function writeOwnerSecrets(
  ctx: MutationCtx,
  owner: { tenantId: string; userId: string; current: { id: string; ciphertext: string } | null },
  sealed: { keyId: string; ciphertext: string; present: SecretsPresence },
): Promise<boolean> {
  const fields = { ...sealed, updatedAt: Date.now() };
  if (owner.current) {
    const id = ctx.db.normalizeId("agentVmSecrets", owner.current.id);
    const row = id ? await ctx.db.get("agentVmSecrets", id) : null;
    if (!row || row.ciphertext !== owner.current.ciphertext) return false;
    await ctx.db.patch("agentVmSecrets", row._id, fields);
    return true;
  }
  const existing = await ctx.db
    .query("agentVmSecrets")
    .withIndex("by_tenantId_userId", (q) => q.eq("tenantId", owner.tenantId).eq("userId", owner.userId))
    .first();
  if (existing) return false;
  await ctx.db.insert("agentVmSecrets", { tenantId: owner.tenantId, userId: owner.userId, ...fields });
  return true;
}

/**
 * Converts a batch of 0.1.x snapshot records (no `requestedAt`): they get the Fly app, the
 * volume (from their manifest or their agent), and `restored` becomes `created` again (Fly
 * still holds the snapshot, so it stays restorable). Returns how many it converted.
 */
export const convertSnapshots = internalMutation({
  args: { flyAppName: v.string(), limit: v.number() },
  returns: v.number(),
  handler: async (ctx, args) => {
    const rows = await ctx.db
      .query("agentSnapshots")
      .withIndex("by_requestedAt", (q) => q.eq("requestedAt", undefined))
      .take(args.limit);
    for (const row of rows) {
      const agent = row.machineDocId
        ? await ctx.db.get("agentMachines", row.machineDocId)
        : await ctx.db
            .query("agentMachines")
            .withIndex("by_tenantId_userId", (q) => q.eq("tenantId", row.tenantId).eq("userId", row.userId))
            .order("desc")
            .first();
      const requestedAt = row.manifest?.backupCreatedAt ?? row._creationTime;
      const status = row.status === "restored" ? "created" : row.status;
      await ctx.db.patch("agentSnapshots", row._id, {
        flyAppName: args.flyAppName,
        machineDocId: row.machineDocId ?? agent?._id,
        flyVolumeId: row.flyVolumeId ?? row.manifest?.sourceFlyVolumeId ?? agent?.flyVolumeId,
        status,
        requestedAt,
        ...(status === "created" || status === "failed" ? { completedAt: row.completedAt ?? requestedAt } : {}),
      });
    }
    return rows.length;
  },
});
