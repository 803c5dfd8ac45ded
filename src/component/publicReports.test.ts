/**
 * The seven cases that people running OpenClaw on Fly report (FLY_API_NOTES.md, "Behaviours seen in
 * public reports"; OPENCLAW_NOTES.md), each turned on in the emulator as the unkind behaviour it is,
 * each across the whole kind of fault: every wait that can meet a boot's end, every read after a
 * create, every parse of OpenClaw's output.
 */
import { afterEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { OPENCLAW_BUILTIN_MODEL, type FlyEmulatorOptions } from "../fly-emulator/index.js";
import { QUICK_FLY, setupHarness, type Harness } from "../testing/harness.js";

const MODEL = "moonshotai/kimi-k2.5";
let h: Harness;
afterEach(async () => {
  await h.close();
});

async function start(options: FlyEmulatorOptions = {}) {
  h = await setupHarness({ ...QUICK_FLY, ...options });
  return h;
}
const target = (machineDocId: string) => ({ machineDocId, ...h.target });
const record = async (machineDocId: string) => {
  const agent = await h.t.query(api.lib.getAgentMachine, { machineDocId });
  if (!agent) throw new Error(`no record for ${machineDocId}`);
  return agent;
};
const provision = (overrides: Record<string, unknown> = {}) =>
  h.t.action(api.lib.provisionAgentMachine, h.provisionArgs(overrides));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    (result) => {
      throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
    },
    (error: unknown) => String(error),
  );
const calls = (operationId: string) => h.fly.state.requests().filter((r) => r.operationId === operationId);

describe("1. a boot that settles in failed", () => {
  it("fails provisioning at once with Fly's reason, and removes everything made for it", async () => {
    await start({ failBoots: true });
    const error = await failure(provision());
    expect(error).toMatch(/ended failed instead of started \(its process exited with code 1; last event exit\/failed/);
    // One wait answered the boot's end: no 408 loop until the boot budget runs out.
    expect(calls("Machines_wait").filter((r) => r.query.includes("started")).length).toBe(1);
    const [agent] = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" });
    expect(agent).toMatchObject({ status: "error", resourcesCleanedUp: true });
    expect(agent.lastError).toMatch(/exited with code 1/);
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
  });

  it.each(["start", "restart"] as const)(
    "fails a %s with Fly's reason, and records the agent as error",
    async (kind) => {
      await start();
      const agent = await provision();
      if (kind === "start") await h.t.action(api.lib.stopAgentMachine, target(agent.machineDocId));
      h.fly.behaviours.set({ failBoots: true });
      const action = kind === "start" ? api.lib.startAgentMachine : api.lib.restartAgentMachine;
      expect(await failure(h.t.action(action, target(agent.machineDocId)))).toMatch(/exited with code 1/);
      expect(await record(agent.machineDocId)).toMatchObject({
        status: "error",
        statusReason: "Fly reports the machine as failed",
        lastError: expect.stringMatching(/ended failed instead of started/),
      });
      h.fly.behaviours.set({ failBoots: false });
      await h.t.action(api.lib.restartAgentMachine, target(agent.machineDocId));
      expect((await record(agent.machineDocId)).status).toBe("running");
    },
  );
});

describe("2. an image that resets the default model at boot", () => {
  it("forces and verifies the model again after start, restart and a reboot the sweep finds", async () => {
    await start();
    const agent = await provision();
    h.fly.behaviours.set({ resetModelAtBoot: true });
    const model = () => h.fly.state.agentState(agent.volumeId)?.model;

    await h.t.action(api.lib.stopAgentMachine, target(agent.machineDocId));
    await h.t.action(api.lib.startAgentMachine, target(agent.machineDocId));
    expect(model()).toBe(MODEL);
    expect((await record(agent.machineDocId)).effectiveModel).toBe(MODEL);

    await h.t.action(api.lib.restartAgentMachine, target(agent.machineDocId));
    expect(model()).toBe(MODEL);

    // Fly reboots the machine on its own (its restart policy, someone's `fly machine restart`).
    await fetch(`${h.fly.url}/apps/${h.app}/machines/${agent.machineId}/restart`, {
      method: "POST",
      headers: { Authorization: `Bearer ${h.fly.token}` },
    });
    for (let i = 0; i < 200 && !h.fly.state.gateway(h.app, agent.machineId)?.ready; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10)); // until the new boot's gateway listens
    }
    expect(model()).toBe(OPENCLAW_BUILTIN_MODEL);
    const sweep = await h.t.action(api.lib.sweepAgentMachines, h.target);
    expect(sweep.failures).toEqual([]);
    expect(model()).toBe(MODEL);
    expect(await record(agent.machineDocId)).toMatchObject({ status: "running", effectiveModel: MODEL });
  });
});

