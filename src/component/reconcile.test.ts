import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { setupHarness, type Harness } from "../testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness();
});
afterEach(async () => {
  await h.close();
});

const sweep = () => h.t.action(api.lib.sweepAgentMachines, { ...h.target, staleAfterMs: 0 });

async function onlyAgent() {
  const agents = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" });
  expect(agents).toHaveLength(1);
  return agents[0];
}

/** Starts a provisioning that hangs at `operationId` (its action never comes back in time). */
function hangAt(operationId: string, when: "before" | "after") {
  h.fly.faults.add({ operationId, when, action: { latencyMs: 60_000 } });
  return h.t.action(api.lib.provisionAgentMachine, h.provisionArgs()).then(
    () => "finished" as const,
    (error: unknown) => error,
  );
}

async function waitFor(predicate: () => Promise<boolean>) {
  for (let i = 0; i < 200 && !(await predicate()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe("an interrupted provisioning, after the sweep", () => {
  it("ends running when its machine was already up", async () => {
    const zombie = hangAt("Machines_wait", "before");
    await waitFor(
      async () => (await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" }))[0]?.step === "booting",
    );
    const result = await sweep();
    expect(result.repaired).toBe(1);
    const agent = await onlyAgent();
    expect(agent, JSON.stringify(agent)).toMatchObject({ status: "running", effectiveModel: "moonshotai/kimi-k2.5" });
    expect(agent.statusReason).toMatch(/interrupted; the sweep finished it/);
    const live = h.fly.state.liveResources(h.app);
    expect(live.machines.map((m) => m.id)).toEqual([agent.machineId]);
    expect(live.volumes.map((v) => v.id)).toEqual([agent.flyVolumeId]);
    await h.close(); // the hung call now fails: the old owner must not undo the sweep's work
    expect(String(await zombie)).toMatch(/taken over|fetch failed|no response/i);
    expect((await onlyAgent()).status).toBe("running");
  });

  it("ends cleaned up when it was cut short before its machine existed, even one whose create answer was lost", async () => {
    const zombie = hangAt("Volumes_create", "after");
    await waitFor(async () => h.fly.state.liveResources(h.app).volumes.length === 1);
    await sweep();
    const agent = await onlyAgent();
    expect(agent).toMatchObject({ status: "error", resourcesCleanedUp: true });
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
    await h.close();
    await zombie;
    expect((await onlyAgent()).status).toBe("error");
  });

  it("leaves a provisioning that is still within its deadline to its owner", async () => {
    const zombie = hangAt("Machines_wait", "before");
    await waitFor(
      async () => (await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" }))[0]?.step === "booting",
    );
    const result = await h.t.action(api.lib.sweepAgentMachines, { ...h.target });
    expect(result.repaired).toBe(0);
    expect((await onlyAgent()).status).toBe("provisioning");
    await h.close();
    await zombie;
  });
});

describe("syncAgentMachine and the sweep read Fly's real state", () => {
  it("shows a machine destroyed out of band as such", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    h.fly.state.destroyMachineOutOfBand(h.app, agent.machineId);
    const status = await h.t.action(api.lib.syncAgentMachine, { machineDocId: agent.machineDocId, ...h.target });
    expect(status).toBe("error");
    const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
    expect(record?.statusReason).toMatch(/no longer exists on Fly/);
  });

  it("the sweep flags machines destroyed or stopped out of band, and leaves the rest alone", async () => {
    const a = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs({ userId: "u-a" }));
    const b = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs({ userId: "u-b" }));
    const c = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs({ userId: "u-c" }));
    h.fly.state.destroyMachineOutOfBand(h.app, a.machineId);
    await fetch(`${h.fly.url}/apps/${h.app}/machines/${b.machineId}/stop`, {
      method: "POST",
      headers: { Authorization: `Bearer ${h.fly.token}` },
    });
    await fetch(`${h.fly.url}/apps/${h.app}/machines/${b.machineId}/wait?state=stopped`, {
      headers: { Authorization: `Bearer ${h.fly.token}` },
    });
    const result = await h.t.action(api.lib.sweepAgentMachines, { ...h.target });
    expect(result).toMatchObject({ checked: 3, markedGone: 1, failures: [] });
    const statusOf = async (id: string) => (await h.t.query(api.lib.getAgentMachine, { machineDocId: id }))?.status;
    expect([await statusOf(a.machineDocId), await statusOf(b.machineDocId), await statusOf(c.machineDocId)]).toEqual([
      "error",
      "stopped",
      "running",
    ]);
  });
});

describe("updateAllowedSkills", () => {
  it("keeps the original signature and, when asked, writes ALLOWED_SKILLS_JSON to the machine under a lease", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    await h.t.mutation(api.lib.updateAllowedSkills, { machineDocId: agent.machineDocId, allowedSkills: ["calendar"] });
    expect((await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId }))?.allowedSkills).toEqual([
      "calendar",
    ]);
    await h.t.action(api.lib.applyAllowedSkillsToMachine, { machineDocId: agent.machineDocId, ...h.target });
    const machine = h.fly.state.machine(h.app, agent.machineId);
    expect(machine?.config?.env?.ALLOWED_SKILLS_JSON).toBe('["calendar"]');
    expect(machine?.config?.env?.OPENCLAW_GATEWAY_TOKEN).toBeTruthy();
    expect(machine?.state).toBe("started");
    const ops = h.fly.state.requests().map((r) => r.operationId);
    expect(ops).toContain("Machines_create_lease");
    expect(ops).toContain("Machines_release_lease");
  });
});

describe("updateAllowedSkills with applyToMachine", () => {
  it("writes the whitelist to the machine in the background, with the token the component holds", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    process.env.FLY_API_TOKEN = h.fly.token;
    process.env.FLY_API_BASE_URL = h.fly.url;
    try {
      await h.t.mutation(api.lib.updateAllowedSkills, {
        machineDocId: agent.machineDocId,
        allowedSkills: ["notes"],
        applyToMachine: true,
      });
      await h.t.finishAllScheduledFunctions(() => undefined);
      expect(h.fly.state.machine(h.app, agent.machineId)?.config?.env?.ALLOWED_SKILLS_JSON).toBe('["notes"]');
      const audit = await h.t.query(api.lib.listAuditEventsByMachine, {
        machineDocId: agent.machineDocId,
        paginationOpts: { numItems: 5, cursor: null },
      });
      expect(audit.page[0]).toMatchObject({ operation: "update_skills", outcome: "succeeded" });
    } finally {
      delete process.env.FLY_API_TOKEN;
      delete process.env.FLY_API_BASE_URL;
    }
  });

  it("says what to bind when the component holds no token, and writes nothing", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    await expect(
      h.t.mutation(api.lib.updateAllowedSkills, {
        machineDocId: agent.machineDocId,
        allowedSkills: ["notes"],
        applyToMachine: true,
      }),
    ).rejects.toThrow(/bind FLY_API_TOKEN/);
    expect((await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId }))?.allowedSkills).toEqual([
      "calendar",
      "email",
    ]);
  });
});
