/* eslint-disable */
/**
 * Generated `ComponentApi` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type { FunctionReference } from "convex/server";

/**
 * A utility for referencing a Convex component's exposed API.
 *
 * Useful when expecting a parameter like `components.myComponent`.
 * Usage:
 * ```ts
 * async function myFunction(ctx: QueryCtx, component: ComponentApi) {
 *   return ctx.runQuery(component.someFile.someQuery, { ...args });
 * }
 * ```
 */
export type ComponentApi<Name extends string | undefined = string | undefined> =
  {
    lib: {
      applyAllowedSkillsToMachine: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
        },
        null,
        Name
      >;
      approveTelegramPairing: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          machineDocId: string;
          telegramPairingCode: string;
        },
        null,
        Name
      >;
      approveTelegramPairingWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
          telegramPairingCode: string;
        },
        null,
        Name
      >;
      cancelImageRollout: FunctionReference<
        "mutation",
        "internal",
        { rolloutId: string },
        | "running"
        | "cancelling"
        | "stopping"
        | "completed"
        | "cancelled"
        | "stopped",
        Name
      >;
      clearAgentSecrets: FunctionReference<
        "mutation",
        "internal",
        { tenantId: string; userId: string },
        null,
        Name
      >;
      clearCompanySecrets: FunctionReference<
        "mutation",
        "internal",
        { tenantId: string },
        null,
        Name
      >;
      createAgentSnapshot: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          machineDocId: string;
        },
        {
          flyVolumeSnapshotId?: string;
          snapshotId: string;
          status: "pending" | "waiting" | "running" | "created" | "failed";
        },
        Name
      >;
      createAgentSnapshotWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
        },
        {
          flyVolumeSnapshotId?: string;
          snapshotId: string;
          status: "pending" | "waiting" | "running" | "created" | "failed";
        },
        Name
      >;
      deprovisionAgentMachine: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          machineDocId: string;
        },
        {
          alreadyDeleted: boolean;
          machineFound: boolean;
          machineRemovedFromFly: boolean;
          recordMarkedDeleted: boolean;
          volumeRemovedFromFly: boolean;
        },
        Name
      >;
      deprovisionAgentMachineWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
        },
        {
          alreadyDeleted: boolean;
          machineFound: boolean;
          machineRemovedFromFly: boolean;
          recordMarkedDeleted: boolean;
          volumeRemovedFromFly: boolean;
        },
        Name
      >;
      getAgentMachine: FunctionReference<
        "query",
        "internal",
        { machineDocId: string },
        {
          _creationTime: number;
          _id: string;
          agentKey: string;
          allowedSkills: Array<string>;
          bridgeUrl?: string;
          effectiveModel?: string;
          flyAppName: string;
          flyVolumeId?: string;
          gatewayHealthy?: boolean;
          image: string;
          imageDigest?: string;
          instanceId?: string;
          lastActivityAt?: number;
          lastError?: string;
          lastErrorAt?: number;
          lastSyncedAt?: number;
          lastWakeAt?: number;
          latestSnapshotId?: string;
          lifecycleMode?: "running" | "hibernated";
          llmModel?: string;
          machineId?: string;
          memoryMB: number;
          operation?: {
            deadline: number;
            id: string;
            kind:
              | "provision"
              | "recreate"
              | "start"
              | "stop"
              | "restart"
              | "deprovision"
              | "snapshot"
              | "pairing"
              | "update_skills"
              | "sync"
              | "sweep"
              | "upgrade_image";
            startedAt: number;
          };
          pairingLock?: { expiresAt: number; holder: string };
          region: string;
          replacedBy?: string;
          resourcesCleanedUp?: boolean;
          restoredFromSnapshotId?: string;
          secretsFrom?: {
            host: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            tenant: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            user: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
          };
          serviceId?: string;
          startupTimeoutSec?: number;
          status: "provisioning" | "running" | "stopped" | "error" | "deleted";
          statusChangedAt: number;
          statusReason?: string;
          step?:
            | "queued"
            | "creating_volume"
            | "restoring_volume"
            | "creating_machine"
            | "booting"
            | "waiting_for_gateway"
            | "setting_model"
            | "verifying_model"
            | "cleaning_up";
          tenantId: string;
          userId: string;
          verifyImageAtNextStart?: boolean;
        } | null,
        Name
      >;
      getAgentSecretsMeta: FunctionReference<
        "query",
        "internal",
        { tenantId: string; userId: string },
        {
          hasAppKey: boolean;
          hasFlyApiToken: boolean;
          hasLlmApiKey: boolean;
          hasOpenaiApiKey: boolean;
          hasOpenclawGatewayToken: boolean;
          hasServiceKey: boolean;
          hasTelegramBotToken: boolean;
          keyId: string;
          tenantId: string;
          updatedAt: number;
          userId: string;
        } | null,
        Name
      >;
      getCompanySecrets: FunctionReference<
        "query",
        "internal",
        { secretsEncryptionKey?: string; tenantId: string },
        {
          allowedSkillsJson?: string;
          flyAppName?: string;
          hasAllowedSkillsJson: boolean;
          hasAppKey: boolean;
          hasFlyApiToken: boolean;
          hasFlyAppName: boolean;
          hasImage: boolean;
          hasLlmApiKey: boolean;
          hasLlmModel: boolean;
          hasOpenaiApiKey: boolean;
          hasOpenclawAppKey: boolean;
          hasOpenclawGatewayToken: boolean;
          hasServiceKey: boolean;
          hasTelegramBotToken: boolean;
          image?: string;
          keyId: string;
          llmModel?: string;
          tenantId: string;
          updatedAt: number;
        } | null,
        Name
      >;
      getCompanySecretsMeta: FunctionReference<
        "query",
        "internal",
        { tenantId: string },
        {
          hasAllowedSkillsJson: boolean;
          hasAppKey: boolean;
          hasFlyApiToken: boolean;
          hasFlyAppName: boolean;
          hasImage: boolean;
          hasLlmApiKey: boolean;
          hasLlmModel: boolean;
          hasOpenaiApiKey: boolean;
          hasOpenclawAppKey: boolean;
          hasOpenclawGatewayToken: boolean;
          hasServiceKey: boolean;
          hasTelegramBotToken: boolean;
          keyId: string;
          tenantId: string;
          updatedAt: number;
        } | null,
        Name
      >;
      getImageRollout: FunctionReference<
        "query",
        "internal",
        { rolloutId: string },
        {
          _creationTime: number;
          _id: string;
          agents: Array<{
            _creationTime: number;
            _id: string;
            attempts: number;
            error?: string;
            finishedAt?: number;
            flyVolumeSnapshotId?: string;
            fromDigest?: string;
            fromImage: string;
            machineDocId: string;
            phase:
              | "pending"
              | "queued"
              | "snapshotting"
              | "updating"
              | "verifying"
              | "rolling_back"
              | "restoring"
              | "upgraded"
              | "rolled_back"
              | "restored"
              | "failed"
              | "skipped";
            position: number;
            restoredVolumeId?: string;
            retiredMachineId?: string;
            retiredVolumeId?: string;
            rolloutId: string;
            snapshotId?: string;
            snapshotRequestedAt?: number;
            startedAt?: number;
            tenantId: string;
            timings: {
              readyMs?: number;
              rollbackMs?: number;
              snapshotMs?: number;
              updateMs?: number;
            };
            toDigest?: string;
            toImage: string;
            userId: string;
            wasRunning?: boolean;
            wave?: number;
          }>;
          failed: number;
          finishedAt?: number;
          flyApiBaseUrl?: string;
          flyAppName: string;
          image: string;
          maxFailures: number;
          maxWaveSize: number;
          readyTimeoutSec?: number;
          skipped: number;
          startedAt: number;
          status:
            | "running"
            | "cancelling"
            | "stopping"
            | "completed"
            | "cancelled"
            | "stopped";
          statusReason?: string;
          tenantId: string;
          total: number;
          upgraded: number;
          waveSize: number;
          waves: Array<{
            failed: number;
            finishedAt?: number;
            index: number;
            notReached: number;
            size: number;
            skipped: number;
            startedAt: number;
            upgraded: number;
          }>;
        } | null,
        Name
      >;
      listAgentImagesByTenant: FunctionReference<
        "query",
        "internal",
        { tenantId: string },
        Array<{
          agents: Array<{
            imageDigest?: string;
            machineDocId: string;
            status:
              | "provisioning"
              | "running"
              | "stopped"
              | "error"
              | "deleted"
              | "hibernated";
            userId: string;
            verifyImageAtNextStart?: boolean;
          }>;
          count: number;
          digests: Array<{ count: number; digest: string }>;
          image: string;
          unknownDigest: number;
        }>,
        Name
      >;
      listAgentMachinesByTenant: FunctionReference<
        "query",
        "internal",
        {
          limit?: number;
          status?: "provisioning" | "running" | "stopped" | "error" | "deleted";
          tenantId: string;
        },
        Array<{
          _creationTime: number;
          _id: string;
          agentKey: string;
          allowedSkills: Array<string>;
          bridgeUrl?: string;
          effectiveModel?: string;
          flyAppName: string;
          flyVolumeId?: string;
          gatewayHealthy?: boolean;
          image: string;
          imageDigest?: string;
          instanceId?: string;
          lastActivityAt?: number;
          lastError?: string;
          lastErrorAt?: number;
          lastSyncedAt?: number;
          lastWakeAt?: number;
          latestSnapshotId?: string;
          lifecycleMode?: "running" | "hibernated";
          llmModel?: string;
          machineId?: string;
          memoryMB: number;
          operation?: {
            deadline: number;
            id: string;
            kind:
              | "provision"
              | "recreate"
              | "start"
              | "stop"
              | "restart"
              | "deprovision"
              | "snapshot"
              | "pairing"
              | "update_skills"
              | "sync"
              | "sweep"
              | "upgrade_image";
            startedAt: number;
          };
          pairingLock?: { expiresAt: number; holder: string };
          region: string;
          replacedBy?: string;
          resourcesCleanedUp?: boolean;
          restoredFromSnapshotId?: string;
          secretsFrom?: {
            host: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            tenant: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            user: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
          };
          serviceId?: string;
          startupTimeoutSec?: number;
          status: "provisioning" | "running" | "stopped" | "error" | "deleted";
          statusChangedAt: number;
          statusReason?: string;
          step?:
            | "queued"
            | "creating_volume"
            | "restoring_volume"
            | "creating_machine"
            | "booting"
            | "waiting_for_gateway"
            | "setting_model"
            | "verifying_model"
            | "cleaning_up";
          tenantId: string;
          userId: string;
          verifyImageAtNextStart?: boolean;
        }>,
        Name
      >;
      listAgentMachinesByTenantPage: FunctionReference<
        "query",
        "internal",
        {
          paginationOpts: {
            cursor: string | null;
            endCursor?: string | null;
            id?: number;
            maximumBytesRead?: number;
            maximumRowsRead?: number;
            numItems: number;
          };
          status?: "provisioning" | "running" | "stopped" | "error" | "deleted";
          tenantId: string;
        },
        {
          continueCursor: string;
          isDone: boolean;
          page: Array<{
            _creationTime: number;
            _id: string;
            agentKey: string;
            allowedSkills: Array<string>;
            bridgeUrl?: string;
            effectiveModel?: string;
            flyAppName: string;
            flyVolumeId?: string;
            gatewayHealthy?: boolean;
            image: string;
            imageDigest?: string;
            instanceId?: string;
            lastActivityAt?: number;
            lastError?: string;
            lastErrorAt?: number;
            lastSyncedAt?: number;
            lastWakeAt?: number;
            latestSnapshotId?: string;
            lifecycleMode?: "running" | "hibernated";
            llmModel?: string;
            machineId?: string;
            memoryMB: number;
            operation?: {
              deadline: number;
              id: string;
              kind:
                | "provision"
                | "recreate"
                | "start"
                | "stop"
                | "restart"
                | "deprovision"
                | "snapshot"
                | "pairing"
                | "update_skills"
                | "sync"
                | "sweep"
                | "upgrade_image";
              startedAt: number;
            };
            pairingLock?: { expiresAt: number; holder: string };
            region: string;
            replacedBy?: string;
            resourcesCleanedUp?: boolean;
            restoredFromSnapshotId?: string;
            secretsFrom?: {
              host: Array<
                | "flyApiToken"
                | "llmApiKey"
                | "openaiApiKey"
                | "openclawGatewayToken"
                | "telegramBotToken"
                | "serviceKey"
                | "appKey"
              >;
              tenant: Array<
                | "flyApiToken"
                | "llmApiKey"
                | "openaiApiKey"
                | "openclawGatewayToken"
                | "telegramBotToken"
                | "serviceKey"
                | "appKey"
              >;
              user: Array<
                | "flyApiToken"
                | "llmApiKey"
                | "openaiApiKey"
                | "openclawGatewayToken"
                | "telegramBotToken"
                | "serviceKey"
                | "appKey"
              >;
            };
            serviceId?: string;
            startupTimeoutSec?: number;
            status:
              "provisioning" | "running" | "stopped" | "error" | "deleted";
            statusChangedAt: number;
            statusReason?: string;
            step?:
              | "queued"
              | "creating_volume"
              | "restoring_volume"
              | "creating_machine"
              | "booting"
              | "waiting_for_gateway"
              | "setting_model"
              | "verifying_model"
              | "cleaning_up";
            tenantId: string;
            userId: string;
            verifyImageAtNextStart?: boolean;
          }>;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
          splitCursor?: string | null;
        },
        Name
      >;
      listAgentSnapshots: FunctionReference<
        "query",
        "internal",
        { limit?: number; machineDocId: string },
        Array<{
          _creationTime: number;
          _id: string;
          completedAt?: number;
          flyAppName: string;
          flyVolumeId?: string;
          flyVolumeSnapshotId?: string;
          lastError?: string;
          machineDocId?: string;
          requestedAt: number;
          sizeBytes?: number;
          status: "pending" | "waiting" | "running" | "created" | "failed";
          tenantId: string;
          userId: string;
          volumeSizeGb?: number;
        }>,
        Name
      >;
      listAuditEventsByMachine: FunctionReference<
        "query",
        "internal",
        {
          machineDocId: string;
          paginationOpts: {
            cursor: string | null;
            endCursor?: string | null;
            id?: number;
            maximumBytesRead?: number;
            maximumRowsRead?: number;
            numItems: number;
          };
        },
        {
          continueCursor: string;
          isDone: boolean;
          page: Array<{
            _creationTime: number;
            _id: string;
            detail?: string;
            durationMs: number;
            error?: string;
            flyCalls: number;
            flyRequestIds: Array<string>;
            machineDocId?: string;
            operation:
              | "provision"
              | "recreate"
              | "start"
              | "stop"
              | "restart"
              | "deprovision"
              | "snapshot"
              | "pairing"
              | "update_skills"
              | "sync"
              | "sweep"
              | "upgrade_image";
            outcome: "succeeded" | "failed";
            startedAt: number;
            tenantId: string;
            userId?: string;
          }>;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
          splitCursor?: string | null;
        },
        Name
      >;
      listAuditEventsByTenant: FunctionReference<
        "query",
        "internal",
        {
          paginationOpts: {
            cursor: string | null;
            endCursor?: string | null;
            id?: number;
            maximumBytesRead?: number;
            maximumRowsRead?: number;
            numItems: number;
          };
          tenantId: string;
        },
        {
          continueCursor: string;
          isDone: boolean;
          page: Array<{
            _creationTime: number;
            _id: string;
            detail?: string;
            durationMs: number;
            error?: string;
            flyCalls: number;
            flyRequestIds: Array<string>;
            machineDocId?: string;
            operation:
              | "provision"
              | "recreate"
              | "start"
              | "stop"
              | "restart"
              | "deprovision"
              | "snapshot"
              | "pairing"
              | "update_skills"
              | "sync"
              | "sweep"
              | "upgrade_image";
            outcome: "succeeded" | "failed";
            startedAt: number;
            tenantId: string;
            userId?: string;
          }>;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
          splitCursor?: string | null;
        },
        Name
      >;
      listImageRollouts: FunctionReference<
        "query",
        "internal",
        { limit?: number; tenantId: string },
        Array<{
          _creationTime: number;
          _id: string;
          failed: number;
          finishedAt?: number;
          flyApiBaseUrl?: string;
          flyAppName: string;
          image: string;
          maxFailures: number;
          maxWaveSize: number;
          readyTimeoutSec?: number;
          skipped: number;
          startedAt: number;
          status:
            | "running"
            | "cancelling"
            | "stopping"
            | "completed"
            | "cancelled"
            | "stopped";
          statusReason?: string;
          tenantId: string;
          total: number;
          upgraded: number;
          waveSize: number;
          waves: Array<{
            failed: number;
            finishedAt?: number;
            index: number;
            notReached: number;
            size: number;
            skipped: number;
            startedAt: number;
            upgraded: number;
          }>;
        }>,
        Name
      >;
      provisionAgentMachine: FunctionReference<
        "action",
        "internal",
        {
          allowedSkills?: Array<string>;
          allowedSkillsJson?: string;
          appKey?: string;
          bridgeUrl?: string;
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          gatewayDevMode?: boolean;
          image?: string;
          llmApiKey?: string;
          llmModel?: string;
          memoryMB?: number;
          openaiApiKey?: string;
          openclawGatewayToken: string;
          region?: string;
          restoreFromLatestSnapshot?: boolean;
          serviceId?: string;
          serviceKey?: string;
          startupTimeoutSec?: number;
          telegramBotToken?: string;
          tenantId: string;
          userId: string;
        },
        {
          effectiveModel?: string;
          machineDocId: string;
          machineId: string;
          restoredFromSnapshotId?: string;
          volumeId: string;
        },
        Name
      >;
      provisionAgentMachineWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          allowedSkills?: Array<string>;
          allowedSkillsJson?: string;
          appKey?: string;
          authorizedSecretsFrom?: {
            host: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            tenant: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            user: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
          };
          bridgeUrl?: string;
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          gatewayDevMode?: boolean;
          image?: string;
          llmApiKey?: string;
          llmModel?: string;
          memoryMB?: number;
          openaiApiKey?: string;
          openclawGatewayToken?: string;
          region?: string;
          restoreFromLatestSnapshot?: boolean;
          secretsEncryptionKey?: string;
          serviceId?: string;
          serviceKey?: string;
          startupTimeoutSec?: number;
          telegramBotToken?: string;
          tenantId: string;
          userId: string;
        },
        {
          effectiveModel?: string;
          machineDocId: string;
          machineId: string;
          restoredFromSnapshotId?: string;
          volumeId: string;
        },
        Name
      >;
      recreateAgentFromLatestSnapshot: FunctionReference<
        "action",
        "internal",
        {
          allowedSkills?: Array<string>;
          allowedSkillsJson?: string;
          appKey?: string;
          bridgeUrl?: string;
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          gatewayDevMode?: boolean;
          image?: string;
          llmApiKey?: string;
          llmModel?: string;
          memoryMB?: number;
          openaiApiKey?: string;
          openclawGatewayToken: string;
          region?: string;
          serviceId?: string;
          serviceKey?: string;
          startupTimeoutSec?: number;
          telegramBotToken?: string;
          tenantId: string;
          userId: string;
        },
        {
          effectiveModel?: string;
          machineDocId: string;
          machineId: string;
          restoredFromSnapshotId?: string;
          volumeId: string;
        },
        Name
      >;
      recreateAgentFromLatestSnapshotWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          allowedSkills?: Array<string>;
          allowedSkillsJson?: string;
          appKey?: string;
          authorizedSecretsFrom?: {
            host: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            tenant: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
            user: Array<
              | "flyApiToken"
              | "llmApiKey"
              | "openaiApiKey"
              | "openclawGatewayToken"
              | "telegramBotToken"
              | "serviceKey"
              | "appKey"
            >;
          };
          bridgeUrl?: string;
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          gatewayDevMode?: boolean;
          image?: string;
          llmApiKey?: string;
          llmModel?: string;
          memoryMB?: number;
          openaiApiKey?: string;
          openclawGatewayToken?: string;
          region?: string;
          secretsEncryptionKey?: string;
          serviceId?: string;
          serviceKey?: string;
          startupTimeoutSec?: number;
          telegramBotToken?: string;
          tenantId: string;
          userId: string;
        },
        {
          effectiveModel?: string;
          machineDocId: string;
          machineId: string;
          restoredFromSnapshotId?: string;
          volumeId: string;
        },
        Name
      >;
      restartAgentMachine: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          machineDocId: string;
        },
        null,
        Name
      >;
      restartAgentMachineWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
        },
        null,
        Name
      >;
      rotateSecretsEncryptionKey: FunctionReference<
        "action",
        "internal",
        {
          batchSize?: number;
          previousSecretsEncryptionKeys?: Array<string>;
          secretsEncryptionKey?: string;
        },
        { batches: number; keyId: string; rotated: number },
        Name
      >;
      startAgentMachine: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          machineDocId: string;
        },
        null,
        Name
      >;
      startAgentMachineWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
        },
        null,
        Name
      >;
      stopAgentMachine: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken: string;
          flyAppName: string;
          machineDocId: string;
        },
        null,
        Name
      >;
      stopAgentMachineWithStoredSecrets: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
        },
        null,
        Name
      >;
      sweepAgentMachines: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          staleAfterMs?: number;
        },
        {
          checked: number;
          failures: Array<string>;
          markedGone: number;
          repaired: number;
        },
        Name
      >;
      syncAgentMachine: FunctionReference<
        "action",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          machineDocId: string;
          secretsEncryptionKey?: string;
          staleAfterMs?: number;
        },
        "provisioning" | "running" | "stopped" | "error" | "deleted",
        Name
      >;
      touchAgentActivity: FunctionReference<
        "mutation",
        "internal",
        { machineDocId: string },
        null,
        Name
      >;
      updateAllowedSkills: FunctionReference<
        "mutation",
        "internal",
        {
          allowedSkills: Array<string>;
          applyToMachine?: boolean;
          machineDocId: string;
        },
        null,
        Name
      >;
      upgradeAgentImages: FunctionReference<
        "mutation",
        "internal",
        {
          flyApiBaseUrl?: string;
          flyApiToken?: string;
          flyAppName: string;
          image: string;
          maxFailures?: number;
          maxWaveSize?: number;
          readyTimeoutSec?: number;
          tenantId: string;
          waveSize?: number;
        },
        string,
        Name
      >;
      upgradeFromV01: FunctionReference<
        "action",
        "internal",
        {
          batchSize?: number;
          flyAppName: string;
          maxBatches?: number;
          secretsEncryptionKey?: string;
        },
        {
          agentMachines: number;
          agentSecrets: number;
          agentSnapshots: number;
          batches: number;
          companySecrets: number;
          done: boolean;
          keyAdvice?: string;
        },
        Name
      >;
      upsertAgentSecrets: FunctionReference<
        "mutation",
        "internal",
        {
          appKey?: string;
          flyApiToken?: string;
          llmApiKey?: string;
          openaiApiKey?: string;
          openclawGatewayToken?: string;
          secretsEncryptionKey?: string;
          serviceKey?: string;
          telegramBotToken?: string;
          tenantId: string;
          userId: string;
        },
        {
          hasAppKey: boolean;
          hasFlyApiToken: boolean;
          hasLlmApiKey: boolean;
          hasOpenaiApiKey: boolean;
          hasOpenclawGatewayToken: boolean;
          hasServiceKey: boolean;
          hasTelegramBotToken: boolean;
          keyId: string;
          tenantId: string;
          updatedAt: number;
          userId: string;
        },
        Name
      >;
      upsertCompanySecrets: FunctionReference<
        "mutation",
        "internal",
        {
          allowedSkillsJson?: string;
          appKey?: string;
          flyApiToken?: string;
          flyAppName?: string;
          image?: string;
          llmApiKey?: string;
          llmModel?: string;
          openaiApiKey?: string;
          openclawAppKey?: string;
          openclawGatewayToken?: string;
          secretsEncryptionKey?: string;
          serviceKey?: string;
          telegramBotToken?: string;
          tenantId: string;
        },
        {
          hasAllowedSkillsJson: boolean;
          hasAppKey: boolean;
          hasFlyApiToken: boolean;
          hasFlyAppName: boolean;
          hasImage: boolean;
          hasLlmApiKey: boolean;
          hasLlmModel: boolean;
          hasOpenaiApiKey: boolean;
          hasOpenclawAppKey: boolean;
          hasOpenclawGatewayToken: boolean;
          hasServiceKey: boolean;
          hasTelegramBotToken: boolean;
          keyId: string;
          tenantId: string;
          updatedAt: number;
        },
        Name
      >;
    };
  };
