/**
 * Ready-made public functions for host apps, each guarded by an authorization callback that
 * receives a typed operation naming the tenant (and user or agent) it concerns.
 *
 * ```ts
 * export const { provision, listAgents, approvePairing } = exposeApi(components.flyAgents, {
 *   flyAppName: "my-agents",
 *   auth: async (ctx, operation) => { ... throw if the caller may not ... },
 * });
 * ```
 */
import {
  actionGeneric,
  mutationGeneric,
  paginationOptsValidator,
  paginationResultValidator,
  queryGeneric,
  type GenericActionCtx,
  type GenericDataModel,
  type GenericQueryCtx,
} from "convex/server";
import { v } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import { flyAgentsError } from "../component/errors.js";
import { vAgentSecretsMeta, vCompanySecretsMeta } from "../component/secrets/meta.js";
import { vAgentMachine, vAuditEvent } from "../component/shapes.js";
import { secretArgs, vAgentStatus, vProvisionResult, vSnapshotResult } from "../component/validators.js";
import { FlyAgents, type FlyAgentsOptions } from "./index.js";

/** What an exposed function is about to do, and to whom. */
export type FlyAgentsOperation =
  | { kind: "listAgents"; tenantId: string }
  | { kind: "readAudit"; tenantId: string; machineDocId?: string; userId?: string }
  | { kind: "provision" | "recreate"; tenantId: string; userId: string }
  | {
      kind:
        "readAgent" | "start" | "stop" | "restart" | "deprovision" | "snapshot" | "pairing" | "sync" | "updateSkills";
      tenantId: string;
      userId: string;
      machineDocId: string;
    }
  | { kind: "readSecrets" | "writeSecrets"; tenantId: string; userId?: string };

/** Context the auth callback gets: whatever the exposed function runs in, narrowed to reading auth. */
export type AuthCtx = Pick<GenericQueryCtx<GenericDataModel>, "auth">;

export type ExposeApiOptions = FlyAgentsOptions & {
  /** Throw to refuse. Runs before every exposed function, including the secrets ones. */
  auth: (ctx: AuthCtx, operation: FlyAgentsOperation) => Promise<void>;
};

const provisionArgs = {
  tenantId: v.string(),
  userId: v.string(),
  llmModel: v.optional(v.string()),
  bridgeUrl: v.optional(v.string()),
  serviceId: v.optional(v.string()),
  allowedSkills: v.optional(v.array(v.string())),
  region: v.optional(v.string()),
  memoryMB: v.optional(v.number()),
  image: v.optional(v.string()),
};

/**
 * Public queries, mutations and actions over the component for a host app to re-export.
 * Secrets can be written and their presence read; no function returns a secret.
 * @param component The installed component: `components.flyAgents`.
 * @param options Defaults as for `new FlyAgents`, plus the `auth` callback.
 */
