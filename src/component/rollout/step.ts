/**
 * One agent's upgrade, as one durable step of a rollout (run by the rollout's workpool):
 *   1. snapshot the volume and wait until the snapshot is `created`;
 *   2. update the machine to the new image, its whole config otherwise kept;
 *   3. wait until it is ready: booted, gateway answering, model forced and verified;
 *   4. record the image and digest it now runs.
 * A stopped agent is updated without being started and is verified at its next start.
 *
 * When the new image fails, the agent goes back to its previous image; when that one will not
 * start either (the new version migrated the state), the pre-upgrade snapshot is restored.
 *
 * Every phase is recorded on the agent's rollout row before the next begins. Fly being
 * unreachable is not a reason to roll an agent back: such errors end the step, the workpool runs
 * it again, and it resumes at the recorded phase with the same operation id, so it takes the
 * agent back and repeats nothing that finished.
 */
import type { AgentRecord } from "../agentRecord.js";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import { internal } from "../_generated/api.js";
import { internalAction, type ActionCtx } from "../_generated/server.js";
import { DEFAULT_STARTUP_TIMEOUT_SEC } from "../agentSpec.js";
import { errorMessage, flyAgentsError, isFlyAgentsError } from "../errors.js";
import { FlyApiError } from "../fly/errors.js";
import { WAIT_BUDGETS_MS } from "../lifetime.js";
import { replaceMachineConfig } from "../machineConfig.js";
import type { AgentPatch } from "../agents.js";
import type { Operation } from "../operations.js";
import { stepOperation } from "./access.js";
import type { RowPatch } from "./journal.js";
import { awaitReady, startIfDown } from "./ready.js";
import { restoreFromSnapshot } from "./restore.js";
import { takePreUpgradeSnapshot } from "./snapshot.js";
import { FINAL_AGENT_PHASES, vRolloutAgentPhase, type RolloutAgentPhase } from "../validators.js";

/** Upgrades one agent of a rollout; returns the phase it ended in. Throws only to be run again. */
export const upgradeAgent = internalAction({
  args: { rowId: v.id("imageRolloutAgents") },
  returns: vRolloutAgentPhase,
  handler: (ctx, args) => runStep(ctx, args.rowId),
});

/** True for errors that say nothing about the image: Fly unreachable, rate-limited, 5xx. */
export function isTransient(error: unknown): boolean {
  return error instanceof FlyApiError && error.transient;
}

type Step = {
  ctx: ActionCtx;
  op: Operation;
  row: Doc<"imageRolloutAgents">;
  agent: AgentRecord;
  snapshot: Doc<"agentSnapshots"> | null;
  machineId: string;
  readyTimeoutSec: number;
  /** Phases begun in this run. */
  phasesRun: number;
  record: (patch: RowPatch) => Promise<void>;
};

async function runStep(ctx: ActionCtx, rowId: Id<"imageRolloutAgents">): Promise<RolloutAgentPhase> {
  const loaded = await ctx.runQuery(internal.rollout.journal.loadStep, { rowId });
  if (!loaded) return "skipped";
  const { rollout, agent, snapshot } = loaded;
  let row = loaded.row;
  if (row.phase === "pending" || FINAL_AGENT_PHASES.includes(row.phase)) return row.phase;
  if (!(await ctx.runMutation(internal.rollout.journal.beginStep, { rowId }))) return "pending";
  const record = async (patch: RowPatch) => {
    await ctx.runMutation(internal.rollout.journal.recordStep, { rowId, patch });
    row = applyRowPatch(row, patch);
  };
  const finish = async (phase: RolloutAgentPhase, error?: string) => {
    await record({ phase, finishedAt: Date.now(), ...(error !== undefined ? { error } : {}) });
    return phase;
  };
  if (!agent) return await finish("skipped", "The agent's record is gone.");

  let op: Operation;
  let owned: AgentRecord;
  try {
    op = await stepOperation(ctx, rollout, agent, rowId);
    owned = await op.own(agent._id);
  } catch (error) {
    if (isTransient(error) || !isFlyAgentsError(error)) throw error;
    // Never began: the agent is as it was. Begun by a run that died: it needs a person.
    const begun = row.phase !== "queued" && row.phase !== "snapshotting";
    return await finish(begun ? "failed" : "skipped", errorMessage(error));
  }
  const subject = { tenantId: owned.tenantId, userId: owned.userId, machineDocId: owned._id };
  let failure: { machineDocId?: string; message: string } | undefined;
  try {
    const machineId = owned.machineId;
    if (!machineId) return await finish("skipped", `Agent ${agent._id} has no machine.`);
    const step: Step = {
      ctx,
      op,
      row,
      agent: owned,
      snapshot,
      machineId,
      readyTimeoutSec: rollout.readyTimeoutSec ?? owned.startupTimeoutSec ?? DEFAULT_STARTUP_TIMEOUT_SEC,
      phasesRun: 0,
      record: async (patch) => {
        await record(patch);
        step.row = row;
      },
    };
    const phase = await drive(step);
    row = step.row;
    const outcome = phase === "upgraded" ? "succeeded" : "failed";
    const detail =
      phase === "upgraded"
        ? `${row.fromImage} -> ${row.toImage}${row.toDigest ? ` (${row.toDigest})` : ""}`
        : `${phase}: ${row.error ?? "no reason recorded"}`;
    await op.audit(subject, outcome, detail);
    return phase;
  } catch (error) {
    // The run ends here with its phase recorded (Fly unreachable, a hand-over, a bug): the
    // workpool runs the step again and it resumes. Meanwhile the agent is freed, as every
    // operation frees it (operations.ts); a hand-over is not a failure of the agent.
    if (!(error instanceof HandOver)) {
      failure = { machineDocId: owned._id, message: errorMessage(await op.callerError(error, owned._id)) };
    }
    await op.audit(
      subject,
      "failed",
      `Stopped in phase ${row.phase}, to be resumed: ${failure?.message ?? errorMessage(error)}`,
    );
    throw error;
  } finally {
    await op.releaseAll(failure);
  }
}

