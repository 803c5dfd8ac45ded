/**
 * Two operations meeting at a chosen point: the emulator holds one at a Fly call (or holds its
 * answer) while the other runs, then lets it go. After each pair, once every action has
 * returned: Fly and the records agree, Fly holds nothing no record owns, no agent is held by an
 * operation that has ended, and no user has two active agents (`fleetProblems`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { QUICK_FLY, setupHarness, type Harness } from "../testing/harness.js";
import { fleetProblems } from "../testing/fleetCheck.js";
import type { HoldRule } from "../fly-emulator/index.js";
import { agentRecordOf, heldAt } from "../testing/holds.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness(QUICK_FLY);
});
afterEach(async () => {
  await h.close();
});

const target = (machineDocId: string) => ({ machineDocId, ...h.target });
const provision = (overrides: Record<string, unknown> = {}) =>
  h.t.action(api.lib.provisionAgentMachine, h.provisionArgs(overrides));
const recreate = () => h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs());
const stop = (id: string) => h.t.action(api.lib.stopAgentMachine, target(id));
const start = (id: string) => h.t.action(api.lib.startAgentMachine, target(id));
const deprovision = (id: string) => h.t.action(api.lib.deprovisionAgentMachine, target(id));
const applySkills = (id: string) => h.t.action(api.lib.applyAllowedSkillsToMachine, target(id));
const sync = (id: string) => h.t.action(api.lib.syncAgentMachine, { ...target(id), staleAfterMs: 0 });
const pair = (id: string, code: string) =>
  h.t.action(api.lib.approveTelegramPairing, { ...target(id), telegramPairingCode: code });

async function agentIds(): Promise<string[]> {
  return (await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" })).map((agent) => agent._id);
}

/** The user's agent, with a completed snapshot to recreate from. */
async function withSnapshot() {
  const agent = await provision();
  const snapshot = await h.t.action(api.lib.createAgentSnapshot, target(agent.machineDocId));
  expect(snapshot.status).toBe("created");
  return agent;
}

/** Polls `read` until `done` holds (at most 5 s). */
async function until<T>(read: () => T, done: (value: T) => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(read()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done(read())).toBe(true);
}

async function expectConsistent() {
  expect(await fleetProblems(h)).toEqual([]);
}

/** Asserts `refused` changed nothing: no new record and no new machine or volume on Fly. */
async function expectNothingMade(refused: () => Promise<unknown>, message: RegExp) {
  const liveIds = () => {
    const live = h.fly.state.liveResources(h.app);
    return [...live.machines, ...live.volumes].map((resource) => resource.id);
  };
  const ids = await agentIds();
  const live = liveIds();
  await expect(refused()).rejects.toThrow(message);
  expect(await agentIds()).toEqual(ids);
  expect(liveIds()).toEqual(live);
}

const OPENCLAW_EXEC: HoldRule = { operationId: "Machines_exec" };

describe("provision × recreate", () => {
  it("a recreate while the user's first provisioning still talks to OpenClaw is refused, and nothing is made", async () => {
    const earlier = await withSnapshot();
    await deprovision(earlier.machineDocId);
    const first = await heldAt(h, OPENCLAW_EXEC, () => provision());
    await expectNothingMade(recreate, /still being provisioned.*Nothing was created/);
    const outcome = await first.release();
    expect(outcome.ok).toBe(true);
    await expectConsistent();
  });

  it("a provision while a recreate is under way is refused as agent_exists", async () => {
    const old = await withSnapshot();
    const recreating = await heldAt(h, OPENCLAW_EXEC, recreate);
    await expectNothingMade(() => provision(), /already has an agent/);
    expect((await recreating.release()).ok).toBe(true);
    expect((await agentRecordOf(h, old.machineDocId)).status).toBe("deleted");
    await expectConsistent();
  });
});

describe("provision × deprovision", () => {
  it("deprovisioning an agent still being provisioned is refused until the provisioning ends", async () => {
    const provisioning = await heldAt(h, OPENCLAW_EXEC, () => provision());
    const [id] = await agentIds();
    await expect(deprovision(id)).rejects.toThrow(/busy with provision/);
    expect((await provisioning.release()).ok).toBe(true);
    await deprovision(id);
    await expectConsistent();
  });

  it("a provision for the user while their agent is being deprovisioned is refused as agent_exists", async () => {
    const agent = await provision();
    const deprovisioning = await heldAt(h, { operationId: "Machines_delete" }, () => deprovision(agent.machineDocId));
    await expectNothingMade(() => provision(), /already has an agent/);
    expect((await deprovisioning.release()).ok).toBe(true);
    await provision();
    await expectConsistent();
  });
});

