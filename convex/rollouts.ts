/**
 * Image rollouts in the example app: a tenant admin moves the tenant's agents to a new OpenClaw
 * image, and every member can watch the rollout and see which image each agent runs.
 */
// README: rollout
import { ConvexError, v } from "convex/values";
import { vAgentImageGroup, vImageRolloutDetail, vRolloutStatus } from "@okrlinkhub/fly-agents";
import { components } from "./_generated/api.js";
import { mutation, query } from "./_generated/server.js";
import { flyAppName } from "./agents.js";
import { requireAdmin, requireCaller } from "./auth.js";

/**
 * Rolls `image` out across the caller's tenant's agents (admins only), one agent first, then
 * waves that double while nothing fails; the first failure stops it. Returns the rollout's id.
 * The rollout runs in the background with the FLY_API_TOKEN bound to the component.
 */
export const upgradeImages = mutation({
  args: { image: v.string() },
  returns: v.string(),
  handler: async (ctx, args) => {
    const admin = await requireAdmin(ctx);
    return await ctx.runMutation(components.flyAgents.lib.upgradeAgentImages, {
      tenantId: admin.tenantId,
      flyAppName: flyAppName(),
      image: args.image,
      waveSize: 1,
      maxFailures: 0,
    });
  },
});

/** A rollout of the caller's tenant, live: its waves and each agent's outcome (null if none). */
export const getRollout = query({
  args: { rolloutId: v.string() },
  returns: v.union(vImageRolloutDetail, v.null()),
  handler: async (ctx, args) => {
    const caller = await requireCaller(ctx);
    const rollout = await ctx.runQuery(components.flyAgents.lib.getImageRollout, args);
    return rollout?.tenantId === caller.tenantId ? rollout : null;
  },
});

/** Version drift: which image (and digest) each of the tenant's agents runs. */
export const agentImages = query({
  args: {},
  returns: v.array(vAgentImageGroup),
  handler: async (ctx) => {
    const caller = await requireCaller(ctx);
    return await ctx.runQuery(components.flyAgents.lib.listAgentImagesByTenant, { tenantId: caller.tenantId });
  },
});
// README: end

/** The newest rollout of the caller's tenant with each agent's outcome, or null (the dashboard's view). */
export const latestRollout = query({
  args: {},
  returns: v.union(vImageRolloutDetail, v.null()),
  handler: async (ctx) => {
    const caller = await requireCaller(ctx);
    const [newest] = await ctx.runQuery(components.flyAgents.lib.listImageRollouts, {
      tenantId: caller.tenantId,
      limit: 1,
    });
    return newest ? await ctx.runQuery(components.flyAgents.lib.getImageRollout, { rolloutId: newest._id }) : null;
  },
});

/** Cancels a rollout of the caller's tenant (admins only): the agents in hand finish, no other starts. */
export const cancelRollout = mutation({
  args: { rolloutId: v.string() },
  returns: vRolloutStatus,
  handler: async (ctx, args) => {
    const admin = await requireAdmin(ctx);
    const rollout = await ctx.runQuery(components.flyAgents.lib.getImageRollout, args);
    if (rollout?.tenantId !== admin.tenantId) throw new ConvexError(`No rollout ${args.rolloutId} in your tenant.`);
    return await ctx.runMutation(components.flyAgents.lib.cancelImageRollout, args);
  },
});