export function exposeApi(component: ComponentApi, options: ExposeApiOptions) {
  const { auth, ...defaults } = options;
  const agents = new FlyAgents(component, defaults);

  /** Looks the agent up and authorizes `kind` on it (with its tenant and user). */
  async function authorizeAgent(
    ctx: AuthCtx & Pick<GenericActionCtx<GenericDataModel>, "runQuery">,
    kind: Extract<FlyAgentsOperation, { machineDocId: string }>["kind"],
    machineDocId: string,
  ) {
    const agent = await agents.get(ctx, { machineDocId });
    if (!agent)
      throw flyAgentsError("not_found", `No agent with machineDocId ${JSON.stringify(machineDocId)}.`, {
        machineDocId,
      });
    await auth(ctx, { kind, tenantId: agent.tenantId, userId: agent.userId, machineDocId });
    return agent;
  }

  const machineAction = (kind: "start" | "stop" | "restart" | "deprovision") =>
    actionGeneric({
      args: { machineDocId: v.string() },
      returns: v.null(),
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, kind, args.machineDocId);
        await agents[kind](ctx, args);
        return null;
      },
    });

  return {
    listAgents: queryGeneric({
      args: { tenantId: v.string(), status: v.optional(vAgentStatus), paginationOpts: paginationOptsValidator },
      returns: paginationResultValidator(vAgentMachine),
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "listAgents", tenantId: args.tenantId });
        return await agents.listByTenantPage(ctx, args);
      },
    }),
    getAgent: queryGeneric({
      args: { machineDocId: v.string() },
      returns: v.union(vAgentMachine, v.null()),
      handler: async (ctx, args) => {
        const agent = await agents.get(ctx, args);
        if (!agent) return null;
        await auth(ctx, { kind: "readAgent", tenantId: agent.tenantId, userId: agent.userId, machineDocId: agent._id });
        return agent;
      },
    }),
    listAuditEvents: queryGeneric({
      args: { tenantId: v.string(), machineDocId: v.optional(v.string()), paginationOpts: paginationOptsValidator },
      returns: paginationResultValidator(vAuditEvent),
      handler: async (ctx, args) => {
        // The tenant first: nobody outside it learns whether an agent id exists.
        await auth(ctx, { kind: "readAudit", tenantId: args.tenantId });
        if (args.machineDocId === undefined) {
          return await agents.auditOfTenant(ctx, { tenantId: args.tenantId, paginationOpts: args.paginationOpts });
        }
        const agent = await agents.get(ctx, { machineDocId: args.machineDocId });
        if (!agent || agent.tenantId !== args.tenantId) {
          throw flyAgentsError(
            "not_found",
            `No agent ${JSON.stringify(args.machineDocId)} in tenant ${JSON.stringify(args.tenantId)}.`,
          );
        }
        await auth(ctx, { kind: "readAudit", tenantId: args.tenantId, machineDocId: agent._id, userId: agent.userId });
        return await agents.auditOfMachine(ctx, { machineDocId: agent._id, paginationOpts: args.paginationOpts });
      },
    }),
    provision: actionGeneric({
      args: provisionArgs,
      returns: vProvisionResult,
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "provision", tenantId: args.tenantId, userId: args.userId });
        return await agents.provision(ctx, args);
      },
    }),
    recreateFromLatestSnapshot: actionGeneric({
      args: provisionArgs,
      returns: vProvisionResult,
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "recreate", tenantId: args.tenantId, userId: args.userId });
        return await agents.recreateFromLatestSnapshot(ctx, args);
      },
    }),
    start: machineAction("start"),
    stop: machineAction("stop"),
    restart: machineAction("restart"),
    deprovision: machineAction("deprovision"),
    snapshot: actionGeneric({
      args: { machineDocId: v.string() },
      returns: vSnapshotResult,
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, "snapshot", args.machineDocId);
        return await agents.snapshot(ctx, args);
      },
    }),
    approvePairing: actionGeneric({
      args: { machineDocId: v.string(), telegramPairingCode: v.string() },
      returns: v.null(),
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, "pairing", args.machineDocId);
        return await agents.approveTelegramPairing(ctx, args);
      },
    }),
    sync: actionGeneric({
      args: { machineDocId: v.string() },
      returns: vAgentStatus,
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, "sync", args.machineDocId);
        return await agents.sync(ctx, args);
      },
    }),
    updateAllowedSkills: mutationGeneric({
      args: { machineDocId: v.string(), allowedSkills: v.array(v.string()), applyToMachine: v.optional(v.boolean()) },
      returns: v.null(),
      handler: async (ctx, args) => {
        await authorizeAgent(ctx, "updateSkills", args.machineDocId);
        return await agents.updateAllowedSkills(ctx, args);
      },
    }),
    setAgentSecrets: mutationGeneric({
      args: { tenantId: v.string(), userId: v.string(), ...secretArgs },
      returns: vAgentSecretsMeta,
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "writeSecrets", tenantId: args.tenantId, userId: args.userId });
        return await agents.setAgentSecrets(ctx, args);
      },
    }),
    getAgentSecretsMeta: queryGeneric({
      args: { tenantId: v.string(), userId: v.string() },
      returns: v.union(vAgentSecretsMeta, v.null()),
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "readSecrets", tenantId: args.tenantId, userId: args.userId });
        return await agents.getAgentSecretsMeta(ctx, args);
      },
    }),
    clearAgentSecrets: mutationGeneric({
      args: { tenantId: v.string(), userId: v.string() },
      returns: v.null(),
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "writeSecrets", tenantId: args.tenantId, userId: args.userId });
        return await agents.clearAgentSecrets(ctx, args);
      },
    }),
    setCompanySecrets: mutationGeneric({
      args: { tenantId: v.string(), ...secretArgs },
      returns: vCompanySecretsMeta,
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "writeSecrets", tenantId: args.tenantId });
        return await agents.setCompanySecrets(ctx, args);
      },
    }),
    getCompanySecretsMeta: queryGeneric({
      args: { tenantId: v.string() },
      returns: v.union(vCompanySecretsMeta, v.null()),
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "readSecrets", tenantId: args.tenantId });
        return await agents.getCompanySecretsMeta(ctx, args);
      },
    }),
    clearCompanySecrets: mutationGeneric({
      args: { tenantId: v.string() },
      returns: v.null(),
      handler: async (ctx, args) => {
        await auth(ctx, { kind: "writeSecrets", tenantId: args.tenantId });
        return await agents.clearCompanySecrets(ctx, args);
      },
    }),
  };
}
