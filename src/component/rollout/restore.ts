/**
 * The last way back: the previous image refuses the state the new one migrated
 * (`state-migrated-no-rollback`, OPENCLAW_NOTES.md), so the pre-upgrade snapshot is restored into
 * a new volume and the agent comes back on its previous image there.
 *
 * A machine cannot swap its volume (FLY_API_NOTES.md, mounts), so a new machine is made on the
 * restored volume, from the old machine's config, before the old machine is destroyed. The old
 * volume is kept until the agent runs again, then deleted. Each step is recorded on the rollout
 * row first, so a step that dies resumes here without making anything twice, and the row owns
 * the old machine and volume until they are gone.
 */
import type { AgentRecord } from "../agentRecord.js";
import type { Doc } from "../_generated/dataModel.js";
import { machineNameFor, volumeNameFor, DEFAULT_VOLUME_SIZE_GB } from "../agentSpec.js";
import { flyAgentsError } from "../errors.js";
import { isLiveVolume, type FlyMachine, type FlyVolume } from "../fly/client.js";
import type { Operation } from "../operations.js";
import { WAIT_BUDGETS_MS } from "../lifetime.js";
import {
  createOnce,
  deleteVolumeWhenDetached,
  destroyMachine,
  findAgentMachines,
  waitForVolumeReady,
} from "../resources.js";
import type { RowPatch } from "./journal.js";
import { awaitReady } from "./ready.js";

export type RestoreInput = {
  op: Operation;
  row: Doc<"imageRolloutAgents">;
  agent: AgentRecord;
  snapshot: Doc<"agentSnapshots"> | null;
  readyTimeoutSec: number;
  record: (patch: RowPatch) => Promise<void>;
};

export type Restored = { machine: FlyMachine; flyVolumeId: string; effectiveModel: string };

/** Restores the pre-upgrade snapshot and brings the agent back on `row.fromImage` there. */
export async function restoreFromSnapshot(input: RestoreInput): Promise<Restored> {
  const { op, row, agent, snapshot, record } = input;
  if (!snapshot?.flyVolumeSnapshotId || snapshot.status !== "created") {
    throw flyAgentsError("snapshot_unavailable", "No completed pre-upgrade snapshot to restore.", {
      machineDocId: agent._id,
    });
  }
  let flyVolumeId = row.restoredVolumeId;
  if (flyVolumeId === undefined) {
    if (!agent.flyVolumeId) {
      throw flyAgentsError("invalid_state", `Agent ${agent._id} has no volume to restore.`, {
        machineDocId: agent._id,
      });
    }
    flyVolumeId = (await createRestoredVolume(op, agent, agent.flyVolumeId, snapshot)).id;
    await record({ restoredVolumeId: flyVolumeId });
  }
  const volume = await waitForVolumeReady(
    op.fly,
    await op.fly.getVolume(flyVolumeId),
    op.waitUntil(WAIT_BUDGETS_MS.volumeReady),
  );

  // The agent's record moves to the new machine and volume once they exist; the row owns the old pair.
  let machine: FlyMachine;
  let retiredMachineId = row.retiredMachineId;
  let retiredVolumeId = row.retiredVolumeId;
  if (agent.flyVolumeId !== volume.id) {
    if (!agent.machineId || !agent.flyVolumeId) {
      throw flyAgentsError("invalid_state", `Agent ${agent._id} has no machine to replace.`, {
        machineDocId: agent._id,
      });
    }
    const old = await op.fly.getMachine(agent.machineId);
    machine = await createReplacement(op, agent, row, old, volume);
    retiredMachineId = old.id;
    retiredVolumeId = agent.flyVolumeId;
    await record({ retiredMachineId, retiredVolumeId });
    await op.update(agent._id, { machineId: machine.id, flyVolumeId: volume.id, instanceId: machine.instance_id });
  } else {
    machine = await op.fly.getMachine(agent.machineId ?? "");
  }
  if (retiredMachineId !== undefined) {
    await destroyMachine(op.fly, retiredMachineId, op.waitUntil(WAIT_BUDGETS_MS.machineTransition));
    await record({ retiredMachineId: null });
  }

  const effectiveModel = await awaitReady(op, machine.id, agent, input.readyTimeoutSec);
  // The agent runs again: the volume holding the state the old image refused can go.
  if (retiredVolumeId !== undefined) {
    await deleteVolumeWhenDetached(op.fly, retiredVolumeId, op.deadline);
    await record({ retiredVolumeId: null });
  }
  return { machine: await op.fly.getMachine(machine.id), flyVolumeId: volume.id, effectiveModel };
}

/** A new volume from the snapshot, made once even after a lost answer (found by name, not the old one). */
async function createRestoredVolume(
  op: Operation,
  agent: AgentRecord,
  oldVolumeId: string,
  snapshot: Doc<"agentSnapshots">,
): Promise<FlyVolume> {
  const name = volumeNameFor(agent.agentKey);
  return await createOnce(
    () =>
      op.fly.createVolume({
        name,
        region: agent.region,
        sizeGb: Math.max(DEFAULT_VOLUME_SIZE_GB, snapshot.volumeSizeGb ?? 0),
        snapshotId: snapshot.flyVolumeSnapshotId,
      }),
    async () =>
      (await op.fly.listVolumes()).find(
        (volume) => volume.name === name && volume.id !== oldVolumeId && isLiveVolume(volume),
      ),
  );
}

/**
 * The agent's machine again, on the restored volume with the previous image: the old machine's
 * whole config otherwise, so its env (and the secrets in it) carry over without the component
 * holding them. Named apart from the old machine, which still exists until it is destroyed.
 */
async function createReplacement(
  op: Operation,
  agent: AgentRecord,
  row: Doc<"imageRolloutAgents">,
  old: FlyMachine,
  volume: FlyVolume,
): Promise<FlyMachine> {
  if (!old.config) throw flyAgentsError("fly_api", `Fly returned machine ${old.id} without its config.`);
  const mounts = (old.config.mounts as Array<Record<string, unknown>> | undefined) ?? [];
  const config = {
    ...old.config,
    image: row.fromImage,
    mounts: [{ ...mounts[0], path: mounts[0]?.path ?? "/data", volume: volume.id }],
  };
  return await createOnce(
    () =>
      op.fly.createMachine({
        name: `${machineNameFor(agent.agentKey)}-${row._id.slice(-8).toLowerCase()}`,
        region: volume.region ?? old.region ?? agent.region,
        config,
      }),
    async () => (await findAgentMachines(op.fly, agent.agentKey)).find((machine) => machine.id !== old.id),
  );
}
