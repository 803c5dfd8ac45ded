/**
 * The audit trail: one event per finished lifecycle operation, with its Fly request ids.
 * Never holds a secret (messages pass through the operation's redactor first). Pages come from
 * convex-helpers' paginator: components cannot use `.paginate()` (see listing.ts).
 */
import type { PaginationOptions } from "convex/server";
import { v } from "convex/values";
import { paginator } from "convex-helpers/server/pagination";
import { internalMutation, type QueryCtx } from "./_generated/server.js";
import { pageOptions } from "./listing.js";
import schema from "./schema.js";
import { auditEventFields } from "./validators.js";

/** Fly request ids kept per event (a long wait loop can make many calls). */
const MAX_REQUEST_IDS = 50;

export const recordAuditEvent = internalMutation({
  args: auditEventFields,
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.insert("auditEvents", { ...args, flyRequestIds: args.flyRequestIds.slice(-MAX_REQUEST_IDS) });
    return null;
  },
});

/** One page of an agent's events, newest first (an id that names no agent has none). */
export async function auditEventsOfMachine(ctx: QueryCtx, machineDocId: string, paginationOpts: PaginationOptions) {
  const id = ctx.db.normalizeId("agentMachines", machineDocId);
  if (!id) return { page: [], isDone: true, continueCursor: "" };
  return await paginator(ctx.db, schema)
    .query("auditEvents")
    .withIndex("by_machineDocId", (q) => q.eq("machineDocId", id))
    .order("desc")
    .paginate(pageOptions(paginationOpts));
}

/** One page of a tenant's events, newest first. */
export async function auditEventsOfTenant(ctx: QueryCtx, tenantId: string, paginationOpts: PaginationOptions) {
  return await paginator(ctx.db, schema)
    .query("auditEvents")
    .withIndex("by_tenantId", (q) => q.eq("tenantId", tenantId))
    .order("desc")
    .paginate(pageOptions(paginationOpts));
}
