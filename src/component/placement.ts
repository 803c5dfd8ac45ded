/**
 * Where an agent's volume and machine land, and what to do when Fly has no room. The volume's host
 * decides the machine's (FLY_API_NOTES.md, "Capacity"), so:
 * - a machine refused with `volume_placement_capacity` gets a new volume (Fly places it on another
 *   host) in bounded attempts, the refused one removed; a restored volume is restored again, never
 *   replaced by an empty one;
 * - a region out of capacity gives way to the next of the agent's ordered regions (`"iad,dfw"`).
 */
import { errorMessage, flyAgentsError } from "./errors.js";
import type { FlyClient, FlyMachine, FlyVolume, MachineConfig } from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import { createMachineOnce, createVolumeOnce, deleteVolumeWhenDetached, waitForVolumeReady } from "./resources.js";

/** Volumes tried per region when the hosts they land on are full. */
export const VOLUME_PLACEMENT_ATTEMPTS = 3;
/** Longest the removal of a refused volume may take (it is not attached: Fly deletes it at once). */
const REFUSED_VOLUME_DELETE_MS = 30_000;

/** What placing an agent needs: its tag, names, size, regions in order, and its machine's config. */
export type PlacementPlan = {
  agentKey: string;
  volumeName: string;
  machineName: string;
  /** Tried in order; each must be a Fly region code. */
  regions: string[];
  sizeGb: number;
  /** Restore this snapshot into each volume made (recreation). */
  snapshotId?: string;
  config: (volumeId: string) => MachineConfig;
  /** Until when a volume may take to become mountable, ms since the epoch. */
  volumeDeadline: number;
  /** Told of each volume as soon as it exists, so a failure can remove it. */
  onVolume: (volume: FlyVolume) => Promise<void>;
  /** Told of each volume once it is mountable, before the machine is created on it. */
  onVolumeReady: (volume: FlyVolume) => Promise<void>;
  /** Told of the machine as soon as it exists. */
  onMachine: (machine: FlyMachine) => Promise<void>;
};

/** How Fly said it had no room: this host (make another volume) or this region (try the next). */
export function capacityRefusal(error: unknown): "host" | "region" | null {
  if (!(error instanceof FlyApiError)) return null;
  if (error.flyStatus === "volume_placement_capacity") return "host";
  if (error.flyStatus === "insufficient_capacity") return "region";
  const text = error.flyError ?? "";
  if (/insufficient resources/i.test(text) && /existing volume/i.test(text)) return "host";
  if (error.status >= 400 && /no capacity|insufficient (capacity|resources|memory)/i.test(text)) return "region";
  return null;
}

/**
 * Creates the agent's volume and machine where Fly has room, as the file header says.
 * @returns the volume (mountable) and the machine (created, booting).
 * @throws `fly_api` when no region of the list had room (each refusal quoted); `snapshot_unavailable`
 *   when a restore did not become mountable; FlyApiError for other refusals.
 */
export async function placeAgent(
  fly: FlyClient,
  plan: PlacementPlan,
): Promise<{ volume: FlyVolume; machine: FlyMachine }> {
  const refusals: string[] = [];
  const refusedVolumes: string[] = [];
  for (const region of plan.regions) {
    for (let attempt = 1; attempt <= VOLUME_PLACEMENT_ATTEMPTS; attempt++) {
      let volume: FlyVolume;
      try {
        volume = await createVolumeOnce(
          fly,
          plan.agentKey,
          { name: plan.volumeName, region, sizeGb: plan.sizeGb, snapshotId: plan.snapshotId },
          refusedVolumes,
        );
      } catch (error) {
        if (capacityRefusal(error) === null) throw error;
        refusals.push(`${region}: ${errorMessage(error)}`);
        break;
      }
      await plan.onVolume(volume);
      volume = await readyVolume(fly, volume, plan);
      await plan.onVolumeReady(volume);
      try {
        const machine = await createMachineOnce(fly, plan.agentKey, {
          name: plan.machineName,
          region: volume.region ?? region,
          config: plan.config(volume.id),
        });
        await plan.onMachine(machine);
        return { volume, machine };
      } catch (error) {
        const refusal = capacityRefusal(error);
        if (refusal === null) throw error;
        refusals.push(`${volume.region ?? region} (volume ${volume.id}): ${errorMessage(error)}`);
        refusedVolumes.push(volume.id);
        await deleteVolumeWhenDetached(fly, volume.id, Date.now() + REFUSED_VOLUME_DELETE_MS);
        if (refusal === "region") break;
      }
    }
  }
  throw flyAgentsError(
    "fly_api",
    `Fly had no room for the agent in ${plan.regions.join(", ")} (${refusals.join("; ")}). ` +
      'Try again later, or give more regions in order (region: "iad,dfw").',
  );
}

/** Waits until the volume is mountable; a restore that fails says the agent was not started empty. */
async function readyVolume(fly: FlyClient, volume: FlyVolume, plan: PlacementPlan): Promise<FlyVolume> {
  try {
    return await waitForVolumeReady(fly, volume, plan.volumeDeadline);
  } catch (error) {
    if (!plan.snapshotId) throw error;
    throw flyAgentsError(
      "snapshot_unavailable",
      `Restoring snapshot ${plan.snapshotId} into a new volume failed (${errorMessage(error)}). ` +
        "The agent was not started from an empty volume; its previous agent was kept.",
    );
  }
}
