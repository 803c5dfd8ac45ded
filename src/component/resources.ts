/**
 * An agent's Fly resources: creating them exactly once, waiting for them the way Fly means,
 * and removing every one of them.
 *
 * A create whose answer was lost (timeout, 5xx, dropped connection) may still have happened,
 * so before creating again we look the resource up by its tag, as flyctl does.
 *
 * Ids here are Fly's own (`machineId`, `volumeId`, as in Fly's paths); an agent's record holds
 * them as `machineId` and `flyVolumeId`.
 */
import type { AgentRecord } from "./agentRecord.js";
import { volumeNameFor, AGENT_KEY_METADATA } from "./agentSpec.js";
import { flyAgentsError } from "./errors.js";
import {
  isLiveVolume,
  MOUNTABLE_VOLUME_STATES,
  type CreateMachineInput,
  type CreateVolumeInput,
  type FlyClient,
  type FlyMachine,
  type FlyMachineState,
  type FlyVolume,
} from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import { CLEANUP_RESERVE_MS } from "./lifetime.js";
import { backoffMs, sleep } from "./time.js";

/** Attempts at a create whose earlier attempts failed transiently. */
export const CREATE_ATTEMPTS = 4;
/** First volume poll; a fresh volume is usually ready by then. */
const VOLUME_POLL_FIRST_MS = 100;
/** Longest pause between volume polls (Get Volume shares the app's 1 req/s budget). */
const VOLUME_POLL_CAP_MS = 2_000;
/** Backoff while Fly still holds a volume attached after its machine was destroyed. */
const DETACH_RETRY_BASE_MS = 500;
const DETACH_RETRY_CAP_MS = 4_000;
const GONE_MACHINE_STATES = new Set(["destroyed", "destroying"]);
/**
 * When a cleanup starting now must give up (ms since epoch): after CLEANUP_RESERVE_MS, the time
 * lifetime.ts keeps for it (destroying machines, then deleting volumes through Fly's detach lag),
 * or at the operation's deadline if sooner. So a cleanup that meets a volume Fly will not let go
 * ends within minutes, with `resourcesCleanedUp: false` for the sweep, wherever it started.
 */
export function cleanupDeadline(operationDeadline: number): number {
  return Math.min(operationDeadline, Date.now() + CLEANUP_RESERVE_MS);
}

/**
 * Makes a non-idempotent create happen once: after a lost answer (or a name already taken)
 * `findExisting` looks for what the earlier attempt may have made before anything is sent
 * again; other transient failures are retried with backoff, never sooner than Fly's
 * Retry-After. A 429 reaching here is final: the HTTP layer already retried it for as long as
 * its refusal budget allows (Fly refuses before doing any work, so that is safe for a create).
 */
export async function createOnce<T>(create: () => Promise<T>, findExisting: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (!(error instanceof FlyApiError) || error.status === 429) throw error;
      const lostAnswer = error.transient;
      const taken = error.flyStatus === "name_taken";
      if (lostAnswer || taken) {
        const existing = await findExisting();
        if (existing !== undefined) return existing;
      }
      if (!(error.transient || taken) || attempt >= CREATE_ATTEMPTS) throw error;
      await sleep(Math.max((error.retryAfterS ?? 0) * 1000, backoffMs(attempt, 250, 5_000)));
    }
  }
}

export async function findAgentVolumes(fly: FlyClient, agentKey: string): Promise<FlyVolume[]> {
  const name = volumeNameFor(agentKey);
  return (await fly.listVolumes()).filter((volume) => volume.name === name && isLiveVolume(volume));
}

export async function findAgentMachines(fly: FlyClient, agentKey: string): Promise<FlyMachine[]> {
  const machines = await fly.listMachinesByMetadata(AGENT_KEY_METADATA, agentKey);
  // Filter again: a Fly that ignored the filter must not make us touch another agent.
  return machines.filter(
    (machine) => machine.config?.metadata?.[AGENT_KEY_METADATA] === agentKey && !GONE_MACHINE_STATES.has(machine.state),
  );
}

/**
 * Creates the agent's volume once (see createOnce). `known` volumes (earlier ones of this agent,
 * e.g. on a full host and being removed) are never taken for the one a lost answer hid.
 */
export function createVolumeOnce(
  fly: FlyClient,
  agentKey: string,
  input: CreateVolumeInput,
  known: readonly string[] = [],
): Promise<FlyVolume> {
  return createOnce(
    () => fly.createVolume(input),
    async () => {
      const found = (await findAgentVolumes(fly, agentKey)).find((volume) => !known.includes(volume.id));
      if (found) fly.noteCreated(found.id);
      return found;
    },
  );
}

