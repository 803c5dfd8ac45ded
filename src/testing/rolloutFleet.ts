/**
 * Helpers for rollout tests and benchmarks: a fleet of agents, waiting for a rollout to end
 * (its steps run on real timers: see rollout.test.ts), and the checks every rollout test ends
 * with: each agent runs the image its record says with its model verified, and Fly holds nothing
 * that no record owns.
 */
import { expect } from "vitest";
import { api } from "../component/_generated/api.js";
import type { Harness } from "./harness.js";

export const IMAGE_V1 = "ghcr.io/openclaw/openclaw:2026.1.0";
export const IMAGE_V2 = "ghcr.io/openclaw/openclaw:2026.2.0";

/** Provisions `count` agents for `tenantId` (users u1…uN) on `image`, one after the other. */
export async function provisionFleet(
  h: Harness,
  count: number,
  options: { tenantId?: string; image?: string; userPrefix?: string } = {},
) {
  const agents = [];
  for (let i = 1; i <= count; i++) {
    agents.push(
      await h.t.action(
        api.lib.provisionAgentMachine,
        h.provisionArgs({
          tenantId: options.tenantId ?? "tenant-a",
          userId: `${options.userPrefix ?? "u"}${i}`,
          image: options.image ?? IMAGE_V1,
        }),
      ),
    );
  }
  return agents;
}

const FINAL = new Set(["completed", "cancelled", "stopped"]);

/** `upgradeAgentImages`' arguments for tenant-a's agents in `h`'s app, moving them to IMAGE_V2. */
export function rolloutArgs(h: Harness, overrides: Record<string, unknown> = {}) {
  return {
    tenantId: "tenant-a",
    flyAppName: h.app,
    flyApiToken: h.fly.token,
    flyApiBaseUrl: h.fly.url,
    image: IMAGE_V2,
    ...overrides,
  };
}

/** Polls the rollout until it has ended, then lets the last callbacks finish. Returns it. */
export async function waitForRollout(h: Harness, rolloutId: string, timeoutMs = 60_000) {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const rollout = await h.t.query(api.lib.getImageRollout, { rolloutId });
    if (rollout && FINAL.has(rollout.status)) {
      await h.t.finishInProgressScheduledFunctions();
      return rollout;
    }
    if (Date.now() > giveUpAt) throw new Error(`Rollout still ${rollout?.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls `read` until `done` holds. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000) {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > giveUpAt) throw new Error(`Condition not met after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The checks after every rollout test:
 * - every agent not deleted runs, on Fly, the image its record says (and its digest);
 * - a running agent's model is verified: OpenClaw's persisted model is the record's, and the
 *   record's effectiveModel says the same;
 * - no agent is still held by an operation;
 * - every live machine and volume on Fly is owned by a record (an agent, or a rollout row that
 *   keeps a retired volume).
 */
export async function expectFleetTruthful(h: Harness, tenantIds: string[] = ["tenant-a"]) {
  const owned = new Set<string>();
  for (const tenantId of tenantIds) {
    const agents = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId, limit: 500 });
    for (const agent of agents) {
      if (agent.status === "deleted") continue;
      expect(agent.operation, `agent ${agent.userId} is still held`).toBeUndefined();
      expect(agent.machineId && agent.flyVolumeId).toBeTruthy();
      owned.add(agent.machineId ?? "");
      owned.add(agent.flyVolumeId ?? "");
      const machine = h.fly.state.machine(h.app, agent.machineId ?? "");
      expect(machine?.config?.image, `agent ${agent.userId}`).toBe(agent.image);
      if (agent.imageDigest !== undefined) expect(machine?.image_ref?.digest).toBe(agent.imageDigest);
      if (agent.status === "running") {
        expect(machine?.state).toBe("started");
        expect(h.fly.state.gateway(h.app, agent.machineId ?? "")?.ready).toBe(true);
        expect(h.fly.state.agentState(agent.flyVolumeId ?? "")?.model).toBe(agent.llmModel);
        expect(agent.effectiveModel).toBe(agent.llmModel);
      } else {
        expect(agent.status).toBe("stopped");
        expect(machine?.state).toBe("stopped");
      }
    }
    for (const rollout of await h.t.query(api.lib.listImageRollouts, { tenantId })) {
      const detail = await h.t.query(api.lib.getImageRollout, { rolloutId: rollout._id });
      for (const row of detail?.agents ?? []) {
        for (const id of [row.retiredMachineId, row.retiredVolumeId, row.restoredVolumeId]) if (id) owned.add(id);
      }
    }
  }
  const live = h.fly.state.liveResources(h.app);
  const unowned = [...live.machines.map((m) => m.id), ...live.volumes.map((volume) => volume.id)].filter(
    (id) => !owned.has(id),
  );
  expect(unowned, "Fly resources no record owns").toEqual([]);
}

/** Fly requests that touched one machine or volume (by id in the path), as the emulator logged them. */
export function requestsFor(h: Harness, ...ids: string[]) {
  return h.fly.state.requests().filter((request) => ids.some((id) => request.path.includes(`/${id}`)));
}
