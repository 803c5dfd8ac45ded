/**
 * Provisioning an agent (and recreating one from a snapshot): volume and machine placed where Fly
 * has room, boot, OpenClaw serving (asked from inside the machine), model forced and verified. Each step is recorded on the agent as it happens. On any failure
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
  regionList,
  resolveAgentSpec,
  volumeNameFor,
  type AgentSpec,
  type AgentSpecInput,
} from "./agentSpec.js";
import { errorMessage, flyAgentsError, isFlyAgentsError } from "./errors.js";
import { WAIT_BUDGETS_MS } from "./lifetime.js";
import { forceModel, waitForOpenclaw } from "./openclaw.js";
import { audited, Operation, type OperationSubject } from "./operations.js";
import { placeAgent } from "./placement.js";
import { cleanupDeadline, destroyAgentResources, waitForMachineState } from "./resources.js";
import { removeAgent } from "./deprovisioning.js";
import { agentRedactor } from "./redaction.js";
import {
  ARGUMENT_SECRETS_HINT,
  requireAuthorizedSources,
  requireFlyToken,
  STORED_SECRETS_HINT,
  withStoredValues,
  type SecretsLookup,
} from "./secrets/resolve.js";
import { sleep } from "./time.js";
import type { ProvisionResult, SecretsSource } from "./validators.js";

/** How often an operation that was taken over looks whether the taker has ended. */
const TAKEOVER_POLL_MS = 250;

