/**
 * Reconciliation: making records say what Fly really holds.
 * - `syncAgentMachine` reads one agent's machine and corrects its record.
 * - The sweep (opt-in, e.g. from a cron in the host app) resumes or cleans up agents whose
 *   provisioning was cut short, finishes cleanups that did not complete, flags machines
 *   destroyed outside the component, and gives a boot it did not follow (Fly's restart policy,
 *   someone else's start) what follows every boot: OpenClaw waited for, the model forced again.
 */
import type { Id } from "./_generated/dataModel.js";
import type { AgentRecord } from "./agentRecord.js";
import { internal } from "./_generated/api.js";
import type { ActionCtx } from "./_generated/server.js";
import { checkFlyAppName, DEFAULT_STARTUP_TIMEOUT_SEC } from "./agentSpec.js";
import { errorMessage, flyAgentsError, isFlyAgentsError } from "./errors.js";
import type { FlyMachine } from "./fly/client.js";
import { forceModel, readyWithModel, waitForOpenclaw } from "./openclaw.js";
import { audited, openAgentOperation, Operation, subjectOf, type MachineTargetArgs } from "./operations.js";
import { checkStaleAfterMs } from "./limits.js";
import { failAndCleanUp } from "./provisioning.js";
import { defaultStaleAfterMs, WAIT_BUDGETS_MS, WORST_CASE_WAITS_MS } from "./lifetime.js";
import { bootedSince, goneFromFly, readMachine, statusFromFly } from "./flyState.js";
import { addStoredSecrets, Redactor } from "./redaction.js";
import {
  cleanupDeadline,
  destroyAgentResources,
  findAgentMachines,
  findAgentVolumes,
  resourcesOf,
  waitForMachineState,
} from "./resources.js";
import { requireFlyToken, type SecretsLookup } from "./secrets/resolve.js";
import type { AgentPatch } from "./agents.js";
import type { SweepResult } from "./validators.js";

/**
 * Agents the sweep repairs per call at most. It also stops starting repairs once a repair's
 * worst-case waits no longer fit before its waits must end (after the first, which always runs).
 */
export const SWEEP_BATCH = 20;
/** Agents of the app per page when checking machines against Fly's list. */
export const SWEEP_PAGE = 200;

/** Whether the machine runs a boot the component has not followed: not recorded running, or rebooted since. */
function bootedSinceVerified(agent: { status: string; lastWakeAt?: number }, machine: FlyMachine): boolean {
  if (machine.state !== "started") return false;
  return agent.status !== "running" || bootedSince(machine, agent.lastWakeAt);
}

/**
 * What the record should say about its machine. A boot the component did not follow (Fly's
 * restart policy, someone else's start) gets what follows every boot: wait for OpenClaw, force
 * and verify the model; if that fails the agent is `error`, with the reason, until a restart.
 */
async function syncWithMachine(
  op: Operation,
  agent: AgentRecord,
  machine: FlyMachine | null,
): Promise<AgentPatch | null> {
  if (machine === null || !bootedSinceVerified(agent, machine)) return statusFromFly(agent, machine);
  try {
    const deadline = op.waitUntil((agent.startupTimeoutSec ?? DEFAULT_STARTUP_TIMEOUT_SEC) * 1000);
    const effectiveModel = await readyWithModel(op.fly, machine.id, agent.llmModel, deadline);
    return {
      status: "running",
      statusReason: "The machine booted outside this component; OpenClaw serves, its model forced again (synced)",
      ...(effectiveModel !== undefined ? { effectiveModel } : {}),
      gatewayHealthy: true,
      lastWakeAt: Date.now(),
      lastError: null,
    };
  } catch (error) {
    if (goneFromFly(error) === "machine") return statusFromFly(agent, null);
    return {
      status: "error",
      statusReason:
        "The machine booted outside this component and OpenClaw did not come back with its model; restart it (restartAgentMachine)",
      lastError: (await op.callerError(error)).message,
      gatewayHealthy: false,
    };
  }
}

