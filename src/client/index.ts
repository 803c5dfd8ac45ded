/**
 * What a host app imports: the `FlyAgents` class, `exposeApi`, and the shared validators and
 * types. Host-side settings (AGENT_SECRETS_ENCRYPTION_KEY, FLY_API_TOKEN, FLY_APP_NAME,
 * FLY_API_BASE_URL) are read here, in the host's environment, and passed down.
 */
import type {
  FunctionArgs,
  GenericActionCtx,
  GenericDataModel,
  PaginationOptions,
  PaginationResult,
} from "convex/server";
import type { ObjectType } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import { flyAgentsError } from "../component/errors.js";
import type {
  AgentId,
  AgentMachine,
  ProvisionResult,
  agentIdArgs,
  allowedSkillsArgs,
  ownerArgs,
  pairingCodeArgs,
  rotationArgs,
  staleAfterArgs,
  tenantAgentsArgs,
  tenantArgs,
} from "../component/validators.js";

export { exposeApi, type AuthCtx, type ExposeApiOptions } from "./exposeApi.js";
export type { AgentRef, FlyAgentsRequest, SecretsSource } from "./request.js";
export {
  isFlyAgentsError,
  ERROR_KINDS,
  type FlyAgentsErrorData,
  type FlyAgentsErrorKind,
} from "../component/errors.js";
export {
  vAgentId,
  vAgentImageGroup,
  vAgentMachine,
  vAgentSecretsMeta,
  vAgentSnapshot,
  vAgentStatus,
  vAuditEvent,
  vCompanySecretsMeta,
  vDeprovisionResult,
  vImageRollout,
  vImageRolloutAgent,
  vImageRolloutDetail,
  vOperationKind,
  vProvisionResult,
  vProvisionStep,
  vRolloutAgentPhase,
  vRolloutStatus,
  vRotationResult,
  vSnapshotResult,
  vSnapshotStatus,
  vSweepResult,
  type AgentId,
  type AgentImageGroup,
  type AgentMachine,
  type AgentSecretsMeta,
  type AgentSettings,
  type AgentSnapshot,
  type AgentStatus,
  type AuditEvent,
  type CompanySecretsMeta,
  type DeprovisionResult,
  type ImageRollout,
  type ImageRolloutAgent,
  type ImageRolloutDetail,
  type OperationKind,
  type ProvisionResult,
  type ProvisionStep,
  type RolloutAgentPhase,
  type RolloutStatus,
  type RotationResult,
  type SecretField,
  type SnapshotResult,
  type SnapshotStatus,
  type SweepResult,
} from "../component/validators.js";
export type { ComponentApi };

/** Context types, as narrow as each call needs. */
export type RunQueryCtx = Pick<GenericActionCtx<GenericDataModel>, "runQuery">;
export type RunMutationCtx = Pick<GenericActionCtx<GenericDataModel>, "runQuery" | "runMutation">;
export type RunActionCtx = Pick<GenericActionCtx<GenericDataModel>, "runQuery" | "runMutation" | "runAction">;

type Lib = ComponentApi["lib"];

/**
 * An agent's record as the client returns it: its id typed as an AgentId. (Codegen writes
 * ComponentApi's ids as plain strings; the client hands them over typed.)
 */
export type AgentWithId = AgentMachine & { _id: AgentId };
/** What provisioning returns through the client: the new agent's id typed as an AgentId. */
export type ProvisionedAgent = ProvisionResult & { machineDocId: AgentId };

export type FlyAgentsOptions = {
  /** Fly app the agents run in. Default: the host's FLY_APP_NAME. */
  flyAppName?: string;
  /**
   * Fly API token, sent with every call. Default: the host's FLY_API_TOKEN. An argument comes
   * before stored secrets, so when this (or the host's FLY_API_TOKEN) is set it is used even for
   * users or tenants who stored a Fly token of their own; leave both unset to use stored tokens.
   */
  flyApiToken?: string;
  /** Key sealing stored secrets. Default: the host's AGENT_SECRETS_ENCRYPTION_KEY. */
  secretsEncryptionKey?: string;
  /** Fly Machines API base URL (the emulator in tests). Default: the host's FLY_API_BASE_URL. */
  flyApiBaseUrl?: string;
};

