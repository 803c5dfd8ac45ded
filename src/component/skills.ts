/**
 * The agent's skill whitelist: kept on the record, and, when asked, written to the machine's
 * ALLOWED_SKILLS_JSON with a whole-config update under a lease (Fly replaces configs whole).
 */
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { env, internalAction, type ActionCtx, type MutationCtx } from "./_generated/server.js";
import type { AgentRecord } from "./agentRecord.js";
import { getAgentOrThrow } from "./agents.js";
import { DEFAULT_STARTUP_TIMEOUT_SEC, parseAllowedSkills } from "./agentSpec.js";
import { flyAgentsError } from "./errors.js";
import { replaceMachineConfig } from "./machineConfig.js";
import { recordIfGone } from "./flyState.js";
import { readyWithModel } from "./openclaw.js";
import { agentHandler, type MachineTargetArgs } from "./operations.js";
import { WAIT_BUDGETS_MS } from "./lifetime.js";
import { waitForMachineState } from "./resources.js";
import { encryptionKeyRing } from "./settings.js";

/** Stores the whitelist; with `applyToMachine`, schedules writing it to the machine. */
export async function updateAllowedSkillsHandler(
  ctx: MutationCtx,
  args: { machineDocId: string; allowedSkills: string[]; applyToMachine?: boolean },
): Promise<null> {
  const allowedSkills = parseAllowedSkills(args.allowedSkills);
  const agent = await getAgentOrThrow(ctx, args.machineDocId);
  if (agent.status === "deleted") {
    throw flyAgentsError("invalid_state", `Agent ${agent._id} is deleted.`, { machineDocId: agent._id });
  }
  if (args.applyToMachine && !encryptionKeyRing() && !env.FLY_API_TOKEN) {
    throw flyAgentsError(
      "missing_secret",
      "applyToMachine needs a Fly token the component can reach on its own: bind FLY_API_TOKEN, or AGENT_SECRETS_ENCRYPTION_KEY " +
        "with a stored token, via app.use(flyAgents, { env }); or call applyAllowedSkillsToMachine with flyApiToken.",
    );
  }
  await ctx.db.patch("agentMachines", agent._id, { allowedSkills });
  if (args.applyToMachine) {
    await ctx.scheduler.runAfter(0, internal.skills.applyStoredSkills, { machineDocId: agent._id });
  }
  return null;
}

/** Writes the record's whitelist to the machine (lease, whole config, restart, OpenClaw serving, model). */
export const applySkillsHandler = agentHandler(
  "update_skills",
  async (op, agent) => {
    const owned = await op.own(agent._id);
    const machineId = owned.machineId;
    if (!machineId)
      throw flyAgentsError("invalid_state", `Agent ${agent._id} has no machine.`, { machineDocId: agent._id });
    let effectiveModel: string | undefined;
    try {
      await replaceMachineConfig(
        op.fly,
        machineId,
        (config) => ({ ...config, env: { ...config.env, ALLOWED_SKILLS_JSON: JSON.stringify(owned.allowedSkills) } }),
        "fly-agents: update ALLOWED_SKILLS_JSON",
      );
      if (owned.status === "running") {
        // The update rebooted the machine: as after every boot, wait for OpenClaw and force the model.
        await waitForMachineState(op.fly, machineId, "started", op.waitUntil(WAIT_BUDGETS_MS.machineTransition));
        effectiveModel = await readyWithModel(
          op.fly,
          machineId,
          owned.llmModel,
          op.waitUntil((owned.startupTimeoutSec ?? DEFAULT_STARTUP_TIMEOUT_SEC) * 1000),
        );
      }
    } catch (error) {
      await recordIfGone(op, owned, error);
      throw error;
    }
    await op.finish(agent._id, {
      lastError: null,
      ...(effectiveModel !== undefined ? { effectiveModel, gatewayHealthy: true, lastWakeAt: Date.now() } : {}),
    });
    return null;
  },
  () => `ALLOWED_SKILLS_JSON set on the machine`,
);

/** Scheduled by updateAllowedSkills({ applyToMachine: true }): uses stored secrets or FLY_API_TOKEN. */
export const applyStoredSkills = internalAction({
  args: { machineDocId: v.id("agentMachines") },
  returns: v.null(),
  handler: async (ctx, args): Promise<null> => {
    const agent: AgentRecord | null = await ctx.runQuery(internal.agents.getAgent, {
      machineDocId: args.machineDocId,
    });
    if (!agent) return null;
    const target: MachineTargetArgs = { machineDocId: agent._id, flyAppName: agent.flyAppName };
    return await applySkillsHandler(ctx, target, { secrets: "auto" });
  },
});
