import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { setupHarness, type Harness } from "../testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness({ snapshotTimeMs: 300, restoreTimeMs: 200 });
});
afterEach(async () => {
  await h.close();
});

const machineTarget = (machineDocId: string) => ({ machineDocId, ...h.target });

/** A running agent with a Telegram pairing approved, and a completed snapshot of its volume. */
async function pairedAgentWithSnapshot() {
  const first = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
  const code = h.fly.state.issuePairingCode(h.app, first.machineId);
  await h.t.action(api.lib.approveTelegramPairing, { ...machineTarget(first.machineDocId), telegramPairingCode: code });
  const snapshot = await h.t.action(api.lib.createAgentSnapshot, machineTarget(first.machineDocId));
  return { first, code, snapshot };
}

describe("createAgentSnapshot", () => {
  it("finds Fly's new snapshot id in the list and follows it until created", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    const snapshot = await h.t.action(api.lib.createAgentSnapshot, machineTarget(agent.machineDocId));
    expect(snapshot.status).toBe("created");
    const onFly = h.fly.state.snapshots(agent.volumeId);
    expect(onFly.map((s) => s.id)).toContain(snapshot.flyVolumeSnapshotId);
    const rows = await h.t.query(api.lib.listAgentSnapshots, { machineDocId: agent.machineDocId });
    expect(rows[0]).toMatchObject({ status: "created", flyVolumeSnapshotId: snapshot.flyVolumeSnapshotId });
    expect(rows[0].volumeSizeGb).toBeGreaterThanOrEqual(1);
    const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
    expect(record?.latestSnapshotId).toBe(snapshot.snapshotId);
  });
});

describe("provisionAgentMachine after a snapshot", () => {
  async function snapshotThenDeprovision() {
    const { first, code, snapshot } = await pairedAgentWithSnapshot();
    const removed = await h.t.action(api.lib.deprovisionAgentMachine, machineTarget(first.machineDocId));
    expect(removed).toEqual({
      alreadyDeleted: false,
      machineFound: true,
      machineRemovedFromFly: true,
      volumeRemovedFromFly: true,
      recordMarkedDeleted: true,
    });
    return { code, snapshot };
  }

  it("restores the user's newest completed snapshot without being asked, as 0.1.x did", async () => {
    const { code, snapshot } = await snapshotThenDeprovision();
    const again = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    expect(again.restoredFromSnapshotId).toBe(snapshot.snapshotId);
    expect(h.fly.state.agentState(again.volumeId)?.approvedPairings.map((pairing) => pairing.code)).toContain(code);
  });

  it("starts empty with restoreFromLatestSnapshot: false", async () => {
    await snapshotThenDeprovision();
    const fresh = await h.t.action(
      api.lib.provisionAgentMachine,
      h.provisionArgs({ restoreFromLatestSnapshot: false }),
    );
    expect(fresh.restoredFromSnapshotId).toBeUndefined();
    expect(h.fly.state.agentState(fresh.volumeId)?.approvedPairings ?? []).toEqual([]);
  });
});

describe("recreateAgentFromLatestSnapshot", () => {
  it("restores the newest snapshot into a new agent with its state intact and retires the old one", async () => {
    const { first, code, snapshot } = await pairedAgentWithSnapshot();
    const second = await h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs());
    expect(second.machineDocId).not.toBe(first.machineDocId);
    expect(second.restoredFromSnapshotId).toBe(snapshot.snapshotId);
    const state = h.fly.state.agentState(second.volumeId);
    expect(state?.approvedPairings.map((pairing) => pairing.code)).toContain(code);
    expect(state?.model).toBe("moonshotai/kimi-k2.5");

    const old = await h.t.query(api.lib.getAgentMachine, { machineDocId: first.machineDocId });
    expect(old).toMatchObject({ status: "deleted", replacedBy: second.machineDocId });
    const live = h.fly.state.liveResources(h.app);
    expect(live.machines.map((m) => m.id)).toEqual([second.machineId]);
    expect(live.volumes.map((v) => v.id)).toEqual([second.volumeId]);
  });

  it("fails without a completed snapshot, before calling Fly or writing anything", async () => {
    await expect(h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs())).rejects.toThrow(
      /no completed snapshot/,
    );
    expect(h.fly.state.requests()).toHaveLength(0);
  });

  it("does not start from an empty volume when the restore fails: says so and keeps the old agent", async () => {
    const first = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    await h.t.action(api.lib.createAgentSnapshot, machineTarget(first.machineDocId));
    h.fly.faults.add({
      operationId: "Volumes_create",
      times: 10,
      action: { status: 400, body: { error: "invalid_argument: snapshot not found" } },
    });
    await expect(h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs())).rejects.toThrow(
      /snapshot not found/,
    );
    const agents = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" });
    const failed = agents.find((agent) => agent._id !== first.machineDocId);
    expect(failed).toMatchObject({ status: "error", resourcesCleanedUp: true });
    expect(await h.t.query(api.lib.getAgentMachine, { machineDocId: first.machineDocId })).toMatchObject({
      status: "running",
    });
    expect(h.fly.state.liveResources(h.app).machines.map((m) => m.id)).toEqual([first.machineId]);
  });
});