/**
 * Resumes an agent whose provisioning was cut short when its machine is up, else removes
 * everything made for it. Either way the record ends truthful.
 */
async function resumeOrCleanUp(op: Operation, agent: AgentRecord): Promise<void> {
  const made = resourcesOf(agent, { searchByTag: true });
  try {
    const machines = await findAgentMachines(op.fly, agent.agentKey);
    const volumes = await findAgentVolumes(op.fly, agent.agentKey);
    const machine = machines[0];
    if (!machine || machines.length !== 1 || volumes.length !== 1 || !agent.llmModel) {
      throw flyAgentsError("invalid_state", "Provisioning was interrupted before its machine was created");
    }
    await waitForMachineState(op.fly, machine.id, "started", op.waitUntil(WAIT_BUDGETS_MS.machineBoot));
    const deadline = op.waitUntil((agent.startupTimeoutSec ?? DEFAULT_STARTUP_TIMEOUT_SEC) * 1000);
    await waitForOpenclaw(op.fly, machine.id, deadline);
    const effectiveModel = await forceModel(op.fly, machine.id, agent.llmModel, deadline);
    await op.finish(agent._id, {
      status: "running",
      statusReason: "Provisioning was interrupted; the sweep finished it",
      machineId: machine.id,
      flyVolumeId: volumes[0].id,
      effectiveModel,
      gatewayHealthy: true,
      lastWakeAt: Date.now(),
      lastError: null,
    });
  } catch (error) {
    await failAndCleanUp(op, agent._id, agent.agentKey, made, error);
  }
}

/** Corrects one agent's record from Fly's state. */
async function reconcileAgent(op: Operation, agent: AgentRecord): Promise<AgentRecord["status"]> {
  if (agent.status === "provisioning") {
    await resumeOrCleanUp(op, agent);
  } else if (agent.status === "error" && agent.resourcesCleanedUp === false) {
    await destroyAgentResources(op.fly, resourcesOf(agent, { searchByTag: true }), cleanupDeadline(op.deadline));
    await op.finish(agent._id, {
      status: "error",
      statusReason: `${agent.statusReason ?? "Failed"}; the sweep removed what was left`,
      resourcesCleanedUp: true,
    });
  } else if (agent.machineId) {
    const patch = await syncWithMachine(op, agent, await readMachine(op.fly, agent.machineId));
    await op.finish(agent._id, { ...(patch ?? {}), lastSyncedAt: Date.now() });
  } else {
    await op.finish(agent._id, { lastSyncedAt: Date.now() });
  }
  const after = await op.ctx.runQuery(internal.agents.getAgent, { machineDocId: agent._id });
  return after?.status ?? agent.status;
}

/**
 * Syncs one agent with Fly. A provisioning still within its deadline is left to its owner
 * unless `staleAfterMs` says it has run too long.
 */
export async function syncHandler(
  ctx: ActionCtx,
  args: MachineTargetArgs & { staleAfterMs?: number },
  options: { secrets: SecretsLookup },
): Promise<AgentRecord["status"]> {
  checkStaleAfterMs(args.staleAfterMs);
  const { op, agent } = await openAgentOperation(ctx, "sync", args, options);
  if (agent.status === "deleted") return "deleted";
  return await audited(
    op,
    () => subjectOf(agent),
    async () => {
      const owned = await op.own(
        agent._id,
        args.staleAfterMs !== undefined ? { takeOverStartedBefore: Date.now() - args.staleAfterMs } : {},
      );
      return await reconcileAgent(op, owned);
    },
    (status) => `now ${status}`,
  );
}

/**
 * Sweeps one Fly app: repairs up to SWEEP_BATCH stuck or half-cleaned agents, and compares
 * every running or stopped agent with one listing of the app's machines.
 */
