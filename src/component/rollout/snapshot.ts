/**
 * The snapshot an agent's upgrade begins with: OpenClaw migrates state on upgrade, and only a
 * snapshot taken before can undo that (OPENCLAW_NOTES.md). It is requested once; a resumed step
 * follows the one already requested rather than taking another.
 */
import type { AgentRecord } from "../agentRecord.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import { internal } from "../_generated/api.js";
import type { ActionCtx } from "../_generated/server.js";
import { flyAgentsError } from "../errors.js";
import type { FlyVolumeSnapshot } from "../fly/client.js";
import type { Operation } from "../operations.js";
import { WAIT_BUDGETS_MS } from "../lifetime.js";
import { followSnapshot, newestFirst, requestSnapshot } from "../snapshots.js";
import type { RowPatch } from "./journal.js";

/**
 * Clock difference tolerated between Convex and Fly when a resumed step looks for the snapshot
 * its dead run requested (any snapshot taken before the update holds pre-upgrade state).
 */
const CLOCK_SLACK_MS = 5_000;

/** Takes (or, resuming, finds and follows) the pre-upgrade snapshot until Fly says `created`. */
export async function takePreUpgradeSnapshot(
  ctx: ActionCtx,
  op: Operation,
  row: Doc<"imageRolloutAgents">,
  agent: AgentRecord,
  record: (patch: RowPatch) => Promise<void>,
): Promise<Id<"agentSnapshots">> {
  const flyVolumeId = agent.flyVolumeId;
  if (!flyVolumeId) {
    throw flyAgentsError("invalid_state", `Agent ${agent._id} has no volume to snapshot.`, { machineDocId: agent._id });
  }
  let snapshotId = row.snapshotId;
  let requestedAt = row.snapshotRequestedAt;
  let first: FlyVolumeSnapshot | undefined;
  if (snapshotId === undefined || requestedAt === undefined) {
    snapshotId = await ctx.runMutation(internal.snapshots.insertSnapshot, {
      machineDocId: agent._id,
      flyVolumeId,
    });
    requestedAt = Date.now();
    await record({ snapshotId, snapshotRequestedAt: requestedAt });
  } else {
    const since = requestedAt - CLOCK_SLACK_MS;
    first = (await op.fly.listVolumeSnapshots(flyVolumeId))
      .filter((snapshot) =>
        row.flyVolumeSnapshotId !== undefined
          ? snapshot.id === row.flyVolumeSnapshotId
          : Date.parse(snapshot.created_at ?? "") >= since,
      )
      .sort(newestFirst)[0];
  }
  first ??= await requestSnapshot(op.fly, flyVolumeId, op.waitUntil(WAIT_BUDGETS_MS.snapshotFollow));
  await record({ flyVolumeSnapshotId: first.id });
  const { status } = await followSnapshot(
    ctx,
    op.fly,
    { flyVolumeId, snapshotId },
    first,
    op.waitUntil(WAIT_BUDGETS_MS.snapshotFollow),
  );
  if (status !== "created") {
    await ctx.runMutation(internal.snapshots.updateSnapshot, {
      snapshotId,
      status: "failed",
      lastError: `Fly still reported the snapshot as ${status} when the rollout gave up on it`,
    });
    throw flyAgentsError("fly_api", `Snapshot ${first.id} of volume ${flyVolumeId} ended ${status}, not created.`, {
      machineDocId: agent._id,
    });
  }
  await op.update(agent._id, { latestSnapshotId: snapshotId });
  return snapshotId;
}
