import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vAgentOperation,
  vAgentStatus,
  vLegacyAgentStatus,
  vLifecycleMode,
  vAuditOutcome,
  vOperationKind,
  vProvisionStep,
  vSecretsPresence,
  vSnapshotStatus,
} from "./validators.js";
import { rolloutTables } from "./rollout/tables.js";

/** Encrypted secrets: the sealed JSON of the values, the key that sealed them, and which are present. */
const sealedSecretsFields = {
  /** Id of the encryption key (a hash prefix, never the key) that sealed `ciphertext`. */
  keyId: v.string(),
  /** `v1:<keyId>:<nonce b64>:<box b64>`, tweetnacl secretbox of the JSON of the values. */
  ciphertext: v.string(),
  present: vSecretsPresence,
  updatedAt: v.number(),
};

/**
 * An agent's record as this version writes it. Rows written by 0.1.x lack `agentKey`,
 * `flyAppName`, `statusChangedAt` and `image` until upgradeFromV01 converts them, so the
 * table below accepts them without these; code reads records through `requireUpgraded`
 * (agentRecord.ts), which gives this shape or says the upgrade must run first.
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

/** A snapshot's record as this version writes it (0.1.x rows lack `flyAppName` and `requestedAt`). */
export const snapshotRecordFields = {
  /** The agent snapshotted; absent only on a snapshot 0.1.x kept without an agent record. */
  machineDocId: v.optional(v.id("agentMachines")),
  tenantId: v.string(),
  userId: v.string(),
  flyAppName: v.string(),
  /** The volume snapshotted; absent only on a snapshot 0.1.x took without noting it. */
  flyVolumeId: v.optional(v.string()),
  flyVolumeSnapshotId: v.optional(v.string()),
  status: vSnapshotStatus,
  /** Size of the snapshotted volume: a restore needs a volume at least this large. */
  volumeSizeGb: v.optional(v.number()),
  sizeBytes: v.optional(v.number()),
  requestedAt: v.number(),
  completedAt: v.optional(v.number()),
  lastError: v.optional(v.string()),
};

/** Non-secret defaults a tenant may store beside its secrets (0.1.x sealed them; they are not secret). */
export const tenantDefaultsFields = {
  flyAppName: v.optional(v.string()),
  image: v.optional(v.string()),
  llmModel: v.optional(v.string()),
  allowedSkillsJson: v.optional(v.string()),
};

/** 0.1.x sealed each secret on its own: `base64(iv).base64(AES-256-GCM ciphertext+tag)`. */
const legacySealed = v.optional(v.string());

