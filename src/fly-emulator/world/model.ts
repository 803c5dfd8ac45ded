/**
 * The records the emulator keeps: a Machine, a volume, a snapshot, a lease, a Machine event, and the OpenClaw state
 * an agent keeps on its volume. Internal shapes, rendered as Fly's JSON by `fly/machineView.ts` and `fly/volumes.ts`.
 */
import type { MachineConfigJson } from "../fly/jsonTypes.js";
import type { OpenClawRuntime } from "../image/openClawRuntime.js";
import type { Cancel } from "./clock.js";

/** Fly Machine states the emulator moves through (persistent, transient and terminal). */
export type MachineState =
  | "created"
  | "starting"
  | "started"
  | "stopping"
  | "stopped"
  | "suspending"
  | "suspended"
  | "restarting"
  | "replacing"
  | "destroying"
  | "destroyed"
  | "failed";

/** An approved Telegram pairing, as OpenClaw persists it. */
export interface ApprovedPairing {
  channel: "telegram";
  code: string;
  senderId: string;
  approvedAt: string;
}

/** A pairing request waiting for `pairing approve`. */
export interface PendingPairing {
  channel: "telegram";
  code: string;
  /** The Telegram user who asked (OpenClaw's request `id`). */
  senderId: string;
  requestedAt: string;
}

/**
 * What OpenClaw keeps in its state directory. It lives on the Machine's volume (so snapshots capture it), or on
 * the root filesystem of a Machine without a volume (reset at every boot).
 */
export interface AgentState {
  /** The persisted default model; null until first boot persists LLM_MODEL or `models set` runs. */
  model: string | null;
  approvedPairings: ApprovedPairing[];
  pendingPairings: PendingPairing[];
  /** The state format OpenClaw last wrote (0: never booted); see `image/catalog.ts`. */
  stateFormat: number;
  /** The OpenClaw version that last wrote the state, or null. */
  writtenBy: string | null;
}

/** A lease on a Machine; `expiresAt` is real time in ms. */
export interface LeaseRecord {
  nonce: string;
  owner: string;
  description: string;
  expiresAt: number;
  version: string;
}

/** One entry of a Machine's event history. */
export interface MachineEventRecord {
  id: string;
  type: string;
  status: MachineState;
  source: "user" | "flyd";
  timestamp: number;
  /** Details Fly attaches to some events, e.g. `{exit_event: {exit_code, …}}` on an exit. */
  request?: Record<string, unknown>;
}

/** Everything the emulator knows about one Machine. Created by POST machines, removed after destroyed retention. */
export interface MachineRecord {
  id: string;
  app: string;
  name: string;
  region: string;
  state: MachineState;
  instanceId: string;
  /** Every instance id this Machine has had, oldest first. */
  versions: string[];
  privateIp: string;
  config: MachineConfigJson;
  imageDigest: string;
  createdAt: number;
  updatedAt: number;
  /** Before this real time the Machine 404s on get and wait (visibility lag). */
  visibleAt: number;
  events: MachineEventRecord[];
  lease: LeaseRecord | null;
  volumeId: string | null;
  /** True while a timed transition (boot, stop, …) is under way. */
  transitioning: boolean;
  cancelTransition: Cancel | null;
  /** The simulated OpenClaw process of the current boot, null while not running. */
  runtime: OpenClawRuntime | null;
  /** Agent state on the root filesystem, for Machines without a volume. */
  rootfsAgent: AgentState;
  logs: string[];
}

/** Volume states the emulator uses (a subset of Fly's). */
export type VolumeState = "creating" | "created" | "restoring" | "hydrating" | "pending_destroy";

/** Everything the emulator knows about one volume. Soft-deleted volumes stay, as `pending_destroy`. */
export interface VolumeRecord {
  id: string;
  app: string;
  name: string;
  region: string;
  zone: string;
  sizeGb: number;
  state: VolumeState;
  encrypted: boolean;
  fstype: string;
  snapshotRetention: number;
  autoBackupEnabled: boolean;
  createdAt: number;
  /** Before this real time the volume 404s on get (read-after-create lag). */
  visibleAt: number;
  /** The volume sits on a host with no room left: a Machine mounting it cannot be placed. */
  hostFull: boolean;
  attachedMachineId: string | null;
  cancelTransition: Cancel | null;
  agent: AgentState;
}

/** Snapshot statuses, in order. */
export type SnapshotRecordStatus = "waiting" | "running" | "created";

/** A volume snapshot, with the agent state captured when it was requested. */
export interface SnapshotRecord {
  id: string;
  volumeId: string;
  app: string;
  sizeBytes: number;
  volumeSizeGb: number;
  digest: string;
  createdAt: number;
  status: SnapshotRecordStatus;
  retentionDays: number;
  agent: AgentState;
}

/** A fresh, empty agent state. */
export function emptyAgentState(): AgentState {
  return { model: null, approvedPairings: [], pendingPairings: [], stateFormat: 0, writtenBy: null };
}

/** A deep copy, so a snapshot or a fork does not share state with its source. */
export function cloneAgentState(agent: AgentState): AgentState {
  return {
    model: agent.model,
    approvedPairings: agent.approvedPairings.map((pairing) => ({ ...pairing })),
    pendingPairings: agent.pendingPairings.map((pairing) => ({ ...pairing })),
    stateFormat: agent.stateFormat,
    writtenBy: agent.writtenBy,
  };
}
