/**
 * How a rollout step reaches Fly: the operation that owns one agent for the step, with the Fly
 * token the rollout can use on its own (no caller is there to pass one).
 */
import type { AgentRecord } from "../agentRecord.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { ActionCtx } from "../_generated/server.js";
import { Operation } from "../operations.js";
import { agentRedactor } from "../redaction.js";
import { open } from "../secrets/crypto.js";
import { requireFlyToken, withStoredSecrets } from "../secrets/resolve.js";
import { encryptionKeyRing, requireKeyRing } from "../settings.js";
import type { SecretValues } from "../validators.js";

/**
 * The Fly token for one agent of a rollout: the token given to upgradeAgentImages (sealed on the
 * rollout), else the agent's owner's stored token (user's, then tenant's), else FLY_API_TOKEN.
 */
async function rolloutFlyToken(ctx: ActionCtx, rollout: Doc<"imageRollouts">, agent: AgentRecord): Promise<string> {
  if (rollout.sealedFlyApiToken !== undefined) {
    return requireFlyToken(open(rollout.sealedFlyApiToken, requireKeyRing()).flyApiToken, { secrets: "stored" });
  }
  if (encryptionKeyRing() !== null) {
    const none: SecretValues = {};
    const stored = await withStoredSecrets(ctx, { tenantId: agent.tenantId, userId: agent.userId }, none);
    return requireFlyToken(stored.flyApiToken, { secrets: "stored" });
  }
  return requireFlyToken(undefined, { secrets: "stored" });
}

/** The operation id a step owns its agent with: the same on every run, so a resumed step takes it back. */
export function stepOperationId(rowId: Id<"imageRolloutAgents">): string {
  return `rollout-${rowId}`;
}

/** The operation for one agent's step of a rollout. */
export async function stepOperation(
  ctx: ActionCtx,
  rollout: Doc<"imageRollouts">,
  agent: AgentRecord,
  rowId: Id<"imageRolloutAgents">,
): Promise<Operation> {
  const flyApiToken = await rolloutFlyToken(ctx, rollout, agent);
  const redactor = await agentRedactor(ctx, agent, { machineId: agent.machineId });
  return new Operation(
    ctx,
    "upgrade_image",
    { flyApiToken, flyAppName: rollout.flyAppName, flyApiBaseUrl: rollout.flyApiBaseUrl },
    redactor,
    undefined,
    { id: stepOperationId(rowId) },
  );
}
