// README: schema
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  /**
   * One row per tenant whose admin configured agents: the settings every agent of the tenant
   * starts with. Written by `tenants.setTenantDefaults` (inserted on the first call, replaced on
   * each later one); never removed by the app. Holds no secret: the tenant's keys are stored,
   * sealed, by the component among its tenant defaults (setCompanySecrets).
   */
  tenants: defineTable({
    tenantId: v.string(),
    llmModel: v.string(),
    bridgeUrl: v.string(),
    serviceId: v.string(),
    allowedSkills: v.array(v.string()),
    /** The admin (JWT `sub`) who last changed the defaults, and when. */
    updatedBy: v.string(),
    updatedAt: v.number(),
  }).index("by_tenantId", ["tenantId"]),
});
// README: end
