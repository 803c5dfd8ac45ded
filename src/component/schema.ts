/**
 * The component's tables. Each is built from the fields its records have today (defined in
 * validators/, where the return validators derive from them too), widened where rows written by
 * 0.1.x may still differ until upgradeFromV01 converts them.
 */
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  agentRecordFields,
  auditEventFields,
  sealedSecretsFields,
  snapshotRecordFields,
  tenantDefaultsFields,
  vLegacyAgentStatus,
  vSecretsPresence,
  vSnapshotStatus,
} from "./validators.js";
import { rolloutTables } from "./rollout/tables.js";

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
    // The sweep's reads, one Fly app at a time: stuck provisionings, agents with machines, and
    // failed agents whose resources are left.
    .index("by_flyAppName_status_statusChangedAt", ["flyAppName", "status", "statusChangedAt"])
    .index("by_flyAppName_status_resourcesCleanedUp", ["flyAppName", "status", "resourcesCleanedUp"]),

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
  auditEvents: defineTable(auditEventFields)
    .index("by_machineDocId", ["machineDocId"])
    .index("by_tenantId", ["tenantId"]),

  // ---- image rollouts (rollout/tables.ts) ----
  ...rolloutTables,
});
