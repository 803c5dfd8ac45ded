/**
 * Fly's Volumes resource and its snapshots: create (empty, from a snapshot, or forked from a volume), read, soft
 * delete, snapshot, and the attachment checks a Machine's mount goes through. The Volume and VolumeSnapshot JSON
 * are rendered here too.
 */
import { z } from "zod";
import type { Behaviours } from "../control/behaviours.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../world/clock.js";
import type { Ids } from "../world/ids.js";
import { cloneAgentState, emptyAgentState, type SnapshotRecord, type VolumeRecord } from "../world/model.js";
import { requireVisible, type World } from "../world/world.js";
import { errorReply, failedPrecondition, invalidArgument, notFound } from "./errorReplies.js";
import { parseInput } from "./input.js";
import type { VolumeJson, VolumeSnapshotJson } from "./jsonTypes.js";

const VOLUME_NAME = /^[a-z0-9_]{1,30}$/; // Fly: lowercase letters, digits and underscores, at most 30 characters
const DEFAULT_SIZE_GB = 3; // Fly's default volume size
const MAX_SIZE_GB = 500; // Fly's per-volume ceiling
const BLOCK_SIZE = 4096;
const GIB = 1024 ** 3;

const createVolumeSchema = z.looseObject({
  name: z.string({ error: "is required" }),
  region: z.string().min(1).optional(),
  size_gb: z.int().min(1).max(MAX_SIZE_GB).optional(),
  encrypted: z.boolean().optional(),
  fstype: z.string().optional(),
  snapshot_retention: z.int().min(1).max(60).optional(),
  auto_backup_enabled: z.boolean().optional(),
  require_unique_zone: z.boolean().optional(),
  snapshot_id: z.string().min(1).optional(),
  source_volume_id: z.string().min(1).optional(),
});

/** Volumes and their snapshots: creation, restore, soft delete, attachment to Machines. */
export class VolumeService {
  constructor(
    private readonly world: World,
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly options: ResolvedOptions,
    private readonly behaviours: Behaviours,
  ) {}

  /**
   * POST /apps/{app}/volumes. In a region out of capacity: 400 `insufficient_capacity`. The volume may land on a
   * full host (behaviour `fullVolumeHosts`), which only shows when a Machine tries to mount it.
   */
  create(app: string, body: unknown): VolumeRecord {
    const request = parseInput(createVolumeSchema, body, "body");
    if (!VOLUME_NAME.test(request.name)) {
      throw invalidArgument(
        `name "${request.name}": a volume name has 1 to 30 lowercase letters, digits or underscores`,
      );
    }
    const snapshot = request.snapshot_id ? this.world.findSnapshot(app, request.snapshot_id) : undefined;
    if (request.snapshot_id && !snapshot)
      throw invalidArgument(`snapshot_id: snapshot ${request.snapshot_id} not found`);
    if (snapshot && snapshot.status !== "created")
      throw failedPrecondition(`snapshot ${snapshot.id} is not ready (${snapshot.status})`);
    const source = request.source_volume_id ? this.world.volumes.get(request.source_volume_id) : undefined;
    if (request.source_volume_id && (!source || source.app !== app || source.state === "pending_destroy")) {
      throw invalidArgument(`source_volume_id: volume ${request.source_volume_id} not found`);
    }
    const sizeGb = request.size_gb ?? snapshot?.volumeSizeGb ?? source?.sizeGb ?? DEFAULT_SIZE_GB;
    if (snapshot && sizeGb < snapshot.volumeSizeGb) {
      throw invalidArgument(
        `size_gb ${sizeGb} is smaller than the snapshot's volume size (${snapshot.volumeSizeGb} GB)`,
      );
    }
    const region = request.region ?? source?.region ?? this.options.defaultRegion;
    if (this.behaviours.outOfCapacity(region)) {
      throw errorReply(
        400,
        `insufficient_capacity: no capacity for a new volume in region ${region}; try another region`,
        "insufficient_capacity",
      );
    }
    const now = this.clock.now();
    const volume: VolumeRecord = {
      id: this.ids.volumeId(),
      app,
      name: request.name,
      region,
      zone: this.ids.zone(),
      sizeGb,
      state: snapshot ? "restoring" : source ? "hydrating" : "creating",
      encrypted: request.encrypted ?? true,
      fstype: request.fstype ?? "ext4",
      snapshotRetention: request.snapshot_retention ?? 5,
      autoBackupEnabled: request.auto_backup_enabled ?? true,
      createdAt: now,
      visibleAt: now + this.clock.scaled(this.behaviours.value("visibilityLagMs")),
      hostFull: this.behaviours.takeFullHost(),
      attachedMachineId: null,
      cancelTransition: null,
      agent: snapshot ? cloneAgentState(snapshot.agent) : source ? cloneAgentState(source.agent) : emptyAgentState(),
    };
    this.world.volumes.set(volume.id, volume);
    const readyAfter = snapshot || source ? this.options.restoreTimeMs : this.options.volumeCreateMs;
    volume.cancelTransition = this.clock.after(readyAfter, () => {
      volume.cancelTransition = null;
      volume.state = "created";
    });
    return volume;
  }

  /** A volume of `app` (soft-deleted ones included), unless inside its read-after-create lag: 404 (GET of one). */
  visible(app: string, volumeId: string): VolumeRecord {
    return requireVisible(this.world.volumeOf(app, volumeId), this.clock.now(), "volume");
  }