export default defineSchema({
  /**
   * One row per agent: a Fly machine and its volume, for one user of one tenant.
   * Written by provisioning (inserted as `provisioning`), every lifecycle action,
   * `syncAgentMachine` and the sweep. A deprovisioned agent stays as `deleted`, so its
   * history and snapshots can still be found; rows are never removed by the component.
   * Holds no secret: tokens and keys live only in the machine's env and, sealed, in the
   * secrets tables. Rows written by 0.1.x (no `agentKey`; `appKey` and `serviceKey` in
   * clear) stay as they are until upgradeFromV01 converts them.
   */
  agentMachines: defineTable({
    ...agentRecordFields,
    agentKey: v.optional(v.string()),
    flyAppName: v.optional(v.string()),
    status: vLegacyAgentStatus,
    statusChangedAt: v.optional(v.number()),
    image: v.optional(v.string()),
    /** 0.1.x only, in clear; upgradeFromV01 moves them into the user's sealed secrets. */
    appKey: v.optional(v.string()),
    serviceKey: v.optional(v.string()),
  })
    // Kept beside by_tenantId_status: paged listings read a tenant's agents in creation order.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_tenantId", ["tenantId"])
    .index("by_tenantId_status", ["tenantId", "status"])
    .index("by_tenantId_userId", ["tenantId", "userId"])
    .index("by_tenantId_image", ["tenantId", "image"])
    // Also finds the rows 0.1.x wrote (no agentKey) for upgradeFromV01.
    .index("by_agentKey", ["agentKey"])
    .index("by_status_statusChangedAt", ["status", "statusChangedAt"]),

  /**
   * One row per snapshot asked for. Inserted by createAgentSnapshot as `pending`, moved
   * along Fly's `waiting → running → created` (or to `failed`) as Fly reports it. Rows stay
   * after the agent is deleted: Fly keeps snapshots for their retention period, and
   * recreation restores from them. Rows written by 0.1.x (no `requestedAt`, a `manifest`)
   * stay as they are until upgradeFromV01 converts them.
   */
  agentSnapshots: defineTable({
    ...snapshotRecordFields,
    flyAppName: v.optional(v.string()),
    status: v.union(vSnapshotStatus, v.literal("restored")),
    requestedAt: v.optional(v.number()),
    /** 0.1.x only. */
    agentKey: v.optional(v.string()),
    snapshotStorageId: v.optional(v.string()),
    manifest: v.optional(
      v.object({
        sourceMachineId: v.optional(v.string()),
        sourceFlyVolumeId: v.optional(v.string()),
        image: v.optional(v.string()),
        region: v.string(),
        llmModel: v.optional(v.string()),
        backupScope: v.literal("openclaw-state-plus-manifest"),
        backupCreatedAt: v.number(),
        notes: v.optional(v.string()),
      }),
    ),
    restoreInfo: v.optional(
      v.object({ restoredMachineDocId: v.string(), restoredMachineId: v.string(), restoredAt: v.number() }),
    ),
  })
    .index("by_machineDocId", ["machineDocId"])
    .index("by_tenantId_userId", ["tenantId", "userId"])
    // Also finds the rows 0.1.x wrote (no requestedAt) for upgradeFromV01.
    .index("by_requestedAt", ["requestedAt"]),

  /**
   * A user's own secrets, sealed. Written by upsertAgentSecrets (one row per tenant and
   * user), re-sealed by rotateSecretsEncryptionKey, removed by clearAgentSecrets. Rows
   * written by 0.1.x (a `…Enc` field per secret, no `keyId`) stay as they are until
   * upgradeFromV01 re-seals them.
   */
  agentVmSecrets: defineTable({
    tenantId: v.string(),
    userId: v.string(),
    ...sealedSecretsFields,
    keyId: v.optional(v.string()),
    ciphertext: v.optional(v.string()),
    present: v.optional(vSecretsPresence),
    /** 0.1.x only. */
    agentKey: v.optional(v.string()),
    flyApiTokenEnc: legacySealed,
    llmApiKeyEnc: legacySealed,
    openaiApiKeyEnc: legacySealed,
    telegramBotTokenEnc: legacySealed,
    openclawGatewayTokenEnc: legacySealed,
  })
    .index("by_tenantId_userId", ["tenantId", "userId"])
    .index("by_keyId", ["keyId"]),

  /**
   * A tenant's defaults: secrets (sealed) used where a user has none of their own, and the
   * non-secret defaults (Fly app, image, model, skills). Written by upsertCompanySecrets,
   * re-sealed by rotation, removed by clearCompanySecrets. Rows written by 0.1.x (every
   * value in its own `…Enc` field, no `keyId`) stay as they are until upgradeFromV01.
   */
  companySecrets: defineTable({
    tenantId: v.string(),
    ...sealedSecretsFields,
    ...tenantDefaultsFields,
    keyId: v.optional(v.string()),
    ciphertext: v.optional(v.string()),
    present: v.optional(vSecretsPresence),
    /** 0.1.x only. */
    flyAppNameEnc: legacySealed,
    imageEnc: legacySealed,
    llmModelEnc: legacySealed,
    openclawAppKeyEnc: legacySealed,
    allowedSkillsJsonEnc: legacySealed,
    flyApiTokenEnc: legacySealed,
    llmApiKeyEnc: legacySealed,
    openaiApiKeyEnc: legacySealed,
    openclawGatewayTokenEnc: legacySealed,
  })
    .index("by_tenantId", ["tenantId"])
    .index("by_keyId", ["keyId"]),
  /**
   * One row per finished lifecycle operation: what, when, how it ended, how long it took
   * and the fly-request-ids of its Fly calls. Written when an operation ends; never updated.
   * Never holds a secret.
   */
  auditEvents: defineTable({
    tenantId: v.string(),
    machineDocId: v.optional(v.id("agentMachines")),
    userId: v.optional(v.string()),
    operation: vOperationKind,
    outcome: vAuditOutcome,
    startedAt: v.number(),
    durationMs: v.number(),
    error: v.optional(v.string()),
    detail: v.optional(v.string()),
    flyCalls: v.number(),
    flyRequestIds: v.array(v.string()),
  })
    .index("by_machineDocId", ["machineDocId"])
    .index("by_tenantId", ["tenantId"]),

  // ---- image rollouts (rollout/tables.ts) ----
  ...rolloutTables,
});
