/**
 * The emulator's whole state in one object: the apps, Machines, volumes and snapshots it holds (records of
 * `model.ts`), the image catalog, and the change notifications a Machine wait listens to. The services of `fly/`
 * change it; `control/state.ts` reads it for tests.
 */
import { notFound } from "../fly/errorReplies.js";
import { ImageCatalog } from "../image/catalog.js";
import type { AgentState, MachineRecord, SnapshotRecord, VolumeRecord } from "./model.js";

/** The emulator's whole state: apps, Machines, volumes and snapshots, plus change notifications for waits. */
export class World {
  readonly apps = new Set<string>();
  readonly machines = new Map<string, MachineRecord>();
  readonly volumes = new Map<string, VolumeRecord>();
  /** Snapshots by volume id, oldest first; kept after the volume is deleted. */
  readonly snapshots = new Map<string, SnapshotRecord[]>();
  /** How each OpenClaw image reference behaves at boot, and its digest. */
  readonly images = new ImageCatalog();
  private readonly watchers = new Map<string, Set<() => void>>();

  /** Throws 404 `app not found` unless the app exists. */
  requireApp(app: string): void {
    if (!this.apps.has(app)) throw notFound("app");
  }

  /** Machine `id` of `app`, destroyed ones within retention included; 404 `machine not found` otherwise. */
  machineOf(app: string, id: string): MachineRecord {
    return ownedBy(this.machines, app, id, "machine");
  }

  /** Volume `id` of `app`, soft-deleted ones included; 404 `volume not found` otherwise. */
  volumeOf(app: string, id: string): VolumeRecord {
    return ownedBy(this.volumes, app, id, "volume");
  }

  /** Where this Machine's OpenClaw keeps its state: its volume, or its root filesystem. */
  agentOf(machine: MachineRecord): AgentState {
    const volume = machine.volumeId ? this.volumes.get(machine.volumeId) : undefined;
    return volume ? volume.agent : machine.rootfsAgent;
  }

  /** Calls `listener` whenever Machine `id` changes; returns the unsubscribe function. */
  watchMachine(id: string, listener: () => void): () => void {
    let listeners = this.watchers.get(id);
    if (!listeners) {
      listeners = new Set();
      this.watchers.set(id, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.watchers.delete(id);
    };
  }

  /** Tells the watchers of Machine `id` that it changed (or disappeared). */
  notifyMachine(id: string): void {
    for (const listener of [...(this.watchers.get(id) ?? [])]) listener();
  }

  /** Machines of one app, or of all apps, in creation order. */
  machinesOf(app?: string): MachineRecord[] {
    return [...this.machines.values()].filter((machine) => app === undefined || machine.app === app);
  }

  /** Volumes of one app, or of all apps, in creation order. */
  volumesOf(app?: string): VolumeRecord[] {
    return [...this.volumes.values()].filter((volume) => app === undefined || volume.app === app);
  }

  /** A snapshot by id, searched in one app's volumes. */
  findSnapshot(app: string, snapshotId: string): SnapshotRecord | undefined {
    for (const list of this.snapshots.values()) {
      const found = list.find((snapshot) => snapshot.id === snapshotId && snapshot.app === app);
      if (found) return found;
    }
    return undefined;
  }
}

/**
 * `record`, unless it is still inside its read-after-create lag (the `visibilityLagMs` behaviour).
 * @param now real time in ms.
 * @throws ErrorReply 404 `<what> not found` before `record.visibleAt`.
 */
export function requireVisible<T extends { visibleAt: number }>(record: T, now: number, what: "machine" | "volume"): T {
  if (now < record.visibleAt) throw notFound(what);
  return record;
}

function ownedBy<T extends { app: string }>(
  records: Map<string, T>,
  app: string,
  id: string,
  what: "machine" | "volume",
): T {
  const record = records.get(id);
  if (!record || record.app !== app) throw notFound(what);
  return record;
}
