/**
 * Validators of image rollouts: where a rollout and each of its agents are, the fields of their
 * records (the rollout tables are built from them in rollout/tables.ts) and what the rollout
 * functions return. A rollout's sealed Fly token is never returned.
 */
import { v, type Infer } from "convex/values";
import { literals } from "convex-helpers/validators";
import { publicSystemFields, vLegacyAgentStatus } from "./agents.js";

/**
 * Where a rollout is.
 * - `running`: waves are being upgraded.
 * - `cancelling` / `stopping`: no new agent is started; the agents in hand finish.
 * - `completed`: every agent was reached; `statusReason` counts how many were upgraded, skipped or failed.
 * - `cancelled`: cancelled; agents not reached are untouched.
 * - `stopped`: failures exceeded `maxFailures`; agents not reached are untouched.
 */
export const vRolloutStatus = literals("running", "cancelling", "stopping", "completed", "cancelled", "stopped");
export type RolloutStatus = Infer<typeof vRolloutStatus>;

/** Statuses a rollout ends in. */
export const FINAL_ROLLOUT_STATUSES: readonly RolloutStatus[] = ["completed", "cancelled", "stopped"];

/**
 * Where one agent of a rollout is. In flight: `queued` (in the current wave), `snapshotting`,
 * `updating`, `verifying`, `rolling_back`, `restoring`. Final:
 * - `pending`: not reached (also final once the rollout has ended): untouched.
 * - `upgraded`: runs the new image (a stopped agent: updated, verified at its next start).
 * - `rolled_back`: the new image failed; the agent runs its previous image again.
 * - `restored`: the new image failed after migrating state; the agent runs its previous image on a
 *   volume restored from the snapshot taken before the upgrade.
 * - `failed`: neither the upgrade nor the way back worked; the agent's record says why.
 * - `skipped`: not upgraded (busy with another operation, or no longer running or stopped).
 */
export const vRolloutAgentPhase = literals(
  "pending",
  "queued",
  "snapshotting",
  "updating",
  "verifying",
  "rolling_back",
  "restoring",
  "upgraded",
  "rolled_back",
  "restored",
  "failed",
  "skipped",
);
export type RolloutAgentPhase = Infer<typeof vRolloutAgentPhase>;

/** Phases an agent's part of a rollout ends in (besides `pending`, which ends with the rollout). */
export const FINAL_AGENT_PHASES: readonly RolloutAgentPhase[] = [
  "upgraded",
  "rolled_back",
  "restored",
  "failed",
  "skipped",
];
/** Final phases that count as a failure of the new image. */
export const FAILED_AGENT_PHASES: readonly RolloutAgentPhase[] = ["rolled_back", "restored", "failed"];

/** One wave: its agents run side by side; the next wave starts once every one of them has ended. */
export const vRolloutWave = v.object({
  /** 1-based. */
  index: v.number(),
  size: v.number(),
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
  upgraded: v.number(),
  failed: v.number(),
  skipped: v.number(),
  /** Agents of the wave that never started (the rollout was cancelled or stopped first). */
  notReached: v.number(),
});
export type RolloutWave = Infer<typeof vRolloutWave>;

/** Milliseconds each part of an agent's upgrade took. */
export const vRolloutAgentTimings = v.object({
  snapshotMs: v.optional(v.number()),
  updateMs: v.optional(v.number()),
  readyMs: v.optional(v.number()),
  rollbackMs: v.optional(v.number()),
});
export type RolloutAgentTimings = Infer<typeof vRolloutAgentTimings>;

/** A rollout of one image across a tenant's agents in one Fly app. */
export const imageRolloutFields = {
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
};

/** One agent's part of a rollout: where its upgrade is and how it ended. */
export const imageRolloutAgentFields = {
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
};

/** A rollout as callers see it: without its sealed Fly token. */
export const vImageRollout = v.object(imageRolloutFields).omit("sealedFlyApiToken").extend(publicSystemFields);
export type ImageRollout = Infer<typeof vImageRollout>;

/** One agent's part of a rollout as callers see it (ids as plain strings). */
export const vImageRolloutAgent = v
  .object(imageRolloutAgentFields)
  .omit("rolloutId", "machineDocId", "snapshotId")
  .extend({
    ...publicSystemFields,
    rolloutId: v.string(),
    machineDocId: v.string(),
    snapshotId: v.optional(v.string()),
  });
export type ImageRolloutAgent = Infer<typeof vImageRolloutAgent>;

/** A rollout with every agent's part, in rollout order. */
export const vImageRolloutDetail = vImageRollout.extend({ agents: v.array(vImageRolloutAgent) });
export type ImageRolloutDetail = Infer<typeof vImageRolloutDetail>;

/** The agents of a tenant that run one image (the drift view). */
export const vAgentImageGroup = v.object({
  image: v.string(),
  /** Agents on this image. */
  count: v.number(),
  /** The digests they run, as Fly reported them (an image tag can hide several builds). */
  digests: v.array(v.object({ digest: v.string(), count: v.number() })),
  /** Agents whose digest is not known yet. */
  unknownDigest: v.number(),
  agents: v.array(
    v.object({
      machineDocId: v.string(),
      userId: v.string(),
      /** A record 0.1.x wrote may still say `hibernated` until upgradeFromV01 has run. */
      status: vLegacyAgentStatus,
      imageDigest: v.optional(v.string()),
      verifyImageAtNextStart: v.optional(v.boolean()),
    }),
  ),
});
export type AgentImageGroup = Infer<typeof vAgentImageGroup>;
