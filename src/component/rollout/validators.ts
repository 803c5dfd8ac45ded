/**
 * Validators of image rollouts, shared by the component and the client, each next to its type.
 */
import { v, type Infer } from "convex/values";

/**
 * Where a rollout is.
 * - `running`: waves are being upgraded.
 * - `cancelling` / `stopping`: no new agent is started; the agents in hand finish.
 * - `completed`: every agent was reached.
 * - `cancelled`: cancelled; agents not reached are untouched.
 * - `stopped`: failures exceeded `maxFailures`; agents not reached are untouched.
 */
export const vRolloutStatus = v.union(
  v.literal("running"),
  v.literal("cancelling"),
  v.literal("stopping"),
  v.literal("completed"),
  v.literal("cancelled"),
  v.literal("stopped"),
);
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
export const vRolloutAgentPhase = v.union(
  v.literal("pending"),
  v.literal("queued"),
  v.literal("snapshotting"),
  v.literal("updating"),
  v.literal("verifying"),
  v.literal("rolling_back"),
  v.literal("restoring"),
  v.literal("upgraded"),
  v.literal("rolled_back"),
  v.literal("restored"),
  v.literal("failed"),
  v.literal("skipped"),
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
