/**
 * The component's public API: `components.flyAgents.lib.*`. Names and argument names are the
 * original @okrlinkhub/fly-agents API; every function checks its arguments and hands off to a
 * handler in the module of its concern.
 */
import { paginationResultValidator } from "convex/server";
import { v, type ObjectType } from "convex/values";
import { action, mutation, query } from "./functions.js";
import { getAgentOrThrow } from "./agents.js";
import { auditEventsOfMachine, auditEventsOfTenant } from "./audit.js";
import { deprovisionHandler } from "./deprovisioning.js";
import { restartHandler, startHandler, stopHandler } from "./lifecycle.js";
import { agentById, agentsOfTenant, agentsOfTenantPage, snapshotsOfAgent } from "./listing.js";
import { approvePairingHandler } from "./pairing.js";
import { provisionHandler } from "./provisioning.js";
import { sweepHandler, syncHandler } from "./reconcile.js";
import { rotateHandler } from "./secrets/rotation.js";
import { readTenantDefaults, tenantDefaultsMeta, upsertTenantDefaultsHandler } from "./secrets/tenantDefaults.js";
import { clearSecrets, secretsMeta, upsertSecrets, type SecretsMeta } from "./secrets/store.js";
import { applySkillsHandler, updateAllowedSkillsHandler } from "./skills.js";
import { createSnapshotHandler } from "./snapshots.js";
import { upgradeHandler } from "./upgrade/v01.js";
import { cancelRollout } from "./rollout/driver.js";
import { agentsByImage, getRollout, listRollouts } from "./rollout/queries.js";
import { startRolloutHandler } from "./rollout/start.js";
import {
  agentIdArgs,
  allowedSkillsArgs,
  companySecretsArgs,
  encryptionKeyArgs,
  imageRolloutArgs,
  limitArgs,
  machineArgs,
  machineStoredArgs,
  ownerArgs,
  pageArgs,
  pairingCodeArgs,
  provisionArgs,
  provisionStoredArgs,
  restoreArgs,
  rolloutIdArgs,
  rotationArgs,
  secretArgs,
  staleAfterArgs,
  sweepArgs,
  tenantAgentsArgs,
  tenantArgs,
  upgradeArgs,
  vAgentImageGroup,
  type AgentSecretsMeta,
  vAgentMachine,
  vAgentSecretsMeta,
  vAgentSnapshot,
  vAgentStatus,
  vAuditPage,
  vCompanySecrets,
  vCompanySecretsMeta,
  vDeprovisionResult,
  vImageRollout,
  vImageRolloutDetail,
  vProvisionResult,
  vRolloutStatus,
  vRotationResult,
  vSnapshotResult,
  vSweepResult,
  vUpgradeResult,
} from "./validators.js";

// ---- provisioning ----------------------------------------------------------------------

/**
 * Provisions a user's agent: a volume and a machine running OpenClaw with the given runtime
 * values, then forces and verifies the model. Returns once the agent runs; on failure every
 * Fly resource made for it is removed and the agent's record says `error` and why.
 */
export const provisionAgentMachine = action({
  args: { ...provisionArgs, ...restoreArgs },
  returns: vProvisionResult,
  handler: (ctx, args) => provisionHandler(ctx, args, { secrets: "arguments", mode: "provision" }),
});

/** As provisionAgentMachine, with the Fly token and secrets taken from stored secrets first. */
export const provisionAgentMachineWithStoredSecrets = action({
  args: { ...provisionStoredArgs, ...restoreArgs },
  returns: vProvisionResult,
  handler: (ctx, args) => provisionHandler(ctx, args, { secrets: "stored", mode: "provision" }),
});

/**
 * Builds a new agent for the user from their newest completed snapshot (a new volume restored
 * from it), and once it runs, deprovisions the agent it replaces. If the restore cannot
 * happen nothing is started from an empty volume: the call fails and says why.
 */
export const recreateAgentFromLatestSnapshot = action({
  args: provisionArgs,
  returns: vProvisionResult,
  handler: (ctx, args) => provisionHandler(ctx, args, { secrets: "arguments", mode: "recreate" }),
});