describe("stop × start", () => {
  it("a start while a stop waits for Fly is refused; the stop ends the agent stopped", async () => {
    const agent = await provision();
    const stopping = await heldAt(h, { operationId: "Machines_wait" }, () => stop(agent.machineDocId));
    await expect(start(agent.machineDocId)).rejects.toThrow(/busy with stop/);
    expect((await stopping.release()).ok).toBe(true);
    expect((await agentRecordOf(h, agent.machineDocId)).status).toBe("stopped");
    await expectConsistent();
  });

  it("a stop while a start waits for Fly is refused; the start ends the agent running", async () => {
    const agent = await provision();
    await stop(agent.machineDocId);
    const starting = await heldAt(h, { operationId: "Machines_wait" }, () => start(agent.machineDocId));
    await expect(stop(agent.machineDocId)).rejects.toThrow(/busy with start/);
    expect((await starting.release()).ok).toBe(true);
    expect((await agentRecordOf(h, agent.machineDocId)).status).toBe("running");
    await expectConsistent();
  });

  it("a start on an agent with no machine fails and leaves the agent free to deprovision", async () => {
    h.fly.faults.add({ operationId: "Machines_create", action: { status: 400, body: { error: "invalid: injected" } } });
    await expect(provision()).rejects.toThrow(/injected/);
    const [id] = await agentIds();
    expect(await agentRecordOf(h, id)).toMatchObject({ status: "error", resourcesCleanedUp: true });
    await expect(start(id)).rejects.toThrow(/has no Fly machine/);
    await deprovision(id);
    expect((await agentRecordOf(h, id)).status).toBe("deleted");
    await expectConsistent();
  });
});

describe("pairing × stop", () => {
  it("a stop while a pairing command runs is refused; the pairing goes through", async () => {
    const agent = await provision();
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    const pairing = await heldAt(h, OPENCLAW_EXEC, () => pair(agent.machineDocId, code));
    await expect(stop(agent.machineDocId)).rejects.toThrow(/busy with pairing/);
    expect((await pairing.release()).ok).toBe(true);
    expect(h.fly.state.agentState(agent.volumeId)?.approvedPairings.map((p) => p.code)).toEqual([code]);
    await stop(agent.machineDocId);
    await expectConsistent();
  });

  it("a pairing while a stop waits for Fly is refused before any command, and frees its lock", async () => {
    const agent = await provision();
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    const stopping = await heldAt(h, { operationId: "Machines_wait" }, () => stop(agent.machineDocId));
    const execs = () => h.fly.state.requests().filter((r) => r.operationId === "Machines_exec").length;
    const before = execs();
    await expect(pair(agent.machineDocId, code)).rejects.toThrow(/busy with stop/);
    expect(execs()).toBe(before);
    expect((await stopping.release()).ok).toBe(true);
    expect(h.fly.state.agentState(agent.volumeId)?.pendingPairingCodes).toEqual([code]);
    await expectConsistent();
  });
});

describe("recreate × deprovision", () => {
  it("deprovisioning the agent a recreate replaces is refused until the recreate ends", async () => {
    const old = await withSnapshot();
    const recreating = await heldAt(h, OPENCLAW_EXEC, recreate);
    await expect(deprovision(old.machineDocId)).rejects.toThrow(/busy with recreate/);
    const outcome = await recreating.release();
    expect(outcome.ok).toBe(true);
    expect((await agentRecordOf(h, old.machineDocId)).status).toBe("deleted");
    await expectConsistent();
  });

  it("a recreate while the agent it would replace is being deprovisioned is refused, and nothing is made", async () => {
    const old = await withSnapshot();
    const deprovisioning = await heldAt(h, { operationId: "Machines_delete" }, () => deprovision(old.machineDocId));
    await expectNothingMade(recreate, /busy with deprovision.*Nothing was created/);
    expect((await deprovisioning.release()).ok).toBe(true);
    const recreated = await recreate();
    expect((await agentRecordOf(h, recreated.machineDocId)).status).toBe("running");
    await expectConsistent();
  });
});

