/**
 * What the component's functions return, built from the schema. Ids are plain strings: that is
 * what they are outside the component, so host apps can reuse these as `returns` validators.
 */
import { v, type Infer } from "convex/values";
import schema, { agentRecordFields, snapshotRecordFields } from "./schema.js";

const { auditEvents } = schema.tables;

/**
 * An agent as callers see it: its record, which holds no secret (0.1.x's `appKey` and
 * `serviceKey` are withheld), with 0.1.x's `lifecycleMode` derived from its status.
 */
export const vAgentMachine = v.object({ ...agentRecordFields, _id: v.string(), _creationTime: v.number() });
export type AgentMachine = Infer<typeof vAgentMachine>;

export const vAgentSnapshot = v.object({
  ...snapshotRecordFields,
  _id: v.string(),
  _creationTime: v.number(),
  machineDocId: v.optional(v.string()),
});
export type AgentSnapshot = Infer<typeof vAgentSnapshot>;

export const vAuditEvent = auditEvents.validator.omit("machineDocId").extend({
  _id: v.string(),
  _creationTime: v.number(),
  machineDocId: v.optional(v.string()),
});
export type AuditEvent = Infer<typeof vAuditEvent>;

export const vSweepResult = v.object({
  repaired: v.number(),
  checked: v.number(),
  markedGone: v.number(),
  failures: v.array(v.string()),
});
export type SweepResult = Infer<typeof vSweepResult>;

export const vRotationResult = v.object({ keyId: v.string(), rotated: v.number(), batches: v.number() });
export type RotationResult = Infer<typeof vRotationResult>;