/** As recreateAgentFromLatestSnapshot, with secrets taken from stored secrets first. */
export const recreateAgentFromLatestSnapshotWithStoredSecrets = action({
  args: provisionStoredArgs,
  returns: vProvisionResult,
  handler: (ctx, args) => provisionHandler(ctx, args, { secrets: "stored", mode: "recreate" }),
});

// ---- lifecycle ---------------------------------------------------------------------------

/** Starts the agent's machine and waits until it and its gateway are up. */
export const startAgentMachine = action({
  args: machineArgs,
  returns: v.null(),
  handler: (ctx, args) => startHandler(ctx, args, { secrets: "arguments" }),
});

/** As startAgentMachine, with the Fly token taken from stored secrets first. */
export const startAgentMachineWithStoredSecrets = action({
  args: machineStoredArgs,
  returns: v.null(),
  handler: (ctx, args) => startHandler(ctx, args, { secrets: "stored" }),
});

/** Stops the agent's machine and waits until Fly says it is stopped. Its volume stays. */
export const stopAgentMachine = action({
  args: machineArgs,
  returns: v.null(),
  handler: (ctx, args) => stopHandler(ctx, args, { secrets: "arguments" }),
});

/** As stopAgentMachine, with the Fly token taken from stored secrets first. */
export const stopAgentMachineWithStoredSecrets = action({
  args: machineStoredArgs,
  returns: v.null(),
  handler: (ctx, args) => stopHandler(ctx, args, { secrets: "stored" }),
});

/** Restarts the agent's machine: recovers a gateway a stuck pairing left unhealthy. */
export const restartAgentMachine = action({
  args: machineArgs,
  returns: v.null(),
  handler: (ctx, args) => restartHandler(ctx, args, { secrets: "arguments" }),
});

/** As restartAgentMachine, with the Fly token taken from stored secrets first. */
export const restartAgentMachineWithStoredSecrets = action({
  args: machineStoredArgs,
  returns: v.null(),
  handler: (ctx, args) => restartHandler(ctx, args, { secrets: "stored" }),
});

/**
 * Destroys the agent's machine and deletes its volume (snapshots stay). Idempotent, and safe
 * to call twice at once. Returns 0.1.x's summary: `{ alreadyDeleted, machineFound,
 * machineRemovedFromFly, volumeRemovedFromFly, recordMarkedDeleted }`.
 */
export const deprovisionAgentMachine = action({
  args: machineArgs,
  returns: vDeprovisionResult,
  handler: (ctx, args) => deprovisionHandler(ctx, args, { secrets: "arguments" }),
});

/** As deprovisionAgentMachine, with the Fly token taken from stored secrets first. */
export const deprovisionAgentMachineWithStoredSecrets = action({
  args: machineStoredArgs,
  returns: vDeprovisionResult,
  handler: (ctx, args) => deprovisionHandler(ctx, args, { secrets: "stored" }),
});

// ---- snapshots -----------------------------------------------------------------------------

/**
 * Snapshots the agent's volume and follows it until Fly says `created` (or, after five
 * minutes, returns it still in progress).
 */
export const createAgentSnapshot = action({
  args: machineArgs,
  returns: vSnapshotResult,
  handler: (ctx, args) => createSnapshotHandler(ctx, args, { secrets: "arguments" }),
});

/** As createAgentSnapshot, with the Fly token taken from stored secrets first. */
export const createAgentSnapshotWithStoredSecrets = action({
  args: machineStoredArgs,
  returns: vSnapshotResult,
  handler: (ctx, args) => createSnapshotHandler(ctx, args, { secrets: "stored" }),
});

// ---- pairing -------------------------------------------------------------------------------

/**
 * Approves a Telegram pairing code on the agent's machine. One pairing per machine at a time:
 * a concurrent call fails with `pairing_in_progress`; an unhealthy gateway with
 * `gateway_unhealthy` (restart the machine first).
 */
export const approveTelegramPairing = action({
  args: { ...machineArgs, ...pairingCodeArgs },
  returns: v.null(),
  handler: (ctx, args) => approvePairingHandler(ctx, args, { secrets: "arguments" }),
});

/** As approveTelegramPairing, with the Fly token taken from stored secrets first. */
export const approveTelegramPairingWithStoredSecrets = action({
  args: { ...machineStoredArgs, ...pairingCodeArgs },
  returns: v.null(),
  handler: (ctx, args) => approvePairingHandler(ctx, args, { secrets: "stored" }),
});

