/**
 * Ready-made public functions for host apps, each guarded by an authorization callback that
 * receives a typed request (request.ts): the tenant, user or agent it concerns and every
 * argument that changes what runs or where secrets go.
 *
 * ```ts
 * export const { provision, listAgents, approvePairing } = exposeApi(components.flyAgents, {
 *   flyAppName: "my-agents",
 *   auth: async (ctx, request) => { ... throw if the caller may not ... },
 * });
 * ```
 *
 * An agent id the caller may not read (`readAgent` refused) is answered exactly as an id that
 * names no agent: `null` from `getAgent`, `not_found` elsewhere. So no answer tells whether an
 * id exists, or which tenant holds it.
 */
import {
  actionGeneric,
  mutationGeneric,
  paginationResultValidator,
  queryGeneric,
  type GenericActionCtx,
  type GenericDataModel,
  type GenericQueryCtx,
  type PaginationResult,
} from "convex/server";
import { v } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import { agentNotFound } from "../component/errors.js";
import { checkId } from "../component/limits.js";
import { secretsSourceOf } from "../component/secrets/source.js";
import {
  agentIdArgs,
  agentSecretsArgs,
  agentSettingsArgs,
  allowedSkillsArgs,
  ownerArgs,
  pageArgs,
  pairingCodeArgs,
  SECRET_FIELDS,
  secretArgs,
  tenantAgentsArgs,
  tenantArgs,
  vAgentMachine,
  vAgentSecretsMeta,
  vAgentStatus,
  vAuditEvent,
  vCompanySecretsMeta,
  vProvisionResult,
  vSnapshotResult,
  type AgentMachine,
  type ProvisionResult,
  type SecretField,
} from "../component/validators.js";
import { FlyAgents, type AgentWithId, type FlyAgentsOptions, type RunQueryCtx } from "./index.js";
import type { AgentRef, FlyAgentsRequest, SecretsSource } from "./request.js";

/** Context the auth callback gets: whatever the exposed function runs in, narrowed to reading auth. */
export type AuthCtx = Pick<GenericQueryCtx<GenericDataModel>, "auth">;

export type ExposeApiOptions = FlyAgentsOptions & {
  /**
   * Throw to refuse. Runs before every exposed function, including the secrets ones; for a
   * function that names an agent by id, first as `readAgent` (refused: the id looks missing),
   * then as the request itself.
   */
  auth: (ctx: AuthCtx, request: FlyAgentsRequest) => Promise<void>;
};

type ReadCtx = AuthCtx & Pick<GenericActionCtx<GenericDataModel>, "runQuery">;

/** `hasLlmApiKey` for `llmApiKey`: the presence flag the secrets queries return for a field. */
type PresenceKey = `has${Capitalize<SecretField>}`;
const presenceKey = (field: SecretField) => `has${field[0].toUpperCase()}${field.slice(1)}` as PresenceKey;

/** The secret fields a write sets or removes. */
function keysOf(args: Partial<Record<SecretField, string>>): SecretField[] {
  return SECRET_FIELDS.filter((field) => args[field] !== undefined);
}

/** Checks the ids a call names: lengths within limits, before any lookup. */
function checkIds(args: { tenantId?: string; userId?: string; machineDocId?: string }) {
  for (const name of ["tenantId", "userId", "machineDocId"] as const) {
    const value = args[name];
    if (value !== undefined) checkId(name, value);
  }
}

/**
 * Public queries, mutations and actions over the component for a host app to re-export.
 * Secrets can be written and their presence read; no function returns a secret. Agent ids come
 * back as the component's validators type them (plain strings), so host code that builds these
 * results (test data, mocks) compiles; the auth callback gets them as `AgentId`.
 * @param component The installed component: `components.flyAgents`.
 * @param options Defaults as for `new FlyAgents`, plus the `auth` callback.
 */