type ProvisionArgs = Omit<
  FunctionArgs<Lib["provisionAgentMachineWithStoredSecrets"]>,
  "flyAppName" | "flyApiToken" | "secretsEncryptionKey" | "flyApiBaseUrl"
> & { flyAppName?: string };
/** The agent a call concerns, and optionally the Fly app it runs in (default: the options' flyAppName). */
type MachineArgs = ObjectType<typeof agentIdArgs> & { flyAppName?: string };

function hostEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Gives each user of the host app their own OpenClaw agent on Fly.
 *
 * ```ts
 * const flyAgents = new FlyAgents(components.flyAgents, { flyAppName: "my-agents" });
 * ```
 */
export class FlyAgents {
  private readonly given: FlyAgentsOptions;

  /**
   * @param component The installed component: `components.flyAgents`.
   * @param options Defaults for every call; each falls back to the host's env var of the same name.
   */
  constructor(
    readonly component: ComponentApi,
    options: FlyAgentsOptions = {},
  ) {
    this.given = { ...options };
  }

  /**
   * The options in effect: each one given to the constructor, else the host's env var, read
   * when a call is made (an instance is usually built when its module loads, before a test
   * or a deployment has set the env it runs with).
   */
  get options(): FlyAgentsOptions {
    return {
      flyAppName: this.given.flyAppName ?? hostEnv("FLY_APP_NAME"),
      flyApiToken: this.given.flyApiToken ?? hostEnv("FLY_API_TOKEN"),
      secretsEncryptionKey: this.given.secretsEncryptionKey ?? hostEnv("AGENT_SECRETS_ENCRYPTION_KEY"),
      flyApiBaseUrl: this.given.flyApiBaseUrl ?? hostEnv("FLY_API_BASE_URL"),
    };
  }

  private target(flyAppName?: string) {
    const options = this.options;
    const appName = flyAppName ?? options.flyAppName;
    if (!appName) {
      throw flyAgentsError(
        "invalid_argument",
        "Missing flyAppName: pass it to new FlyAgents(component, { flyAppName }) or set FLY_APP_NAME.",
      );
    }
    return {
      flyAppName: appName,
      ...(options.flyApiToken ? { flyApiToken: options.flyApiToken } : {}),
      ...(options.secretsEncryptionKey ? { secretsEncryptionKey: options.secretsEncryptionKey } : {}),
      ...(options.flyApiBaseUrl ? { flyApiBaseUrl: options.flyApiBaseUrl } : {}),
    };
  }

  private machineTarget(args: MachineArgs) {
    return { machineDocId: args.machineDocId, ...this.target(args.flyAppName) };
  }

  // ---- lifecycle -----------------------------------------------------------------------