// ---- reconciliation ------------------------------------------------------------------------

/**
 * Reads the agent's machine from Fly and corrects its record (a machine destroyed out of band
 * shows as `error`). A provisioning whose owner's action has surely ended (or that started more
 * than `staleAfterMs` ago, when given) is resumed or cleaned up. Returns the status after the sync.
 */
export const syncAgentMachine = action({
  args: { ...machineStoredArgs, ...staleAfterArgs },
  returns: vAgentStatus,
  handler: (ctx, args) => syncHandler(ctx, args, { secrets: "auto" }),
});

/**
 * Sweeps one Fly app: resumes or cleans up provisionings cut short (older than `staleAfterMs`,
 * by default the action lifetime: 30 minutes, or ACTION_LIFETIME_MINUTES, after which their
 * owner's action has surely ended), finishes unfinished cleanups, and flags machines destroyed
 * out of band. Call it from a cron in the host app.
 */
export const sweepAgentMachines = action({
  args: sweepArgs,
  returns: vSweepResult,
  handler: (ctx, args) => sweepHandler(ctx, args),
});

// ---- records -------------------------------------------------------------------------------

/** One agent, or null. A record 0.1.x wrote is an error until upgradeFromV01 has run. */
export const getAgentMachine = query({
  args: agentIdArgs,
  returns: v.union(vAgentMachine, v.null()),
  handler: (ctx, args) => agentById(ctx, args.machineDocId),
});

/**
 * A tenant's agents, newest first: at most `limit` (default 100, at most 500), optionally only
 * those in `status`. For more, use listAgentMachinesByTenantPage.
 */
export const listAgentMachinesByTenant = query({
  args: { ...tenantAgentsArgs, ...limitArgs },
  returns: v.array(vAgentMachine),
  handler: (ctx, args) => agentsOfTenant(ctx, args),
});

/**
 * A tenant's agents, newest first, one page at a time: a standard PaginationResult of at most
 * 500 agents per page. Page with `usePaginatedQuery` from `convex-helpers/react` (components
 * cannot use `.paginate()`, so pages come from convex-helpers' paginator, which needs its hook).
 */
export const listAgentMachinesByTenantPage = query({
  args: { ...tenantAgentsArgs, ...pageArgs },
  returns: paginationResultValidator(vAgentMachine),
  handler: (ctx, args) => agentsOfTenantPage(ctx, args),
});

/** An agent's snapshots, newest first. */
export const listAgentSnapshots = query({
  args: { ...agentIdArgs, ...limitArgs },
  returns: v.array(vAgentSnapshot),
  handler: (ctx, args) => snapshotsOfAgent(ctx, args),
});

/** Records user activity on the agent (for the host's own idle policy; nothing stops by itself). */
export const touchAgentActivity = mutation({
  args: agentIdArgs,
  returns: v.null(),
  handler: async (ctx, args) => {
    const agent = await getAgentOrThrow(ctx, args.machineDocId);
    await ctx.db.patch("agentMachines", agent._id, { lastActivityAt: Date.now() });
    return null;
  },
});

/**
 * Sets the agent's skill whitelist. With `applyToMachine`, also writes ALLOWED_SKILLS_JSON to
 * the machine (in the background; needs FLY_API_TOKEN or a stored token the component can open).
 */
export const updateAllowedSkills = mutation({
  args: allowedSkillsArgs,
  returns: v.null(),
  handler: (ctx, args) => updateAllowedSkillsHandler(ctx, args),
});

/** Writes the agent's skill whitelist to its machine now, with a whole-config update under a lease. */
export const applyAllowedSkillsToMachine = action({
  args: machineStoredArgs,
  returns: v.null(),
  handler: (ctx, args) => applySkillsHandler(ctx, args, { secrets: "auto" }),
});

// ---- audit trail ---------------------------------------------------------------------------

/** An agent's lifecycle events, newest first, one page at a time (as listAgentMachinesByTenantPage). */
export const listAuditEventsByMachine = query({
  args: { ...agentIdArgs, ...pageArgs },
  returns: vAuditPage,
  handler: (ctx, args) => auditEventsOfMachine(ctx, args.machineDocId, args.paginationOpts),
});

