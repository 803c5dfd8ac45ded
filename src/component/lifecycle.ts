/**
 * Start, stop, restart and deprovision an existing agent. Each waits for the state it asked
 * Fly for and records what Fly then says. Deprovisioning is idempotent: a machine or volume
 * already gone counts as removed, and a second concurrent call joins the first.
 */
import type { Id } from "./_generated/dataModel.js";
import type { AgentRecord } from "./agentRecord.js";
import { internal } from "./_generated/api.js";
import type { ActionCtx } from "./_generated/server.js";
import { checkFlyAppName, DEFAULT_STARTUP_TIMEOUT_SEC } from "./agentSpec.js";
import { flyAgentsError, isFlyAgentsError } from "./errors.js";
import { WAIT_BUDGETS_MS } from "./lifetime.js";
import { checkId } from "./limits.js";
import { readMachine, recordIfGone, statusFromFly } from "./machineTruth.js";
import { readyWithModel } from "./openclaw.js";
import { audited, Operation } from "./operations.js";
import { agentRedactor } from "./redaction.js";
import { cleanupDeadline, destroyAgentResources, waitForMachineState, type RemovedResources } from "./resources.js";
import { requireFlyToken, withStoredSecrets } from "./secrets/resolve.js";
import { encryptionKeyRing } from "./settings.js";
import { sleep } from "./time.js";
import type { DeprovisionResult, OperationKind } from "./validators.js";
import { agentNotFound, type AgentPatch } from "./agents.js";

/** How often a joining deprovision looks at the first one's progress. */
const JOIN_POLL_MS = 250;

export type MachineTargetArgs = {
  machineDocId: string;
  flyAppName: string;
  flyApiToken?: string;
  flyApiBaseUrl?: string;
  secretsEncryptionKey?: string;
};

/**
 * Where an action's Fly token comes from: arguments only (`false`), stored secrets first
 * (`true`), or `"auto"`: the argument, else stored secrets when a key is bound, else FLY_API_TOKEN.
 */
export type SecretsMode = boolean | "auto";

/**
 * Resolves the Fly target of an existing agent: checks the app matches the agent's, and, for
 * stored-secrets variants, reads the Fly token from the agent's owner's stored secrets.
 */
export async function openAgentOperation(
  ctx: ActionCtx,
  kind: OperationKind,
  args: MachineTargetArgs,
  mode: SecretsMode,
): Promise<{ op: Operation; agent: AgentRecord }> {
  checkFlyAppName(args.flyAppName);
  checkId("machineDocId", args.machineDocId);
  const agent = await ctx.runQuery(internal.agents.getAgent, { machineDocId: args.machineDocId });
  if (!agent) throw agentNotFound(args.machineDocId);
  if (agent.flyAppName !== args.flyAppName) {
    throw flyAgentsError(
      "invalid_argument",
      `Agent ${agent._id} lives in Fly app ${agent.flyAppName}, not ${args.flyAppName}. Pass flyAppName: "${agent.flyAppName}".`,
      { machineDocId: agent._id },
    );
  }
  const storedSecrets =
    mode === "auto" ? args.flyApiToken === undefined && encryptionKeyRing(args.secretsEncryptionKey) !== null : mode;
  const resolved = storedSecrets
    ? await withStoredSecrets(ctx, { tenantId: agent.tenantId, userId: agent.userId }, args)
    : args;
  const flyApiToken = requireFlyToken(resolved.flyApiToken, mode !== false);
  const redactor = await agentRedactor(ctx, agent, {
    secretsEncryptionKey: args.secretsEncryptionKey,
    secrets: [args, resolved],
    machineId: agent.machineId,
  });
  const op = new Operation(
    ctx,
    kind,
    { flyApiToken, flyAppName: agent.flyAppName, flyApiBaseUrl: args.flyApiBaseUrl },
    redactor,
  );
  return { op, agent };
}

function subject(agent: AgentRecord) {
  return { tenantId: agent.tenantId, userId: agent.userId, machineDocId: agent._id };
}

function requireMachineId(agent: AgentRecord): string {
  if (!agent.machineId) {
    throw flyAgentsError("invalid_state", `Agent ${agent._id} has no Fly machine yet (${agent.status}).`, {
      machineDocId: agent._id,
    });
  }
  return agent.machineId;
}