  /** DELETE /apps/{app}/volumes/{id}: a soft delete, refused while a Machine holds the volume. */
  delete(app: string, volumeId: string): VolumeRecord {
    const volume = this.world.volumeOf(app, volumeId);
    if (volume.state === "pending_destroy") throw notFound("volume");
    if (volume.attachedMachineId) {
      throw failedPrecondition(`volume is currently bound to machine: ${volume.attachedMachineId}`);
    }
    volume.cancelTransition?.();
    volume.cancelTransition = null;
    volume.state = "pending_destroy";
    return volume;
  }

  /** POST …/snapshots: schedules a snapshot of the volume as it is now. */
  createSnapshot(app: string, volumeId: string): SnapshotRecord {
    const volume = this.world.volumeOf(app, volumeId);
    if (volume.state === "pending_destroy") throw failedPrecondition(`volume ${volume.id} is pending_destroy`);
    if (volume.state === "restoring" || volume.state === "hydrating") throw failedPrecondition("volume is not ready");
    const list = this.world.snapshots.get(volume.id) ?? [];
    const previous = list[list.length - 1];
    // Distinct, increasing created_at values, so "take the newest" is never a tie.
    const createdAt = Math.max(this.clock.now(), previous ? previous.createdAt + 1 : 0);
    const snapshot: SnapshotRecord = {
      id: this.ids.snapshotId(),
      volumeId: volume.id,
      app,
      sizeBytes: 64 * 1024 * 1024 + list.length * 4096,
      volumeSizeGb: volume.sizeGb,
      digest: this.ids.digest(),
      createdAt,
      status: "waiting",
      retentionDays: volume.snapshotRetention,
      agent: cloneAgentState(volume.agent),
    };
    list.push(snapshot);
    this.world.snapshots.set(volume.id, list);
    // Two timers that expire in the same turn of a busy event loop may fire in either order: never go back.
    this.clock.after(this.options.snapshotTimeMs / 3, () => {
      if (snapshot.status === "waiting") snapshot.status = "running";
    });
    this.clock.after(this.options.snapshotTimeMs, () => {
      snapshot.status = "created";
    });
    return snapshot;
  }

  /** The snapshots of a volume of `app`, oldest first (kept after the volume is deleted). */
  listSnapshots(app: string, volumeId: string): SnapshotRecord[] {
    this.world.volumeOf(app, volumeId);
    return this.world.snapshots.get(volumeId) ?? [];
  }

  /**
   * Checks that a Machine in `region` (or anywhere, when undefined) may mount the volume, and returns it.
   * A `restoring` volume is refused: the notes leave it open, and refusing is the safer contract to test against.
   */
  mountable(app: string, volumeId: string, region: string | undefined, machineId: string | null): VolumeRecord {
    const volume = this.world.volumes.get(volumeId);
    if (!volume || volume.app !== app) throw failedPrecondition(`volume ${volumeId} not found`);
    if (volume.state === "pending_destroy") throw failedPrecondition(`volume ${volumeId} is pending_destroy`);
    if (volume.state === "restoring" || volume.state === "hydrating") throw failedPrecondition("volume is not ready");
    if (region !== undefined && volume.region !== region) {
      throw failedPrecondition(
        `volume ${volumeId} is in region ${volume.region}, not ${region}; create the machine in the volume's region`,
      );
    }
    if (volume.attachedMachineId && volume.attachedMachineId !== machineId) {
      throw failedPrecondition(`volume is currently bound to machine: ${volume.attachedMachineId}`);
    }
    return volume;
  }

  /** The Machine holding the volume was destroyed: it detaches after the detach lag. */
  detachLater(volumeId: string, machineId: string): void {
    const detach = () => {
      const volume = this.world.volumes.get(volumeId);
      if (volume?.attachedMachineId === machineId) volume.attachedMachineId = null;
    };
    if (this.options.detachLagMs === 0) detach();
    else this.clock.after(this.options.detachLagMs, detach);
  }
}

/** The Volume JSON; `summary` leaves out the block counts. `stateOverride` shows `destroyed` on the delete reply. */
export function volumeJson(
  volume: VolumeRecord,
  options: { summary?: boolean; stateOverride?: string } = {},
): VolumeJson {
  const json: VolumeJson = {
    id: volume.id,
    name: volume.name,
    state: options.stateOverride ?? volume.state,
    size_gb: volume.sizeGb,
    region: volume.region,
    zone: volume.zone,
    encrypted: volume.encrypted,
    created_at: new Date(volume.createdAt).toISOString(),
    fstype: volume.fstype,
    snapshot_retention: volume.snapshotRetention,
    auto_backup_enabled: volume.autoBackupEnabled,
    host_status: "ok",
    type: "local",
  };
  if (volume.attachedMachineId) json.attached_machine_id = volume.attachedMachineId;
  if (!options.summary) {
    const blocks = (volume.sizeGb * GIB) / BLOCK_SIZE;
    const usedBlocks = 4096;
    Object.assign(json, {
      block_size: BLOCK_SIZE,
      blocks,
      blocks_free: blocks - usedBlocks,
      blocks_avail: blocks - usedBlocks,
      bytes_total: volume.sizeGb * GIB,
      bytes_used: usedBlocks * BLOCK_SIZE,
    });
  }
  return json;
}

/** The VolumeSnapshot JSON. */
export function snapshotJson(snapshot: SnapshotRecord): VolumeSnapshotJson {
  return {
    id: snapshot.id,
    size: snapshot.sizeBytes,
    volume_size: snapshot.volumeSizeGb,
    digest: snapshot.digest,
    created_at: new Date(snapshot.createdAt).toISOString(),
    status: snapshot.status,
    retention_days: snapshot.retentionDays,
  };
}