/** A tenant's lifecycle events, newest first, one page at a time (as listAgentMachinesByTenantPage). */
export const listAuditEventsByTenant = query({
  args: { ...tenantArgs, ...pageArgs },
  returns: vAuditPage,
  handler: (ctx, args) => auditEventsOfTenant(ctx, args.tenantId, args.paginationOpts),
});

// ---- secrets -------------------------------------------------------------------------------

/** What the user secrets functions return: whose they are, and which are stored (never values). */
function agentSecretsMeta(owner: ObjectType<typeof ownerArgs>, stored: Omit<SecretsMeta, "tenant">): AgentSecretsMeta {
  return { ...owner, updatedAt: stored.updatedAt, keyId: stored.keyId, ...stored.presence };
}

/**
 * Stores a user's secrets, sealed with AGENT_SECRETS_ENCRYPTION_KEY (or `secretsEncryptionKey`).
 * An omitted secret keeps its stored value; an empty string removes it. Returns which are stored.
 */
export const upsertAgentSecrets = mutation({
  args: { ...ownerArgs, ...encryptionKeyArgs, ...secretArgs },
  returns: vAgentSecretsMeta,
  handler: async (ctx, args) => {
    const { tenantId, userId, secretsEncryptionKey, ...values } = args;
    return agentSecretsMeta(
      { tenantId, userId },
      await upsertSecrets(ctx, { tenantId, userId }, values, secretsEncryptionKey),
    );
  },
});

/** Which secrets a user has stored (booleans, never values), or null. */
export const getAgentSecretsMeta = query({
  args: ownerArgs,
  returns: v.union(vAgentSecretsMeta, v.null()),
  handler: async (ctx, args) => {
    const meta = await secretsMeta(ctx, args);
    return meta && agentSecretsMeta(args, meta);
  },
});

/** Deletes a user's stored secrets. */
export const clearAgentSecrets = mutation({
  args: ownerArgs,
  returns: v.null(),
  handler: async (ctx, args) => {
    await clearSecrets(ctx, args);
    return null;
  },
});

/**
 * Stores a tenant's defaults, used for its users who have none of their own: secrets (sealed,
 * as upsertAgentSecrets) and 0.1.x's non-secret defaults `flyAppName`, `image`, `llmModel`,
 * `allowedSkillsJson` (in clear). `openclawAppKey` is 0.1.x's name for `appKey`. An omitted
 * field keeps its value; an empty string removes it. Returns which are set, never values.
 */
export const upsertCompanySecrets = mutation({
  args: companySecretsArgs,
  returns: vCompanySecretsMeta,
  handler: (ctx, args) => upsertTenantDefaultsHandler(ctx, args),
});

/** Which defaults a tenant has stored (booleans, never values), or null. */
export const getCompanySecretsMeta = query({
  args: tenantArgs,
  returns: v.union(vCompanySecretsMeta, v.null()),
  handler: (ctx, args) => tenantDefaultsMeta(ctx, args.tenantId),
});

/**
 * A tenant's non-secret defaults (`flyAppName`, `image`, `llmModel`, `allowedSkillsJson`) and,
 * for each secret, whether it is set; or null. 0.1.x returned the secrets in clear: they stay
 * sealed now, so `secretsEncryptionKey` is accepted for 0.1.x callers and not needed.
 */
export const getCompanySecrets = query({
  args: { ...tenantArgs, ...encryptionKeyArgs },
  returns: v.union(vCompanySecrets, v.null()),
  handler: (ctx, args) => readTenantDefaults(ctx, args.tenantId),
});

/** Deletes a tenant's default secrets. */
export const clearCompanySecrets = mutation({
  args: tenantArgs,
  returns: v.null(),
  handler: async (ctx, args) => {
    await clearSecrets(ctx, args);
    return null;
  },
});

/**
 * Re-seals every stored secret under the new key, in batches within Convex's limits. The new
 * key is `secretsEncryptionKey` (or the first of AGENT_SECRETS_ENCRYPTION_KEY); old keys come
 * from `previousSecretsEncryptionKeys` or the rest of that env var ("new,old").
 */
export const rotateSecretsEncryptionKey = action({
  args: rotationArgs,
  returns: vRotationResult,
  handler: (ctx, args) => rotateHandler(ctx, args),
});

// ---- upgrading from 0.1.x --------------------------------------------------------------------

