// README: client
/**
 * Agents of the example app: the component's ready-made functions behind the app's
 * authorization rule, a one-call "give me my agent" for signed-in users, and the sweep the
 * cron runs.
 */
import { ConvexError, v } from "convex/values";
import { action, internalAction, type ActionCtx } from "./_generated/server.js";
import { authorizeRequest, requireCaller } from "./auth.js";
import { exposeApi, FlyAgents } from "@okrlinkhub/fly-agents";
import { components, internal } from "./_generated/api.js";

/** The Fly app of this example's commands and tests (`fly apps create acme-agents`): set FLY_APP_NAME to it, or to yours. */
export const FLY_APP_NAME = "acme-agents";

// No options: the client reads the deployment's FLY_APP_NAME, FLY_API_TOKEN, AGENT_SECRETS_ENCRYPTION_KEY and
// FLY_API_BASE_URL when a call is made (`fly-emulator` prints the lines that point them at the emulator).
const flyAgents = new FlyAgents(components.flyAgents);

/**
 * The Fly app every agent of this deployment runs in: its FLY_APP_NAME, read when a function runs.
 * @throws ConvexError when FLY_APP_NAME is unset, saying how to set it.
 */
export function flyAppName(): string {
  const name = flyAgents.options.flyAppName;
  if (!name) throw new ConvexError("FLY_APP_NAME is not set: `npx convex env set FLY_APP_NAME <your Fly app>`.");
  return name;
}

export const {
  listAgents,
  getAgent,
  listAuditEvents,
  provision,
  recreateFromLatestSnapshot,
  start,
  stop,
  restart,
  deprovision,
  snapshot,
  approvePairing,
  sync,
  updateAllowedSkills,
  setAgentSecrets,
  getAgentSecretsMeta,
  clearAgentSecrets,
  setCompanySecrets,
  getCompanySecretsMeta,
  clearCompanySecrets,
} = exposeApi(components.flyAgents, { auth: authorizeRequest });

/** A random gateway token for a new agent: 32 bytes, hex. */
function newGatewayToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** What provisionMyAgent and recreateMyAgent return: the agent's id and its verified model. */
const vMyAgent = v.object({ machineDocId: v.string(), effectiveModel: v.optional(v.string()) });

/** The caller's agent settings: their tenant's defaults, for them, with a fresh gateway token. */
async function myAgentSettings(ctx: ActionCtx) {
  const caller = await requireCaller(ctx);
  const defaults = await ctx.runQuery(internal.tenants.defaultsOf, { tenantId: caller.tenantId });
  if (defaults === null) {
    throw new ConvexError(
      `Tenant ${caller.tenantId} has no agent defaults yet: an admin must call tenants:setTenantDefaults.`,
    );
  }
  return { tenantId: caller.tenantId, userId: caller.userId, ...defaults, openclawGatewayToken: newGatewayToken() };
}

/**
 * Provisions the caller's own agent with their tenant's defaults. Secrets come from the
 * caller's stored secrets, then the tenant's; the gateway token is made here unless the
 * caller stored one. Returns once the agent runs with its model verified.
 */
export const provisionMyAgent = action({
  args: {},
  returns: vMyAgent,
  handler: async (ctx) => {
    const agent = await flyAgents.provision(ctx, await myAgentSettings(ctx));
    return { machineDocId: agent.machineDocId, effectiveModel: agent.effectiveModel };
  },
});

/**
 * Replaces the caller's agent with a new one restored from their newest completed snapshot
 * (OpenClaw's state, pairings included, comes back); the old agent is deprovisioned.
 */
export const recreateMyAgent = action({
  args: {},
  returns: vMyAgent,
  handler: async (ctx) => {
    const agent = await flyAgents.recreateFromLatestSnapshot(ctx, await myAgentSettings(ctx));
    return { machineDocId: agent.machineDocId, effectiveModel: agent.effectiveModel };
  },
});

/**
 * Run by the cron every five minutes: resumes or cleans up provisionings cut short and flags
 * machines destroyed outside the app. Uses the FLY_API_TOKEN bound to the component.
 */
export const sweepAgents = internalAction({
  args: {},
  returns: v.object({
    repaired: v.number(),
    checked: v.number(),
    markedGone: v.number(),
    failures: v.array(v.string()),
  }),
  handler: async (ctx) => await flyAgents.sweep(ctx),
});
// README: end
