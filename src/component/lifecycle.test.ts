import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { allRows, SECRETS, setupHarness, type Harness } from "../testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness();
});
afterEach(async () => {
  await h.close();
});

async function provision() {
  return await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
}
const machineTarget = (machineDocId: string) => ({ machineDocId, ...h.target });
const status = async (machineDocId: string) => (await h.t.query(api.lib.getAgentMachine, { machineDocId }))?.status;

describe("start and stop", () => {
  it("stop waits for Fly's stopped state; start waits for started and a listening gateway", async () => {
    const agent = await provision();
    await h.t.action(api.lib.stopAgentMachine, machineTarget(agent.machineDocId));
    expect(h.fly.state.machine(h.app, agent.machineId)?.state).toBe("stopped");
    expect(await status(agent.machineDocId)).toBe("stopped");

    await h.t.action(api.lib.startAgentMachine, machineTarget(agent.machineDocId));
    expect(h.fly.state.machine(h.app, agent.machineId)?.state).toBe("started");
    expect(h.fly.state.gateway(h.app, agent.machineId)?.ready).toBe(true);
    const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
    expect(record).toMatchObject({ status: "running", gatewayHealthy: true });
  });

  it("records a machine destroyed out of band as an error instead of claiming it runs", async () => {
    const agent = await provision();
    await h.t.action(api.lib.stopAgentMachine, machineTarget(agent.machineDocId));
    h.fly.state.destroyMachineOutOfBand(h.app, agent.machineId);
    await expect(h.t.action(api.lib.startAgentMachine, machineTarget(agent.machineDocId))).rejects.toThrow();
    const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
    expect(record?.status).toBe("error");
    expect(record?.statusReason).toMatch(/no longer exists on Fly/);
  });

  it("refuses an agent of another Fly app with a message that names the right one", async () => {
    const agent = await provision();
    await expect(
      h.t.action(api.lib.stopAgentMachine, { ...machineTarget(agent.machineDocId), flyAppName: "other-app" }),
    ).rejects.toThrow(/lives in Fly app fly-agents-test/);
  });

  it("says which machineDocId is unknown", async () => {
    await expect(h.t.action(api.lib.startAgentMachine, machineTarget("not-an-id"))).rejects.toThrow(
      /No agent with machineDocId .*not-an-id/,
    );
  });
});

describe("deprovisionAgentMachine", () => {
  it("destroys the machine, deletes the volume (past the detach lag) and marks the agent deleted", async () => {
    const agent = await provision();
    await h.t.action(api.lib.deprovisionAgentMachine, machineTarget(agent.machineDocId));
    expect(await status(agent.machineDocId)).toBe("deleted");
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
  });

  it("is idempotent: a second call succeeds and changes nothing", async () => {
    const agent = await provision();
    await h.t.action(api.lib.deprovisionAgentMachine, machineTarget(agent.machineDocId));
    await h.t.action(api.lib.deprovisionAgentMachine, machineTarget(agent.machineDocId));
    expect(await status(agent.machineDocId)).toBe("deleted");
  });

  it("two deprovisions at once both succeed and leave nothing", async () => {
    const agent = await provision();
    const results = await Promise.allSettled([
      h.t.action(api.lib.deprovisionAgentMachine, machineTarget(agent.machineDocId)),
      h.t.action(api.lib.deprovisionAgentMachine, machineTarget(agent.machineDocId)),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(await status(agent.machineDocId)).toBe("deleted");
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
  });

  it("removes what is left when the machine was already destroyed out of band", async () => {
    const agent = await provision();
    h.fly.state.destroyMachineOutOfBand(h.app, agent.machineId);
    await h.t.action(api.lib.deprovisionAgentMachine, machineTarget(agent.machineDocId));
    expect(await status(agent.machineDocId)).toBe("deleted");
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
  });
});

describe("restartAgentMachine", () => {
  it("restarts the machine and waits for its gateway", async () => {
    const agent = await provision();
    await h.t.action(api.lib.restartAgentMachine, machineTarget(agent.machineDocId));
    expect(await status(agent.machineDocId)).toBe("running");
    expect(h.fly.state.gateway(h.app, agent.machineId)?.ready).toBe(true);
  });
});

describe("the audit trail", () => {
  it("records every operation with its outcome and Fly request ids, and no secret", async () => {
    const agent = await provision();
    await h.t.action(api.lib.stopAgentMachine, machineTarget(agent.machineDocId));
    await expect(
      h.t.action(api.lib.approveTelegramPairing, {
        ...machineTarget(agent.machineDocId),
        telegramPairingCode: "ABCD2345",
      }),
    ).rejects.toThrow();
    const page = await h.t.query(api.lib.listAuditEventsByTenant, {
      tenantId: "tenant-a",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(page.page.map((event) => [event.operation, event.outcome])).toEqual([
      ["pairing", "failed"],
      ["stop", "succeeded"],
      ["provision", "succeeded"],
    ]);
    const text = JSON.stringify(await allRows(h.t));
    for (const secret of [...Object.values(SECRETS), h.fly.token]) expect(text).not.toContain(secret);
  });
});