describe("skills × stop", () => {
  it("a stop while the skills update waits for Fly is refused; the update goes through", async () => {
    const agent = await provision();
    await h.t.mutation(api.lib.updateAllowedSkills, { machineDocId: agent.machineDocId, allowedSkills: ["notes"] });
    const updating = await heldAt(h, { operationId: "Machines_update" }, () => applySkills(agent.machineDocId));
    await expect(stop(agent.machineDocId)).rejects.toThrow(/busy with update_skills/);
    expect((await updating.release()).ok).toBe(true);
    expect(h.fly.state.machine(h.app, agent.machineId)?.config?.env?.ALLOWED_SKILLS_JSON).toBe('["notes"]');
    await expectConsistent();
  });

  it("a skills update Fly refuses leaves the agent free: stop and deprovision go through", async () => {
    const agent = await provision();
    h.fly.faults.add({ operationId: "Machines_update", action: { status: 400, body: { error: "invalid: injected" } } });
    await expect(applySkills(agent.machineDocId)).rejects.toThrow(/injected/);
    expect(await agentRecordOf(h, agent.machineDocId)).toMatchObject({
      status: "running",
      lastError: expect.stringMatching(/injected/),
    });
    await stop(agent.machineDocId);
    await deprovision(agent.machineDocId);
    expect((await agentRecordOf(h, agent.machineDocId)).status).toBe("deleted");
    await expectConsistent();
  });
});

describe("sync × a late owner", () => {
  it("a sync that finishes a provisioning it took over is not undone when the old owner comes back", async () => {
    const provisioning = await heldAt(h, { operationId: "Machines_wait" }, () => provision());
    const [id] = await agentIds();
    expect(await sync(id)).toBe("running");
    const late = await provisioning.release();
    if (late.ok) throw new Error("the old owner's provisioning claimed success after it was taken over");
    expect(String(late.error)).toMatch(/taken over/);
    expect((await agentRecordOf(h, id)).status).toBe("running");
    await expectConsistent();
  });

  it("a volume the old owner creates after the sync cleaned up is removed, not orphaned", async () => {
    const provisioning = await heldAt(h, { operationId: "Volumes_create" }, () => provision());
    const [id] = await agentIds();
    expect(await sync(id)).toBe("error");
    expect((await provisioning.release()).ok).toBe(false);
    expect(await agentRecordOf(h, id)).toMatchObject({ status: "error", resourcesCleanedUp: true });
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
    await expectConsistent();
  });
});

describe("cleanup × a late create", () => {
  it("a machine created between the cleanup's search and its volume delete is destroyed first, then the volume", async () => {
    const provisioning = await heldAt(h, { operationId: "Machines_create" }, () => provision());
    const [id] = await agentIds();
    const syncing = await heldAt(h, { operationId: "Volume_delete" }, () => sync(id));
    // The late create lands now: a machine tagged with the agent's key, bound to its volume.
    const late = provisioning.release();
    await until(
      () => h.fly.state.liveResources(h.app).machines.length,
      (count) => count === 1,
    );
    const synced = await syncing.release();
    expect(synced).toEqual({ ok: true, value: "error" });
    expect((await late).ok).toBe(false);
    expect(await agentRecordOf(h, id)).toMatchObject({ status: "error", resourcesCleanedUp: true });
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
    await expectConsistent();
  });
});

describe("a cleanup that cannot finish", () => {
  it("records resourcesCleanedUp: false with the reason, and the sweep removes the rest", async () => {
    h.fly.faults.add({ operationId: "Machines_create", action: { status: 400, body: { error: "invalid: injected" } } });
    h.fly.faults.add({ operationId: "Volume_delete", action: { status: 400, body: { error: "invalid: refused" } } });
    await expect(provision()).rejects.toThrow(/injected/);
    const [id] = await agentIds();
    expect(await agentRecordOf(h, id)).toMatchObject({
      status: "error",
      resourcesCleanedUp: false,
      statusReason: expect.stringMatching(/cleanup did not finish .*refused.*the sweep will remove what is left/),
    });
    expect(h.fly.state.liveResources(h.app).volumes).toHaveLength(1);
    await expectConsistent();
    await h.t.action(api.lib.sweepAgentMachines, { ...h.target });
    expect(await agentRecordOf(h, id)).toMatchObject({ status: "error", resourcesCleanedUp: true });
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
    await expectConsistent();
  });
});
