/**
 * Provisioning an agent (and recreating one from a snapshot): volume, machine, boot, gateway,
 * model forced and verified. Each step is recorded on the agent as it happens. On any failure
 * every Fly resource made for the agent is removed before the record says `error`, so the
 * agent ends running or cleaned up, never half-made.
 */
import type { Doc, Id } from "./_generated/dataModel.js";
import { internal } from "./_generated/api.js";
import type { ActionCtx } from "./_generated/server.js";
import {
  agentMachineConfig,
  DEFAULT_VOLUME_SIZE_GB,
  machineNameFor,
  resolveAgentSpec,
  volumeNameFor,
  type AgentSpec,
  type AgentSpecInput,
} from "./agentSpec.js";
import { errorMessage, flyAgentsError, isFlyAgentsError } from "./errors.js";
import type { FlyVolume } from "./fly/client.js";
import { WAIT_BUDGETS_MS } from "./lifetime.js";
import { forceModel, waitForGateway } from "./openclaw.js";
import { audited, Operation } from "./operations.js";
import {
  createMachineOnce,
  createVolumeOnce,
  destroyAgentResources,
  waitForMachineState,
  waitForVolumeReady,
} from "./resources.js";
import { removeAgent } from "./lifecycle.js";
import { agentRedactor } from "./redaction.js";
import { ARGUMENT_SECRETS_HINT, requireFlyToken, STORED_SECRETS_HINT, withStoredValues } from "./secrets/resolve.js";
import type { ProvisionResult } from "./validators.js";

export type ProvisionArgs = AgentSpecInput & {
  flyApiToken?: string;
  flyApiBaseUrl?: string;
  secretsEncryptionKey?: string;
  restoreFromLatestSnapshot?: boolean;
};

type Snapshot = Doc<"agentSnapshots">;

/** A random tag for a new agent's Fly resources: 14 lowercase letters and digits. */
export function newAgentKey(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(14));
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join("");
}

/**
 * Provisions an agent, restoring the user's newest completed snapshot when there is one (unless
 * `restoreFromLatestSnapshot` is false); with `restoreFromLatestSnapshot: true` or
 * `mode: "recreate"`, a snapshot is required and the user's current agent is replaced.
 * Every check runs before anything is written or any Fly call is made.
 */
