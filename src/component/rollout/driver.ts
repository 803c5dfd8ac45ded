/**
 * Driving a rollout wave by wave on a workpool (@convex-dev/workpool): each agent of a wave is
 * one job, run side by side with the others; each job's completion is recorded, and once every
 * agent of the wave has ended, the next wave starts, the rollout stops (too many failures) or it
 * ends (cancelled, or every agent reached). Every decision is a mutation, so it survives any
 * action dying; a job that dies is run again by the workpool and resumes (step.ts).
 */
import { v } from "convex/values";
import { Workpool, vOnCompleteArgs, type RunResult } from "@convex-dev/workpool";
import type { Doc, Id } from "../_generated/dataModel.js";
import { components, internal } from "../_generated/api.js";
import { internalMutation, type MutationCtx } from "../_generated/server.js";
import { flyAgentsError } from "../errors.js";
import { stepOperationId } from "./access.js";
import {
  FAILED_AGENT_PHASES,
  FINAL_AGENT_PHASES,
  type RolloutAgentPhase,
  type RolloutStatus,
  type RolloutWave,
} from "../validators.js";

/** Agents upgraded at once across every rollout (the pool's parallelism). Also the largest wave. */
export const MAX_WAVE_SIZE = 20;
/**
 * A step that ends in an error (Fly unreachable, the action killed) runs again, resuming at its
 * recorded phase: after 2 s, 4 s, 8 s, 16 s.
 */
const STEP_RETRY = { maxAttempts: 5, initialBackoffMs: 2_000, base: 2 };

const pool = new Workpool(components.rolloutPool, { maxParallelism: MAX_WAVE_SIZE, logLevel: "WARN" });

const vStepContext = v.object({ rowId: v.id("imageRolloutAgents") });

/** Starts the next wave of `rollout`, or ends it when no agent is left. */
export async function launchNextWave(ctx: MutationCtx, rollout: Doc<"imageRollouts">): Promise<void> {
  const previous = rollout.waves.at(-1);
  const size =
    previous === undefined
      ? rollout.waveSize
      : previous.failed === 0
        ? Math.min(rollout.maxWaveSize, previous.size * 2)
        : previous.size;
  const rows = await ctx.db
    .query("imageRolloutAgents")
    .withIndex("by_rolloutId_phase_position", (q) => q.eq("rolloutId", rollout._id).eq("phase", "pending"))
    .take(size);
  if (rows.length === 0) {
    // "Reached" is not "upgraded": the reason says how each agent ended, so a rollout that skipped or
    // rolled back agents does not read as a clean one.
    const { upgraded, skipped, failed } = rollout;
    await finishRollout(
      ctx,
      rollout,
      "completed",
      `Every agent was reached in ${rollout.waves.length} waves: ${upgraded} upgraded, ${skipped} skipped, ${failed} failed`,
    );
    return;
  }
  const index = rollout.waves.length + 1;
  for (const row of rows) {
    await ctx.db.patch("imageRolloutAgents", row._id, { phase: "queued", wave: index });
    await pool.enqueueAction(
      ctx,
      internal.rollout.step.upgradeAgent,
      { rowId: row._id },
      { retry: STEP_RETRY, onComplete: internal.rollout.driver.stepCompleted, context: { rowId: row._id } },
    );
  }
  const wave: RolloutWave = {
    index,
    size: rows.length,
    startedAt: Date.now(),
    upgraded: 0,
    failed: 0,
    skipped: 0,
    notReached: 0,
  };
  await ctx.db.patch("imageRollouts", rollout._id, { waves: [...rollout.waves, wave] });
}

/** Ends the rollout. Its sealed Fly token goes: nothing will use it again. */
export async function finishRollout(
  ctx: MutationCtx,
  rollout: Doc<"imageRollouts">,
  status: RolloutStatus,
  statusReason: string,
): Promise<void> {
  await ctx.db.patch("imageRollouts", rollout._id, {
    status,
    statusReason,
    finishedAt: Date.now(),
    sealedFlyApiToken: undefined,
  });
}

/**
 * The workpool's completion callback for one agent's step. A step that kept failing without
 * recording an end is recorded as failed, and its agent released; then the wave is settled.
 */
export const stepCompleted = internalMutation({
  args: vOnCompleteArgs(vStepContext),
  returns: v.null(),
  handler: async (ctx, args) => {
    const row = await ctx.db.get("imageRolloutAgents", args.context.rowId);
    if (!row) return null;
    await recordAbandonedStep(ctx, row, args.result);
    const rollout = await ctx.db.get("imageRollouts", row.rolloutId);
    if (rollout) await settleWave(ctx, rollout);
    return null;
  },
});

