/**
 * Deprovisioning: an agent's machine and volume removed from Fly and its record marked
 * `deleted` (snapshots stay). Idempotent: a machine or volume already gone counts as removed,
 * and a second concurrent call joins the first. `removeAgent` also retires the agent a
 * recreation replaced (provisioning.ts).
 */
import type { Id } from "./_generated/dataModel.js";
import type { AgentRecord } from "./agentRecord.js";
import { internal } from "./_generated/api.js";
import { isFlyAgentsError } from "./errors.js";
import { agentHandler, type Operation } from "./operations.js";
import { cleanupDeadline, destroyAgentResources, resourcesOf, type RemovedResources } from "./resources.js";
import { sleep } from "./time.js";
import type { DeprovisionResult } from "./validators.js";
import type { AgentPatch } from "./agents.js";

/** How often a joining deprovision looks at the first one's progress. */
const JOIN_POLL_MS = 250;

/** What deprovisioning an agent that was already deleted reports: nothing left to remove. */
const ALREADY_DELETED: DeprovisionResult = {
  alreadyDeleted: true,
  machineFound: false,
  machineRemovedFromFly: true,
  volumeRemovedFromFly: true,
  recordMarkedDeleted: true,
};

/**
 * Destroys the machine (forcing it if it runs), waits until Fly says destroyed, then deletes
 * the volume, retrying while Fly still holds it attached. Safe to repeat and to run twice at
 * once: the second call waits for the first and succeeds with it (reporting `alreadyDeleted`).
 */
export const deprovisionHandler = agentHandler("deprovision", async (op, agent): Promise<DeprovisionResult> => {
  const owned = await ownOrJoinDeprovision(op, agent._id);
  if (owned === "deleted") return ALREADY_DELETED;
  if (owned.status === "deleted") {
    await op.finish(agent._id, {});
    return ALREADY_DELETED;
  }
  const removed = await removeAgent(op, owned, "Deprovisioned");
  return {
    alreadyDeleted: false,
    machineFound: removed.machinesFound > 0,
    machineRemovedFromFly: true,
    volumeRemovedFromFly: true,
    recordMarkedDeleted: true,
  };
});

/** Removes the agent's Fly resources and marks it deleted (or records why it could not). */
export async function removeAgent(
  op: Operation,
  agent: AgentRecord,
  reason: string,
  extra: AgentPatch = {},
): Promise<RemovedResources> {
  let removed: RemovedResources;
  try {
    // Only an agent whose making failed or was cut short may hold resources we never recorded.
    const searchByTag = agent.status === "provisioning" || agent.status === "error";
    removed = await destroyAgentResources(op.fly, resourcesOf(agent, { searchByTag }), cleanupDeadline(op.deadline));
  } catch (error) {
    await op.finish(agent._id, {
      status: "error",
      statusReason: "Deprovisioning did not finish; call deprovisionAgentMachine again to remove what is left",
      lastError: (await op.callerError(error)).message,
      resourcesCleanedUp: false,
    });
    throw error;
  }
  await op.finish(agent._id, {
    ...extra,
    status: "deleted",
    statusReason: reason,
    lastError: null,
    gatewayHealthy: false,
  });
  return removed;
}

/** Owns the agent for deprovisioning, or waits for a deprovision already under way. */
async function ownOrJoinDeprovision(
  op: Operation,
  machineDocId: Id<"agentMachines">,
): Promise<AgentRecord | "deleted"> {
  for (;;) {
    try {
      return await op.own(machineDocId);
    } catch (error) {
      if (!isFlyAgentsError(error, "operation_in_progress")) throw error;
      const current = await op.ctx.runQuery(internal.agents.getAgent, { machineDocId });
      if (current?.operation?.kind !== "deprovision") throw error;
      while (Date.now() < op.clock.waitsEndBy) {
        await sleep(JOIN_POLL_MS);
        const now = await op.ctx.runQuery(internal.agents.getAgent, { machineDocId });
        if (!now) throw error;
        if (now.status === "deleted") return "deleted";
        if (!now.operation || now.operation.kind !== "deprovision") break;
      }
    }
  }
}
