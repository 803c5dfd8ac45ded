/**
 * Telegram pairing, the seed's safe flow enforced: exactly one pairing command per machine at
 * a time (a transactional lock with an expiry), never on a gateway that is not healthy, and a
 * gateway a pairing left unhealthy is recorded as such until restartAgentMachine.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { internalMutation, type ActionCtx } from "./_generated/server.js";
import { checkPairingCode } from "./agentSpec.js";
import type { AgentRecord } from "./agentRecord.js";
import { flyAgentsError, isFlyAgentsError } from "./errors.js";
import { EXEC_TIMEOUT_S, type FlyClient, type FlyExecResult } from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import { recordIfGone } from "./flyState.js";
import { gatewayNotReady, openclawCommand, pendingPairingCodes, quoteOutput } from "./openclaw.js";
import { agentHandler, type AgentHandler, type MachineTargetArgs, type Operation } from "./operations.js";
import { getAgentOrThrow, releaseHold } from "./agents.js";

type PairingArgs = MachineTargetArgs & { telegramPairingCode: string };

/** The lock outlives the longest pairing exec, so a crashed holder frees it by itself. */
export const PAIRING_LOCK_MS = (EXEC_TIMEOUT_S + 35) * 1000;

export const acquirePairingLock = internalMutation({
  args: { machineDocId: v.string(), holder: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const agent = await getAgentOrThrow(ctx, args.machineDocId);
    const now = Date.now();
    if (agent.pairingLock && agent.pairingLock.expiresAt > now) {
      throw flyAgentsError(
        "pairing_in_progress",
        `A Telegram pairing is already running on agent ${agent._id}. Run one pairing at a time: wait for it to finish ` +
          `(at most ${Math.ceil((agent.pairingLock.expiresAt - now) / 1000)} s); if it seems stuck, restart the machine (restartAgentMachine) before trying again.`,
        { machineDocId: agent._id },
      );
    }
    if (agent.status !== "running") {
      throw flyAgentsError("invalid_state", `Agent ${agent._id} is ${agent.status}; pairing needs a running agent.`, {
        machineDocId: agent._id,
      });
    }
    if (agent.gatewayHealthy === false) {
      throw flyAgentsError(
        "gateway_unhealthy",
        `The gateway of agent ${agent._id} is not healthy. Restart the machine (restartAgentMachine), then pair again.`,
        { machineDocId: agent._id },
      );
    }
    await ctx.db.patch("agentMachines", agent._id, {
      pairingLock: { holder: args.holder, expiresAt: now + PAIRING_LOCK_MS },
    });
    return null;
  },
});

export const releasePairingLock = internalMutation({
  args: { machineDocId: v.id("agentMachines"), holder: v.string(), gatewayHealthy: v.optional(v.boolean()) },
  returns: v.null(),
  handler: (ctx, args) =>
    releaseHold(ctx, args.machineDocId, (agent) => agent.pairingLock?.holder === args.holder, {
      pairingLock: undefined,
      ...(args.gatewayHealthy !== undefined ? { gatewayHealthy: args.gatewayHealthy } : {}),
    }),
});

/** How long pairing waits for a gateway that is not serving yet before calling it unhealthy. */
export const PAIRING_READY_WAIT_MS = 3_000;

/**
 * Runs `pairing approve` once, for a code known to be pending. When its answer is lost (a 5xx, a
 * 429, a dropped connection), asks OpenClaw which codes are still pending (`--json`) before
 * anything else: a code no longer pending was approved. A code still pending after a timeout may
 * belong to a command still running, and a second one would wedge the gateway (the seed's
 * warning), so that case asks for a restart instead; otherwise the command never ran and is sent
 * again.
 */
