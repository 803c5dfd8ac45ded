/**
 * Volume snapshots of an agent's state. Fly's create call answers with no snapshot id, so the
 * new snapshot is found in the volume's snapshot list (the ids that were not there before;
 * Fly's daily automatic snapshots are mixed in), then followed until Fly says `created`.
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel.js";
import { internal } from "./_generated/api.js";
import { internalMutation, internalQuery, type ActionCtx } from "./_generated/server.js";
import { flyAgentsError } from "./errors.js";
import type { FlyClient, FlyVolumeSnapshot } from "./fly/client.js";
import { recordIfGone } from "./flyState.js";
import { createOnce } from "./resources.js";
import { WAIT_BUDGETS_MS } from "./lifetime.js";
import { agentHandler } from "./operations.js";
import { requireUpgraded, upgradeRequired, type AgentRecord } from "./agentRecord.js";
import { sleep } from "./time.js";
import { snapshotRecordFields, vSnapshotStatus, type SnapshotResult, type SnapshotStatus } from "./validators.js";

/** Pause between looks at the snapshot list (List Snapshots shares the app's 1 req/s budget). */
const SNAPSHOT_POLL_MS = 1_000;
/** Volume sizes are whole gigabytes. */
const BYTES_PER_GB = 1024 ** 3;

const vSnapshotDoc = v.object({
  ...snapshotRecordFields,
  _id: v.id("agentSnapshots"),
  _creationTime: v.number(),
});

/**
 * The newest snapshot Fly finished for the user's agents, whichever agent it came from. A
 * 0.1.x row (upgradeFromV01 not run yet) is an error saying to upgrade first.
 */
export const latestCompletedSnapshot = internalQuery({
  args: { tenantId: v.string(), userId: v.string() },
  returns: v.union(vSnapshotDoc, v.null()),
  handler: async (ctx, args) => {
    const latest = await ctx.db
      .query("agentSnapshots")
      .withIndex("by_tenantId_userId", (q) => q.eq("tenantId", args.tenantId).eq("userId", args.userId))
      .order("desc")
      // One user's snapshots, newest first: the first finished one is at most a few rows in.
      // eslint-disable-next-line @convex-dev/no-filter-in-query
      .filter((q) =>
        q.and(
          q.or(q.eq(q.field("status"), "created"), q.eq(q.field("status"), "restored")),
          q.neq(q.field("flyVolumeSnapshotId"), undefined),
        ),
      )
      .first();
    return latest && requireUpgradedSnapshot(latest);
  },
});

/** The snapshot in the current shape; a 0.1.x row is an error that says to run the upgrade. */
export function requireUpgradedSnapshot(doc: Doc<"agentSnapshots">): Infer<typeof vSnapshotDoc> {
  const { flyAppName, requestedAt, status } = doc;
  if (flyAppName === undefined || requestedAt === undefined || status === "restored") {
    throw upgradeRequired(`Snapshot ${doc._id}`);
  }
  const { agentKey: _a, snapshotStorageId: _s, manifest: _m, restoreInfo: _r, ...current } = doc;
  return { ...current, flyAppName, requestedAt, status };
}

export const insertSnapshot = internalMutation({
  args: { machineDocId: v.id("agentMachines"), flyVolumeId: v.string() },
  returns: v.id("agentSnapshots"),
  handler: async (ctx, args) => {
    const doc = await ctx.db.get("agentMachines", args.machineDocId);
    if (!doc) throw flyAgentsError("not_found", `Agent ${args.machineDocId} vanished -- invariant`);
    const agent = requireUpgraded(doc);
    return await ctx.db.insert("agentSnapshots", {
      machineDocId: agent._id,
      tenantId: agent.tenantId,
      userId: agent.userId,
      flyAppName: agent.flyAppName,
      flyVolumeId: args.flyVolumeId,
      status: "pending",
      requestedAt: Date.now(),
    });
  },
});

export const updateSnapshot = internalMutation({
  args: {
    snapshotId: v.id("agentSnapshots"),
    status: vSnapshotStatus,
    flyVolumeSnapshotId: v.optional(v.string()),
    volumeSizeGb: v.optional(v.number()),
    sizeBytes: v.optional(v.number()),
    lastError: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { snapshotId, ...fields } = args;
    await ctx.db.patch("agentSnapshots", snapshotId, {
      ...fields,
      ...(args.status === "created" || args.status === "failed" ? { completedAt: Date.now() } : {}),
    });
    return null;
  },
});

function snapshotStatusOf(snapshot: FlyVolumeSnapshot): SnapshotStatus {
  if (snapshot.status === "created" || snapshot.status === "running" || snapshot.status === "waiting") {
    return snapshot.status;
  }
  if (snapshot.status === "failed" || snapshot.status === "error") return "failed";
  return "running";
}

export function newestFirst(a: FlyVolumeSnapshot, b: FlyVolumeSnapshot): number {
  return Date.parse(b.created_at ?? "") - Date.parse(a.created_at ?? "");
}

