/**
 * The tables of image rollouts, spread into the component's schema.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vRolloutAgentPhase, vRolloutAgentTimings, vRolloutStatus, vRolloutWave } from "./validators.js";

export const rolloutTables = {
  /**
   * One row per rollout of an image across a tenant's agents in one Fly app. Inserted by
   * upgradeAgentImages, advanced by each agent's completion (wave by wave), ended as `completed`,
   * `cancelled` or `stopped`. Kept afterwards as the rollout's history. Holds no secret in clear:
   * a Fly token passed to upgradeAgentImages is sealed, and removed once the rollout ends.
   */
  imageRollouts: defineTable({
    tenantId: v.string(),
    flyAppName: v.string(),
    /** The image every agent is moved to. */
    image: v.string(),
    flyApiBaseUrl: v.optional(v.string()),
    /** A Fly token given to upgradeAgentImages, sealed with the bound key (secrets/crypto.ts). */
    sealedFlyApiToken: v.optional(v.string()),
    status: vRolloutStatus,
    statusReason: v.optional(v.string()),
    /** Size of the first wave; each wave with no failure doubles the next, up to `maxWaveSize`. */
    waveSize: v.number(),
    maxWaveSize: v.number(),
    /** The rollout stops once more agents than this have failed. */
    maxFailures: v.number(),
    /** Seconds an agent may take after its boot to be ready (gateway answering, model verified). */
    readyTimeoutSec: v.optional(v.number()),
    waves: v.array(vRolloutWave),
    /** Agents in scope when the rollout started. */
    total: v.number(),
    upgraded: v.number(),
    failed: v.number(),
    skipped: v.number(),
    startedAt: v.number(),
    finishedAt: v.optional(v.number()),
  })
    // Kept beside by_tenantId_flyAppName_status: listImageRollouts reads a tenant's rollouts newest first.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_tenantId", ["tenantId"])
    .index("by_tenantId_flyAppName_status", ["tenantId", "flyAppName", "status"]),

  /**
   * One row per agent in a rollout: where its upgrade is and how it ended. Inserted with the
   * rollout as `pending`; written by the agent's upgrade step at every phase, so a step that dies
   * resumes where it was. Also owns what the way back leaves on Fly for a while: the agent's old
   * volume, kept until the agent runs again on the restored one.
   */
  imageRolloutAgents: defineTable({
    rolloutId: v.id("imageRollouts"),
    tenantId: v.string(),
    machineDocId: v.id("agentMachines"),
    userId: v.string(),
    /** Order in the rollout: agents are reached by position. */
    position: v.number(),
    wave: v.optional(v.number()),
    phase: vRolloutAgentPhase,
    fromImage: v.string(),
    fromDigest: v.optional(v.string()),
    toImage: v.string(),
    toDigest: v.optional(v.string()),
    /** Whether the machine was started when its upgrade began (a stopped one is not started). */
    wasRunning: v.optional(v.boolean()),
    /** The snapshot taken before the update. */
    snapshotId: v.optional(v.id("agentSnapshots")),
    flyVolumeSnapshotId: v.optional(v.string()),
    snapshotRequestedAt: v.optional(v.number()),
    /** During a restore: the volume restored from the snapshot, and the machine and volume it replaces. */
    restoredVolumeId: v.optional(v.string()),
    retiredMachineId: v.optional(v.string()),
    retiredVolumeId: v.optional(v.string()),
    /** Why the upgrade failed or was skipped (redacted). */
    error: v.optional(v.string()),
    /** Times the step began work on this agent (more than 1 after a resume). */
    attempts: v.number(),
    startedAt: v.optional(v.number()),
    finishedAt: v.optional(v.number()),
    timings: vRolloutAgentTimings,
  })
    .index("by_rolloutId_position", ["rolloutId", "position"])
    .index("by_rolloutId_phase_position", ["rolloutId", "phase", "position"])
    .index("by_rolloutId_wave", ["rolloutId", "wave"])
    .index("by_machineDocId", ["machineDocId"]),
};
