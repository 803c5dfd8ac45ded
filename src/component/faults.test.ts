/**
 * The fault matrix: for every Fly call of every operation, one 500, 429, 408 or dropped
 * connection. After each: no orphaned machine or volume on the emulator, a record that says
 * what Fly holds, and success (every injected fault is transient).
 */
import { describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { QUICK_FLY, setupHarness, type Harness } from "../testing/harness.js";
import type { FaultRule } from "../fly-emulator/index.js";

type Setup = { machineDocId?: string; machineId?: string; volumeId?: string; code?: string };
type Scenario = {
  setup: (h: Harness) => Promise<Setup>;
  run: (h: Harness, s: Setup) => Promise<unknown>;
  /** Checks the outcome of a successful run against the emulator. */
  verify: (h: Harness, s: Setup, result: unknown) => Promise<void>;
};

const FAST = QUICK_FLY;
const target = (h: Harness, machineDocId: string) => ({ machineDocId, ...h.target });

async function provisioned(h: Harness): Promise<Setup> {
  const result = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
  return { machineDocId: result.machineDocId, machineId: result.machineId, volumeId: result.volumeId };
}

async function agentOf(h: Harness, machineDocId: string) {
  const agent = await h.t.query(api.lib.getAgentMachine, { machineDocId });
  if (!agent) throw new Error("agent record vanished");
  return agent;
}

/** The one live machine and volume are the agent's, and its record says running. */
async function expectRunningAlone(h: Harness, machineDocId: string) {
  const agent = await agentOf(h, machineDocId);
  const live = h.fly.state.liveResources(h.app);
  expect(agent.status).toBe("running");
  expect(live.machines.map((m) => m.id)).toEqual([agent.machineId]);
  expect(live.volumes.map((v) => v.id)).toEqual([agent.flyVolumeId]);
  expect(live.machines[0].state).toBe("started");
}

const SCENARIOS: Record<string, Scenario> = {
  provision: {
    setup: async () => ({}),
    run: (h) => h.t.action(api.lib.provisionAgentMachine, h.provisionArgs()),
    verify: async (h, _s, result) => expectRunningAlone(h, (result as { machineDocId: string }).machineDocId),
  },
  stop: {
    setup: provisioned,
    run: (h, s) => h.t.action(api.lib.stopAgentMachine, target(h, s.machineDocId!)),
    verify: async (h, s) => {
      expect((await agentOf(h, s.machineDocId!)).status).toBe("stopped");
      expect(h.fly.state.machine(h.app, s.machineId!)?.state).toBe("stopped");
    },
  },
  start: {
    setup: async (h) => {
      const s = await provisioned(h);
      await h.t.action(api.lib.stopAgentMachine, target(h, s.machineDocId!));
      return s;
    },
    run: (h, s) => h.t.action(api.lib.startAgentMachine, target(h, s.machineDocId!)),
    verify: async (h, s) => expectRunningAlone(h, s.machineDocId!),
  },
  restart: {
    setup: provisioned,
    run: (h, s) => h.t.action(api.lib.restartAgentMachine, target(h, s.machineDocId!)),
    verify: async (h, s) => expectRunningAlone(h, s.machineDocId!),
  },
  deprovision: {
    setup: provisioned,
    run: (h, s) => h.t.action(api.lib.deprovisionAgentMachine, target(h, s.machineDocId!)),
    verify: async (h, s) => {
      expect((await agentOf(h, s.machineDocId!)).status).toBe("deleted");
      expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });
    },
  },
  snapshot: {
    setup: provisioned,
    run: (h, s) => h.t.action(api.lib.createAgentSnapshot, target(h, s.machineDocId!)),
    verify: async (h, s, result) => {
      const snapshot = result as { flyVolumeSnapshotId: string; status: string };
      expect(snapshot.status).toBe("created");
      expect(h.fly.state.snapshots(s.volumeId!).map((x) => x.id)).toContain(snapshot.flyVolumeSnapshotId);
      await expectRunningAlone(h, s.machineDocId!);
    },
  },
  recreate: {
    setup: async (h) => {
      const s = await provisioned(h);
      await h.t.action(api.lib.createAgentSnapshot, target(h, s.machineDocId!));
      return s;
    },
    run: (h) => h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs()),
    verify: async (h, s, result) => {
      await expectRunningAlone(h, (result as { machineDocId: string }).machineDocId);
      expect((await agentOf(h, s.machineDocId!)).status).toBe("deleted");
    },
  },
  pairing: {
    setup: async (h) => {
      const s = await provisioned(h);
      return { ...s, code: h.fly.state.issuePairingCode(h.app, s.machineId!) };
    },
    run: (h, s) =>
      h.t.action(api.lib.approveTelegramPairing, { ...target(h, s.machineDocId!), telegramPairingCode: s.code! }),
    verify: async (h, s) => {
      expect(h.fly.state.agentState(s.volumeId!)?.approvedPairings.map((p) => p.code)).toContain(s.code);
      await expectRunningAlone(h, s.machineDocId!);
    },
  },
};

const FAULTS: Record<string, Pick<FaultRule, "action" | "when">> = {
  "500": { when: "after", action: { status: 500, body: { error: "internal: injected" } } },
  "429": { when: "before", action: { status: 429, body: { error: "rate limit exceeded" } } },
  "408": { when: "after", action: { status: 408, body: { error: "deadline_exceeded: injected" } } },
  drop: { when: "after", action: { drop: true } },
};

/** The Fly calls an operation makes when nothing fails: (operationId, occurrence), polls once. */
async function discoverCalls(scenario: Scenario): Promise<Array<[string, number]>> {
  const h = await setupHarness(FAST);
  try {
    const s = await scenario.setup(h);
    h.fly.state.resetRequests();
    await scenario.run(h, s);
    const seen = new Map<string, number>();
    const calls: Array<[string, number]> = [];
    for (const request of h.fly.state.requests()) {
      if (!request.operationId) continue;
      const nth = (seen.get(request.operationId) ?? 0) + 1;
      seen.set(request.operationId, nth);
      const repeatable =
        request.operationId === "Machines_exec" ||
        request.operationId.endsWith("_create") ||
        request.operationId === "Machines_wait";
      if (nth === 1 || (repeatable && nth <= 3)) calls.push([request.operationId, nth]);
    }
    return calls;
  } finally {
    await h.close();
  }
}

const matrix: Array<[string, string, number]> = [];
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  for (const [operationId, nth] of await discoverCalls(scenario)) matrix.push([name, operationId, nth]);
}

describe.concurrent("fault matrix", () => {
  it("covers every operation", () => {
    expect(new Set(matrix.map(([name]) => name))).toEqual(new Set(Object.keys(SCENARIOS)));
    expect(matrix.length).toBeGreaterThan(30);
  });

  for (const [name, operationId, nth] of matrix) {
    for (const [kind, fault] of Object.entries(FAULTS)) {
      it(`${name}: ${kind} on ${operationId} #${nth}`, async () => {
        const h = await setupHarness(FAST);
        try {
          const scenario = SCENARIOS[name];
          const s = await scenario.setup(h);
          h.fly.faults.add({ operationId, nth, ...fault });
          const result = await scenario.run(h, s);
          expect(h.fly.faults.fired()).toHaveLength(1);
          await scenario.verify(h, s, result);
        } finally {
          await h.close();
        }
      });
    }
  }
});