describe("3. a pairing answer lost before the command ran", () => {
  it("asks OpenClaw (with --json) whether the code is still pending, and approves it for real", async () => {
    await start();
    const agent = await provision();
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    // The approval never reaches the machine: Fly's edge answers 503.
    h.fly.faults.add({
      operationId: "Machines_exec",
      bodyIncludes: '"approve"',
      action: { status: 503, body: { error: "unavailable" } },
    });
    await h.t.action(api.lib.approveTelegramPairing, { ...target(agent.machineDocId), telegramPairingCode: code });
    expect(h.fly.state.agentState(agent.volumeId)).toMatchObject({
      approvedPairings: [expect.objectContaining({ code })],
      pendingPairingCodes: [],
    });
  });

  it("refuses a code that is no longer pending, saying to ask the user for a new one", async () => {
    await start();
    const agent = await provision();
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    await h.t.action(api.lib.approveTelegramPairing, { ...target(agent.machineDocId), telegramPairingCode: code });
    const again = h.t.action(api.lib.approveTelegramPairing, {
      ...target(agent.machineDocId),
      telegramPairingCode: code,
    });
    expect(await failure(again)).toMatch(/pairing_rejected.*not pending.*expired.*send \/start to the bot again/);
  });
});

describe("4. reads that 404 just after the create that returned the resource", () => {
  it("provisions and recreates from a snapshot through a half-second read lag", async () => {
    await start({ visibilityLagMs: 500 });
    const agent = await provision();
    expect((await record(agent.machineDocId)).status).toBe("running");
    await h.t.action(api.lib.createAgentSnapshot, target(agent.machineDocId));
    const recreated = await h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs());
    expect(await record(recreated.machineDocId)).toMatchObject({ status: "running", effectiveModel: MODEL });
    // Fly did answer 404 to reads of what had just been created.
    expect(calls("Volumes_get_by_id").some((r) => r.status === 404)).toBe(true);
    expect(calls("Machines_wait").some((r) => r.status === 404)).toBe(true);
  });
});

