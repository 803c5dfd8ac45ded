/**
 * The state handle (`emulator.state`): how a test in the same process reads the emulator (Machines and volumes
 * as Fly's JSON, the agent state on a volume, the gateway, logs, requests) and drives what no API call can (apps,
 * pairing codes, a destroy from Fly's dashboard, image behaviours).
 */
import type { MachineJson, VolumeJson, VolumeSnapshotJson } from "../fly/jsonTypes.js";
import type { MachineService } from "../fly/machines.js";
import { machineJson } from "../fly/machineView.js";
import { snapshotJson, volumeJson } from "../fly/volumes.js";
import type { OpenClawImage } from "../image/catalog.js";
import type { GatewayStatus } from "../image/openClawRuntime.js";
import type { Clock } from "../world/clock.js";
import type { ApprovedPairing } from "../world/model.js";
import type { World } from "../world/world.js";
import type { RequestLog, RequestLogEntry } from "./requestLog.js";

const APP_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/; // Fly app names: lowercase letters, digits and dashes

/** An agent's persisted OpenClaw state, as a test reads it. */
export interface AgentStateView {
  model: string | null;
  /** The state format OpenClaw last wrote (0: never booted). */
  stateFormat: number;
  /** The OpenClaw version that last wrote the state. */
  writtenBy: string | null;
  approvedPairings: ApprovedPairing[];
  pendingPairingCodes: string[];
}

/** Resources that still cost money: Machines not destroyed, volumes not deleted. */
export interface LiveResources {
  machines: MachineJson[];
  volumes: VolumeJson[];
}

/** Everything at once (GET /__emulator/state). */
export interface EmulatorStateDump {
  apps: string[];
  machines: MachineJson[];
  volumes: VolumeJson[];
  snapshots: Record<string, VolumeSnapshotJson[]>;
}

/** Reads and drives the emulator from the test process. Machines and volumes are returned as Fly's JSON. */
export interface FlyEmulatorState {
  /** Adds an app (names: lowercase letters, digits, dashes). Adding an existing app does nothing. */
  createApp(name: string): void;
  /** The apps that exist. */
  apps(): string[];
  /** Machines (destroyed ones still within retention included), of one app or all. */
  machines(app?: string): MachineJson[];
  /** One Machine, or undefined. */
  machine(app: string, machineId: string): MachineJson | undefined;
  /** Volumes (soft-deleted ones included, as `pending_destroy`), of one app or all. */
  volumes(app?: string): VolumeJson[];
  /** A volume's snapshots, oldest first. */
  snapshots(volumeId: string): VolumeSnapshotJson[];
  /** What was not cleaned up: Machines not destroyed and volumes not deleted. */
  liveResources(app?: string): LiveResources;
  /** The OpenClaw state stored on a volume, or undefined for an unknown volume. */
  agentState(volumeId: string): AgentStateView | undefined;
  /** The simulated gateway of a Machine, or null while the Machine is not running. Throws for an unknown Machine. */
  gateway(app: string, machineId: string): GatewayStatus | null;
  /** A Telegram user messages the bot: returns a new 8-character pairing code pending on that Machine. */
  issuePairingCode(app: string, machineId: string): string;
  /** The Machine's log lines, oldest first. */
  machineLogs(app: string, machineId: string): string[];
  /** Every API request so far. */
  requests(): RequestLogEntry[];
  /** Requests per operationId. */
  callCounts(): Record<string, number>;
  /** Forgets the request log. */
  resetRequests(): void;
  /** Destroys a Machine as Fly's dashboard would (no lease or force needed). */
  destroyMachineOutOfBand(app: string, machineId: string): void;
  /** Sets how an OpenClaw image reference behaves at boot (Machines booted afterwards use it). */
  defineImage(ref: string, image: OpenClawImage): void;
  /** Everything at once. */
  dump(): EmulatorStateDump;
}

/** Builds the state handle over the emulator's internals. */
export function createStateHandle(deps: {
  world: World;
  clock: Clock;
  machines: MachineService;
  requestLog: RequestLog;
}): FlyEmulatorState {
  const { world, clock, machines, requestLog } = deps;
  const machineList = (app?: string) => world.machinesOf(app).map((machine) => machineJson(machine, clock));
  const volumeList = (app?: string) => world.volumesOf(app).map((volume) => volumeJson(volume));
  const snapshotList = (volumeId: string) => (world.snapshots.get(volumeId) ?? []).map(snapshotJson);
  return {
    createApp(name) {
      if (!APP_NAME.test(name))
        throw new Error(`Invalid app name "${name}": use lowercase letters, digits and dashes (at most 63)`);
      world.apps.add(name);
    },
    apps: () => [...world.apps],
    machines: machineList,
    machine(app, machineId) {
      const machine = world.machines.get(machineId);
      return machine && machine.app === app ? machineJson(machine, clock) : undefined;
    },
    volumes: volumeList,
    snapshots: snapshotList,
    liveResources: (app) => ({
      machines: machineList(app).filter((machine) => machine.state !== "destroyed"),
      volumes: volumeList(app).filter((volume) => volume.state !== "pending_destroy" && volume.state !== "destroyed"),
    }),
    agentState(volumeId) {
      const agent = world.volumes.get(volumeId)?.agent;
      if (!agent) return undefined;
      return {
        model: agent.model,
        stateFormat: agent.stateFormat,
        writtenBy: agent.writtenBy,
        approvedPairings: agent.approvedPairings.map((pairing) => ({ ...pairing })),
        pendingPairingCodes: agent.pendingPairings.map((pairing) => pairing.code),
      };
    },
    gateway: (app, machineId) => world.machineOf(app, machineId).runtime?.status() ?? null,
    issuePairingCode: (app, machineId) => machines.issuePairingCode(app, machineId),
    machineLogs: (app, machineId) => [...world.machineOf(app, machineId).logs],
    requests: () => requestLog.all(),
    callCounts: () => requestLog.callCounts(),
    resetRequests: () => requestLog.reset(),
    destroyMachineOutOfBand: (app, machineId) => machines.destroyOutOfBand(app, machineId),
    defineImage: (ref, image) => world.images.define(ref, image),
    dump: () => ({
      apps: [...world.apps],
      machines: machineList(),
      volumes: volumeList(),
      snapshots: Object.fromEntries([...world.snapshots.keys()].map((volumeId) => [volumeId, snapshotList(volumeId)])),
    }),
  };
}
