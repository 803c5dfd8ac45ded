/**
 * Starting a rollout: every argument checked and every agent in scope listed before anything is
 * written; then the rollout and one row per agent are inserted and the first wave starts.
 */
import type { Id } from "../_generated/dataModel.js";
import { env, type MutationCtx } from "../_generated/server.js";
import { isLegacyAgent, requireUpgraded, type AgentRecord } from "../agentRecord.js";
import { checkFlyAppName } from "../agentSpec.js";
import { checkImage } from "../limits.js";
import { flyAgentsError } from "../errors.js";
import { seal } from "../secrets/crypto.js";
import { encryptionKeyRing } from "../settings.js";
import { launchNextWave, MAX_WAVE_SIZE } from "./driver.js";

/** The most agents one rollout takes: its rows are written in one transaction. */
export const MAX_ROLLOUT_AGENTS = 1_000;
export const DEFAULT_MAX_WAVE_SIZE = 10;

export type StartRolloutArgs = {
  tenantId: string;
  flyAppName: string;
  image: string;
  waveSize?: number;
  maxWaveSize?: number;
  maxFailures?: number;
  readyTimeoutSec?: number;
  flyApiToken?: string;
  flyApiBaseUrl?: string;
};

function invalid(message: string): never {
  throw flyAgentsError("invalid_argument", message);
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be a whole number from ${min} to ${max}; got ${value}.`);
  }
  return value;
}

/** Checks the arguments, lists the agents to upgrade, writes the rollout and starts wave 1. */
export async function startRolloutHandler(ctx: MutationCtx, args: StartRolloutArgs): Promise<Id<"imageRollouts">> {
  if (args.tenantId.trim() === "") invalid("tenantId must be a non-empty string.");
  checkFlyAppName(args.flyAppName);
  checkImage(args.image);
  const image = args.image;
  const maxWaveSize = wholeNumber("maxWaveSize", args.maxWaveSize ?? DEFAULT_MAX_WAVE_SIZE, 1, MAX_WAVE_SIZE);
  const waveSize = wholeNumber("waveSize", args.waveSize ?? 1, 1, maxWaveSize);
  const maxFailures = wholeNumber("maxFailures", args.maxFailures ?? 0, 0, MAX_ROLLOUT_AGENTS);
  const readyTimeoutSec =
    args.readyTimeoutSec === undefined ? undefined : wholeNumber("readyTimeoutSec", args.readyTimeoutSec, 1, 600);

  const ring = encryptionKeyRing();
  if (args.flyApiToken !== undefined && args.flyApiToken.trim() === "") invalid("flyApiToken is empty.");
  if (args.flyApiToken !== undefined && ring === null) {
    throw flyAgentsError(
      "missing_secret",
      "A rollout runs after this call returns, so it keeps flyApiToken sealed until it ends: bind " +
        "AGENT_SECRETS_ENCRYPTION_KEY with app.use(flyAgents, { env }), or leave flyApiToken out and bind FLY_API_TOKEN.",
    );
  }
  if (args.flyApiToken === undefined && ring === null && !env.FLY_API_TOKEN) {
    throw flyAgentsError(
      "missing_secret",
      "A rollout needs a Fly token it can use on its own: pass flyApiToken (sealed with AGENT_SECRETS_ENCRYPTION_KEY), " +
        "store one with upsertCompanySecrets, or bind FLY_API_TOKEN with app.use(flyAgents, { env }).",
    );
  }

  const running = await ctx.db
    .query("imageRollouts")
    .withIndex("by_tenantId_flyAppName_status", (q) =>
      q.eq("tenantId", args.tenantId).eq("flyAppName", args.flyAppName).eq("status", "running"),
    )
    .first();
  if (running) {
    throw flyAgentsError(
      "operation_in_progress",
      `Rollout ${running._id} of ${running.image} is still running for this tenant's agents in ${args.flyAppName}. ` +
        "Cancel it with cancelImageRollout, or wait for it to end.",
    );
  }

  const agents: AgentRecord[] = [];
  for (const status of ["running", "stopped"] as const) {
    const page = await ctx.db
      .query("agentMachines")
      .withIndex("by_tenantId_status", (q) => q.eq("tenantId", args.tenantId).eq("status", status))
      .take(MAX_ROLLOUT_AGENTS * 2);
    // Rows 0.1.x wrote are left out until upgradeFromV01 has converted them.
    for (const doc of page) {
      if (isLegacyAgent(doc)) continue;
      const agent = requireUpgraded(doc);
      if (agent.flyAppName === args.flyAppName && agent.image !== image) agents.push(agent);
    }
  }
  agents.sort((a, b) => a._creationTime - b._creationTime);
  if (agents.length > MAX_ROLLOUT_AGENTS) {
    invalid(
      `${agents.length} agents would take ${image}; one rollout takes at most ${MAX_ROLLOUT_AGENTS}. ` +
        "Roll out to the rest with a second call once this one has ended.",
    );
  }

  const now = Date.now();
  const rolloutId = await ctx.db.insert("imageRollouts", {
    tenantId: args.tenantId,
    flyAppName: args.flyAppName,
    image,
    ...(args.flyApiBaseUrl !== undefined ? { flyApiBaseUrl: args.flyApiBaseUrl } : {}),
    ...(args.flyApiToken !== undefined && ring
      ? { sealedFlyApiToken: seal({ flyApiToken: args.flyApiToken }, ring.current) }
      : {}),
    status: "running",
    waveSize,
    maxWaveSize,
    maxFailures,
    ...(readyTimeoutSec !== undefined ? { readyTimeoutSec } : {}),
    waves: [],
    total: agents.length,
    upgraded: 0,
    failed: 0,
    skipped: 0,
    startedAt: now,
  });
  for (const [position, agent] of agents.slice(0, MAX_ROLLOUT_AGENTS).entries()) {
    await ctx.db.insert("imageRolloutAgents", {
      rolloutId,
      tenantId: agent.tenantId,
      machineDocId: agent._id,
      userId: agent.userId,
      position,
      phase: "pending",
      fromImage: agent.image,
      ...(agent.imageDigest !== undefined ? { fromDigest: agent.imageDigest } : {}),
      toImage: image,
      attempts: 0,
      timings: {},
    });
  }
  const rollout = await ctx.db.get("imageRollouts", rolloutId);
  if (!rollout) throw new Error("-- invariant: the rollout just inserted is missing");
  await launchNextWave(ctx, rollout);
  return rolloutId;
}
