import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vAgentOperation,
  vAgentStatus,
  vAuditOutcome,
  vOperationKind,
  vProvisionStep,
  vSecretsPresence,
  vSnapshotStatus,
} from "./validators.js";

/** Encrypted secrets: the sealed JSON of the values, the key that sealed them, and which are present. */
const sealedSecretsFields = {
  /** Id of the encryption key (a hash prefix, never the key) that sealed `ciphertext`. */
  keyId: v.string(),
  /** `v1:<keyId>:<nonce b64>:<box b64>`, tweetnacl secretbox of the JSON of the values. */
  ciphertext: v.string(),
  present: vSecretsPresence,
  updatedAt: v.number(),
};

export default defineSchema({
  /**
   * One row per agent: a Fly machine and its volume, for one user of one tenant.
   * Written by provisioning (inserted as `provisioning`), every lifecycle action,
   * `syncAgentMachine` and the sweep. A deprovisioned agent stays as `deleted`, so its
   * history and snapshots can still be found; rows are never removed by the component.
   * Holds no secret: tokens and keys live only in the machine's env and, sealed, in the
   * secrets tables.
   */
  agentMachines: defineTable({
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
    image: v.string(),
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
  })
    // Kept beside by_tenantId_status: paged listings read a tenant's agents in creation order.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_tenantId", ["tenantId"])
    .index("by_tenantId_status", ["tenantId", "status"])
    .index("by_tenantId_userId", ["tenantId", "userId"])
    .index("by_agentKey", ["agentKey"])
    .index("by_status_statusChangedAt", ["status", "statusChangedAt"]),

  /**
   * One row per snapshot asked for. Inserted by createAgentSnapshot as `pending`, moved
   * along Fly's `waiting → running → created` (or to `failed`) as Fly reports it. Rows stay
   * after the agent is deleted: Fly keeps snapshots for their retention period, and
   * recreation restores from them.
   */
  agentSnapshots: defineTable({
    machineDocId: v.id("agentMachines"),
    tenantId: v.string(),
    userId: v.string(),
    flyAppName: v.string(),
    flyVolumeId: v.string(),
    flyVolumeSnapshotId: v.optional(v.string()),
    status: vSnapshotStatus,
    /** Size of the snapshotted volume: a restore needs a volume at least this large. */
    volumeSizeGb: v.optional(v.number()),
    sizeBytes: v.optional(v.number()),
    requestedAt: v.number(),
    completedAt: v.optional(v.number()),
    lastError: v.optional(v.string()),
  })
    .index("by_machineDocId", ["machineDocId"])
    .index("by_tenantId_userId", ["tenantId", "userId"]),

  /**
   * A user's own secrets, sealed. Written by upsertAgentSecrets (one row per tenant and
   * user), re-sealed by rotateSecretsEncryptionKey, removed by clearAgentSecrets.
   */
  agentVmSecrets: defineTable({
    tenantId: v.string(),
    userId: v.string(),
    ...sealedSecretsFields,
  })
    .index("by_tenantId_userId", ["tenantId", "userId"])
    .index("by_keyId", ["keyId"]),

  /**
   * A tenant's default secrets, used where a user has none of their own. Written by
   * upsertCompanySecrets, re-sealed by rotation, removed by clearCompanySecrets.
   */
  companySecrets: defineTable({
    tenantId: v.string(),
    ...sealedSecretsFields,
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
});
