/**
 * The audit trail: one event per finished lifecycle operation, with its Fly request ids.
 * Never holds a secret (messages pass through the operation's redactor first).
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, type QueryCtx } from "./_generated/server.js";
import schema from "./schema.js";
import { vAuditEvent } from "./shapes.js";

/** Fly request ids kept per event (a long wait loop can make many calls). */
const MAX_REQUEST_IDS = 50;

export const recordAuditEvent = internalMutation({
  args: schema.tables.auditEvents.validator.fields,
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.insert("auditEvents", { ...args, flyRequestIds: args.flyRequestIds.slice(-MAX_REQUEST_IDS) });
    return null;
  },
});

export const auditPageArgs = { paginationOpts: paginationOptsValidator };
export const vAuditPage = paginationResultValidator(vAuditEvent);

export async function auditEventsOfMachine(
  ctx: QueryCtx,
  machineDocId: string,
  paginationOpts: typeof paginationOptsValidator.type,
) {
  const id = ctx.db.normalizeId("agentMachines", machineDocId);
  if (!id) return { page: [], isDone: true, continueCursor: "" };
  return await ctx.db
    .query("auditEvents")
    .withIndex("by_machineDocId", (q) => q.eq("machineDocId", id))
    .order("desc")
    .paginate(paginationOpts);
}

export async function auditEventsOfTenant(
  ctx: QueryCtx,
  tenantId: string,
  paginationOpts: typeof paginationOptsValidator.type,
) {
  return await ctx.db
    .query("auditEvents")
    .withIndex("by_tenantId", (q) => q.eq("tenantId", tenantId))
    .order("desc")
    .paginate(paginationOpts);
}
