/**
 * Start, stop and restart an existing agent. Each waits for the state it asked Fly for and
 * records what Fly then says; a start or restart also waits until OpenClaw serves with the
 * agent's model. Deprovisioning is in deprovisioning.ts.
 */
import type { AgentRecord } from "./agentRecord.js";
import { DEFAULT_STARTUP_TIMEOUT_SEC } from "./agentSpec.js";
import { flyAgentsError, isFlyAgentsError } from "./errors.js";
import { readMachine, recordIfGone, statusFromFly } from "./flyState.js";
import { WAIT_BUDGETS_MS } from "./lifetime.js";
import { readyWithModel } from "./openclaw.js";
import { agentHandler, type AgentHandler, type Operation } from "./operations.js";
import { waitForMachineState } from "./resources.js";
import type { AgentPatch } from "./agents.js";

/** Owns the agent for `op`; returns its record and its machine's id. */
async function ownWithMachine(op: Operation, agent: AgentRecord): Promise<{ owned: AgentRecord; machineId: string }> {
  const owned = await op.own(agent._id);
  if (!owned.machineId) {
    throw flyAgentsError("invalid_state", `Agent ${owned._id} has no Fly machine yet (${owned.status}).`, {
      machineDocId: owned._id,
    });
  }
  return { owned, machineId: owned.machineId };
}

/**
 * Records the truth about a failed start, stop or restart, then rethrows: a machine Fly no longer
 * has goes through `recordIfGone`; one Fly holds as `failed` (a boot whose process aborted) makes
 * the agent `error` with Fly's reason; otherwise the status stays (Fly holds the machine as
 * before) with the error noted, and a gateway that never served is marked unhealthy.
 */
async function recordFailure(op: Operation, agent: AgentRecord, error: unknown): Promise<never> {
  if (await recordIfGone(op, agent, error)) throw error;
  const message = (await op.callerError(error)).message;
  const machine = agent.machineId ? await readMachine(op.fly, agent.machineId).catch(() => undefined) : undefined;
  const patch: AgentPatch =
    machine?.state === "failed"
      ? { ...statusFromFly(agent, machine), lastError: message }
      : { lastError: message, ...(isFlyAgentsError(error, "gateway_unhealthy") ? { gatewayHealthy: false } : {}) };
  try {
    await op.finish(agent._id, patch);
  } catch (updateError) {
    if (!isFlyAgentsError(updateError, "operation_in_progress")) throw updateError;
  }
  throw error;
}

/** Stops the machine and waits until Fly says it is stopped. */
export const stopHandler = agentHandler("stop", async (op, agent) => {
  const { owned, machineId } = await ownWithMachine(op, agent);
  try {
    await op.fly.stopMachine(machineId);
    await waitForMachineState(op.fly, machineId, "stopped", op.waitUntil(WAIT_BUDGETS_MS.machineTransition));
  } catch (error) {
    return await recordFailure(op, owned, error);
  }
  await op.finish(agent._id, { status: "stopped", statusReason: "Stopped", lastError: null });
  return null;
});

/**
 * Starts (or restarts) the machine, waits until it is started (failing at once if the boot
 * settles in `failed`), then until OpenClaw serves, asked from inside the machine, and forces and
 * verifies the agent's model, which the image may have reset at boot: `running` is only recorded
 * once OpenClaw serves with that model.
 */
function bringUp(kind: "start" | "restart"): AgentHandler<null> {
  return agentHandler(kind, async (op, agent) => {
    const { owned, machineId } = await ownWithMachine(op, agent);
    let verified: AgentPatch = {};
    try {
      await (kind === "start" ? op.fly.startMachine(machineId) : op.fly.restartMachine(machineId));
      await waitForMachineState(op.fly, machineId, "started", op.waitUntil(WAIT_BUDGETS_MS.machineTransition));
      const deadline = op.waitUntil((owned.startupTimeoutSec ?? DEFAULT_STARTUP_TIMEOUT_SEC) * 1000);
      const effectiveModel = await readyWithModel(op.fly, machineId, owned.llmModel, deadline);
      verified = {
        ...(effectiveModel !== undefined ? { effectiveModel } : {}),
        ...(owned.verifyImageAtNextStart ? await newImageDigest(op, machineId) : {}),
      };
    } catch (error) {
      return await recordFailure(op, owned, error);
    }
    await op.finish(agent._id, {
      ...verified,
      status: "running",
      statusReason: kind === "start" ? "Started" : "Restarted",
      gatewayHealthy: true,
      lastWakeAt: Date.now(),
      lastError: null,
    });
    return null;
  });
}

/**
 * The first boot after a rollout updated the stopped machine: the model was forced and verified
 * as after every boot; the digest of the image it now runs is recorded.
 */
async function newImageDigest(op: Operation, machineId: string): Promise<AgentPatch> {
  const machine = await op.fly.getMachine(machineId);
  return { imageDigest: machine.image_ref?.digest, verifyImageAtNextStart: false };
}

/** Starts the machine and waits until OpenClaw serves on it with the agent's model. */
export const startHandler = bringUp("start");

/** Restarts the machine: the way to recover a gateway a pairing left unhealthy. */
export const restartHandler = bringUp("restart");
