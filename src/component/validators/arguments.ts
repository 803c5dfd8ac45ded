/**
 * Arguments of the public functions (lib.ts, and the host functions exposeApi makes), built
 * from a few shared pieces so that every function names a thing the same way.
 */
import { paginationOptsValidator } from "convex/server";
import { v, type ObjectType } from "convex/values";
import { vAgentStatus } from "./agents.js";
import { secretArgs, tenantDefaultsArgs, vSecretsSource } from "./secrets.js";

/** The agent a call concerns: its record's id (a plain string; an id that names no agent is `not_found`). */
export const agentIdArgs = { machineDocId: v.string() };
export const tenantArgs = { tenantId: v.string() };
/** A user of a tenant: whose agent, whose secrets. */
export const ownerArgs = { ...tenantArgs, userId: v.string() };
/** Overrides AGENT_SECRETS_ENCRYPTION_KEY for this call. */
export const encryptionKeyArgs = { secretsEncryptionKey: v.optional(v.string()) };
export const limitArgs = { limit: v.optional(v.number()) };
export const pageArgs = { paginationOpts: paginationOptsValidator };
/** With the agent's provisioning, resumed or cleaned up once older than this (milliseconds). */
export const staleAfterArgs = { staleAfterMs: v.optional(v.number()) };

/** Arguments every Fly-calling action accepts besides its own. */
export const flyTargetArgs = {
  flyAppName: v.string(),
  /** Overrides the component's FLY_API_BASE_URL, e.g. the emulator's URL in tests. */
  flyApiBaseUrl: v.optional(v.string()),
};

/** The agent's runtime settings, with the original package's argument names. */
export const agentSpecArgs = {
  ...ownerArgs,
  image: v.optional(v.string()),
  region: v.optional(v.string()),
  memoryMB: v.optional(v.number()),
  llmModel: v.optional(v.string()),
  llmApiKey: v.optional(v.string()),
  openaiApiKey: v.optional(v.string()),
  telegramBotToken: v.optional(v.string()),
  bridgeUrl: v.optional(v.string()),
  allowedSkills: v.optional(v.array(v.string())),
  allowedSkillsJson: v.optional(v.string()),
  appKey: v.optional(v.string()),
  serviceId: v.optional(v.string()),
  serviceKey: v.optional(v.string()),
  /** Seconds OpenClaw may take to bind its gateway before the machine restarts itself (default 240). */
  startupTimeoutSec: v.optional(v.number()),
  /** Start the gateway with `--dev` (OPENCLAW_GATEWAY_DEV_MODE=true). Off by default. */
  gatewayDevMode: v.optional(v.boolean()),
};
/**
 * The agent settings exposeApi's `provision` and `recreateFromLatestSnapshot` accept besides the
 * tenant and user: the image the Machine runs, where OpenClaw sends the agent's traffic with the
 * app and service keys (`bridgeUrl`, AGENT_BRIDGE_URL), the service it is served as
 * (`serviceId`), the skill whitelist, memory (MB), Fly region and model. Every one of them
 * reaches the auth callback (as `settings`): adding one here is the only way to add an argument
 * to those functions.
 */
const { image, bridgeUrl, serviceId, allowedSkills, memoryMB, region, llmModel } = agentSpecArgs;
export const agentSettingsArgs = { image, bridgeUrl, serviceId, allowedSkills, memoryMB, region, llmModel };
/** The agent settings a provision or recreate call sets; only those the caller passed are present. */
export type AgentSettings = ObjectType<typeof agentSettingsArgs>;

/** provisionAgentMachine and recreateAgentFromLatestSnapshot: every secret OpenClaw needs to bind, as arguments. */
export const provisionArgs = {
  ...agentSpecArgs,
  ...flyTargetArgs,
  openclawGatewayToken: v.string(),
  flyApiToken: v.string(),
};
/** The `…WithStoredSecrets` variants: what the arguments leave out comes from stored secrets. */
export const provisionStoredArgs = {
  ...agentSpecArgs,
  ...flyTargetArgs,
  openclawGatewayToken: v.optional(v.string()),
  flyApiToken: v.optional(v.string()),
  ...encryptionKeyArgs,
  /**
   * Where the caller's authorization saw each secret coming from (exposeApi passes what its auth
   * callback approved). When given, the call is refused with `secrets_changed`, before any write
   * or Fly call, if the secrets resolved now come from anywhere else.
   */
  authorizedSecretsFrom: v.optional(vSecretsSource),
};
/** Provisioning only: restore the new volume from the user's newest completed snapshot. */
export const restoreArgs = { restoreFromLatestSnapshot: v.optional(v.boolean()) };

/** A lifecycle action on one agent, with the Fly token as an argument. */
export const machineArgs = { ...agentIdArgs, ...flyTargetArgs, flyApiToken: v.string() };
/** The `…WithStoredSecrets` variant: the Fly token from stored secrets first. */
export const machineStoredArgs = {
  ...agentIdArgs,
  ...flyTargetArgs,
  flyApiToken: v.optional(v.string()),
  ...encryptionKeyArgs,
};
export const pairingCodeArgs = { telegramPairingCode: v.string() };
export const sweepArgs = { ...flyTargetArgs, flyApiToken: v.optional(v.string()), ...staleAfterArgs };

/** A tenant's agents, optionally only those in one status. */
export const tenantAgentsArgs = { ...tenantArgs, status: v.optional(vAgentStatus) };
export const allowedSkillsArgs = {
  ...agentIdArgs,
  allowedSkills: v.array(v.string()),
  applyToMachine: v.optional(v.boolean()),
};

/** upsertAgentSecrets (without the key: exposeApi's setAgentSecrets). */
export const agentSecretsArgs = { ...ownerArgs, ...secretArgs };
/** upsertCompanySecrets (exposeApi's setCompanySecrets takes the secrets only). */
export const companySecretsArgs = { ...tenantArgs, ...encryptionKeyArgs, ...secretArgs, ...tenantDefaultsArgs };
export const rotationArgs = {
  ...encryptionKeyArgs,
  previousSecretsEncryptionKeys: v.optional(v.array(v.string())),
  batchSize: v.optional(v.number()),
};
export const upgradeArgs = {
  flyAppName: v.string(),
  ...encryptionKeyArgs,
  /** Rows per batch (default 100, at most 500). */
  batchSize: v.optional(v.number()),
  /** Stop after this many batches and return `done: false` (default: until done or ~4 minutes). */
  maxBatches: v.optional(v.number()),
};

/** upgradeAgentImages. */
export const imageRolloutArgs = {
  ...tenantArgs,
  ...flyTargetArgs,
  image: v.string(),
  waveSize: v.optional(v.number()),
  maxWaveSize: v.optional(v.number()),
  maxFailures: v.optional(v.number()),
  readyTimeoutSec: v.optional(v.number()),
  flyApiToken: v.optional(v.string()),
};
export const rolloutIdArgs = { rolloutId: v.string() };