async function recordAbandonedStep(ctx: MutationCtx, row: Doc<"imageRolloutAgents">, result: RunResult) {
  if (row.phase === "pending" || FINAL_AGENT_PHASES.includes(row.phase)) return;
  if (row.phase === "queued") {
    // Canceled before it started, or it ended at once: the agent was not touched.
    await ctx.db.patch("imageRolloutAgents", row._id, { phase: "pending" });
    return;
  }
  const why = result.kind === "failed" ? result.error : result.kind;
  const error =
    `The upgrade step stopped in phase ${row.phase} after ${row.attempts} attempts (${why}). ` +
    "Check the agent with syncAgentMachine; its pre-upgrade snapshot is kept.";
  await ctx.db.patch("imageRolloutAgents", row._id, { phase: "failed", error, finishedAt: Date.now() });
  // A run whose action was killed freed nothing: free the agent the way every operation does.
  await ctx.scheduler.runAfter(0, internal.agents.endOperation, {
    machineDocId: row.machineDocId,
    operationId: stepOperationId(row._id),
    lastError: error,
  });
}

/** Counts of the current wave's agents by how they ended. */
function tally(rows: Array<Doc<"imageRolloutAgents">>) {
  const count = (phases: readonly RolloutAgentPhase[]) => rows.filter((row) => phases.includes(row.phase)).length;
  return {
    upgraded: count(["upgraded"]),
    failed: count(FAILED_AGENT_PHASES),
    skipped: count(["skipped"]),
    notReached: count(["pending"]),
    inFlight: rows.filter((row) => row.phase !== "pending" && !FINAL_AGENT_PHASES.includes(row.phase)).length,
  };
}

/**
 * Brings the rollout up to date with its current wave: stops it as soon as failures exceed
 * `maxFailures` (agents not started stay untouched), and once no agent of the wave is in
 * flight, closes the wave and decides what comes next.
 */
export async function settleWave(ctx: MutationCtx, rollout: Doc<"imageRollouts">): Promise<void> {
  const wave = rollout.waves.at(-1);
  if (!wave || rollout.finishedAt !== undefined) return;
  const rows = await ctx.db
    .query("imageRolloutAgents")
    .withIndex("by_rolloutId_wave", (q) => q.eq("rolloutId", rollout._id).eq("wave", wave.index))
    .collect();
  const counts = tally(rows);
  const failed = rollout.failed + counts.failed;
  let status = rollout.status;
  if (status === "running" && failed > rollout.maxFailures) status = "stopping";
  if (counts.inFlight > 0) {
    if (status !== rollout.status) await ctx.db.patch("imageRollouts", rollout._id, { status });
    return;
  }
  const closed: RolloutWave = { ...wave, ...counts, finishedAt: Date.now() };
  delete (closed as Partial<typeof counts>).inFlight;
  const next: Doc<"imageRollouts"> = {
    ...rollout,
    status,
    waves: [...rollout.waves.slice(0, -1), closed],
    upgraded: rollout.upgraded + counts.upgraded,
    failed,
    skipped: rollout.skipped + counts.skipped,
  };
  await ctx.db.patch("imageRollouts", rollout._id, {
    status,
    waves: next.waves,
    upgraded: next.upgraded,
    failed: next.failed,
    skipped: next.skipped,
  });
  if (status === "cancelling") {
    await finishRollout(ctx, next, "cancelled", "Cancelled; agents not reached were left as they were");
  } else if (status === "stopping") {
    await finishRollout(
      ctx,
      next,
      "stopped",
      `Stopped: ${failed} agents failed, more than maxFailures (${rollout.maxFailures}); agents not reached were left as they were`,
    );
  } else {
    await launchNextWave(ctx, next);
  }
}

/**
 * Asks the rollout to stop after the agents in hand: no further agent starts. Returns the
 * rollout's status after the request.
 * @throws ConvexError `not_found` for an id that names no rollout.
 */
export async function cancelRollout(ctx: MutationCtx, rolloutId: string): Promise<RolloutStatus> {
  const id = ctx.db.normalizeId("imageRollouts", rolloutId);
  const rollout = id && (await ctx.db.get("imageRollouts", id));
  if (!rollout) {
    throw flyAgentsError(
      "not_found",
      `No image rollout ${JSON.stringify(rolloutId)}. Use the id upgradeAgentImages returned.`,
    );
  }
  if (rollout.status !== "running") return rollout.status;
  await ctx.db.patch("imageRollouts", rollout._id, { status: "cancelling" });
  await settleWave(ctx, { ...rollout, status: "cancelling" });
  return (await ctx.db.get("imageRollouts", rollout._id))?.status ?? "cancelling";
}
