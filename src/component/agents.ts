/**
 * Agent records (`agentMachines`): creation, status transitions, and the claim an operation
 * holds an agent by.
 *
 * Every operation (operations.ts) owns the agent it acts on for its duration by a claim, the
 * record's `operation` field (its kind, its id and a deadline). Only the owner may advance the
 * record; once the deadline passes, the sweep or another caller may take over, and a late
 * write by the old owner is refused. So a record only ever shows what the last owner saw on Fly.
 */
import { v } from "convex/values";
import { stream } from "convex-helpers/server/stream";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import type { Doc, Id } from "./_generated/dataModel.js";
import { agentNotFound, flyAgentsError } from "./errors.js";
import schema from "./schema.js";
import { isLegacyAgent, requireUpgraded, upgradeRequired, vAgentRecord, type AgentRecord } from "./agentRecord.js";
import {
  agentRecordFields,
  vAgentOperation,
  vOperationKind,
  vProvisionStep,
  type AgentStatus,
  type OperationKind,
} from "./validators.js";

/** An agent record's fields as one validator, to pick from. */
const vRecordFields = v.object(agentRecordFields);

/** Where each status may go next. `deleted` is final. */
const TRANSITIONS: Record<AgentStatus, readonly AgentStatus[]> = {
  provisioning: ["provisioning", "running", "error", "deleted"],
  running: ["running", "stopped", "error", "deleted"],
  stopped: ["stopped", "running", "error", "deleted"],
  error: ["error", "running", "stopped", "deleted"],
  deleted: ["deleted"],
};