/** Ends a run between two phases so that a fresh action resumes the step (see handOverIfShort). */
class HandOver extends Error {}

/** Runs the agent's upgrade from the phase its row is in. */
async function drive(step: Step): Promise<RolloutAgentPhase> {
  if (step.row.phase === "queued" || step.row.phase === "snapshotting") {
    handOverIfShort(step, WAIT_BUDGETS_MS.snapshotFollow);
    const wasRunning = step.row.wasRunning ?? step.agent.status === "running";
    await step.record({ phase: "snapshotting", wasRunning, fromDigest: step.row.fromDigest ?? step.agent.imageDigest });
    const started = Date.now();
    try {
      step.snapshot = await snapshotRow(
        step,
        await takePreUpgradeSnapshot(step.ctx, step.op, step.row, step.agent, step.record),
      );
    } catch (error) {
      if (isTransient(error)) throw error;
      // Nothing was changed on the machine: the agent keeps running its image.
      await step.op.finish(step.agent._id, { lastError: null });
      return await end(step, "rolled_back", `No upgrade: the pre-upgrade snapshot failed (${reason(step, error)}).`);
    }
    await step.record({ phase: "updating", timings: { snapshotMs: Date.now() - started } });
  }
  if (step.row.phase === "updating") {
    handOverIfShort(step, WAIT_BUDGETS_MS.machineTransition);
    const started = Date.now();
    try {
      const updated = await setImage(step, step.row.toImage);
      await step.record({ toDigest: updated.image_ref?.digest, timings: { updateMs: Date.now() - started } });
      if (!step.row.wasRunning) {
        await step.op.finish(step.agent._id, {
          image: step.row.toImage,
          imageDigest: updated.image_ref?.digest,
          verifyImageAtNextStart: true,
          statusReason: `Updated to ${step.row.toImage} while stopped; verified at its next start`,
          lastError: null,
        });
        return await end(step, "upgraded");
      }
      await startIfDown(step.op, updated);
      await step.record({ phase: "verifying" });
    } catch (error) {
      if (isTransient(error)) throw error;
      await step.record({ phase: "rolling_back", error: `The update was refused (${reason(step, error)}).` });
    }
  }
  if (step.row.phase === "verifying") {
    handOverIfShort(step, WAIT_BUDGETS_MS.machineBoot + step.readyTimeoutSec * 1000);
    const started = Date.now();
    try {
      const effectiveModel = await awaitReady(step.op, step.machineId, step.agent, step.readyTimeoutSec);
      await step.record({ timings: { readyMs: Date.now() - started } });
      await step.op.finish(step.agent._id, {
        status: "running",
        statusReason: `Upgraded to ${step.row.toImage}`,
        image: step.row.toImage,
        imageDigest: step.row.toDigest,
        verifyImageAtNextStart: false,
        effectiveModel,
        gatewayHealthy: true,
        lastWakeAt: Date.now(),
        lastError: null,
      });
      return await end(step, "upgraded");
    } catch (error) {
      if (isTransient(error)) throw error;
      await step.record({
        phase: "rolling_back",
        error: `${step.row.toImage} did not become ready (${reason(step, error)}).`,
      });
    }
  }
  if (step.row.phase === "rolling_back") {
    handOverIfShort(
      step,
      WAIT_BUDGETS_MS.machineTransition + WAIT_BUDGETS_MS.machineBoot + step.readyTimeoutSec * 1000,
    );
    const started = Date.now();
    try {
      const back = await setImage(step, step.row.fromImage);
      const patch = { image: step.row.fromImage, imageDigest: back.image_ref?.digest };
      if (!step.row.wasRunning) {
        await step.op.finish(step.agent._id, { ...patch, lastError: step.row.error ?? null });
        return await end(step, "rolled_back");
      }
      await startIfDown(step.op, back);
      const effectiveModel = await awaitReady(step.op, step.machineId, step.agent, step.readyTimeoutSec);
      await step.record({ timings: { rollbackMs: Date.now() - started } });
      await runningAgain(step, { ...patch, effectiveModel }, `Rolled back to ${step.row.fromImage}`);
      return await end(step, "rolled_back");
    } catch (error) {
      if (isTransient(error)) throw error;
      await step.record({
        phase: "restoring",
        error:
          `${step.row.error ?? ""} ${step.row.fromImage} did not start again either (${reason(step, error)}).`.trim(),
      });
    }
  }
  if (step.row.phase === "restoring") {
    handOverIfShort(
      step,
      WAIT_BUDGETS_MS.volumeReady +
        WAIT_BUDGETS_MS.machineTransition +
        WAIT_BUDGETS_MS.machineBoot +
        step.readyTimeoutSec * 1000,
    );
    const started = Date.now();
    try {
      const restored = await restoreFromSnapshot(step);
      await step.record({ timings: { rollbackMs: Date.now() - started } });
      await runningAgain(
        step,
        {
          machineId: restored.machine.id,
          flyVolumeId: restored.flyVolumeId,
          instanceId: restored.machine.instance_id,
          image: step.row.fromImage,
          imageDigest: restored.machine.image_ref?.digest,
          effectiveModel: restored.effectiveModel,
        },
        `Restored snapshot ${step.row.flyVolumeSnapshotId} and rolled back to ${step.row.fromImage}`,
      );
      return await end(step, "restored");
    } catch (error) {
      if (isTransient(error)) throw error;
      const message = `${step.row.error ?? ""} Restoring snapshot ${step.row.flyVolumeSnapshotId ?? "(none)"} failed too (${reason(step, error)}).`;
      await step.op.finish(step.agent._id, {
        status: "error",
        statusReason:
          "An image rollout could not bring the agent back; recreate it with recreateAgentFromLatestSnapshot " +
          "(its pre-upgrade snapshot is kept)",
        lastError: message.trim(),
        gatewayHealthy: false,
        resourcesCleanedUp: false,
      });
      return await end(step, "failed", message.trim());
    }
  }
  throw flyAgentsError("invalid_state", `Rollout row ${step.row._id} is in phase ${step.row.phase} -- invariant`);
}