  /**
   * Provisions a user's agent and returns once it runs with its model verified. Each secret
   * comes from `args` (and the options' flyApiToken) first, then the user's stored secrets, then
   * the tenant's defaults, then the component's env.
   * With `authorizedSecretsFrom`, refused (`secrets_changed`) if any would come from elsewhere.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async provision(ctx: RunActionCtx, args: ProvisionArgs): Promise<ProvisionedAgent> {
    const made = await ctx.runAction(this.component.lib.provisionAgentMachineWithStoredSecrets, {
      ...args,
      ...this.target(args.flyAppName),
    });
    return made as ProvisionedAgent;
  }

  /**
   * Replaces the user's agent with one restored from their newest completed snapshot.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async recreateFromLatestSnapshot(ctx: RunActionCtx, args: ProvisionArgs): Promise<ProvisionedAgent> {
    const made = await ctx.runAction(this.component.lib.recreateAgentFromLatestSnapshotWithStoredSecrets, {
      ...args,
      ...this.target(args.flyAppName),
    });
    return made as ProvisionedAgent;
  }

  /**
   * Starts the agent's machine and waits for its gateway.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async start(ctx: RunActionCtx, args: MachineArgs) {
    return await ctx.runAction(this.component.lib.startAgentMachineWithStoredSecrets, this.machineTarget(args));
  }

  /**
   * Stops the agent's machine; its volume keeps its state.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async stop(ctx: RunActionCtx, args: MachineArgs) {
    return await ctx.runAction(this.component.lib.stopAgentMachineWithStoredSecrets, this.machineTarget(args));
  }

  /**
   * Restarts the agent's machine (recovers a gateway a stuck pairing left unhealthy).
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async restart(ctx: RunActionCtx, args: MachineArgs) {
    return await ctx.runAction(this.component.lib.restartAgentMachineWithStoredSecrets, this.machineTarget(args));
  }

  /**
   * Destroys the agent's machine and volume. Idempotent.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async deprovision(ctx: RunActionCtx, args: MachineArgs) {
    return await ctx.runAction(this.component.lib.deprovisionAgentMachineWithStoredSecrets, this.machineTarget(args));
  }

  /**
   * Snapshots the agent's volume and follows the snapshot until Fly completes it.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async snapshot(ctx: RunActionCtx, args: MachineArgs) {
    return await ctx.runAction(this.component.lib.createAgentSnapshotWithStoredSecrets, this.machineTarget(args));
  }

  /**
   * Approves a Telegram pairing code (one pairing per machine at a time).
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async approveTelegramPairing(ctx: RunActionCtx, args: MachineArgs & ObjectType<typeof pairingCodeArgs>) {
    return await ctx.runAction(this.component.lib.approveTelegramPairingWithStoredSecrets, {
      ...this.machineTarget(args),
      telegramPairingCode: args.telegramPairingCode,
    });
  }

  /**
   * Corrects the agent's record from Fly's real state; returns the status after.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async sync(ctx: RunActionCtx, args: MachineArgs & ObjectType<typeof staleAfterArgs>) {
    return await ctx.runAction(this.component.lib.syncAgentMachine, {
      ...this.machineTarget(args),
      ...(args.staleAfterMs !== undefined ? { staleAfterMs: args.staleAfterMs } : {}),
    });
  }

  /**
   * Sweeps the Fly app: finishes or cleans up interrupted provisionings, flags machines
   * destroyed out of band. Call it from a cron.
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async sweep(ctx: RunActionCtx, args: { flyAppName?: string } & ObjectType<typeof staleAfterArgs> = {}) {
    const { secretsEncryptionKey: _key, ...target } = this.target(args.flyAppName);
    return await ctx.runAction(this.component.lib.sweepAgentMachines, {
      ...target,
      ...(args.staleAfterMs !== undefined ? { staleAfterMs: args.staleAfterMs } : {}),
    });
  }

  /**
   * Sets the agent's skill whitelist; with `applyToMachine`, writes it to the machine too.
   * @param ctx Any context that can run mutations (a mutation's or action's ctx).
   */
  async updateAllowedSkills(ctx: RunMutationCtx, args: ObjectType<typeof allowedSkillsArgs>) {
    return await ctx.runMutation(this.component.lib.updateAllowedSkills, args);
  }

  /**
   * Records user activity on the agent.
   * @param ctx Any context that can run mutations (a mutation's or action's ctx).
   */
  async touchActivity(ctx: RunMutationCtx, args: ObjectType<typeof agentIdArgs>) {
    return await ctx.runMutation(this.component.lib.touchAgentActivity, args);
  }

  // ---- reading ---------------------------------------------------------------------------

  /**
   * One agent, or null.
   * @param ctx Any context that can run queries.
   */
  async get(ctx: RunQueryCtx, args: ObjectType<typeof agentIdArgs>): Promise<AgentWithId | null> {
    return (await ctx.runQuery(this.component.lib.getAgentMachine, args)) as AgentWithId | null;
  }

  /**
   * A tenant's agents, newest first (at most `limit`, default 100).
   * @param ctx Any context that can run queries.
   */
  async listByTenant(ctx: RunQueryCtx, args: FunctionArgs<Lib["listAgentMachinesByTenant"]>): Promise<AgentWithId[]> {
    return (await ctx.runQuery(this.component.lib.listAgentMachinesByTenant, args)) as AgentWithId[];
  }

