/**
 * Each agent's part of a rollout, written as it happens: the phase it is in and what it made on
 * the way (the snapshot, a restored volume, the machine and volume it retires). A step that dies
 * is run again and reads this to resume where it was, never repeating a finished phase.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import { internalMutation, internalQuery } from "../_generated/server.js";
import { isLegacyAgent, requireUpgraded, vAgentRecord } from "../agentRecord.js";
import schema from "../schema.js";

const rowFields = schema.tables.imageRolloutAgents.validator.fields;
const vRow = schema.tables.imageRolloutAgents.validator.extend({
  _id: v.id("imageRolloutAgents"),
  _creationTime: v.number(),
});
const vRollout = schema.tables.imageRollouts.validator.extend({
  _id: v.id("imageRollouts"),
  _creationTime: v.number(),
});
const vSnapshot = schema.tables.agentSnapshots.validator.extend({
  _id: v.id("agentSnapshots"),
  _creationTime: v.number(),
});

/** Fields a step may set on its row. `null` clears an optional field. */
export const vRowPatch = v.object({
  phase: v.optional(rowFields.phase),
  fromDigest: v.optional(v.string()),
  toDigest: v.optional(v.string()),
  wasRunning: v.optional(v.boolean()),
  snapshotId: v.optional(v.id("agentSnapshots")),
  flyVolumeSnapshotId: v.optional(v.string()),
  snapshotRequestedAt: v.optional(v.number()),
  restoredVolumeId: v.optional(v.union(v.string(), v.null())),
  retiredMachineId: v.optional(v.union(v.string(), v.null())),
  retiredVolumeId: v.optional(v.union(v.string(), v.null())),
  error: v.optional(v.string()),
  startedAt: v.optional(v.number()),
  finishedAt: v.optional(v.number()),
  timings: v.optional(rowFields.timings),
});
export type RowPatch = typeof vRowPatch.type;

/** What a step needs to know: its row, its rollout, the agent as it is now (null if gone), its snapshot. */
export const loadStep = internalQuery({
  args: { rowId: v.id("imageRolloutAgents") },
  returns: v.union(
    v.object({
      row: vRow,
      rollout: vRollout,
      agent: v.union(vAgentRecord, v.null()),
      snapshot: v.union(vSnapshot, v.null()),
    }),
    v.null(),
  ),
  handler: async (ctx, args) => {
    const row = await ctx.db.get("imageRolloutAgents", args.rowId);
    if (!row) return null;
    const rollout = await ctx.db.get("imageRollouts", row.rolloutId);
    if (!rollout) return null;
    const agent = await ctx.db.get("agentMachines", row.machineDocId);
    return {
      row,
      rollout,
      agent: agent && !isLegacyAgent(agent) ? requireUpgraded(agent) : null,
      snapshot: row.snapshotId ? await ctx.db.get("agentSnapshots", row.snapshotId) : null,
    };
  },
});

/** Records a step's progress on its row. */
export const recordStep = internalMutation({
  args: { rowId: v.id("imageRolloutAgents"), patch: vRowPatch },
  returns: v.null(),
  handler: async (ctx, args) => {
    const row = await ctx.db.get("imageRolloutAgents", args.rowId);
    if (!row) return null;
    const update: Partial<Doc<"imageRolloutAgents">> = {};
    for (const [key, value] of Object.entries(args.patch)) {
      (update as Record<string, unknown>)[key] = value === null ? undefined : value;
    }
    if (args.patch.timings) update.timings = { ...row.timings, ...args.patch.timings };
    await ctx.db.patch("imageRolloutAgents", row._id, update);
    return null;
  },
});

/**
 * Starts work on the row: counts the attempt, and says whether the rollout still lets this agent
 * begin. An agent already under way always goes on (it is the agent in hand); one only queued
 * goes back to `pending`, untouched, once the rollout is cancelled or stopped.
 */
export const beginStep = internalMutation({
  args: { rowId: v.id("imageRolloutAgents") },
  returns: v.boolean(),
  handler: async (ctx, args) => {
    const row = await ctx.db.get("imageRolloutAgents", args.rowId);
    if (!row) return false;
    const rollout = await ctx.db.get("imageRollouts", row.rolloutId);
    if (!rollout) return false;
    if (row.phase === "queued" && rollout.status !== "running") {
      await ctx.db.patch("imageRolloutAgents", row._id, { phase: "pending" });
      return false;
    }
    await ctx.db.patch("imageRolloutAgents", row._id, {
      attempts: row.attempts + 1,
      startedAt: row.startedAt ?? Date.now(),
    });
    return true;
  },
});