describe("5. a machine destroyed outside the component", () => {
  it("is recorded as gone when pairing finds it missing", async () => {
    await start();
    const agent = await provision();
    h.fly.state.destroyMachineOutOfBand(h.app, agent.machineId);
    const pairing = h.t.action(api.lib.approveTelegramPairing, {
      ...target(agent.machineDocId),
      telegramPairingCode: "ABCD2345",
    });
    expect(await failure(pairing)).toMatch(/404/);
    expect(await record(agent.machineDocId)).toMatchObject({
      status: "error",
      statusReason: expect.stringMatching(/no longer exists on Fly/),
      gatewayHealthy: false,
    });
  });

  it("is recorded as gone when a skills update finds it missing", async () => {
    await start();
    const agent = await provision();
    h.fly.state.destroyMachineOutOfBand(h.app, agent.machineId);
    await h.t.mutation(api.lib.updateAllowedSkills, { machineDocId: agent.machineDocId, allowedSkills: ["notes"] });
    expect(await failure(h.t.action(api.lib.applyAllowedSkillsToMachine, target(agent.machineDocId)))).toMatch(/404/);
    expect((await record(agent.machineDocId)).statusReason).toMatch(/no longer exists on Fly/);
  });

  it("is recorded as gone when a snapshot finds its volume deleted too", async () => {
    await start();
    const agent = await provision();
    h.fly.state.destroyMachineOutOfBand(h.app, agent.machineId);
    const headers = { Authorization: `Bearer ${h.fly.token}` };
    for (let i = 0; i < 100; i++) {
      const deleted = await fetch(`${h.fly.url}/apps/${h.app}/volumes/${agent.volumeId}`, {
        method: "DELETE",
        headers,
      });
      if (deleted.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 20)); // the volume detaches after a lag
    }
    expect(await failure(h.t.action(api.lib.createAgentSnapshot, target(agent.machineDocId)))).toMatch(
      /pending_destroy/,
    );
    expect(await record(agent.machineDocId)).toMatchObject({
      status: "error",
      statusReason: expect.stringMatching(/Volume .* no longer exists on Fly/),
    });
  });
});

describe("6. no room on Fly", () => {
  it("makes another volume when the first lands on a full host, and removes the refused one", async () => {
    await start({ fullVolumeHosts: 1 });
    const agent = await provision();
    expect(calls("Machines_create").map((r) => r.status)).toEqual([412, 200]);
    const volumes = h.fly.state.volumes(h.app);
    expect(volumes.map((v) => v.state)).toEqual(["pending_destroy", "created"]);
    expect(agent.volumeId).toBe(volumes[1].id);
    expect(h.fly.state.liveResources(h.app).volumes.map((v) => v.id)).toEqual([agent.volumeId]);
  });

  it("tries the next region of an ordered list, and records where the agent landed", async () => {
    await start({ regionsOutOfCapacity: ["iad"] });
    const agent = await provision({ region: "iad,dfw" });
    expect(await record(agent.machineDocId)).toMatchObject({ status: "running", region: "dfw" });
    expect(h.fly.state.machine(h.app, agent.machineId)?.region).toBe("dfw");
  });

  it("restores the snapshot again into a new volume on recreate, never an empty one", async () => {
    await start();
    const agent = await provision();
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    await h.t.action(api.lib.approveTelegramPairing, { ...target(agent.machineDocId), telegramPairingCode: code });
    await h.t.action(api.lib.createAgentSnapshot, target(agent.machineDocId));
    h.fly.behaviours.set({ fullVolumeHosts: 1 });
    const recreated = await h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs());
    expect(h.fly.state.agentState(recreated.volumeId)?.approvedPairings.map((p) => p.code)).toEqual([code]);
    expect(
      calls("Volumes_create")
        .slice(-2)
        .every((r) => r.status === 200),
    ).toBe(true);
  });

  it("gives up after its attempts with every refusal quoted, leaving nothing behind", async () => {
    await start({ regionsOutOfCapacity: ["iad", "dfw"] });
    const error = await failure(provision({ region: "iad,dfw" }));
    expect(error).toMatch(/no room for the agent in iad, dfw \(iad: .*insufficient_capacity.*; dfw: /);
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
  });
});

describe("7. a 429 with Retry-After on a create", () => {
  it("waits as long as Fly asks, within the operation's deadline, and the create goes through", async () => {
    await start({ refusalWindows: { Machines_create: 4000 } });
    const agent = await provision();
    expect((await record(agent.machineDocId)).status).toBe("running");
    const creates = calls("Machines_create");
    expect(creates.map((r) => r.status)).toEqual([429, 200]);
    // The retry came no sooner than Retry-After: 4 asked.
    expect(Date.parse(creates[1].at) - Date.parse(creates[0].at)).toBeGreaterThanOrEqual(4000);
  });
});