/**
 * Records the truth about a failed start, stop or restart, then rethrows: a machine Fly no longer
 * has goes through `recordIfGone`; one Fly holds as `failed` (a boot whose process aborted) makes
 * the agent `error` with Fly's reason; otherwise the status stays (Fly holds the machine as
 * before) with the error noted, and a gateway that never served is marked unhealthy.
 */
async function recordFailure(op: Operation, agent: AgentRecord, error: unknown): Promise<never> {
  if (await recordIfGone(op, agent, error)) throw error;
  const message = (await op.callerError(error)).message;
  const machine = agent.machineId ? await readMachine(op.fly, agent.machineId).catch(() => undefined) : undefined;
  const patch: AgentPatch =
    machine?.state === "failed"
      ? { ...statusFromFly(agent, machine), lastError: message }
      : { lastError: message, ...(isFlyAgentsError(error, "gateway_unhealthy") ? { gatewayHealthy: false } : {}) };
  try {
    await op.update(agent._id, patch, true);
  } catch (updateError) {
    if (!isFlyAgentsError(updateError, "operation_in_progress")) throw updateError;
  }
  throw error;
}

export async function stopHandler(ctx: ActionCtx, args: MachineTargetArgs, mode: SecretsMode): Promise<null> {
  const { op, agent } = await openAgentOperation(ctx, "stop", args, mode);
  return await audited(
    op,
    () => subject(agent),
    async () => {
      const owned = await op.own(agent._id);
      const machineId = requireMachineId(owned);
      try {
        await op.fly.stopMachine(machineId);
        await waitForMachineState(op.fly, machineId, "stopped", op.waitUntil(WAIT_BUDGETS_MS.machineTransition));
      } catch (error) {
        return await recordFailure(op, owned, error);
      }
      await op.update(agent._id, { status: "stopped", statusReason: "Stopped", lastError: null }, true);
      return null;
    },
  );
}

/**
 * Starts (or restarts) the machine, waits until it is started (failing at once if the boot
 * settles in `failed`), then until OpenClaw serves, asked from inside the machine, and forces and
 * verifies the agent's model, which the image may have reset at boot: `running` is only recorded
 * once OpenClaw serves with that model.
 */
async function bringUp(
  ctx: ActionCtx,
  kind: "start" | "restart",
  args: MachineTargetArgs,
  mode: SecretsMode,
): Promise<null> {
  const { op, agent } = await openAgentOperation(ctx, kind, args, mode);
  return await audited(
    op,
    () => subject(agent),
    async () => {
      const owned = await op.own(agent._id);
      const machineId = requireMachineId(owned);
      let verified: AgentPatch = {};
      try {
        await (kind === "start" ? op.fly.startMachine(machineId) : op.fly.restartMachine(machineId));
        await waitForMachineState(op.fly, machineId, "started", op.waitUntil(WAIT_BUDGETS_MS.machineTransition));
        const deadline = op.waitUntil((owned.startupTimeoutSec ?? DEFAULT_STARTUP_TIMEOUT_SEC) * 1000);
        const effectiveModel = await readyWithModel(op.fly, machineId, owned.llmModel, deadline);
        verified = {
          ...(effectiveModel !== undefined ? { effectiveModel } : {}),
          ...(owned.verifyImageAtNextStart ? await newImageDigest(op, machineId) : {}),
        };
      } catch (error) {
        return await recordFailure(op, owned, error);
      }
      await op.update(
        agent._id,
        {
          ...verified,
          status: "running",
          statusReason: kind === "start" ? "Started" : "Restarted",
          gatewayHealthy: true,
          lastWakeAt: Date.now(),
          lastError: null,
        },
        true,
      );
      return null;
    },
  );
}

/**
 * The first boot after a rollout updated the stopped machine: the model was forced and verified
 * as after every boot; the digest of the image it now runs is recorded.
 */
async function newImageDigest(op: Operation, machineId: string): Promise<AgentPatch> {
  const machine = await op.fly.getMachine(machineId);
  return { imageDigest: machine.image_ref?.digest, verifyImageAtNextStart: false };
}

