/**
 * Changing a machine's config on Fly: under a lease (so no deploy or other client changes it
 * at the same time), from the config Fly holds now, sent whole (Fly replaces configs, never
 * merges them: FLY_API_NOTES.md, pitfall 8).
 */
import { flyAgentsError } from "./errors.js";
import type { FlyClient, FlyMachine, MachineConfig } from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import { sleep } from "./time.js";

/** A lease outlives the get and the update it guards; an owner that dies frees the machine this soon. */
export const CONFIG_LEASE_TTL_S = 60;
/** Pause between attempts while another client holds the machine's lease (Fly answers 409). */
const LEASE_HELD_RETRY_MS = 1_000;

/**
 * Replaces the machine's config with `change(current)`, under a lease. Returns the machine as
 * Fly answers the update, or as it is when `change` returns null (nothing to change). While
 * someone else holds the lease it waits, at most until that lease must have expired.
 */
export async function replaceMachineConfig(
  fly: FlyClient,
  machineId: string,
  change: (current: MachineConfig) => MachineConfig | null,
  description: string,
): Promise<FlyMachine> {
  const nonce = await acquireLeaseWhenFree(fly, machineId, description);
  try {
    const machine = await fly.getMachine(machineId);
    if (!machine.config) throw flyAgentsError("fly_api", `Fly returned machine ${machineId} without its config.`);
    const next = change(machine.config);
    return next === null ? machine : await fly.updateMachine(machineId, next, nonce);
  } finally {
    // A lease that cannot be released expires on its own after CONFIG_LEASE_TTL_S.
    await fly.releaseLease(machineId, nonce).catch(() => undefined);
  }
}

async function acquireLeaseWhenFree(fly: FlyClient, machineId: string, description: string): Promise<string> {
  const giveUpAt = Date.now() + (CONFIG_LEASE_TTL_S + 5) * 1000;
  for (;;) {
    try {
      return await fly.acquireLease(machineId, CONFIG_LEASE_TTL_S, description);
    } catch (error) {
      const held = error instanceof FlyApiError && error.status === 409;
      if (!held || Date.now() + LEASE_HELD_RETRY_MS > giveUpAt) throw error;
      await sleep(LEASE_HELD_RETRY_MS);
    }
  }
}
