/**
 * Validators of agents: an agent's status, steps and operations, the fields of its record (the
 * `agentMachines` table is built from them in schema.ts) and what the lifecycle functions return.
 */
import { v, type Infer, type VString } from "convex/values";
import { literals } from "convex-helpers/validators";
import { vSecretsSource } from "./secrets.js";

/**
 * What an agent is, as far as anyone can tell from Fly's real state.
 * - `provisioning`: Fly resources are being created (see `step`).
 * - `running`: the machine is started and its gateway answered.
 * - `stopped`: the machine is stopped; its volume keeps the agent's state.
 * - `error`: the last operation failed; `lastError` and `statusReason` say why,
 *   and `resourcesCleanedUp` says whether anything is left on Fly.
 * - `deleted`: the machine and volume are gone (snapshots may remain).
 */
export const vAgentStatus = literals("provisioning", "running", "stopped", "error", "deleted");
export type AgentStatus = Infer<typeof vAgentStatus>;

/** Statuses a stored record may hold: 0.1.x also wrote `hibernated` (upgradeFromV01 makes it `stopped`). */
export const vLegacyAgentStatus = v.union(...vAgentStatus.members, v.literal("hibernated"));

/**
 * 0.1.x's `lifecycleMode`: `running` while the machine runs, `hibernated` while it is stopped
 * with its volume (and so the agent's state) kept. Reads derive it from the status.
 */
export const vLifecycleMode = literals("running", "hibernated");
export type LifecycleMode = Infer<typeof vLifecycleMode>;

/** The step a provisioning (or recreation) is at, in order. */
export const vProvisionStep = literals(
  "queued",
  "creating_volume",
  "restoring_volume",
  "creating_machine",
  "booting",
  "waiting_for_gateway",
  "setting_model",
  "verifying_model",
  "cleaning_up",
);
export type ProvisionStep = Infer<typeof vProvisionStep>;

/**
 * Lifecycle operations, as recorded in the audit trail and on an agent's `operation`.
 * `upgrade_image` is one agent's part of an image rollout (rollout/step.ts).
 */
export const vOperationKind = literals(
  "provision",
  "recreate",
  "start",
  "stop",
  "restart",
  "deprovision",
  "snapshot",
  "pairing",
  "update_skills",
  "sync",
  "sweep",
  "upgrade_image",
);
export type OperationKind = Infer<typeof vOperationKind>;

/** The operation in flight on an agent: only its owner may advance the agent's record. */
export const vAgentOperation = v.object({
  kind: vOperationKind,
  id: v.string(),
  startedAt: v.number(),
  /** After this time the owner is presumed dead and the sweep may take over. */
  deadline: v.number(),
});
export type AgentOperation = Infer<typeof vAgentOperation>;

/**
 * An agent's record as this version writes it. Rows written by 0.1.x lack `agentKey`,
 * `flyAppName`, `statusChangedAt` and `image` until upgradeFromV01 converts them, so the
 * `agentMachines` table accepts them without these (schema.ts); code reads records through
 * `requireUpgraded` (agentRecord.ts), which gives this shape or says the upgrade must run first.
 */