export function createMachineOnce(fly: FlyClient, agentKey: string, input: CreateMachineInput): Promise<FlyMachine> {
  return createOnce(
    () => fly.createMachine(input),
    async () => {
      const [found] = await findAgentMachines(fly, agentKey);
      if (found) fly.noteCreated(found.id);
      return found;
    },
  );
}

/** Polls the volume until a machine can mount it (there is no wait endpoint for volumes). */
export async function waitForVolumeReady(fly: FlyClient, volume: FlyVolume, deadline: number): Promise<FlyVolume> {
  let current = volume;
  for (let attempt = 1; !MOUNTABLE_VOLUME_STATES.has(current.state); attempt++) {
    if (!isLiveVolume(current)) {
      throw flyAgentsError("fly_api", `Volume ${current.id} is ${current.state} instead of becoming ready.`);
    }
    const pause = Math.min(VOLUME_POLL_CAP_MS, VOLUME_POLL_FIRST_MS * 2 ** (attempt - 1));
    if (Date.now() + pause > deadline) {
      throw flyAgentsError("fly_api", `Volume ${current.id} was still ${current.state} at the deadline.`);
    }
    await sleep(pause);
    current = await fly.getVolume(current.id, deadline);
  }
  return current;
}

/** States that end a wait for any other state: the machine will not get there by itself. */
const ENDING_STATES: readonly FlyMachineState[] = ["failed", "destroyed"];

/**
 * Waits until the machine is in `target`, or in a state that ends the transition otherwise
 * (`failed`, `destroyed`: a boot whose process aborts settles in `failed`, FLY_API_NOTES.md),
 * which fails at once with Fly's reason (the last event, the exit code). Waits in calls of at
 * most 60 s; after each 408 it reads the machine, so a state the wait did not report is seen too.
 * @param deadline ms since the epoch.
 * @throws `fly_api` when the machine settled elsewhere or `deadline` passed; FlyApiError.
 */
export async function waitForMachineState(
  fly: FlyClient,
  machineId: string,
  target: FlyMachineState,
  deadline: number,
): Promise<void> {
  const states = target === "destroyed" ? [target] : [target, ...ENDING_STATES];
  for (;;) {
    const remainingS = (deadline - Date.now()) / 1000;
    if (remainingS <= 0) {
      throw flyAgentsError("fly_api", `Machine ${machineId} did not reach ${target} in time.`);
    }
    // The wait's deadline bounds the retries of its calls too: a 5xx or a 429 does not stretch it.
    const reached =
      (await fly.waitMachineOnce(machineId, states, remainingS, deadline)) ?? (await currentState(fly, machineId));
    if (reached === target) return;
    if (states.includes(reached as FlyMachineState)) throw await settledElsewhere(fly, machineId, target, reached);
  }
}

/** The machine's state now; `destroyed` when Fly no longer has it. */
async function currentState(fly: FlyClient, machineId: string): Promise<string> {
  try {
    return (await fly.getMachine(machineId)).state;
  } catch (error) {
    if (error instanceof FlyApiError && error.notFound) return "destroyed";
    throw error;
  }
}

/**
 * The error for a machine that settled in `state` instead of `target`, with Fly's reason (its exit
 * code and last event).
 */
export async function settledElsewhere(fly: FlyClient, machineId: string, target: string, state: string) {
  let reason = "";
  if (state !== "destroyed") {
    const machine = await fly.getMachine(machineId);
    const last = (machine.events ?? [])[0];
    const exit = (machine.events ?? []).find((event) => event.request?.exit_event !== undefined)?.request?.exit_event;
    const parts = [
      exit?.exit_code !== undefined ? `its process exited with code ${exit.exit_code}` : "",
      exit?.oom_killed ? "out of memory" : "",
      last
        ? `last event ${last.type ?? "?"}/${last.status ?? "?"}${last.timestamp ? ` at ${new Date(last.timestamp).toISOString()}` : ""}`
        : "",
    ].filter(Boolean);
    reason = parts.length > 0 ? ` (${parts.join("; ")})` : "";
  }
  return flyAgentsError(
    "fly_api",
    `Machine ${machineId} ended ${state} instead of ${target}${reason}. Check its logs (fly logs -i ${machineId}).`,
  );
}

/** Fly's refusal to delete an attached volume names the machine (FLY_API_NOTES, Volumes). */
const BOUND_TO_MACHINE = /bound to machine:\s*([0-9a-z]+)/i;

/**
 * Deletes a volume, retrying while Fly still holds it attached, until `deadline` (ms since
 * epoch). With `agent`, a volume still bound to a live machine tagged with `agent.agentKey` (a
 * create that landed after the machines were searched) has that machine destroyed first;
 * `agent.destroyed` lists machines already destroyed, whose detach is only waited for.
 * Returns true if the volume was there. Throws the last FlyApiError when the deadline passes.
 */