export type ProvisionArgs = AgentSpecInput & {
  flyApiToken?: string;
  flyApiBaseUrl?: string;
  secretsEncryptionKey?: string;
  restoreFromLatestSnapshot?: boolean;
  /** Where the caller's authorization saw each secret coming from (stored variants only). */
  authorizedSecretsFrom?: SecretsSource;
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
  options: { secrets: Exclude<SecretsLookup, "auto">; mode: "provision" | "recreate" },
): Promise<ProvisionResult> {
  const stored = options.secrets === "stored";
  const { args, sources } = stored ? await withTenantDefaults(ctx, rawArgs) : { args: rawArgs, sources: undefined };
  const spec = resolveAgentSpec(args, stored ? STORED_SECRETS_HINT : ARGUMENT_SECRETS_HINT);
  const flyApiToken = requireFlyToken(args.flyApiToken, options);
  // The secrets were read once, here: the agent gets them only from where its caller approved.
  if (rawArgs.authorizedSecretsFrom && sources) requireAuthorizedSources(rawArgs.authorizedSecretsFrom, sources);
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
  // Takes the new agent and, when recreating, the agents it replaces, or refuses with nothing made.
  const { machineDocId, replacing } = await ctx.runMutation(internal.agents.insertProvisioning, {
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
    ...(sources ? { secretsFrom: sources } : {}),
    replaceActive: explicitRestore,
    operation: { kind: op.kind, id: op.id, startedAt: op.startedAt, deadline: op.clock.ownedUntil },
  });
  op.holding(machineDocId, ...replacing);
  const subject = { tenantId: spec.tenantId, userId: spec.userId };
  return await audited(
    op,
    () => ({ ...subject, machineDocId }),
    async () => {
      const result = await buildAgent(op, machineDocId, agentKey, spec, snapshot);
      for (const previous of replacing) {
        try {
          await retireReplacedAgent(op, { ...subject, machineDocId: previous }, machineDocId);
        } catch {
          // The new agent runs. The deprovision's audit event says why the old one was not
          // removed; when Fly refused, its record says `resourcesCleanedUp: false` for the sweep.
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
async function withTenantDefaults(
  ctx: ActionCtx,
  args: ProvisionArgs,
): Promise<{ args: ProvisionArgs; sources: SecretsSource }> {
  const { values, defaults, sources } = await withStoredValues(
    ctx,
    { tenantId: args.tenantId, userId: args.userId },
    args,
  );
  const noSkills = args.allowedSkills === undefined && args.allowedSkillsJson === undefined;
  return {
    args: {
      ...values,
      image: args.image ?? defaults.image,
      llmModel: args.llmModel ?? defaults.llmModel,
      allowedSkillsJson: noSkills ? defaults.allowedSkillsJson : args.allowedSkillsJson,
    },
    sources,
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
    await op.update(machineDocId, { step: snapshot ? "restoring_volume" : "creating_volume" });
    const { volume, machine } = await placeAgent(op.fly, {
      agentKey,
      volumeName: volumeNameFor(agentKey),
      machineName: machineNameFor(agentKey),
      regions: regionList(spec.region),
      sizeGb: Math.max(DEFAULT_VOLUME_SIZE_GB, snapshot?.volumeSizeGb ?? 0),
      snapshotId: snapshot?.flyVolumeSnapshotId,
      config: (volumeId) => agentMachineConfig(spec, { agentKey, machineDocId }, volumeId),
      volumeDeadline: op.waitUntil(WAIT_BUDGETS_MS.volumeReady),
      onVolume: async (created) => {
        made.volumeIds.push(created.id);
        await op.update(machineDocId, { flyVolumeId: created.id });
      },
      onVolumeReady: async (ready) => {
        await op.update(machineDocId, { step: "creating_machine", ...(ready.region ? { region: ready.region } : {}) });
      },
      onMachine: async (created) => {
        made.machineIds.push(created.id);
        await op.update(machineDocId, {
          machineId: created.id,
          instanceId: created.instance_id,
          imageDigest: created.image_ref?.digest,
          step: "booting",
        });
      },
    });

    await waitForMachineState(op.fly, machine.id, "started", op.waitUntil(WAIT_BUDGETS_MS.machineBoot));
    await op.update(machineDocId, { step: "waiting_for_gateway", lastWakeAt: Date.now() });
    const startupDeadline = op.waitUntil(spec.startupTimeoutSec * 1000);
    await waitForOpenclaw(op.fly, machine.id, startupDeadline);
    await op.update(machineDocId, { step: "setting_model" });
    const effectiveModel = await forceModel(op.fly, machine.id, spec.llmModel, startupDeadline);

    await op.finish(machineDocId, {
      status: "running",
      statusReason: snapshot ? `Restored from snapshot ${snapshot.flyVolumeSnapshotId}` : "Provisioned",
      effectiveModel,
      gatewayHealthy: true,
      lastError: null,
    });
    return {
      machineDocId,
      machineId: machine.id,
      // 0.1.x's name in the result for what the record calls `flyVolumeId`.
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
 * lost, found by tag) and records the outcome: `resourcesCleanedUp: false` with the reason when
 * the cleanup could not finish in time (the sweep takes it from there). If another caller has
 * taken the agent over, the cleanup is the taker's, except for what this operation made that
 * the taker could not have seen (see `removeLateResources`).
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
    if (!isFlyAgentsError(error, "operation_in_progress")) throw error;
    await removeLateResources(op, machineDocId, made);
    return;
  }
  let cleaned = true;
  let cleanupError = "";
  try {
    // Bounded by cleanupDeadline: the waits ended by clock.waitsEndBy, so the reserve is left.
    await destroyAgentResources(op.fly, { agentKey, ...made, searchByTag: true }, cleanupDeadline(op.deadline));
  } catch (error) {
    cleaned = false;
    cleanupError = errorMessage(await op.callerError(error));
  }
  const what = op.kind === "recreate" ? "Recreation" : "Provisioning";
  await op.finish(machineDocId, {
    status: "error",
    statusReason: cleaned
      ? `${what} failed; every Fly resource made for it was removed`
      : `${what} failed and its cleanup did not finish (${cleanupError}); ` +
        "deprovisionAgentMachine or the sweep will remove what is left",
    lastError: message,
    resourcesCleanedUp: cleaned,
  });
}

/**
 * A provisioning taken over while it ran (the sweep or a sync judged it stuck) may have made a
 * volume or machine after the taker searched for them by tag: the taker cannot know them. Once
 * the taker has ended, this removes each resource `made` that the record does not keep (only a
 * running or stopped agent keeps its machine and volume). Bounded by the cleanup deadline; if
 * the taker is still at work then, what is left is the taker's to find.
 */
async function removeLateResources(
  op: Operation,
  machineDocId: Id<"agentMachines">,
  made: { machineIds: string[]; volumeIds: string[] },
): Promise<void> {
  if (made.machineIds.length === 0 && made.volumeIds.length === 0) return;
  const deadline = cleanupDeadline(op.deadline);
  for (;;) {
    const agent = await op.ctx.runQuery(internal.agents.getAgent, { machineDocId });
    if (!agent) return;
    if (!agent.operation || agent.operation.deadline <= Date.now()) {
      const kept = agent.status === "running" || agent.status === "stopped" ? [agent.machineId, agent.flyVolumeId] : [];
      const orphans = {
        agentKey: agent.agentKey,
        machineIds: made.machineIds.filter((id) => !kept.includes(id)),
        volumeIds: made.volumeIds.filter((id) => !kept.includes(id)),
        searchByTag: false,
      };
      try {
        await destroyAgentResources(op.fly, orphans, deadline);
      } catch (error) {
        await op.ctx.runMutation(internal.agents.noteLeftovers, {
          machineDocId,
          reason: `a late ${op.kind} left resources it could not remove (${op.redact(errorMessage(error))}); the sweep will remove them`,
        });
      }
      return;
    }
    if (Date.now() + TAKEOVER_POLL_MS > deadline) return;
    await sleep(TAKEOVER_POLL_MS);
  }
}

/**
 * Deprovisions an agent the recreated one replaces, once the new one runs. The recreation has
 * held it since it began and hands it to this deprovision, so nothing came between.
 */
async function retireReplacedAgent(
  op: Operation,
  previous: OperationSubject & { machineDocId: Id<"agentMachines"> },
  replacementId: string,
) {
  const retire = op.fork("deprovision");
  await audited(
    retire,
    () => previous,
    async () => {
      const owned = await retire.own(previous.machineDocId, { takeOverFrom: op });
      if (owned.status === "deleted") return;
      retire.redactor.expectMachine(owned.machineId);
      await removeAgent(retire, owned, `Replaced by ${replacementId} (recreated from a snapshot)`, {
        replacedBy: replacementId,
      });
    },
    () => `replaced by ${replacementId}`,
  );
}
