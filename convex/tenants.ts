// README: tenantDefaults
/**
 * A tenant's agent defaults: the settings and the shared keys every agent of the tenant
 * starts with, set by the tenant's admin.
 */
import { FlyAgents } from "@okrlinkhub/fly-agents";
import { v } from "convex/values";
import { components } from "./_generated/api.js";
import { internalQuery, mutation } from "./_generated/server.js";
import { requireAdmin } from "./auth.js";

const flyAgents = new FlyAgents(components.flyAgents);

const vTenantDefaults = v.object({
  llmModel: v.string(),
  bridgeUrl: v.string(),
  serviceId: v.string(),
  allowedSkills: v.array(v.string()),
});

/**
 * Sets the caller's tenant's defaults (admins only): the settings in the app's `tenants` table,
 * the keys sealed by the component among its tenant defaults. Both are written in one transaction.
 * Returns which keys are stored, never their values.
 */
export const setTenantDefaults = mutation({
  args: {
    ...vTenantDefaults.fields,
    llmApiKey: v.string(),
    appKey: v.string(),
    serviceKey: v.string(),
  },
  returns: v.object({ hasLlmApiKey: v.boolean(), hasAppKey: v.boolean(), hasServiceKey: v.boolean() }),
  handler: async (ctx, args) => {
    const admin = await requireAdmin(ctx);
    const { llmApiKey, appKey, serviceKey, ...settings } = args;
    const row = { tenantId: admin.tenantId, ...settings, updatedBy: admin.userId, updatedAt: Date.now() };
    const existing = await ctx.db
      .query("tenants")
      .withIndex("by_tenantId", (q) => q.eq("tenantId", admin.tenantId))
      .unique();
    if (existing) await ctx.db.replace("tenants", existing._id, row);
    else await ctx.db.insert("tenants", row);

    const meta = await flyAgents.setCompanySecrets(ctx, { tenantId: admin.tenantId, llmApiKey, appKey, serviceKey });
    return { hasLlmApiKey: meta.hasLlmApiKey, hasAppKey: meta.hasAppKey, hasServiceKey: meta.hasServiceKey };
  },
});

/** A tenant's defaults, or null before its admin set them. */
export const defaultsOf = internalQuery({
  args: { tenantId: v.string() },
  returns: v.union(vTenantDefaults, v.null()),
  handler: async (ctx, args) => {
    const row = await ctx.db
      .query("tenants")
      .withIndex("by_tenantId", (q) => q.eq("tenantId", args.tenantId))
      .unique();
    return (
      row && {
        llmModel: row.llmModel,
        bridgeUrl: row.bridgeUrl,
        serviceId: row.serviceId,
        allowedSkills: row.allowedSkills,
      }
    );
  },
});
// README: end