export async function deleteVolumeWhenDetached(
  fly: FlyClient,
  volumeId: string,
  deadline: number,
  agent?: { agentKey: string; destroyed: Set<string> },
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fly.deleteVolume(volumeId);
      return true;
    } catch (error) {
      if (!(error instanceof FlyApiError)) throw error;
      if (error.notFound) return false;
      if (!error.failedPrecondition) throw error;
      const holder = agent && (await agentMachineHolding(fly, volumeId, error, agent));
      if (holder) {
        await destroyMachine(fly, holder, deadline);
        agent.destroyed.add(holder);
        continue;
      }
      const pause = Math.max(DETACH_RETRY_BASE_MS, backoffMs(attempt, DETACH_RETRY_BASE_MS, DETACH_RETRY_CAP_MS));
      if (Date.now() + pause > deadline) throw error;
      await sleep(pause);
    }
  }
}

/**
 * The live machine tagged with the agent's key that holds the volume, if any. Machines in
 * `agent.destroyed` (or found not to be the agent's) are not asked about again.
 */
async function agentMachineHolding(
  fly: FlyClient,
  volumeId: string,
  refusal: FlyApiError,
  agent: { agentKey: string; destroyed: Set<string> },
): Promise<string | undefined> {
  const machineId =
    BOUND_TO_MACHINE.exec(refusal.flyError ?? "")?.[1] ?? (await fly.getVolume(volumeId)).attached_machine_id;
  if (!machineId || agent.destroyed.has(machineId)) return undefined;
  let machine: FlyMachine | undefined;
  try {
    machine = await fly.getMachine(machineId);
  } catch (error) {
    if (!(error instanceof FlyApiError && error.notFound)) throw error;
  }
  const ours = machine?.config?.metadata?.[AGENT_KEY_METADATA] === agent.agentKey;
  if (!machine || !ours || GONE_MACHINE_STATES.has(machine.state)) {
    agent.destroyed.add(machineId); // nothing of ours to destroy there: only wait for the detach
    return undefined;
  }
  return machine.id;
}

/**
 * Destroys a machine (forcing it if it runs, or if it failed) and waits until Fly says it is
 * destroyed. True if Fly still had it.
 */
export async function destroyMachine(fly: FlyClient, machineId: string, deadline: number): Promise<boolean> {
  const existed = await fly.destroyMachine(machineId, { force: true });
  if (existed) await waitForMachineState(fly, machineId, "destroyed", deadline);
  return existed;
}

/** The Fly resources of one agent, for `destroyAgentResources`. */
export type AgentResources = { agentKey: string; machineIds: string[]; volumeIds: string[]; searchByTag: boolean };

/** The Fly resources an agent's record names; `searchByTag` also looks for those it may not name. */
export function resourcesOf(agent: AgentRecord, options: { searchByTag: boolean }): AgentResources {
  return {
    agentKey: agent.agentKey,
    machineIds: agent.machineId ? [agent.machineId] : [],
    volumeIds: agent.flyVolumeId ? [agent.flyVolumeId] : [],
    searchByTag: options.searchByTag,
  };
}

/** How many of an agent's machines and volumes Fly still had when they were removed. */
export type RemovedResources = { machinesFound: number; volumesFound: number };

/**
 * Removes every Fly resource of an agent: the machines and volumes we know of, plus, when
 * `searchByTag`, any Fly holds under the agent's tag (a create whose answer was lost). Machines
 * go first; a volume still bound to a machine of the agent's (one created after the search)
 * has that machine destroyed, then is deleted. Bounded by `deadline` (ms since epoch; see
 * `cleanupDeadline`): past it, throws the FlyApiError that stopped it, and the caller records
 * `resourcesCleanedUp: false`.
 */
export async function destroyAgentResources(
  fly: FlyClient,
  resources: AgentResources,
  deadline: number,
): Promise<RemovedResources> {
  const removed: RemovedResources = { machinesFound: 0, volumesFound: 0 };
  const machineIds = new Set(resources.machineIds);
  const volumeIds = new Set(resources.volumeIds);
  if (resources.searchByTag) {
    for (const machine of await findAgentMachines(fly, resources.agentKey)) machineIds.add(machine.id);
  }
  for (const machineId of machineIds) if (await destroyMachine(fly, machineId, deadline)) removed.machinesFound++;
  const agent = { agentKey: resources.agentKey, destroyed: machineIds };
  if (resources.searchByTag) {
    for (const volume of await findAgentVolumes(fly, resources.agentKey)) volumeIds.add(volume.id);
  }
  for (const volumeId of volumeIds) {
    if (await deleteVolumeWhenDetached(fly, volumeId, deadline, agent)) removed.volumesFound++;
  }
  return removed;
}
