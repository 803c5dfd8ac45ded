/**
 * Upgrading a deployment that ran @okrlinkhub/fly-agents 0.1.x: run once after deploying this version.
 */
// README: upgradeFromV01
import { v } from "convex/values";
import { components } from "./_generated/api.js";
import { internalAction } from "./_generated/server.js";
import { flyAppName } from "./agents.js";

const vConverted = v.object({
  agentMachines: v.number(),
  agentSnapshots: v.number(),
  agentSecrets: v.number(),
  companySecrets: v.number(),
});

/**
 * Converts every row 0.1.x wrote, batch by batch, with the AGENT_SECRETS_ENCRYPTION_KEY bound to the
 * component (0.1.x's own), and returns how many rows of each table it converted. Run it with
 * `npx convex run upgrade:fromV01`; running it again converts nothing.
 */
export const fromV01 = internalAction({
  args: {},
  returns: vConverted,
  handler: async (ctx) => {
    const converted = { agentMachines: 0, agentSnapshots: 0, agentSecrets: 0, companySecrets: 0 };
    const app = flyAppName();
    for (;;) {
      const batch = await ctx.runAction(components.flyAgents.lib.upgradeFromV01, { flyAppName: app });
      converted.agentMachines += batch.agentMachines;
      converted.agentSnapshots += batch.agentSnapshots;
      converted.agentSecrets += batch.agentSecrets;
      converted.companySecrets += batch.companySecrets;
      if (batch.done) return converted;
    }
  },
});
// README: end