/**
 * Converts a deployment's 0.1.x data in place, in batches within Convex's limits: opens the
 * values 0.1.x sealed (AES-256-GCM under the SHA-256 of its key) and re-seals them under the
 * current scheme, moves `appKey` and `serviceKey` out of agent records into the user's sealed
 * secrets, and gives every 0.1.x agent and snapshot the fields this version needs.
 *
 * `flyAppName` is the Fly app the 0.1.x agents ran in (0.1.x stored none); the key is
 * `secretsEncryptionKey`, else AGENT_SECRETS_ENCRYPTION_KEY (the 0.1.x key, any string, keeps
 * working). Returns `{ done, … counts }`: call again while `done` is false. Calling it once
 * done changes nothing. Throws `invalid_argument`, `missing_secret` or `wrong_encryption_key`
 * (a value the key cannot open) before writing that batch.
 */
export const upgradeFromV01 = action({
  args: upgradeArgs,
  returns: vUpgradeResult,
  handler: (ctx, args) => upgradeHandler(ctx, args),
});

// ---- image rollouts ------------------------------------------------------------------------

/**
 * Starts rolling `image` out across the tenant's running and stopped agents in `flyAppName`
 * (agents already on `image` are left out) and returns the rollout's id at once; the rollout
 * runs in the background (getImageRollout follows it).
 *
 * Agents go in waves: `waveSize` agents first (default 1), doubling after each wave with no
 * failure, up to `maxWaveSize` (default 10, at most 20). For each agent: a volume snapshot (until
 * Fly says `created`), an update to `image` with the machine's whole config otherwise kept, then
 * the health gate (booted, gateway answering, model forced and verified within
 * `readyTimeoutSec`, default the agent's startupTimeoutSec), and the image and digest recorded.
 * A stopped agent is updated without being started and is verified at its next start.
 *
 * A failed agent goes back to its previous image; if that will not start on the state the new
 * version migrated (OpenClaw's `state-migrated-no-rollback`), the pre-upgrade snapshot is
 * restored into a new volume and the agent comes back on it. Once more than `maxFailures`
 * (default 0) agents have failed, the rollout stops; agents not reached are left untouched.
 *
 * The Fly token: `flyApiToken` (kept sealed with AGENT_SECRETS_ENCRYPTION_KEY until the rollout
 * ends), else each agent's stored token, else FLY_API_TOKEN.
 *
 * @returns the rollout's id (a string).
 * @throws ConvexError `invalid_argument` (bad image, app name or sizes; nothing written),
 *   `missing_secret` (no token the rollout can use on its own), `operation_in_progress` (a
 *   rollout is already running for this tenant and app).
 */
export const upgradeAgentImages = mutation({
  args: imageRolloutArgs,
  returns: v.string(),
  handler: (ctx, args) => startRolloutHandler(ctx, args),
});

/**
 * Cancels a rollout: no further agent starts, the agents in hand finish their upgrade (or their
 * way back), then the rollout ends as `cancelled`. Returns its status after the request.
 * @throws ConvexError `not_found` for an unknown rollout id.
 */
export const cancelImageRollout = mutation({
  args: rolloutIdArgs,
  returns: vRolloutStatus,
  handler: (ctx, args) => cancelRollout(ctx, args.rolloutId),
});

/** One rollout: its status, waves and counts, and every agent's phase, outcome and timings; or null. */
export const getImageRollout = query({
  args: rolloutIdArgs,
  returns: v.union(vImageRolloutDetail, v.null()),
  handler: (ctx, args) => getRollout(ctx, args.rolloutId),
});

/** A tenant's rollouts, newest first: at most `limit` (default 20, at most 100), without agent rows. */
export const listImageRollouts = query({
  args: { ...tenantArgs, ...limitArgs },
  returns: v.array(vImageRollout),
  handler: (ctx, args) => listRollouts(ctx, args.tenantId, Math.max(1, Math.min(100, Math.floor(args.limit ?? 20)))),
});

/**
 * Version drift: a tenant's agents (not deleted) grouped by the image they run, most common
 * first, each group with the digests Fly reported and the agents themselves.
 */
export const listAgentImagesByTenant = query({
  args: tenantArgs,
  returns: v.array(vAgentImageGroup),
  handler: (ctx, args) => agentsByImage(ctx, args.tenantId),
});
