/**
 * Validators of volume snapshots: a snapshot's status, the fields of its record (the
 * `agentSnapshots` table is built from them in schema.ts) and what the snapshot functions return.
 */
import { v, type Infer } from "convex/values";
import { literals } from "convex-helpers/validators";
import { publicSystemFields } from "./agents.js";

/** A snapshot's status: ours (`pending`, before Fly has one), then Fly's `waiting → running → created`, or `failed`. */
export const vSnapshotStatus = literals("pending", "waiting", "running", "created", "failed");
export type SnapshotStatus = Infer<typeof vSnapshotStatus>;

/** A snapshot's record as this version writes it (0.1.x rows lack `flyAppName` and `requestedAt`). */
export const snapshotRecordFields = {
  /** The agent snapshotted; absent only on a snapshot 0.1.x kept without an agent record. */
  machineDocId: v.optional(v.id("agentMachines")),
  tenantId: v.string(),
  userId: v.string(),
  flyAppName: v.string(),
  /** The volume snapshotted; absent only on a snapshot 0.1.x took without noting it. */
  flyVolumeId: v.optional(v.string()),
  flyVolumeSnapshotId: v.optional(v.string()),
  status: vSnapshotStatus,
  /** Size of the snapshotted volume: a restore needs a volume at least this large. */
  volumeSizeGb: v.optional(v.number()),
  sizeBytes: v.optional(v.number()),
  requestedAt: v.number(),
  completedAt: v.optional(v.number()),
  lastError: v.optional(v.string()),
};

/** A snapshot as callers see it (ids as plain strings). */
export const vAgentSnapshot = v.object({
  ...snapshotRecordFields,
  ...publicSystemFields,
  machineDocId: v.optional(v.string()),
});
export type AgentSnapshot = Infer<typeof vAgentSnapshot>;

/** What createAgentSnapshot returns: our snapshot row and Fly's snapshot id once known. */
export const vSnapshotResult = v.object({
  snapshotId: v.string(),
  flyVolumeSnapshotId: v.optional(v.string()),
  status: vSnapshotStatus,
});
export type SnapshotResult = Infer<typeof vSnapshotResult>;