export function canTransition(from: AgentStatus, to: AgentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses each operation may start from. */
const STARTS_FROM: Record<OperationKind, readonly AgentStatus[]> = {
  provision: ["provisioning"],
  recreate: ["provisioning"],
  start: ["stopped", "running", "error"],
  stop: ["running", "stopped", "error"],
  restart: ["running", "error"],
  deprovision: ["provisioning", "running", "stopped", "error", "deleted"],
  snapshot: ["running", "stopped"],
  pairing: ["running"],
  update_skills: ["running", "stopped"],
  sync: ["provisioning", "running", "stopped", "error"],
  sweep: ["provisioning", "running", "stopped", "error"],
  upgrade_image: ["running", "stopped"],
};

/** An agent is active while it may hold Fly resources. */
export function isActive(agent: Pick<Doc<"agentMachines">, "status" | "resourcesCleanedUp">): boolean {
  if (agent.status === "deleted") return false;
  if (agent.status === "error" && agent.resourcesCleanedUp) return false;
  return true;
}

/** The agent's row as stored (maybe 0.1.x's shape), or null for an id that names no agent. */
export async function findAgentDoc(ctx: QueryCtx, machineDocId: string): Promise<Doc<"agentMachines"> | null> {
  const id = ctx.db.normalizeId("agentMachines", machineDocId);
  return id ? await ctx.db.get("agentMachines", id) : null;
}

export async function getAgentOrThrow(ctx: QueryCtx, machineDocId: string): Promise<AgentRecord> {
  const agent = await findAgentDoc(ctx, machineDocId);
  if (!agent) throw agentNotFound(machineDocId);
  return requireUpgraded(agent);
}

/**
 * Ends a hold on the agent (an operation's ownership, a pairing lock) with `patch`, if
 * `stillHeld` says the caller's hold stands; a hold another caller has taken since is left alone.
 */
export async function releaseHold(
  ctx: MutationCtx,
  machineDocId: Id<"agentMachines">,
  stillHeld: (agent: Doc<"agentMachines">) => boolean,
  patch: Partial<Doc<"agentMachines">>,
): Promise<null> {
  const agent = await ctx.db.get("agentMachines", machineDocId);
  if (agent && stillHeld(agent)) await ctx.db.patch("agentMachines", agent._id, patch);
  return null;
}

/** The refusal for an agent a new one would replace while another operation owns it. */
function busyReplacing(agent: Doc<"agentMachines">, operation: NonNullable<Doc<"agentMachines">["operation"]>) {
  const what = agent.status === "provisioning" ? "is still being provisioned" : `is busy with ${operation.kind}`;
  return flyAgentsError(
    "operation_in_progress",
    `Agent ${agent._id}, which this recreation would replace, ${what} (started ${new Date(operation.startedAt).toISOString()}). ` +
      "Nothing was created: wait for that operation to finish, then recreate again.",
    { machineDocId: agent._id },
  );
}

/**
 * Inserts the record of a new agent, owned by the provisioning that creates it. With
 * `replaceActive` (recreation) the user's active agents are replaced rather than refused: in the
 * same transaction the new agent's operation takes each of them, so nothing else can act on
 * them until it ends, and an agent another operation owns (a provisioning still in flight, a
 * deprovision, a stop) refuses the recreation before anything is made. So a user never has two
 * active agents, whatever runs beside it.
 * Returns the new agent's id and the ids of the agents it replaces (now held by `operation`).
 */
export const insertProvisioning = internalMutation({
  args: {
    ...vRecordFields.pick(
      "tenantId",
      "userId",
      "agentKey",
      "flyAppName",
      "region",
      "memoryMB",
      "image",
      "allowedSkills",
      "bridgeUrl",
      "serviceId",
      "restoredFromSnapshotId",
      "secretsFrom",
    ).fields,
    // Optional on a record (0.1.x wrote none); every new agent has them.
    llmModel: v.string(),
    startupTimeoutSec: v.number(),
    /** Recreation: the user's active agents are replaced (taken by `operation`) instead of refused. */
    replaceActive: v.optional(v.boolean()),
    operation: vAgentOperation,
  },
  returns: v.object({ machineDocId: v.id("agentMachines"), replacing: v.array(v.id("agentMachines")) }),
  handler: async (ctx, args) => {
    const { replaceActive, operation, ...fields } = args;
    const now = Date.now();
    const active = (
      await ctx.db
        .query("agentMachines")
        .withIndex("by_tenantId_userId", (q) => q.eq("tenantId", args.tenantId).eq("userId", args.userId))
        .collect()
    ).filter(isActive);
    const legacy = active.find(isLegacyAgent);
    if (legacy) throw upgradeRequired(`The active agent ${legacy._id} of this user`);
    if (active.length > 0 && !replaceActive) {
      throw flyAgentsError(
        "agent_exists",
        `User ${JSON.stringify(args.userId)} of tenant ${JSON.stringify(args.tenantId)} already has an agent ` +
          `(${active[0]._id}, ${active[0].status}). Deprovision it first, or use recreateAgentFromLatestSnapshot to replace it.`,
        { machineDocId: active[0]._id },
      );
    }
    for (const agent of active) {
      if (agent.operation && agent.operation.deadline > now) throw busyReplacing(agent, agent.operation);
    }
    for (const agent of active) await ctx.db.patch("agentMachines", agent._id, { operation });
    const machineDocId = await ctx.db.insert("agentMachines", {
      ...fields,
      operation,
      status: "provisioning",
      statusReason: "Provisioning started",
      statusChangedAt: now,
      step: "queued",
    });
    return { machineDocId, replacing: active.map((agent) => agent._id) };
  },
});

/**
 * Makes `operationId` the owner of the agent, if the agent's status allows `kind` and no
 * other operation owns it (or the owner's deadline has passed). Returns the record.
 */
export const beginOperation = internalMutation({
  args: {
    machineDocId: v.string(),
    kind: vOperationKind,
    operationId: v.string(),
    deadline: v.number(),
    /** Take over an operation that started before this time even if its deadline is ahead (sweep). */
    takeOverStartedBefore: v.optional(v.number()),
    /** Take the agent from this operation, which hands it over. */
    takeOverFrom: v.optional(v.string()),
  },
  returns: vAgentRecord,
  handler: async (ctx, args) => {
    const agent = await getAgentOrThrow(ctx, args.machineDocId);
    const now = Date.now();
    const stale =
      args.takeOverStartedBefore !== undefined &&
      agent.operation !== undefined &&
      agent.operation.startedAt < args.takeOverStartedBefore;
    const handedOver = args.takeOverFrom !== undefined && agent.operation?.id === args.takeOverFrom;
    if (
      agent.operation &&
      agent.operation.deadline > now &&
      agent.operation.id !== args.operationId &&
      !stale &&
      !handedOver
    ) {
      throw flyAgentsError(
        "operation_in_progress",
        `Agent ${agent._id} is busy with ${agent.operation.kind} (started ${new Date(agent.operation.startedAt).toISOString()}). ` +
          "Wait for it to finish, then try again.",
        { machineDocId: agent._id },
      );
    }
    if (!STARTS_FROM[args.kind].includes(agent.status)) {
      throw flyAgentsError(
        "invalid_state",
        `Cannot ${args.kind.replace("_", " ")} agent ${agent._id}: it is ${agent.status}` +
          `${agent.statusReason ? ` (${agent.statusReason})` : ""}.`,
        { machineDocId: agent._id },
      );
    }
    const operation = { kind: args.kind, id: args.operationId, startedAt: now, deadline: args.deadline };
    await ctx.db.patch("agentMachines", agent._id, { operation });
    return { ...agent, operation };
  },
});

/** Agents needing the sweep: stuck making (by statusChangedAt) or failed with resources left. */
export const agentsNeedingSweep = internalQuery({
  args: { flyAppName: v.string(), stuckBefore: v.number(), limit: v.number() },
  returns: v.array(v.id("agentMachines")),
  handler: async (ctx, args) => {
    const stuck = await ctx.db
      .query("agentMachines")
      .withIndex("by_flyAppName_status_statusChangedAt", (q) =>
        q.eq("flyAppName", args.flyAppName).eq("status", "provisioning").lt("statusChangedAt", args.stuckBefore),
      )
      .take(args.limit);
    const leftovers = await ctx.db
      .query("agentMachines")
      .withIndex("by_flyAppName_status_resourcesCleanedUp", (q) =>
        q.eq("flyAppName", args.flyAppName).eq("status", "error").eq("resourcesCleanedUp", false),
      )
      .take(args.limit);
    return [...stuck, ...leftovers].map((agent) => agent._id);
  },
});

/**
 * A page of agents that should have a live machine (running or stopped), for the sweep's check.
 * Paged with convex-helpers' stream (components cannot use `.paginate()`); the index holds one
 * Fly app's agents of one status together, so a page reads only the rows it returns.
 */
export const agentsWithMachinesPage = internalQuery({
  args: {
    flyAppName: v.string(),
    status: v.union(v.literal("running"), v.literal("stopped")),
    cursor: v.union(v.string(), v.null()),
    numItems: v.number(),
  },
  returns: v.object({
    page: v.array(
      v.object({ id: v.id("agentMachines"), machineId: v.optional(v.string()), lastWakeAt: v.optional(v.number()) }),
    ),
    isDone: v.boolean(),
    continueCursor: v.string(),
  }),
  handler: async (ctx, args) => {
    const result = await stream(ctx.db, schema)
      .query("agentMachines")
      .withIndex("by_flyAppName_status_statusChangedAt", (q) =>
        q.eq("flyAppName", args.flyAppName).eq("status", args.status),
      )
      .paginate({ cursor: args.cursor, numItems: args.numItems });
    return {
      page: result.page.map((agent) => ({ id: agent._id, machineId: agent.machineId, lastWakeAt: agent.lastWakeAt })),
      isDone: result.isDone,
      continueCursor: result.continueCursor,
    };
  },
});

/**
 * Fields an owner may set on its agent, each optional; `region` is where the agent ended up (its
 * volume's region) once placed. `step` and `lastError` take `null` to clear them (`applyPatch`).
 */
export const vAgentPatch = vRecordFields
  .pick(
    "status",
    "statusReason",
    "machineId",
    "flyVolumeId",
    "instanceId",
    "imageDigest",
    "region",
    "effectiveModel",
    "allowedSkills",
    "resourcesCleanedUp",
    "gatewayHealthy",
    "lastWakeAt",
    "lastSyncedAt",
    "latestSnapshotId",
    "replacedBy",
    "image",
    "verifyImageAtNextStart",
  )
  .partial()
  .extend({
    step: v.optional(v.union(vProvisionStep, v.null())),
    lastError: v.optional(v.union(v.string(), v.null())),
  });

export type AgentPatch = typeof vAgentPatch.type;

/**
 * Applies `patch` if `operationId` still owns the agent (refused otherwise: the sweep or a
 * later caller took over). `release` ends the ownership.
 */
export const updateAgent = internalMutation({
  args: {
    machineDocId: v.id("agentMachines"),
    operationId: v.string(),
    patch: vAgentPatch,
    release: v.optional(v.boolean()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const doc = await ctx.db.get("agentMachines", args.machineDocId);
    if (!doc) throw flyAgentsError("not_found", `Agent ${args.machineDocId} vanished -- invariant`);
    const agent = requireUpgraded(doc);
    if (agent.operation?.id !== args.operationId) {
      throw flyAgentsError(
        "operation_in_progress",
        `Agent ${agent._id} was taken over by ${agent.operation ? agent.operation.kind : "another caller"}; this ${args.operationId} result is discarded.`,
        { machineDocId: agent._id },
      );
    }
    await applyPatch(ctx, agent, args.patch);
    if (args.release) await ctx.db.patch("agentMachines", agent._id, { operation: undefined });
    return null;
  },
});

/**
 * Ends `operationId`'s ownership of the agent, if it still owns it (an agent taken over by
 * another caller is left alone). `lastError` records why the operation failed.
 */
export const endOperation = internalMutation({
  args: { machineDocId: v.id("agentMachines"), operationId: v.string(), lastError: v.optional(v.string()) },
  returns: v.null(),
  handler: (ctx, args) =>
    releaseHold(ctx, args.machineDocId, (agent) => agent.operation?.id === args.operationId, {
      operation: undefined,
      ...(args.lastError !== undefined ? { lastError: args.lastError, lastErrorAt: Date.now() } : {}),
    }),
});

/**
 * Marks a failed agent as holding Fly resources again (what a late owner made and could not
 * remove), so the sweep removes them by tag. Only an `error` agent that no operation owns.
 */
export const noteLeftovers = internalMutation({
  args: { machineDocId: v.id("agentMachines"), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const agent = await ctx.db.get("agentMachines", args.machineDocId);
    if (!agent || agent.status !== "error") return null;
    if (agent.operation && agent.operation.deadline > Date.now()) return null;
    await ctx.db.patch("agentMachines", agent._id, {
      resourcesCleanedUp: false,
      statusReason: `${agent.statusReason ?? "Failed"}; ${args.reason}`,
    });
    return null;
  },
});

export async function applyPatch(ctx: MutationCtx, agent: AgentRecord, patch: AgentPatch) {
  const { step, lastError, ...rest } = patch;
  const now = Date.now();
  const update: Partial<Doc<"agentMachines">> = { ...rest };
  if (step !== undefined) update.step = step === null ? undefined : step;
  if (lastError !== undefined) {
    update.lastError = lastError === null ? undefined : lastError;
    if (lastError !== null) update.lastErrorAt = now;
  }
  if (patch.status !== undefined && patch.status !== agent.status) {
    if (!canTransition(agent.status, patch.status)) {
      throw flyAgentsError(
        "invalid_state",
        `Agent ${agent._id} cannot go from ${agent.status} to ${patch.status} -- invariant`,
      );
    }
    update.statusChangedAt = now;
  }
  if (patch.status !== undefined && patch.status !== "provisioning") update.step = undefined;
  if (patch.status !== undefined && patch.status !== "error") update.resourcesCleanedUp = patch.resourcesCleanedUp;
  await ctx.db.patch("agentMachines", agent._id, update);
}

export const getAgent = internalQuery({
  args: { machineDocId: v.string() },
  returns: v.union(vAgentRecord, v.null()),
  handler: async (ctx, args) => {
    const doc = await findAgentDoc(ctx, args.machineDocId);
    return doc && requireUpgraded(doc);
  },
});