export async function sweepHandler(
  ctx: ActionCtx,
  args: { flyAppName: string; flyApiToken?: string; flyApiBaseUrl?: string; staleAfterMs?: number },
): Promise<SweepResult> {
  checkFlyAppName(args.flyAppName);
  checkStaleAfterMs(args.staleAfterMs);
  // The sweep spans every tenant's agents, so it never reads one user's or tenant's stored token.
  const flyApiToken = requireFlyToken(args.flyApiToken, { secrets: "arguments" });
  // By default, only agents whose owner's action has certainly ended (lifetime.ts).
  const staleAfterMs = args.staleAfterMs ?? defaultStaleAfterMs();
  const base = new Operation(
    ctx,
    "sweep",
    { flyApiToken, flyAppName: args.flyAppName, flyApiBaseUrl: args.flyApiBaseUrl },
    new Redactor(),
  );
  const result: SweepResult = { repaired: 0, checked: 0, markedGone: 0, failures: [] };

  const stuckBefore = Date.now() - staleAfterMs;
  const needing = await ctx.runQuery(internal.agents.agentsNeedingSweep, {
    flyAppName: args.flyAppName,
    stuckBefore,
    limit: SWEEP_BATCH,
  });
  for (const [index, machineDocId] of needing.entries()) {
    if (index > 0 && Date.now() + WORST_CASE_WAITS_MS.sweep > base.clock.waitsEndBy) break; // the next run's
    // Each agent gets its own redactor: its owner's secrets and its Machine's env.
    const op = base.fork("sweep", new Redactor());
    try {
      // A busy agent is skipped without an audit event; once taken, audited frees it on every path.
      const agent = await op.own(machineDocId, { takeOverStartedBefore: stuckBefore });
      await audited(
        op,
        () => subjectOf(agent),
        async () => {
          await addStoredSecrets(ctx, op.redactor.expectMachine(agent.machineId), agent);
          return await reconcileAgent(op, agent);
        },
        (status) => `now ${status}`,
      );
      result.repaired++;
    } catch (error) {
      if (!isFlyAgentsError(error, "operation_in_progress"))
        result.failures.push(`${machineDocId}: ${errorMessage(error)}`);
    }
  }

  // Gather what should have a live machine, then compare with one list call for the whole app.
  const expected: Array<{
    id: Id<"agentMachines">;
    machineId?: string;
    lastWakeAt?: number;
    status: "running" | "stopped";
  }> = [];
  for (const status of ["running", "stopped"] as const) {
    let cursor: string | null = null;
    for (;;) {
      const page: {
        page: Array<{ id: Id<"agentMachines">; machineId?: string; lastWakeAt?: number }>;
        isDone: boolean;
        continueCursor: string;
      } = await ctx.runQuery(internal.agents.agentsWithMachinesPage, {
        flyAppName: args.flyAppName,
        status,
        cursor,
        numItems: SWEEP_PAGE,
      });
      for (const entry of page.page) expected.push({ ...entry, status });
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
  }
  const live = new Map<string, FlyMachine>();
  let machines: FlyMachine[];
  try {
    machines = await base.fly.listMachines();
  } catch (error) {
    throw base.toCallerError(error);
  }
  for (const machine of machines) live.set(machine.id, machine);
  for (const entry of expected) {
    result.checked++;
    if (!entry.machineId) continue;
    const machine = live.get(entry.machineId) ?? null;
    const matches = machine !== null && (machine.state === "started") === (entry.status === "running");
    if (matches && !bootedSinceVerified(entry, machine)) continue;
    const op = base.fork("sweep", new Redactor());
    try {
      const agent = await op.own(entry.id);
      const patch = await audited(
        op,
        () => subjectOf(agent),
        async () => {
          const patch = await syncWithMachine(op, agent, machine);
          await op.finish(agent._id, { ...(patch ?? {}), lastSyncedAt: Date.now() });
          return patch;
        },
        (patch) => patch?.statusReason ?? "unchanged",
      );
      if (patch?.status === "error") result.markedGone++;
    } catch (error) {
      if (!isFlyAgentsError(error, "operation_in_progress"))
        result.failures.push(`${entry.id}: ${errorMessage(error)}`);
    }
  }
  return result;
}
