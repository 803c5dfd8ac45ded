/**
 * What Fly's view of a machine means for its agent's record: one place, for lifecycle actions
 * that find a machine gone and for sync and the sweep.
 */
import type { AgentRecord } from "./agentRecord.js";
import type { AgentPatch } from "./agents.js";
import type { FlyMachine } from "./fly/client.js";
import { gatewayCheck } from "./openclaw.js";

/** The record of an agent whose machine Fly no longer has. */
export function machineGone(agent: AgentRecord) {
  return {
    status: "error",
    statusReason: `Machine ${agent.machineId} no longer exists on Fly (destroyed outside this component); deprovision to remove its volume`,
  } satisfies AgentPatch;
}

/** What Fly's view of a machine means for its record; null: leave the status as is. */
export function statusFromFly(agent: AgentRecord, machine: FlyMachine | null): AgentPatch | null {
  if (machine === null || machine.state === "destroyed" || machine.state === "destroying") {
    return { ...machineGone(agent), lastError: `Machine ${agent.machineId} not found on Fly`, gatewayHealthy: false };
  }
  if (machine.state === "started") {
    const gateway = gatewayCheck(machine);
    return {
      status: "running",
      statusReason: "Running (synced with Fly)",
      ...(gateway ? { gatewayHealthy: gateway.status === "passing" } : {}),
    };
  }
  if (machine.state === "stopped" || machine.state === "suspended") {
    return { status: "stopped", statusReason: `Machine is ${machine.state} (synced with Fly)` };
  }
  if (machine.state === "failed") {
    return { status: "error", statusReason: "Fly reports the machine as failed", lastError: "machine failed" };
  }
  return null;
}