/**
 * Ends this run when the phase about to start may not fit in what is left of its action: the
 * phase is recorded, so the workpool's next run (a fresh action) resumes it whole. The first
 * phase of a run always runs (a run that could fit nothing would only hand over again).
 */
function handOverIfShort(step: Step, worstCaseMs: number): void {
  const phasesDone = step.phasesRun++;
  if (phasesDone > 0 && Date.now() + worstCaseMs > step.op.clock.waitsEndBy) {
    throw new HandOver(
      `Handing agent ${step.agent._id} over to a fresh action before its ${step.row.phase} phase: ` +
        "the phase may not fit in what is left of this one.",
    );
  }
}

/** Moves the machine to `image` (under a lease, whole config); returns it as Fly answered. */
function setImage(step: Step, image: string) {
  return replaceMachineConfig(
    step.op.fly,
    step.machineId,
    (config) => (config.image === image ? null : { ...config, image }),
    `fly-agents: image rollout to ${image}`,
  );
}

/** The row as it is after `patch` (what recordStep wrote). */
function applyRowPatch(row: Doc<"imageRolloutAgents">, patch: RowPatch): Doc<"imageRolloutAgents"> {
  const next: Record<string, unknown> = { ...row };
  for (const [key, value] of Object.entries(patch)) next[key] = value === null ? undefined : value;
  if (patch.timings) next.timings = { ...row.timings, ...patch.timings };
  return next as Doc<"imageRolloutAgents">;
}

/** Records an agent that runs again after a failed upgrade, and releases it. */
async function runningAgain(step: Step, patch: AgentPatch, why: string) {
  await step.op.finish(step.agent._id, {
    ...patch,
    status: "running",
    statusReason: `${why}: ${step.row.error ?? "the new image failed"}`,
    verifyImageAtNextStart: false,
    gatewayHealthy: true,
    lastWakeAt: Date.now(),
    lastError: step.row.error ?? null,
  });
}

async function end(step: Step, phase: RolloutAgentPhase, error?: string): Promise<RolloutAgentPhase> {
  await step.record({ phase, finishedAt: Date.now(), ...(error !== undefined ? { error } : {}) });
  return phase;
}

function reason(step: Step, error: unknown): string {
  return step.op.redact(errorMessage(step.op.toCallerError(error)));
}

async function snapshotRow(step: Step, snapshotId: Id<"agentSnapshots">): Promise<Doc<"agentSnapshots"> | null> {
  const loaded = await step.ctx.runQuery(internal.rollout.journal.loadStep, { rowId: step.row._id });
  return loaded?.snapshot?._id === snapshotId ? loaded.snapshot : null;
}