/** Finds the snapshot our create made: a new id in the list, the newest if several appeared. */
async function findNewSnapshot(
  list: () => Promise<FlyVolumeSnapshot[]>,
  before: Set<string>,
  deadline: number,
): Promise<FlyVolumeSnapshot> {
  for (;;) {
    const fresh = (await list()).filter((snapshot) => !before.has(snapshot.id)).sort(newestFirst);
    if (fresh.length > 0) return fresh[0];
    if (Date.now() + SNAPSHOT_POLL_MS > deadline) {
      throw flyAgentsError("fly_api", "Fly accepted the snapshot request but no new snapshot appeared in time.");
    }
    await sleep(SNAPSHOT_POLL_MS);
  }
}

/**
 * Asks Fly to snapshot `flyVolumeId`, exactly once even after a lost answer, and returns the new
 * snapshot as Fly first lists it.
 */
export async function requestSnapshot(
  fly: FlyClient,
  flyVolumeId: string,
  deadline: number,
): Promise<FlyVolumeSnapshot> {
  const list = () => fly.listVolumeSnapshots(flyVolumeId);
  const before = new Set((await list()).map((snapshot) => snapshot.id));
  // Fly's answer holds no id: after a lost answer, a new id in the list means it went through.
  await createOnce(
    async () => {
      await fly.createVolumeSnapshot(flyVolumeId);
      return true;
    },
    async () => ((await list()).some((snapshot) => !before.has(snapshot.id)) ? true : undefined),
  );
  return await findNewSnapshot(list, before, deadline);
}

/**
 * Follows `snapshot` until Fly says `created` or `failed` (or `deadline`), recording each status
 * on our row `snapshotId`, then its sizes. Returns the snapshot as last seen and its status.
 */
export async function followSnapshot(
  ctx: Pick<ActionCtx, "runMutation">,
  fly: FlyClient,
  target: { flyVolumeId: string; snapshotId: Id<"agentSnapshots"> },
  first: FlyVolumeSnapshot,
  deadline: number,
): Promise<{ snapshot: FlyVolumeSnapshot; status: SnapshotStatus }> {
  const { flyVolumeId, snapshotId } = target;
  let snapshot = first;
  let status = snapshotStatusOf(snapshot);
  const record = () =>
    ctx.runMutation(internal.snapshots.updateSnapshot, { snapshotId, status, flyVolumeSnapshotId: snapshot.id });
  await record();
  while (status !== "created" && status !== "failed" && Date.now() + SNAPSHOT_POLL_MS < deadline) {
    await sleep(SNAPSHOT_POLL_MS);
    const current = (await fly.listVolumeSnapshots(flyVolumeId)).find((candidate) => candidate.id === snapshot.id);
    if (!current) break;
    snapshot = current;
    const next = snapshotStatusOf(snapshot);
    if (next !== status) {
      status = next;
      await record();
    }
  }
  const volumeSizeGb = snapshot.volume_size !== undefined ? Math.ceil(snapshot.volume_size / BYTES_PER_GB) : undefined;
  await ctx.runMutation(internal.snapshots.updateSnapshot, {
    snapshotId,
    status,
    flyVolumeSnapshotId: snapshot.id,
    volumeSizeGb,
    sizeBytes: snapshot.size,
    ...(status === "failed" ? { lastError: "Fly reported the snapshot as failed" } : {}),
  });
  return { snapshot, status };
}

/** Snapshots the agent's volume and follows the snapshot until Fly says `created` (see `followSnapshot`). */
export const createSnapshotHandler = agentHandler(
  "snapshot",
  async (op, agent): Promise<SnapshotResult> => {
    const owned: AgentRecord = await op.own(agent._id);
    const flyVolumeId = owned.flyVolumeId;
    if (!flyVolumeId) {
      throw flyAgentsError("invalid_state", `Agent ${agent._id} has no volume to snapshot.`, {
        machineDocId: agent._id,
      });
    }
    const snapshotId: Id<"agentSnapshots"> = await op.ctx.runMutation(internal.snapshots.insertSnapshot, {
      machineDocId: agent._id,
      flyVolumeId,
    });
    try {
      const requested = await requestSnapshot(op.fly, flyVolumeId, op.waitUntil(WAIT_BUDGETS_MS.snapshotFollow));
      const { snapshot, status } = await followSnapshot(
        op.ctx,
        op.fly,
        { flyVolumeId, snapshotId },
        requested,
        op.waitUntil(WAIT_BUDGETS_MS.snapshotFollow),
      );
      await op.finish(agent._id, status === "created" ? { latestSnapshotId: snapshotId } : {});
      if (status === "failed") {
        throw flyAgentsError("fly_api", `Fly reported snapshot ${snapshot.id} of volume ${flyVolumeId} as failed.`);
      }
      return { snapshotId, flyVolumeSnapshotId: snapshot.id, status };
    } catch (error) {
      await op.ctx.runMutation(internal.snapshots.updateSnapshot, {
        snapshotId,
        status: "failed",
        lastError: (await op.callerError(error)).message,
      });
      await recordIfGone(op, owned, error);
      throw error;
    }
  },
  (result) => `snapshot ${result.flyVolumeSnapshotId} ${result.status}`,
);
