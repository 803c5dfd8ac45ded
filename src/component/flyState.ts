/**
 * What Fly's view of a machine means for its agent's record: the one place that records "the
 * machine is gone", for every path that sees it (start, stop, restart, pairing, snapshot, sync and
 * the sweep), and what a machine's state means for the record.
 */
import type { AgentRecord } from "./agentRecord.js";
import type { AgentPatch } from "./agents.js";
import { isFlyAgentsError } from "./errors.js";
import type { FlyClient, FlyMachine } from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import type { Operation } from "./operations.js";

/** The record of an agent whose machine Fly no longer has. */
export function machineGone(agent: AgentRecord) {
  return {
    status: "error",
    statusReason: `Machine ${agent.machineId} no longer exists on Fly (destroyed outside this component); deprovision to remove its volume`,
    gatewayHealthy: false,
  } satisfies AgentPatch;
}

/** The record of an agent whose volume Fly no longer has: its OpenClaw state is gone with it. */
export function volumeGone(agent: AgentRecord) {
  return {
    status: "error",
    statusReason: `Volume ${agent.flyVolumeId} no longer exists on Fly (deleted outside this component); recreate the agent from a snapshot, or deprovision it`,
  } satisfies AgentPatch;
}

/**
 * Which of the agent's resources `error` says Fly no longer has: a 404 from a call on its machine,
 * or on its volume, or a snapshot refused because the volume is deleted; null for anything else (a
 * 404 naming the app is not the machine's absence).
 */
export function goneFromFly(error: unknown): "machine" | "volume" | null {
  if (!(error instanceof FlyApiError)) return null;
  // Fly keeps a deleted volume listed (pending_destroy) for a day: a snapshot of it is refused, not 404.
  const deletedVolume = error.failedPrecondition && /pending_destroy|destroyed/.test(error.flyError ?? "");
  if (error.operationId === "createVolumeSnapshot" && deletedVolume) return "volume";
  if (!error.notFound || /app not found/i.test(error.flyError ?? "")) return null;
  if (error.operationId.startsWith("Machines_") && error.operationId !== "Machines_list") return "machine";
  if (error.operationId === "Volumes_get_by_id" || error.operationId === "Volumes_list_snapshots") return "volume";
  if (error.operationId === "createVolumeSnapshot") return "volume";
  return null;
}

/**
 * Records on the agent that Fly no longer has its machine (or volume), when `error` says so, and
 * ends `op`'s hold on the agent. A path that does not own the agent (pairing) takes it for the
 * write; if another operation holds it, that one will see the same truth. Returns whether `error`
 * said something was gone.
 * @throws what the record's update throws, but for another operation holding the agent.
 */
export async function recordIfGone(op: Operation, agent: AgentRecord, error: unknown): Promise<boolean> {
  const gone = goneFromFly(error);
  if (gone === null) return false;
  const patch: AgentPatch = {
    ...(gone === "machine" ? machineGone(agent) : volumeGone(agent)),
    lastError: (await op.callerError(error)).message,
  };
  try {
    await op.finish(agent._id, patch);
  } catch (updateError) {
    if (!isFlyAgentsError(updateError, "operation_in_progress")) throw updateError;
    try {
      await op.own(agent._id);
      await op.finish(agent._id, patch);
    } catch (ownError) {
      if (!isFlyAgentsError(ownError, "operation_in_progress") && !isFlyAgentsError(ownError, "invalid_state")) {
        throw ownError;
      }
    }
  }
  return true;
}

/** Reads the machine from Fly; null when Fly no longer has it. */
export async function readMachine(fly: FlyClient, machineId: string): Promise<FlyMachine | null> {
  try {
    return await fly.getMachine(machineId);
  } catch (error) {
    if (error instanceof FlyApiError && error.notFound) return null;
    throw error;
  }
}

/**
 * What Fly's view of a machine means for its record; null: leave the status as is. Fly's checks
 * are not read: they trail the gateway by up to grace_period + interval, so they say nothing
 * about whether OpenClaw serves now (FLY_API_NOTES.md).
 */
export function statusFromFly(agent: AgentRecord, machine: FlyMachine | null): AgentPatch | null {
  if (machine === null || machine.state === "destroyed" || machine.state === "destroying") {
    return { ...machineGone(agent), lastError: `Machine ${agent.machineId} not found on Fly` };
  }
  if (machine.state === "started") {
    return { status: "running", statusReason: "Running (synced with Fly)" };
  }
  if (machine.state === "stopped" || machine.state === "suspended") {
    return { status: "stopped", statusReason: `Machine is ${machine.state} (synced with Fly)` };
  }
  if (machine.state === "failed") {
    return { status: "error", statusReason: "Fly reports the machine as failed", lastError: "machine failed" };
  }
  return null;
}

/**
 * Whether the machine reached `started` after `verifiedAt` (when the component last saw OpenClaw
 * serve on it), by the newest `started` event Fly lists. Fly's clock and ours differ by little; a
 * skew only costs one more verification. No `verifiedAt` counts as a boot not followed.
 */
export function bootedSince(machine: FlyMachine, verifiedAt: number | undefined): boolean {
  const boots = (machine.events ?? []).flatMap((event) =>
    event.status === "started" && event.timestamp !== undefined ? [event.timestamp] : [],
  );
  if (boots.length === 0) return false;
  return verifiedAt === undefined || Math.max(...boots) > verifiedAt;
}