export async function provisionHandler(
  ctx: ActionCtx,
  rawArgs: ProvisionArgs,
  options: { storedSecrets: boolean; mode: "provision" | "recreate" },
): Promise<ProvisionResult> {
  const args = options.storedSecrets ? await withTenantDefaults(ctx, rawArgs) : rawArgs;
  const spec = resolveAgentSpec(args, options.storedSecrets ? STORED_SECRETS_HINT : ARGUMENT_SECRETS_HINT);
  const flyApiToken = requireFlyToken(args.flyApiToken, options.storedSecrets);
  const explicitRestore = options.mode === "recreate" || args.restoreFromLatestSnapshot === true;
  // As in 0.1.x, provisioning restores by default: without the flag, the user's newest
  // completed snapshot in this Fly app brings their state back; without one it starts empty.
  const latest =
    explicitRestore || args.restoreFromLatestSnapshot === undefined
      ? await ctx.runQuery(internal.snapshots.latestCompletedSnapshot, { tenantId: spec.tenantId, userId: spec.userId })
      : null;
  const snapshot = explicitRestore || latest?.flyAppName === spec.flyAppName ? latest : null;
  if (explicitRestore && !snapshot) {
    throw flyAgentsError(
      "snapshot_unavailable",
      `User ${JSON.stringify(spec.userId)} of tenant ${JSON.stringify(spec.tenantId)} has no completed snapshot to restore. ` +
        "Take one with createAgentSnapshot first; nothing was created.",
    );
  }
  if (snapshot && snapshot.flyAppName !== spec.flyAppName) {
    throw flyAgentsError(
      "invalid_argument",
      `The latest snapshot belongs to Fly app ${snapshot.flyAppName}; recreate the agent there (flyAppName: "${snapshot.flyAppName}").`,
    );
  }
  const replacing = explicitRestore
    ? await ctx.runQuery(internal.agents.activeAgentsOfUser, { tenantId: spec.tenantId, userId: spec.userId })
    : [];

  const redactor = await agentRedactor(ctx, spec, {
    secretsEncryptionKey: args.secretsEncryptionKey,
    secrets: [rawArgs, spec.secrets],
  });
  const op = new Operation(
    ctx,
    explicitRestore ? "recreate" : "provision",
    { flyApiToken, flyAppName: spec.flyAppName, flyApiBaseUrl: args.flyApiBaseUrl },
    redactor,
  );
  const agentKey = newAgentKey();
  const machineDocId = await ctx.runMutation(internal.agents.insertProvisioning, {
    tenantId: spec.tenantId,
    userId: spec.userId,
    agentKey,
    flyAppName: spec.flyAppName,
    region: spec.region,
    memoryMB: spec.memoryMB,
    image: spec.image,
    llmModel: spec.llmModel,
    allowedSkills: spec.allowedSkills,
    bridgeUrl: spec.bridgeUrl,
    serviceId: spec.serviceId,
    startupTimeoutSec: spec.startupTimeoutSec,
    restoredFromSnapshotId: snapshot?._id,
    replacing,
    operation: { kind: op.kind, id: op.id, startedAt: op.startedAt, deadline: op.clock.ownedUntil },
  });
  return await audited(
    op,
    () => ({ tenantId: spec.tenantId, userId: spec.userId, machineDocId }),
    async () => {
      const result = await buildAgent(op, machineDocId, agentKey, spec, snapshot);
      for (const previous of replacing) {
        try {
          await retireReplacedAgent(op, previous, machineDocId);
        } catch (error) {
          // The new agent runs; the old one stays as it was, and says why it was not retired.
          await op.audit(
            { tenantId: spec.tenantId, userId: spec.userId, machineDocId: previous },
            "failed",
            `Could not retire ${previous} after recreating it as ${machineDocId}: ${errorMessage(error)}`,
          );
        }
      }
      return result;
    },
    (result) => `machine ${result.machineId}, volume ${result.volumeId}, model ${result.effectiveModel}`,
  );
}

/**
 * The stored-secrets variants' values: arguments first, then the user's stored secrets, then
 * the tenant's (its sealed secrets and its image, model and skill defaults), as in 0.1.x.
 */
async function withTenantDefaults(ctx: ActionCtx, args: ProvisionArgs): Promise<ProvisionArgs> {
  const { values, defaults } = await withStoredValues(ctx, { tenantId: args.tenantId, userId: args.userId }, args);
  const noSkills = args.allowedSkills === undefined && args.allowedSkillsJson === undefined;
  return {
    ...values,
    image: args.image ?? defaults.image,
    llmModel: args.llmModel ?? defaults.llmModel,
    allowedSkillsJson: noSkills ? defaults.allowedSkillsJson : args.allowedSkillsJson,
  };
}