export function exposeApi(component: ComponentApi, options: ExposeApiOptions) {
  const { auth, ...defaults } = options;
  const agents = new FlyAgents(component, defaults);

  /** The agent, or null when no agent has this id or the caller may not read it: one answer for both. */
  async function visibleAgent(ctx: ReadCtx, machineDocId: string): Promise<AgentWithId | null> {
    checkId("machineDocId", machineDocId);
    const agent = await agents.get(ctx, { machineDocId });
    if (!agent) return null;
    try {
      await auth(ctx, { kind: "readAgent", ...refOf(agent) });
    } catch {
      return null;
    }
    return agent;
  }

  /** The agent the caller may read (else `not_found`, as for a missing id), authorized for `request`. */
  async function authorizeAgent(
    ctx: ReadCtx,
    machineDocId: string,
    request: (agent: AgentRef, record: AgentWithId) => FlyAgentsRequest | Promise<FlyAgentsRequest>,
  ): Promise<AgentWithId> {
    const agent = await visibleAgent(ctx, machineDocId);
    if (!agent) throw agentNotFound(machineDocId);
    await auth(ctx, await request(refOf(agent), agent));
    return agent;
  }

  /**
   * Where the user's agent takes its secrets from, by what is stored now. The Fly token the
   * options (or the host's FLY_API_TOKEN) give is passed down as an argument, and an argument
   * comes first: with one, the Fly token is the host's whatever is stored.
   */
  async function secretsFrom(ctx: RunQueryCtx, owner: { tenantId: string; userId: string }): Promise<SecretsSource> {
    const user = await agents.getAgentSecretsMeta(ctx, { tenantId: owner.tenantId, userId: owner.userId });
    const tenant = await agents.getCompanySecretsMeta(ctx, { tenantId: owner.tenantId });
    // The client passes its flyApiToken option (or the host's FLY_API_TOKEN) as an argument, and
    // cannot see the component's env: a Fly token stored nowhere is taken to be the host's.
    const passesFlyToken = agents.options.flyApiToken !== undefined;
    return secretsSourceOf({
      argument: (field) => field === "flyApiToken" && passesFlyToken,
      user: (field) => user?.[presenceKey(field)] === true,
      tenant: (field) => tenant?.[presenceKey(field)] === true,
      hostFlyToken: true,
    });
  }

  const machineAction = (kind: "start" | "stop" | "restart" | "deprovision") =>
    actionGeneric({
      args: agentIdArgs,
      returns: v.null(),
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, args.machineDocId, (agent) => ({ kind, ...agent }));
        await agents[kind](ctx, args);
        return null;
      },
    });

  const provisionAction = (kind: "provision" | "recreate") =>
    actionGeneric({
      args: { ...ownerArgs, ...agentSettingsArgs },
      returns: vProvisionResult,
      handler: async (ctx, args): Promise<ProvisionResult> => {
        const { tenantId, userId, ...settings } = args;
        checkIds(args);
        const authorizedSecretsFrom = await secretsFrom(ctx, args);
        await auth(ctx, { kind, tenantId, userId, settings, secretsFrom: authorizedSecretsFrom });
        // The component reads the secrets again; it refuses (`secrets_changed`) if they would now
        // come from anywhere else than what auth approved (a concurrent write in between).
        const approved = { ...args, authorizedSecretsFrom };
        return kind === "provision"
          ? await agents.provision(ctx, approved)
          : await agents.recreateFromLatestSnapshot(ctx, approved);
      },
    });

  return {
    listAgents: queryGeneric({
      args: { ...tenantAgentsArgs, ...pageArgs },
      returns: paginationResultValidator(vAgentMachine),
      handler: async (ctx, args): Promise<PaginationResult<AgentMachine>> => {
        checkIds(args);
        await auth(ctx, { kind: "listAgents", tenantId: args.tenantId, status: args.status });
        return await agents.listByTenantPage(ctx, args);
      },
    }),
    getAgent: queryGeneric({
      args: agentIdArgs,
      returns: v.union(vAgentMachine, v.null()),
      handler: async (ctx, args): Promise<AgentMachine | null> => await visibleAgent(ctx, args.machineDocId),
    }),
    listAuditEvents: queryGeneric({
      args: { ...tenantArgs, machineDocId: v.optional(agentIdArgs.machineDocId), ...pageArgs },
      returns: paginationResultValidator(vAuditEvent),
      handler: async (ctx, args) => {
        checkIds(args);
        // The tenant first: the caller named it, so its refusal may say so.
        await auth(ctx, { kind: "readAudit", tenantId: args.tenantId });
        if (args.machineDocId === undefined) {
          return await agents.auditOfTenant(ctx, { tenantId: args.tenantId, paginationOpts: args.paginationOpts });
        }
        const agent = await visibleAgent(ctx, args.machineDocId);
        if (!agent || agent.tenantId !== args.tenantId) throw agentNotFound(args.machineDocId);
        await auth(ctx, { kind: "readAudit", ...refOf(agent) });
        return await agents.auditOfMachine(ctx, { machineDocId: agent._id, paginationOpts: args.paginationOpts });
      },
    }),
    provision: provisionAction("provision"),
    recreateFromLatestSnapshot: provisionAction("recreate"),
    start: machineAction("start"),
    stop: machineAction("stop"),
    restart: machineAction("restart"),
    deprovision: machineAction("deprovision"),
    snapshot: actionGeneric({
      args: agentIdArgs,
      returns: vSnapshotResult,
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, args.machineDocId, (agent) => ({ kind: "snapshot", ...agent }));
        return await agents.snapshot(ctx, args);
      },
    }),
    approvePairing: actionGeneric({
      args: { ...agentIdArgs, ...pairingCodeArgs },
      returns: v.null(),
      handler: async (ctx, args) => {
        const { telegramPairingCode } = args;
        await authorizeAgent(ctx, args.machineDocId, (agent) => ({ kind: "pairing", ...agent, telegramPairingCode }));
        return await agents.approveTelegramPairing(ctx, args);
      },
    }),
    sync: actionGeneric({
      args: agentIdArgs,
      returns: vAgentStatus,
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, args.machineDocId, (agent) => ({ kind: "sync", ...agent }));
        return await agents.sync(ctx, args);
      },
    }),
    updateAllowedSkills: mutationGeneric({
      args: allowedSkillsArgs,
      returns: v.null(),
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, args.machineDocId, async (agent, record) => ({
          kind: "update_skills",
          ...agent,
          allowedSkills: args.allowedSkills,
          applyToMachine: args.applyToMachine ?? false,
          // What the Machine was given, as its record says; what is stored now for an agent
          // provisioned before that was recorded (or with secrets as arguments).
          secretsFrom: record.secretsFrom ?? (await secretsFrom(ctx, agent)),
        }));
        return await agents.updateAllowedSkills(ctx, args);
      },
    }),
    setAgentSecrets: mutationGeneric({
      args: agentSecretsArgs,
      returns: vAgentSecretsMeta,
      handler: async (ctx, args) => {
        checkIds(args);
        const { tenantId, userId } = args;
        await auth(ctx, { kind: "writeSecrets", tenantId, userId, keys: keysOf(args), clear: false });
        return await agents.setAgentSecrets(ctx, args);
      },
    }),
    getAgentSecretsMeta: queryGeneric({
      args: ownerArgs,
      returns: v.union(vAgentSecretsMeta, v.null()),
      handler: async (ctx, args) => {
        checkIds(args);
        await auth(ctx, { kind: "readSecrets", tenantId: args.tenantId, userId: args.userId });
        return await agents.getAgentSecretsMeta(ctx, args);
      },
    }),
    clearAgentSecrets: mutationGeneric({
      args: ownerArgs,
      returns: v.null(),
      handler: async (ctx, args) => {
        checkIds(args);
        const { tenantId, userId } = args;
        await auth(ctx, { kind: "writeSecrets", tenantId, userId, keys: [...SECRET_FIELDS], clear: true });
        return await agents.clearAgentSecrets(ctx, args);
      },
    }),
    setCompanySecrets: mutationGeneric({
      args: { ...tenantArgs, ...secretArgs },
      returns: vCompanySecretsMeta,
      handler: async (ctx, args) => {
        checkIds(args);
        await auth(ctx, { kind: "writeSecrets", tenantId: args.tenantId, keys: keysOf(args), clear: false });
        return await agents.setCompanySecrets(ctx, args);
      },
    }),
    getCompanySecretsMeta: queryGeneric({
      args: tenantArgs,
      returns: v.union(vCompanySecretsMeta, v.null()),
      handler: async (ctx, args) => {
        checkIds(args);
        await auth(ctx, { kind: "readSecrets", tenantId: args.tenantId });
        return await agents.getCompanySecretsMeta(ctx, args);
      },
    }),
    clearCompanySecrets: mutationGeneric({
      args: tenantArgs,
      returns: v.null(),
      handler: async (ctx, args) => {
        checkIds(args);
        await auth(ctx, { kind: "writeSecrets", tenantId: args.tenantId, keys: [...SECRET_FIELDS], clear: true });
        return await agents.clearCompanySecrets(ctx, args);
      },
    }),
  };
}

function refOf(agent: AgentWithId): AgentRef {
  return { tenantId: agent.tenantId, userId: agent.userId, machineDocId: agent._id };
}
