/**
 * Image rollouts end to end: the component in convex-test, its workpool, and every Fly call over
 * HTTP to the emulator.
 *
 * Timers are real here. Under `vi.useFakeTimers()` with `finishAllScheduledFunctions(vi.runAllTimers)`,
 * the timers inside running actions fire at once, and that includes the fetch's own connect
 * timeout (measured: every emulator request failed with UND_ERR_CONNECT_TIMEOUT), and the
 * emulator's clock would leap with them. With real timers convex-test runs scheduled functions
 * (the workpool's loop and our steps) on its own, so a test starts a rollout and polls it until
 * it ends (waitForRollout).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "../_generated/api.js";
import { expectConsoleErrors } from "../../testing/consoleErrors.js";
import { setupHarness, TEST_KEY, type Harness } from "../../testing/harness.js";
import {
  expectFleetTruthful,
  IMAGE_V1,
  IMAGE_V2,
  provisionFleet,
  requestsFor,
  until,
  waitForRollout,
  rolloutArgs as rolloutArgsFor,
} from "../../testing/rolloutFleet.js";
import type { FlyEmulatorOptions } from "../../fly-emulator/index.js";

let h: Harness;
async function start(options: FlyEmulatorOptions = {}) {
  h = await setupHarness(options);
  return h;
}
beforeEach(() => {
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
});
afterEach(async () => {
  delete process.env.AGENT_SECRETS_ENCRYPTION_KEY;
  await h?.close();
});

const rolloutArgs = (overrides: Record<string, unknown> = {}) => rolloutArgsFor(h, overrides);

describe("upgradeAgentImages", () => {
  it("rolls a new image across several agents in growing waves, snapshot first, and records the digest", async () => {
    await start();
    const agents = await provisionFleet(h, 4);
    const [other] = await provisionFleet(h, 1, { tenantId: "tenant-b" });
    const otherRequestsBefore = requestsFor(h, other.machineId, other.volumeId).length;

    const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs());
    const rollout = await waitForRollout(h, rolloutId);

    expect(rollout).toMatchObject({ status: "completed", total: 4, upgraded: 4, failed: 0, skipped: 0 });
    expect(rollout.waves.map((wave) => wave.size)).toEqual([1, 2, 1]);
    expect(rollout.statusReason).toBe("Every agent was reached in 3 waves: 4 upgraded, 0 skipped, 0 failed");
    expect(JSON.stringify(rollout)).not.toContain(h.fly.token);
    const digest = h.fly.state.machine(h.app, agents[0].machineId)?.image_ref?.digest;
    for (const row of rollout.agents) {
      expect(row).toMatchObject({ phase: "upgraded", toImage: IMAGE_V2, toDigest: digest, attempts: 1 });
      expect(row.timings.snapshotMs).toBeGreaterThanOrEqual(0);
      expect(row.timings.readyMs).toBeGreaterThanOrEqual(0);
    }
    for (const agent of agents) {
      const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
      expect(record).toMatchObject({ image: IMAGE_V2, imageDigest: digest, status: "running" });
      // The snapshot came before the update.
      const log = requestsFor(h, agent.machineId, agent.volumeId);
      const snapshotAt = log.findIndex((r) => r.operationId === "createVolumeSnapshot");
      const updateAt = log.findIndex((r) => r.operationId === "Machines_update");
      expect(snapshotAt).toBeGreaterThanOrEqual(0);
      expect(updateAt).toBeGreaterThan(snapshotAt);
      const snapshots = await h.t.query(api.lib.listAgentSnapshots, { machineDocId: agent.machineDocId });
      expect(snapshots[0]).toMatchObject({ status: "created" });
      const audit = await h.t.query(api.lib.listAuditEventsByMachine, {
        machineDocId: agent.machineDocId,
        paginationOpts: { cursor: null, numItems: 10 },
      });
      expect(audit.page[0]).toMatchObject({ operation: "upgrade_image", outcome: "succeeded" });
    }
    // No other tenant is touched.
    expect(requestsFor(h, other.machineId, other.volumeId).length).toBe(otherRequestsBefore);
    const drift = await h.t.query(api.lib.listAgentImagesByTenant, { tenantId: "tenant-b" });
    expect(drift).toMatchObject([{ image: IMAGE_V1, count: 1 }]);
    expect(await h.t.query(api.lib.listAgentImagesByTenant, { tenantId: "tenant-a" })).toMatchObject([
      { image: IMAGE_V2, count: 4, digests: [{ digest, count: 4 }], unknownDigest: 0 },
    ]);
    await expectFleetTruthful(h, ["tenant-a", "tenant-b"]);
  });

  it("rolls a bad image back with no agent lost and stops at maxFailures, leaving the rest untouched", async () => {
    await start({ images: { [IMAGE_V2]: { neverHealthy: true } } });
    const agents = await provisionFleet(h, 5);
    const before = new Map(agents.map((agent) => [agent.machineId, requestsFor(h, agent.machineId).length]));

    const rolloutId = await h.t.mutation(
      api.lib.upgradeAgentImages,
      rolloutArgs({ maxFailures: 1, readyTimeoutSec: 2 }),
    );
    const rollout = await waitForRollout(h, rolloutId);

    expect(rollout).toMatchObject({ status: "stopped", upgraded: 0, failed: 2 });
    expect(rollout.statusReason).toContain("maxFailures (1)");
    expect(rollout.agents.map((row) => row.phase)).toEqual([
      "rolled_back",
      "rolled_back",
      "pending",
      "pending",
      "pending",
    ]);
    expect(rollout.agents[0].error).toContain("did not become ready");
    for (const [index, agent] of agents.entries()) {
      const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
      expect(record).toMatchObject({ image: IMAGE_V1, status: "running" });
      if (index >= 2) {
        // Not reached: not a single Fly call.
        expect(requestsFor(h, agent.machineId).length).toBe(before.get(agent.machineId));
      }
    }
    const audit = await h.t.query(api.lib.listAuditEventsByMachine, {
      machineDocId: agents[0].machineDocId,
      paginationOpts: { cursor: null, numItems: 10 },
    });
    expect(audit.page[0]).toMatchObject({ operation: "upgrade_image", outcome: "failed" });
    await expectFleetTruthful(h);
  });

  it("restores the pre-upgrade snapshot when the new version migrated state the old image refuses", async () => {
    await start({ images: { [IMAGE_V2]: { stateFormat: 2, neverHealthy: true } } });
    const [agent] = await provisionFleet(h, 1);

    const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs({ readyTimeoutSec: 2 }));
    const rollout = await waitForRollout(h, rolloutId);

    expect(rollout).toMatchObject({ status: "stopped", failed: 1 });
    const [row] = rollout.agents;
    expect(row.phase).toBe("restored");
    expect(row.error).toContain("did not start again either");
    expect(row.retiredMachineId).toBeUndefined();
    expect(row.retiredVolumeId).toBeUndefined();
    const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
    expect(record).toMatchObject({ status: "running", image: IMAGE_V1 });
    expect(record?.statusReason).toContain("Restored snapshot");
    // A new machine on a new volume restored from the snapshot; the old pair is gone.
    expect(record?.machineId).not.toBe(agent.machineId);
    expect(record?.flyVolumeId).toBe(row.restoredVolumeId);
    expect(h.fly.state.machine(h.app, agent.machineId)?.state ?? "destroyed").toBe("destroyed");
    expect(h.fly.state.volumes(h.app).find((volume) => volume.id === agent.volumeId)?.state).toBe("pending_destroy");
    expect(h.fly.state.agentState(record?.flyVolumeId ?? "")).toMatchObject({ stateFormat: 1, writtenBy: "2026.1.0" });
    expect(
      h.fly.state.machineLogs(h.app, agent.machineId).some((line) => line.includes("state-migrated-no-rollback")),
    ).toBe(true);
    await expectFleetTruthful(h);
  });

  it("updates a stopped agent without starting it, and verifies the new image at its next start", async () => {
    await start();
    const [running, stopped] = await provisionFleet(h, 2);
    await h.t.action(api.lib.stopAgentMachine, { machineDocId: stopped.machineDocId, ...h.target });
    const startsBefore = requestsFor(h, stopped.machineId).filter((r) => r.operationId === "Machines_start").length;

    const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs({ waveSize: 2 }));
    const rollout = await waitForRollout(h, rolloutId);

    expect(rollout).toMatchObject({ status: "completed", upgraded: 2 });
    expect(rollout.agents.find((row) => row.machineDocId === stopped.machineDocId)).toMatchObject({
      phase: "upgraded",
      wasRunning: false,
    });
    expect(h.fly.state.machine(h.app, stopped.machineId)).toMatchObject({
      state: "stopped",
      config: { image: IMAGE_V2 },
    });
    expect(requestsFor(h, stopped.machineId).filter((r) => r.operationId === "Machines_start").length).toBe(
      startsBefore,
    );
    const marked = await h.t.query(api.lib.getAgentMachine, { machineDocId: stopped.machineDocId });
    expect(marked).toMatchObject({ status: "stopped", image: IMAGE_V2, verifyImageAtNextStart: true });
    await expectFleetTruthful(h);

    await h.t.action(api.lib.startAgentMachine, { machineDocId: stopped.machineDocId, ...h.target });
    const verified = await h.t.query(api.lib.getAgentMachine, { machineDocId: stopped.machineDocId });
    expect(verified).toMatchObject({ status: "running", verifyImageAtNextStart: false });
    expect(verified?.imageDigest).toBe(h.fly.state.machine(h.app, stopped.machineId)?.image_ref?.digest);
    expect(running.machineId).not.toBe(stopped.machineId);
    await expectFleetTruthful(h);
  });

  it("cancels midway: the agent in hand finishes, the rest stay untouched", async () => {
    await start({ gatewayStartupMs: 1_500 });
    const agents = await provisionFleet(h, 4);
    const before = new Map(agents.map((agent) => [agent.machineId, requestsFor(h, agent.machineId).length]));

    const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs());
    await until(
      () => h.t.query(api.lib.getImageRollout, { rolloutId }),
      (rollout) => rollout?.agents[0].phase === "verifying",
    );
    expect(await h.t.mutation(api.lib.cancelImageRollout, { rolloutId })).toBe("cancelling");
    const rollout = await waitForRollout(h, rolloutId);

    expect(rollout).toMatchObject({ status: "cancelled", upgraded: 1 });
    expect(rollout.agents.map((row) => row.phase)).toEqual(["upgraded", "pending", "pending", "pending"]);
    for (const agent of agents.slice(1)) {
      expect(requestsFor(h, agent.machineId).length).toBe(before.get(agent.machineId));
      const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
      expect(record?.image).toBe(IMAGE_V1);
    }
    expect(await h.t.mutation(api.lib.cancelImageRollout, { rolloutId })).toBe("cancelled");
    await expectFleetTruthful(h);
  });

  it("resumes after the driving action dies, without repeating a finished agent or a finished phase", async () => {
    // The workpool logs the step's action that fails on purpose below.
    expectConsoleErrors(/Fly Machines_wait failed with HTTP 503: unavailable/);
    await start();
    const agents = await provisionFleet(h, 3);
    const victim = agents[1];
    // Fly stops answering the victim's wait after its update: the step gives up and its action ends
    // in an error, as an action that dies does. The workpool runs it again.
    h.fly.faults.add({
      operationId: "Machines_wait",
      path: `*/machines/${victim.machineId}/wait`,
      times: 5,
      action: { status: 503, body: { error: "unavailable" } },
    });

    const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs({ waveSize: 1, maxWaveSize: 1 }));
    const rollout = await waitForRollout(h, rolloutId);

    expect(rollout).toMatchObject({ status: "completed", upgraded: 3, failed: 0 });
    expect(h.fly.faults.fired().length).toBe(5);
    const rows = new Map(rollout.agents.map((row) => [row.machineDocId, row]));
    expect(rows.get(victim.machineDocId)).toMatchObject({ phase: "upgraded", attempts: 2 });
    for (const agent of agents) {
      const log = requestsFor(h, agent.machineId, agent.volumeId);
      const count = (operationId: string) => log.filter((r) => r.operationId === operationId).length;
      // One snapshot and one update each, the victim's included: its resumed run repeated neither.
      expect(count("createVolumeSnapshot")).toBe(1);
      expect(count("Machines_update")).toBe(1);
      expect(h.fly.state.snapshots(agent.volumeId).length).toBe(1);
      if (agent !== victim) expect(rows.get(agent.machineDocId)?.attempts).toBe(1);
    }
    // The first agent had finished before the victim died: nothing touched it afterwards.
    const firstDone = rows.get(agents[0].machineDocId)?.finishedAt ?? 0;
    const late = requestsFor(h, agents[0].machineId, agents[0].volumeId).filter(
      (r) => Date.parse(r.at) > firstDone + 50,
    );
    expect(late).toEqual([]);
    await expectFleetTruthful(h);
  });

  it("checks its arguments before writing anything", async () => {
    await start();
    await provisionFleet(h, 1);
    await expect(h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs({ image: "not an image" }))).rejects.toThrow(
      /not an image reference/,
    );
    await expect(h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs({ waveSize: 0 }))).rejects.toThrow(
      /waveSize must be a whole number from 1/,
    );
    delete process.env.AGENT_SECRETS_ENCRYPTION_KEY;
    await expect(h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs())).rejects.toThrow(
      /keeps flyApiToken sealed until it ends/,
    );
    expect(await h.t.query(api.lib.listImageRollouts, { tenantId: "tenant-a" })).toEqual([]);
    await expectFleetTruthful(h);
  });
});
