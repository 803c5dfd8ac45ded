/**
 * Validators of the audit trail: the fields of an event (the `auditEvents` table is built from
 * them in schema.ts) and the events and pages the audit queries return.
 */
import { paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import { literals } from "convex-helpers/validators";
import { publicSystemFields, vOperationKind } from "./agents.js";

export const vAuditOutcome = literals("succeeded", "failed");
export type AuditOutcome = Infer<typeof vAuditOutcome>;

/** One finished lifecycle operation. Never holds a secret. */
export const auditEventFields = {
  tenantId: v.string(),
  machineDocId: v.optional(v.id("agentMachines")),
  userId: v.optional(v.string()),
  operation: vOperationKind,
  outcome: vAuditOutcome,
  startedAt: v.number(),
  durationMs: v.number(),
  error: v.optional(v.string()),
  detail: v.optional(v.string()),
  flyCalls: v.number(),
  flyRequestIds: v.array(v.string()),
};

/** An event as callers see it (ids as plain strings). */
export const vAuditEvent = v
  .object(auditEventFields)
  .omit("machineDocId")
  .extend({ ...publicSystemFields, machineDocId: v.optional(v.string()) });
export type AuditEvent = Infer<typeof vAuditEvent>;

/** One page of events, newest first: a standard PaginationResult. */
export const vAuditPage = paginationResultValidator(vAuditEvent);
