/**
 * The health gate of a rollout: a machine is ready once its boot has ended in `started`, OpenClaw
 * answers from inside the machine, and the agent's model is forced and verified (the image may reset it at boot:
 * OPENCLAW_NOTES.md, "State and versions").
 */
import type { AgentRecord } from "../agentRecord.js";
import type { Doc } from "../_generated/dataModel.js";
import { flyAgentsError } from "../errors.js";
import type { FlyMachine } from "../fly/client.js";
import { readyWithModel } from "../openclaw.js";
import type { Operation } from "../operations.js";
import { WAIT_BUDGETS_MS } from "../lifetime.js";
import { waitForMachineState } from "../resources.js";

/** Machine states after an update in which the machine will not boot unless started. */
const DOWN_STATES = new Set(["stopped", "suspended", "failed", "created"]);

/** Starts a machine an update left down (Fly leaves a stopped or failed machine as it was). */
export async function startIfDown(op: Operation, machine: FlyMachine): Promise<void> {
  if (DOWN_STATES.has(machine.state)) await op.fly.startMachine(machine.id);
}

/**
 * Waits until the machine is ready: started, gateway answering, model forced and verified within
 * `readyTimeoutSec` of the boot. Returns the model OpenClaw reports. Throws when it is not.
 */
export async function awaitReady(
  op: Operation,
  machineId: string,
  agent: AgentRecord,
  readyTimeoutSec: number,
): Promise<string> {
  if (!agent.llmModel) {
    throw flyAgentsError("invalid_state", `Agent ${agent._id} has no model on record to verify.`, {
      machineDocId: agent._id,
    });
  }
  await waitForMachineState(op.fly, machineId, "started", op.waitUntil(WAIT_BUDGETS_MS.machineBoot));
  const model = await readyWithModel(op.fly, machineId, agent.llmModel, op.waitUntil(readyTimeoutSec * 1000));
  return model ?? agent.llmModel;
}
