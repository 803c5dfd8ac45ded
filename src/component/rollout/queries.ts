/**
 * Reading rollouts and version drift: reactive queries a dashboard subscribes to.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { isLegacyAgent, requireUpgraded } from "../agentRecord.js";
import { MAX_ROLLOUT_AGENTS } from "./start.js";
import type { AgentImageGroup, ImageRollout, ImageRolloutDetail } from "../validators.js";

/** The most agents the drift view reads for one tenant. */
export const MAX_DRIFT_AGENTS = 2_000;

function publicRollout(rollout: Doc<"imageRollouts">): ImageRollout {
  const { sealedFlyApiToken: _sealed, ...rest } = rollout;
  return rest;
}

/** One rollout with its agents in order, or null for an unknown id. */
export async function getRollout(ctx: QueryCtx, rolloutId: string): Promise<ImageRolloutDetail | null> {
  const id = ctx.db.normalizeId("imageRollouts", rolloutId);
  const rollout = id ? await ctx.db.get("imageRollouts", id) : null;
  if (!rollout) return null;
  const agents = await ctx.db
    .query("imageRolloutAgents")
    .withIndex("by_rolloutId_position", (q) => q.eq("rolloutId", rollout._id))
    .take(MAX_ROLLOUT_AGENTS);
  return { ...publicRollout(rollout), agents };
}

/** A tenant's rollouts, newest first. */
export async function listRollouts(ctx: QueryCtx, tenantId: string, limit: number): Promise<ImageRollout[]> {
  const rollouts = await ctx.db
    .query("imageRollouts")
    .withIndex("by_tenantId", (q) => q.eq("tenantId", tenantId))
    .order("desc")
    .take(limit);
  return rollouts.map(publicRollout);
}

/** A tenant's live agents grouped by image (most agents first), with the digests they run. */
export async function agentsByImage(ctx: QueryCtx, tenantId: string): Promise<AgentImageGroup[]> {
  const agents = await ctx.db
    .query("agentMachines")
    .withIndex("by_tenantId_image", (q) => q.eq("tenantId", tenantId))
    .take(MAX_DRIFT_AGENTS);
  const groups = new Map<string, AgentImageGroup>();
  for (const doc of agents) {
    if (isLegacyAgent(doc)) continue;
    const agent = requireUpgraded(doc);
    if (agent.status === "deleted") continue;
    let group = groups.get(agent.image);
    if (!group) {
      group = { image: agent.image, count: 0, digests: [], unknownDigest: 0, agents: [] };
      groups.set(agent.image, group);
    }
    group.count++;
    if (agent.imageDigest === undefined) {
      group.unknownDigest++;
    } else {
      const digest = group.digests.find((entry) => entry.digest === agent.imageDigest);
      if (digest) digest.count++;
      else group.digests.push({ digest: agent.imageDigest, count: 1 });
    }
    group.agents.push({
      machineDocId: agent._id,
      userId: agent.userId,
      status: agent.status,
      ...(agent.imageDigest !== undefined ? { imageDigest: agent.imageDigest } : {}),
      ...(agent.verifyImageAtNextStart !== undefined ? { verifyImageAtNextStart: agent.verifyImageAtNextStart } : {}),
    });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.image.localeCompare(b.image));
}