  /**
   * One page of a tenant's agents, newest first: a standard PaginationResult of at most 500
   * agents. Return it from a query of yours and page in React with `usePaginatedQuery` from
   * `convex-helpers/react` (it passes the `endCursor` these pages need).
   * @param ctx Any context that can run queries.
   */
  async listByTenantPage(
    ctx: RunQueryCtx,
    args: ObjectType<typeof tenantAgentsArgs> & { paginationOpts: PaginationOptions },
  ): Promise<PaginationResult<AgentWithId>> {
    const page = await ctx.runQuery(this.component.lib.listAgentMachinesByTenantPage, args);
    return page as PaginationResult<AgentWithId>;
  }

  /**
   * One page of an agent's lifecycle events, newest first (paged as listByTenantPage).
   * @param ctx Any context that can run queries.
   */
  async auditOfMachine(ctx: RunQueryCtx, args: ObjectType<typeof agentIdArgs> & { paginationOpts: PaginationOptions }) {
    return await ctx.runQuery(this.component.lib.listAuditEventsByMachine, args);
  }

  /**
   * One page of a tenant's lifecycle events, newest first (paged as listByTenantPage).
   * @param ctx Any context that can run queries.
   */
  async auditOfTenant(ctx: RunQueryCtx, args: ObjectType<typeof tenantArgs> & { paginationOpts: PaginationOptions }) {
    return await ctx.runQuery(this.component.lib.listAuditEventsByTenant, args);
  }

  // ---- secrets ---------------------------------------------------------------------------

  /**
   * Stores a user's secrets, sealed. Omitted secrets keep their value; "" removes one.
   * @param ctx Any context that can run mutations (a mutation's or action's ctx).
   */
  async setAgentSecrets(
    ctx: RunMutationCtx,
    args: Omit<FunctionArgs<Lib["upsertAgentSecrets"]>, "secretsEncryptionKey">,
  ) {
    return await ctx.runMutation(this.component.lib.upsertAgentSecrets, { ...args, ...this.keyArg() });
  }

  /**
   * Which secrets a user has stored (booleans only), or null.
   * @param ctx Any context that can run queries.
   */
  async getAgentSecretsMeta(ctx: RunQueryCtx, args: ObjectType<typeof ownerArgs>) {
    return await ctx.runQuery(this.component.lib.getAgentSecretsMeta, args);
  }

  /**
   * Deletes a user's stored secrets.
   * @param ctx Any context that can run mutations (a mutation's or action's ctx).
   */
  async clearAgentSecrets(ctx: RunMutationCtx, args: ObjectType<typeof ownerArgs>) {
    return await ctx.runMutation(this.component.lib.clearAgentSecrets, args);
  }

  /**
   * Stores a tenant's default secrets, used by its users who have none of their own.
   * @param ctx Any context that can run mutations (a mutation's or action's ctx).
   */
  async setCompanySecrets(
    ctx: RunMutationCtx,
    args: Omit<FunctionArgs<Lib["upsertCompanySecrets"]>, "secretsEncryptionKey">,
  ) {
    return await ctx.runMutation(this.component.lib.upsertCompanySecrets, { ...args, ...this.keyArg() });
  }

  /**
   * Which default secrets a tenant has stored (booleans only), or null.
   * @param ctx Any context that can run queries.
   */
  async getCompanySecretsMeta(ctx: RunQueryCtx, args: ObjectType<typeof tenantArgs>) {
    return await ctx.runQuery(this.component.lib.getCompanySecretsMeta, args);
  }

  /**
   * Deletes a tenant's default secrets.
   * @param ctx Any context that can run mutations (a mutation's or action's ctx).
   */
  async clearCompanySecrets(ctx: RunMutationCtx, args: ObjectType<typeof tenantArgs>) {
    return await ctx.runMutation(this.component.lib.clearCompanySecrets, args);
  }

  /**
   * Re-seals every stored secret under the current key (the first of AGENT_SECRETS_ENCRYPTION_KEY).
   * @param ctx Any context that can run actions (an action's ctx).
   */
  async rotateSecretsEncryptionKey(
    ctx: RunActionCtx,
    args: Omit<ObjectType<typeof rotationArgs>, "secretsEncryptionKey"> = {},
  ) {
    return await ctx.runAction(this.component.lib.rotateSecretsEncryptionKey, { ...args, ...this.keyArg() });
  }

  private keyArg() {
    const key = this.options.secretsEncryptionKey;
    return key ? { secretsEncryptionKey: key } : {};
  }
}
