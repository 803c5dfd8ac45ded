/**
 * How a rollout step reaches Fly: the operation that owns one agent for the step, with the Fly
 * token the rollout can use on its own (no caller is there to pass one).
 */
import { v } from "convex/values";
import type { AgentRecord } from "../agentRecord.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import { internalMutation, internalQuery, type ActionCtx } from "../_generated/server.js";
import { Operation } from "../operations.js";
import { agentRedactor } from "../redaction.js";
import { open, sealedKeyId } from "../secrets/crypto.js";
import { requireFlyToken, withStoredSecrets } from "../secrets/resolve.js";
import { encryptionKeyRing, requireKeyRing } from "../settings.js";
import { FINAL_ROLLOUT_STATUSES, vRolloutStatus, type RolloutStatus, type SecretValues } from "../validators.js";

/**
 * The Fly token for one agent of a rollout: the token given to upgradeAgentImages (sealed on the
 * rollout), else the agent's owner's stored token (user's, then tenant's), else FLY_API_TOKEN.
 */
async function rolloutFlyToken(ctx: ActionCtx, rollout: Doc<"imageRollouts">, agent: AgentRecord): Promise<string> {
  if (rollout.sealedFlyApiToken !== undefined) {
    return requireFlyToken(open(rollout.sealedFlyApiToken, requireKeyRing()).flyApiToken, { secrets: "stored" });
  }
  if (encryptionKeyRing() !== null) {
    const none: SecretValues = {};
    const stored = await withStoredSecrets(ctx, { tenantId: agent.tenantId, userId: agent.userId }, none);
    return requireFlyToken(stored.flyApiToken, { secrets: "stored" });
  }
  return requireFlyToken(undefined, { secrets: "stored" });
}

/** The operation id a step owns its agent with: the same on every run, so a resumed step takes it back. */
export function stepOperationId(rowId: Id<"imageRolloutAgents">): string {
  return `rollout-${rowId}`;
}

/** The operation for one agent's step of a rollout. */
export async function stepOperation(
  ctx: ActionCtx,
  rollout: Doc<"imageRollouts">,
  agent: AgentRecord,
  rowId: Id<"imageRolloutAgents">,
): Promise<Operation> {
  const flyApiToken = await rolloutFlyToken(ctx, rollout, agent);
  const redactor = await agentRedactor(ctx, agent, { machineId: agent.machineId });
  return new Operation(
    ctx,
    "upgrade_image",
    { flyApiToken, flyAppName: rollout.flyAppName, flyApiBaseUrl: rollout.flyApiBaseUrl },
    redactor,
    undefined,
    { id: stepOperationId(rowId) },
  );
}

/** The statuses of a rollout still under way: it may still open its sealed Fly token. */
const UNDER_WAY: RolloutStatus[] = vRolloutStatus.members
  .map((member) => member.value)
  .filter((status) => !FINAL_ROLLOUT_STATUSES.includes(status));

const vSealedToken = v.object({ id: v.id("imageRollouts"), ciphertext: v.string() });

/**
 * The Fly tokens of rollouts under way that are sealed with `keyId`, for a key rotation
 * (secrets/rotation.ts). A rollout's token is removed when it ends, so these are few.
 */
export const listSealedTokensByKeyId = internalQuery({
  args: { keyId: v.string() },
  returns: v.array(vSealedToken),
  handler: async (ctx, args) => {
    const found: Array<{ id: Id<"imageRollouts">; ciphertext: string }> = [];
    for (const status of UNDER_WAY) {
      const rollouts = await ctx.db
        .query("imageRollouts")
        .withIndex("by_status", (q) => q.eq("status", status))
        .collect();
      for (const rollout of rollouts) {
        const sealed = rollout.sealedFlyApiToken;
        if (sealed !== undefined && sealedKeyId(sealed) === args.keyId)
          found.push({ id: rollout._id, ciphertext: sealed });
      }
    }
    return found;
  },
});

/**
 * Writes re-sealed rollout tokens; returns how many. A token no longer sealed with
 * `expectedKeyId` (re-sealed meanwhile, or removed as its rollout ended) is left alone.
 */
export const replaceSealedTokens = internalMutation({
  args: { expectedKeyId: v.string(), rows: v.array(vSealedToken) },
  returns: v.number(),
  handler: async (ctx, args) => {
    let replaced = 0;
    for (const row of args.rows) {
      const rollout = await ctx.db.get("imageRollouts", row.id);
      const sealed = rollout?.sealedFlyApiToken;
      if (!rollout || sealed === undefined || sealedKeyId(sealed) !== args.expectedKeyId) continue;
      await ctx.db.patch("imageRollouts", rollout._id, { sealedFlyApiToken: row.ciphertext });
      replaced++;
    }
    return replaced;
  },
});