export const agentRecordFields = {
  tenantId: v.string(),
  userId: v.string(),
  /** Tag on every Fly resource made for this agent: volume and machine name, machine metadata. */
  agentKey: v.string(),
  flyAppName: v.string(),
  status: vAgentStatus,
  /** Why the agent is in its status, in words a person can act on. */
  statusReason: v.optional(v.string()),
  statusChangedAt: v.number(),
  step: v.optional(vProvisionStep),
  operation: v.optional(vAgentOperation),
  machineId: v.optional(v.string()),
  flyVolumeId: v.optional(v.string()),
  instanceId: v.optional(v.string()),
  region: v.string(),
  memoryMB: v.number(),
  /** The image reference the machine was created from (a tag can move; see imageDigest). */
  image: v.string(),
  /** The digest of the image the machine runs, from Fly's `image_ref.digest` (`sha256:…`). */
  imageDigest: v.optional(v.string()),
  /** True after a rollout updated the stopped machine: its next start verifies the new image. */
  verifyImageAtNextStart: v.optional(v.boolean()),
  llmModel: v.optional(v.string()),
  /** Seconds OpenClaw may take to bind its gateway after boot (OPENCLAW_STARTUP_TIMEOUT_SEC). */
  startupTimeoutSec: v.optional(v.number()),
  /** The model OpenClaw reported after provisioning (`models status --plain`). */
  effectiveModel: v.optional(v.string()),
  allowedSkills: v.array(v.string()),
  bridgeUrl: v.optional(v.string()),
  serviceId: v.optional(v.string()),
  /**
   * Where the secrets its Machine was given came from (user's, tenant's, host's: names only),
   * written by the stored-secrets provisioning and recreation; absent when they were passed as
   * arguments, and on agents provisioned before it was recorded.
   */
  secretsFrom: v.optional(vSecretsSource),
  lastError: v.optional(v.string()),
  lastErrorAt: v.optional(v.number()),
  /** On `error`: true once every Fly resource made for the agent is gone. */
  resourcesCleanedUp: v.optional(v.boolean()),
  /** False after a pairing wedged the gateway, until a restart. */
  gatewayHealthy: v.optional(v.boolean()),
  pairingLock: v.optional(v.object({ holder: v.string(), expiresAt: v.number() })),
  lastActivityAt: v.optional(v.number()),
  lastWakeAt: v.optional(v.number()),
  lastSyncedAt: v.optional(v.number()),
  latestSnapshotId: v.optional(v.string()),
  restoredFromSnapshotId: v.optional(v.string()),
  replacedBy: v.optional(v.string()),
  /** 0.1.x's name for running vs stopped-with-state-kept; kept on upgraded rows, derived on reads. */
  lifecycleMode: v.optional(vLifecycleMode),
};

/**
 * An agent's id (`machineDocId`, its record's `_id`) as a host app holds it: a string at run time,
 * typed apart from other strings. The client's results carry it (`FlyAgents`' provisioning and
 * agent reads, the auth callback's `AgentRef`), and a host app can store and validate it with
 * `vAgentId`. The component's own functions keep plain strings, in what they take and in what they
 * return: codegen writes `components.flyAgents.lib`'s ids as plain strings whatever the validator's
 * type, so a branded return validator would refuse host apps that wrap those results in it, and an
 * id that names no agent is refused at run time (`not_found`) whatever its type.
 */
export type AgentId = string & { readonly __isAgentId: true };
export const vAgentId = v.string() as VString<AgentId>;

/**
 * A record's system fields as callers see them. Ids are plain strings: that is what they are
 * outside the component, so host apps can reuse the validators built with them as `returns`.
 */
export const publicSystemFields = { _id: v.string(), _creationTime: v.number() };

/**
 * An agent as callers see it: its record, which holds no secret (0.1.x's `appKey` and
 * `serviceKey` are withheld), with 0.1.x's `lifecycleMode` derived from its status.
 */
export const vAgentMachine = v.object({ ...agentRecordFields, ...publicSystemFields });
export type AgentMachine = Infer<typeof vAgentMachine>;

/** What provisioning and recreation return (the original's shape, plus the effective model). */
export const vProvisionResult = v.object({
  machineDocId: v.string(),
  machineId: v.string(),
  volumeId: v.string(),
  effectiveModel: v.optional(v.string()),
  restoredFromSnapshotId: v.optional(v.string()),
});
export type ProvisionResult = Infer<typeof vProvisionResult>;

/**
 * What deprovisioning returns (0.1.x's shape). On success every flag but `machineFound` is
 * true: `machineFound` says whether Fly still held the agent's machine; `alreadyDeleted`
 * says the agent was already deprovisioned (by an earlier or a concurrent call).
 */
export const vDeprovisionResult = v.object({
  alreadyDeleted: v.boolean(),
  machineFound: v.boolean(),
  machineRemovedFromFly: v.boolean(),
  volumeRemovedFromFly: v.boolean(),
  recordMarkedDeleted: v.boolean(),
});
export type DeprovisionResult = Infer<typeof vDeprovisionResult>;

/** What sweepAgentMachines returns: agents repaired, machines checked and found gone, and why any failed. */
export const vSweepResult = v.object({
  repaired: v.number(),
  checked: v.number(),
  markedGone: v.number(),
  failures: v.array(v.string()),
});
export type SweepResult = Infer<typeof vSweepResult>;