/** Creates the agent's resources; on failure removes them and records why. */
async function buildAgent(
  op: Operation,
  machineDocId: Id<"agentMachines">,
  agentKey: string,
  spec: AgentSpec,
  snapshot: Snapshot | null,
): Promise<ProvisionResult> {
  const made: { machineIds: string[]; volumeIds: string[] } = { machineIds: [], volumeIds: [] };
  try {
    let volume: FlyVolume;
    await op.update(machineDocId, { step: snapshot ? "restoring_volume" : "creating_volume" });
    volume = await createVolumeOnce(op.fly, agentKey, {
      name: volumeNameFor(agentKey),
      region: spec.region,
      sizeGb: Math.max(DEFAULT_VOLUME_SIZE_GB, snapshot?.volumeSizeGb ?? 0),
      snapshotId: snapshot?.flyVolumeSnapshotId,
    });
    made.volumeIds.push(volume.id);
    await op.update(machineDocId, { flyVolumeId: volume.id });
    try {
      volume = await waitForVolumeReady(op.fly, volume, op.waitUntil(WAIT_BUDGETS_MS.volumeReady));
    } catch (error) {
      if (!snapshot) throw error;
      throw flyAgentsError(
        "snapshot_unavailable",
        `Restoring snapshot ${snapshot.flyVolumeSnapshotId} into a new volume failed (${errorMessage(error)}). ` +
          "The agent was not started from an empty volume; its previous agent was kept.",
      );
    }

    await op.update(machineDocId, { step: "creating_machine" });
    const machine = await createMachineOnce(op.fly, agentKey, {
      name: machineNameFor(agentKey),
      region: volume.region ?? spec.region,
      config: agentMachineConfig(spec, { agentKey, machineDocId }, volume.id),
    });
    made.machineIds.push(machine.id);
    await op.update(machineDocId, {
      machineId: machine.id,
      instanceId: machine.instance_id,
      imageDigest: machine.image_ref?.digest,
      step: "booting",
    });

    await waitForMachineState(op.fly, machine.id, "started", op.waitUntil(WAIT_BUDGETS_MS.machineBoot));
    await op.update(machineDocId, { step: "waiting_for_gateway", lastWakeAt: Date.now() });
    const gatewayDeadline = op.waitUntil(spec.startupTimeoutSec * 1000);
    await waitForGateway(op.fly, machine.id, gatewayDeadline);

    await op.update(machineDocId, { step: "setting_model" });
    const effectiveModel = await forceModel(op.fly, machine.id, spec.llmModel, gatewayDeadline);

    await op.update(
      machineDocId,
      {
        status: "running",
        statusReason: snapshot ? `Restored from snapshot ${snapshot.flyVolumeSnapshotId}` : "Provisioned",
        effectiveModel,
        gatewayHealthy: true,
        lastError: null,
      },
      true,
    );
    return {
      machineDocId,
      machineId: machine.id,
      volumeId: volume.id,
      effectiveModel,
      ...(snapshot ? { restoredFromSnapshotId: snapshot._id } : {}),
    };
  } catch (error) {
    await failAndCleanUp(op, machineDocId, agentKey, made, error);
    throw error;
  }
}

/**
 * Removes everything made for a failed agent (including resources whose create answer was
 * lost, found by tag) and records the outcome. If another caller has taken the agent over,
 * it is that caller's to clean up.
 */
export async function failAndCleanUp(
  op: Operation,
  machineDocId: Id<"agentMachines">,
  agentKey: string,
  made: { machineIds: string[]; volumeIds: string[] },
  cause: unknown,
): Promise<void> {
  const message = errorMessage(await op.callerError(cause));
  try {
    await op.update(machineDocId, { step: "cleaning_up", lastError: message });
  } catch (error) {
    if (isFlyAgentsError(error, "operation_in_progress")) return;
    throw error;
  }
  let cleaned = true;
  let cleanupError = "";
  try {
    // The waits ended by clock.waitsEndBy: what is left until the deadline is the cleanup reserve.
    await destroyAgentResources(op.fly, { agentKey, ...made, searchByTag: true }, op.deadline);
  } catch (error) {
    cleaned = false;
    cleanupError = errorMessage(await op.callerError(error));
  }
  await op.update(
    machineDocId,
    {
      status: "error",
      statusReason: cleaned
        ? `${op.kind === "recreate" ? "Recreation" : "Provisioning"} failed; every Fly resource made for it was removed`
        : `${op.kind === "recreate" ? "Recreation" : "Provisioning"} failed and its cleanup did not finish (${cleanupError}); ` +
          "deprovisionAgentMachine or the sweep will remove what is left",
      lastError: message,
      resourcesCleanedUp: cleaned,
    },
    true,
  );
}

/** Deprovisions an agent the recreated one replaces, once the new one runs. */
async function retireReplacedAgent(op: Operation, previousId: Id<"agentMachines">, replacementId: string) {
  const previous = await op.ctx.runQuery(internal.agents.getAgent, { machineDocId: previousId });
  if (!previous || previous.status === "deleted") return;
  const retire = op.fork("deprovision");
  retire.redactor.expectMachine(previous.machineId);
  const owned = await retire.own(previousId);
  await removeAgent(retire, owned, `Replaced by ${replacementId} (recreated from a snapshot)`, {
    replacedBy: replacementId,
  });
  await retire.audit(
    { tenantId: previous.tenantId, userId: previous.userId, machineDocId: previousId },
    "succeeded",
    `replaced by ${replacementId}`,
  );
}
