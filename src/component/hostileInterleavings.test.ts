/**
 * More pairs of operations meeting at a chosen point (see interleavings.test.ts for the method):
 * snapshot × recreate, restart × pairing, start × deprovision, a rollout × deprovision, and a
 * sweep while a provisioning is still in its owner's hands. After each pair, once every action
 * has returned, Fly and the records agree (`fleetProblems`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { QUICK_FLY, setupHarness, TEST_KEY, type Harness } from "../testing/harness.js";
import { fleetProblems } from "../testing/fleetCheck.js";
import { IMAGE_V2, provisionFleet, waitForRollout, rolloutArgs } from "../testing/rolloutFleet.js";
import { agentRecordOf, heldAt } from "../testing/holds.js";

let h: Harness;
beforeEach(async () => {
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
  h = await setupHarness(QUICK_FLY);
});
afterEach(async () => {
  delete process.env.AGENT_SECRETS_ENCRYPTION_KEY;
  await h.close();
});

const target = (machineDocId: string) => ({ machineDocId, ...h.target });
const provision = () => h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());

async function expectConsistent() {
  expect(await fleetProblems(h)).toEqual([]);
}

describe("snapshot × recreate", () => {
  it("a recreate while a snapshot of the agent is being followed is refused; the snapshot completes", async () => {
    const agent = await provision();
    const first = await h.t.action(api.lib.createAgentSnapshot, target(agent.machineDocId));
    expect(first.status).toBe("created");
    const snapshotting = await heldAt(h, { operationId: "createVolumeSnapshot" }, () =>
      h.t.action(api.lib.createAgentSnapshot, target(agent.machineDocId)),
    );
    await expect(h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs())).rejects.toThrow(
      /operation_in_progress/,
    );
    const done = await snapshotting.release();
    expect(done.ok).toBe(true);
    expect(await agentRecordOf(h, agent.machineDocId)).toMatchObject({ status: "running" });
    expect((await agentRecordOf(h, agent.machineDocId)).operation).toBeUndefined();
    await expectConsistent();
  });
});

describe("restart × pairing", () => {
  it("a pairing while a restart waits for Fly is refused before any command; the restart ends running", async () => {
    const agent = await provision();
    const restarting = await heldAt(h, { operationId: "Machines_restart" }, () =>
      h.t.action(api.lib.restartAgentMachine, target(agent.machineDocId)),
    );
    await expect(
      h.t.action(api.lib.approveTelegramPairing, { ...target(agent.machineDocId), telegramPairingCode: "ABCD2345" }),
    ).rejects.toThrow(/operation_in_progress/);
    expect((await restarting.release()).ok).toBe(true);
    expect(await agentRecordOf(h, agent.machineDocId)).toMatchObject({ status: "running", gatewayHealthy: true });
    // The pairing's lock was let go: a pairing now reaches OpenClaw.
    await h.t
      .action(api.lib.approveTelegramPairing, { ...target(agent.machineDocId), telegramPairingCode: "ABCD2345" })
      .catch(() => undefined);
    expect((await agentRecordOf(h, agent.machineDocId)).operation).toBeUndefined();
    await expectConsistent();
  });
});

describe("start × deprovision", () => {
  it("a deprovision while a start waits for Fly is refused; once the start ends, it removes everything", async () => {
    const agent = await provision();
    await h.t.action(api.lib.stopAgentMachine, target(agent.machineDocId));
    const starting = await heldAt(h, { operationId: "Machines_start" }, () =>
      h.t.action(api.lib.startAgentMachine, target(agent.machineDocId)),
    );
    await expect(h.t.action(api.lib.deprovisionAgentMachine, target(agent.machineDocId))).rejects.toThrow(
      /operation_in_progress/,
    );
    expect((await starting.release()).ok).toBe(true);
    await h.t.action(api.lib.deprovisionAgentMachine, target(agent.machineDocId));
    expect(await agentRecordOf(h, agent.machineDocId)).toMatchObject({ status: "deleted" });
    const live = h.fly.state.liveResources(h.app);
    expect([...live.machines, ...live.volumes]).toEqual([]);
    await expectConsistent();
  });
});

describe("rollout × deprovision", () => {
  it("deprovisioning the agent a rollout holds is refused; one it has not reached is removed and skipped", async () => {
    const agents = await provisionFleet(h, 2);
    const update = h.fly.holds.add({ operationId: "Machines_update" });
    const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs(h, { waveSize: 1, maxWaveSize: 1 }));
    const held = await update.reached();
    const inHand = agents.find((agent) => held.path.includes(agent.machineId));
    const waiting = agents.find((agent) => agent !== inHand);
    if (!inHand || !waiting) throw new Error("the held update names no agent of the fleet");
    await expect(h.t.action(api.lib.deprovisionAgentMachine, target(inHand.machineDocId))).rejects.toThrow(
      /operation_in_progress/,
    );
    await h.t.action(api.lib.deprovisionAgentMachine, target(waiting.machineDocId));
    update.release();
    const rollout = await waitForRollout(h, rolloutId);
    expect(rollout).toMatchObject({ status: "completed", upgraded: 1, failed: 0, skipped: 1 });
    expect(await agentRecordOf(h, inHand.machineDocId)).toMatchObject({ status: "running", image: IMAGE_V2 });
    expect(await agentRecordOf(h, waiting.machineDocId)).toMatchObject({ status: "deleted" });
    await expectConsistent();
  });
});

describe("sweep × provisioning", () => {
  it("a sweep while a provisioning boots leaves it to its owner; the provisioning ends running", async () => {
    const booting = await heldAt(h, { operationId: "Machines_wait" }, () => provision());
    const swept = await h.t.action(api.lib.sweepAgentMachines, h.target);
    expect(swept.failures).toEqual([]);
    const made = await booting.release();
    expect(made.ok).toBe(true);
    const agents = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" });
    expect(agents.map((agent) => agent.status)).toEqual(["running"]);
    expect(agents[0].operation).toBeUndefined();
    await expectConsistent();
  });
});