async function approveOnce(fly: FlyClient, machineId: string, code: string): Promise<FlyExecResult | "approved"> {
  const approve = () =>
    fly.execMachine(machineId, openclawCommand("pairing", "approve", "telegram", code), { idempotent: false });
  try {
    return await approve();
  } catch (error) {
    if (!(error instanceof FlyApiError) || !error.transient) throw error;
    const pending = await pendingPairingCodes(fly, machineId, Date.now() + PAIRING_READY_WAIT_MS);
    if (!pending.includes(code)) return "approved";
    if (error.status === 408 || error.status === 0) {
      throw flyAgentsError(
        "gateway_unhealthy",
        `The pairing command on machine ${machineId} did not answer in time and may still be running. ` +
          "Restart the machine (restartAgentMachine), then pair again.",
      );
    }
    return await approve();
  }
}

/**
 * The codes pending on the agent's machine, once its gateway serves: pairing's health precondition.
 * A machine that is not started, or a gateway that does not serve within PAIRING_READY_WAIT_MS,
 * is `gateway_unhealthy`.
 */
async function pendingWhenServing(op: Operation, agent: AgentRecord, machineId: string): Promise<string[]> {
  try {
    return await pendingPairingCodes(op.fly, machineId, op.waitUntil(PAIRING_READY_WAIT_MS));
  } catch (error) {
    if (!(error instanceof FlyApiError && error.failedPrecondition)) throw error;
    throw flyAgentsError(
      "gateway_unhealthy",
      `The gateway of agent ${agent._id} is not serving: its machine is not started (${error.flyError ?? ""}). ` +
        "Start or restart the machine, then pair again.",
      { machineDocId: agent._id },
    );
  }
}

/**
 * Approves `telegramPairingCode` on the agent's machine, under the pairing lock and owning the agent.
 * @throws `pairing_in_progress`, `gateway_unhealthy`, `pairing_rejected` (a code not pending, or refused).
 */
export const approvePairingHandler: AgentHandler<null, PairingArgs> = (ctx, args, options) => {
  // Checked before anything is read or written.
  const telegramPairingCode = checkPairingCode(args.telegramPairingCode);
  return approvePairing(ctx, { ...args, telegramPairingCode }, options);
};

const approvePairing = agentHandler(
  "pairing",
  async (op, agent, args: PairingArgs) => {
    const code = args.telegramPairingCode;
    await op.ctx.runMutation(internal.pairing.acquirePairingLock, { machineDocId: agent._id, holder: op.id });
    let gatewayHealthy: boolean | undefined;
    try {
      // The agent too: no stop, restart or deprovision pulls the machine away mid-command.
      const owned = await op.own(agent._id);
      const machineId = owned.machineId as string;
      const pending = await pendingWhenServing(op, owned, machineId);
      if (!pending.includes(code)) {
        throw flyAgentsError(
          "pairing_rejected",
          `Pairing code ${code} is not pending on agent ${agent._id}: it expired, was already used, or was never issued. ` +
            "Ask the user to send /start to the bot again and use the new code.",
          { machineDocId: agent._id },
        );
      }
      const result = await approveOnce(op.fly, machineId, code);
      if (result === "approved" || result.exit_code === 0) return null;
      if (gatewayNotReady(result)) {
        gatewayHealthy = false;
        throw flyAgentsError(
          "gateway_unhealthy",
          `The pairing command lost the gateway of agent ${agent._id} (${quoteOutput(result)}). ` +
            "Restart the machine (restartAgentMachine) before pairing again.",
          { machineDocId: agent._id },
        );
      }
      throw flyAgentsError(
        "pairing_rejected",
        `OpenClaw refused pairing code ${code} (${quoteOutput(result)}). Ask the user to send /start to the bot again and use the new code.`,
        { machineDocId: agent._id },
      );
    } catch (error) {
      if (isFlyAgentsError(error, "gateway_unhealthy")) gatewayHealthy = false;
      await recordIfGone(op, agent, error);
      throw error;
    } finally {
      await op.ctx.runMutation(internal.pairing.releasePairingLock, {
        machineDocId: agent._id,
        holder: op.id,
        gatewayHealthy,
      });
    }
  },
  () => "telegram pairing approved",
);
