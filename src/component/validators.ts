/**
 * Validators shared by the component and the client, each next to its type.
 */
import { v, type Infer } from "convex/values";

/**
 * What an agent is, as far as anyone can tell from Fly's real state.
 * - `provisioning`: Fly resources are being created (see `step`).
 * - `running`: the machine is started and its gateway answered.
 * - `stopped`: the machine is stopped; its volume keeps the agent's state.
 * - `error`: the last operation failed; `lastError` and `statusReason` say why,
 *   and `resourcesCleanedUp` says whether anything is left on Fly.
 * - `deleted`: the machine and volume are gone (snapshots may remain).
 */
export const vAgentStatus = v.union(
  v.literal("provisioning"),
  v.literal("running"),
  v.literal("stopped"),
  v.literal("error"),
  v.literal("deleted"),
);
export type AgentStatus = Infer<typeof vAgentStatus>;

/** Statuses a stored record may hold: 0.1.x also wrote `hibernated` (upgradeFromV01 makes it `stopped`). */
export const vLegacyAgentStatus = v.union(...vAgentStatus.members, v.literal("hibernated"));

/**
 * 0.1.x's `lifecycleMode`: `running` while the machine runs, `hibernated` while it is stopped
 * with its volume (and so the agent's state) kept. Reads derive it from the status.
 */
export const vLifecycleMode = v.union(v.literal("running"), v.literal("hibernated"));
export type LifecycleMode = Infer<typeof vLifecycleMode>;

/** The step a provisioning (or recreation) is at, in order. */
export const vProvisionStep = v.union(
  v.literal("queued"),
  v.literal("creating_volume"),
  v.literal("restoring_volume"),
  v.literal("creating_machine"),
  v.literal("booting"),
  v.literal("waiting_for_gateway"),
  v.literal("setting_model"),
  v.literal("verifying_model"),
  v.literal("cleaning_up"),
);
export type ProvisionStep = Infer<typeof vProvisionStep>;

/** Lifecycle operations, as recorded in the audit trail and on an agent's `operation`. */
export const vOperationKind = v.union(
  v.literal("provision"),
  v.literal("recreate"),
  v.literal("start"),
  v.literal("stop"),
  v.literal("restart"),
  v.literal("deprovision"),
  v.literal("snapshot"),
  v.literal("pairing"),
  v.literal("update_skills"),
  v.literal("sync"),
  v.literal("sweep"),
  /** One agent's part of an image rollout (rollout/step.ts). */
  v.literal("upgrade_image"),
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

export const vSnapshotStatus = v.union(
  v.literal("pending"),
  v.literal("waiting"),
  v.literal("running"),
  v.literal("created"),
  v.literal("failed"),
);
export type SnapshotStatus = Infer<typeof vSnapshotStatus>;

export const vAuditOutcome = v.union(v.literal("succeeded"), v.literal("failed"));
export type AuditOutcome = Infer<typeof vAuditOutcome>;

/** The secrets a user's agent (or, as defaults, a tenant) can have stored. */
export const SECRET_FIELDS = [
  "flyApiToken",
  "llmApiKey",
  "openaiApiKey",
  "openclawGatewayToken",
  "telegramBotToken",
  "serviceKey",
  "appKey",
] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];
export type SecretValues = Partial<Record<SecretField, string>>;

/** Which secrets are stored, never their values. */
export const vSecretsPresence = v.object({
  hasFlyApiToken: v.boolean(),
  hasLlmApiKey: v.boolean(),
  hasOpenaiApiKey: v.boolean(),
  hasOpenclawGatewayToken: v.boolean(),
  hasTelegramBotToken: v.boolean(),
  hasServiceKey: v.boolean(),
  hasAppKey: v.boolean(),
});
export type SecretsPresence = Infer<typeof vSecretsPresence>;

/** Secret arguments accepted by the upsert mutations (all optional: a missing one is kept). */
export const secretArgs = {
  flyApiToken: v.optional(v.string()),
  llmApiKey: v.optional(v.string()),
  openaiApiKey: v.optional(v.string()),
  openclawGatewayToken: v.optional(v.string()),
  telegramBotToken: v.optional(v.string()),
  serviceKey: v.optional(v.string()),
  appKey: v.optional(v.string()),
};

/** Arguments every Fly-calling action accepts besides its own. */
export const flyTargetArgs = {
  flyAppName: v.string(),
  /** Overrides the component's FLY_API_BASE_URL, e.g. the emulator's URL in tests. */
  flyApiBaseUrl: v.optional(v.string()),
};

/** The agent's runtime settings, with the original package's argument names. */
export const agentSpecArgs = {
  tenantId: v.string(),
  userId: v.string(),
  image: v.optional(v.string()),
  region: v.optional(v.string()),
  memoryMB: v.optional(v.number()),
  llmModel: v.optional(v.string()),
  llmApiKey: v.optional(v.string()),
  openaiApiKey: v.optional(v.string()),
  telegramBotToken: v.optional(v.string()),
  bridgeUrl: v.optional(v.string()),
  allowedSkills: v.optional(v.array(v.string())),
  allowedSkillsJson: v.optional(v.string()),
  appKey: v.optional(v.string()),
  serviceId: v.optional(v.string()),
  serviceKey: v.optional(v.string()),
  /** Seconds OpenClaw may take to bind its gateway before the machine restarts itself (default 240). */
  startupTimeoutSec: v.optional(v.number()),
  /** Start the gateway with `--dev` (OPENCLAW_GATEWAY_DEV_MODE=true). Off by default. */
  gatewayDevMode: v.optional(v.boolean()),
};

/** What provisioning and recreation return (the original's shape, plus the effective model). */
export const vProvisionResult = v.object({
  machineDocId: v.string(),
  machineId: v.string(),
  volumeId: v.string(),
  effectiveModel: v.optional(v.string()),
  restoredFromSnapshotId: v.optional(v.string()),
});
export type ProvisionResult = Infer<typeof vProvisionResult>;

/** What createAgentSnapshot returns: our snapshot row and Fly's snapshot id once known. */
export const vSnapshotResult = v.object({
  snapshotId: v.string(),
  flyVolumeSnapshotId: v.optional(v.string()),
  status: vSnapshotStatus,
});
export type SnapshotResult = Infer<typeof vSnapshotResult>;

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