export function startHandler(ctx: ActionCtx, args: MachineTargetArgs, mode: SecretsMode): Promise<null> {
  return bringUp(ctx, "start", args, mode);
}

/** Restarts the machine: the way to recover a gateway a pairing left unhealthy. */
export function restartHandler(ctx: ActionCtx, args: MachineTargetArgs, mode: SecretsMode): Promise<null> {
  return bringUp(ctx, "restart", args, mode);
}

/** What deprovisioning an agent that was already deleted reports: nothing left to remove. */
const ALREADY_DELETED: DeprovisionResult = {
  alreadyDeleted: true,
  machineFound: false,
  machineRemovedFromFly: true,
  volumeRemovedFromFly: true,
  recordMarkedDeleted: true,
};

/**
 * Destroys the machine (forcing it if it runs), waits until Fly says destroyed, then deletes
 * the volume, retrying while Fly still holds it attached. Safe to repeat and to run twice at
 * once: the second call waits for the first and succeeds with it (reporting `alreadyDeleted`).
 */
export async function deprovisionHandler(
  ctx: ActionCtx,
  args: MachineTargetArgs,
  mode: SecretsMode,
): Promise<DeprovisionResult> {
  const { op, agent } = await openAgentOperation(ctx, "deprovision", args, mode);
  return await audited(
    op,
    () => subject(agent),
    async () => {
      const owned = await ownOrJoinDeprovision(op, agent._id);
      if (owned === "deleted") return ALREADY_DELETED;
      if (owned.status === "deleted") {
        await op.update(agent._id, {}, true);
        return ALREADY_DELETED;
      }
      const removed = await removeAgent(op, owned, "Deprovisioned");
      return {
        alreadyDeleted: false,
        machineFound: removed.machinesFound > 0,
        machineRemovedFromFly: true,
        volumeRemovedFromFly: true,
        recordMarkedDeleted: true,
      };
    },
  );
}

/** The Fly resources an agent's record names, for `destroyAgentResources`. */
export function resourcesOf(agent: AgentRecord, searchByTag: boolean) {
  return {
    agentKey: agent.agentKey,
    machineIds: agent.machineId ? [agent.machineId] : [],
    volumeIds: agent.flyVolumeId ? [agent.flyVolumeId] : [],
    searchByTag,
  };
}

/** Removes the agent's Fly resources and marks it deleted (or records why it could not). */
export async function removeAgent(
  op: Operation,
  agent: AgentRecord,
  reason: string,
  extra: AgentPatch = {},
): Promise<RemovedResources> {
  let removed: RemovedResources;
  try {
    // Only an agent whose making failed or was cut short may hold resources we never recorded.
    const searchByTag = agent.status === "provisioning" || agent.status === "error";
    removed = await destroyAgentResources(op.fly, resourcesOf(agent, searchByTag), cleanupDeadline(op.deadline));
  } catch (error) {
    await op.update(
      agent._id,
      {
        status: "error",
        statusReason: "Deprovisioning did not finish; call deprovisionAgentMachine again to remove what is left",
        lastError: (await op.callerError(error)).message,
        resourcesCleanedUp: false,
      },
      true,
    );
    throw error;
  }
  await op.update(
    agent._id,
    { ...extra, status: "deleted", statusReason: reason, lastError: null, gatewayHealthy: false },
    true,
  );
  return removed;
}

/** Owns the agent for deprovisioning, or waits for a deprovision already under way. */
async function ownOrJoinDeprovision(
  op: Operation,
  machineDocId: Id<"agentMachines">,
): Promise<AgentRecord | "deleted"> {
  for (;;) {
    try {
      return await op.own(machineDocId);
    } catch (error) {
      if (!isFlyAgentsError(error, "operation_in_progress")) throw error;
      const current = await op.ctx.runQuery(internal.agents.getAgent, { machineDocId });
      if (current?.operation?.kind !== "deprovision") throw error;
      while (Date.now() < op.clock.waitsEndBy) {
        await sleep(JOIN_POLL_MS);
        const now = await op.ctx.runQuery(internal.agents.getAgent, { machineDocId });
        if (!now) throw error;
        if (now.status === "deleted") return "deleted";
        if (!now.operation || now.operation.kind !== "deprovision") break;
      }
    }
  }
}
