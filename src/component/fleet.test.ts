import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { canTransition } from "./agents.js";
import { setupHarness, type Harness } from "../testing/harness.js";

describe("a fleet against Fly's rate limits", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await setupHarness({ rateLimits: true, bootTimeMs: 50, gatewayStartupMs: 50 });
  });
  afterEach(async () => {
    await h.close();
  });

  it("brings every agent up, pacing creates to Fly's 1/s after a burst of 3", async () => {
    const agents = 6;
    const results = await Promise.all(
      Array.from({ length: agents }, (_, i) =>
        h.t.action(api.lib.provisionAgentMachine, h.provisionArgs({ userId: `u${i}` })),
      ),
    );
    expect(new Set(results.map((result) => result.machineId)).size).toBe(agents);
    expect(h.fly.state.liveResources(h.app).machines).toHaveLength(agents);
    // One successful create per agent: a create Fly refused with 429 was not processed, so it is repeated.
    const creates = h.fly.state
      .requests()
      .filter((request) => request.operationId === "Machines_create" && request.status === 200);
    expect(creates).toHaveLength(agents);
    // Paced, not hammered: unpaced, six simultaneous creates draw at least three 429s at once.
    // A paced call can still land a few ms before Fly's refill when the machine is busy.
    expect(h.fly.state.requests().filter((request) => request.status === 429).length).toBeLessThanOrEqual(2);
  }, 30_000);
});

describe("status transitions", () => {
  it("only move in directions that make sense", () => {
    expect(canTransition("provisioning", "running")).toBe(true);
    expect(canTransition("running", "stopped")).toBe(true);
    expect(canTransition("stopped", "running")).toBe(true);
    expect(canTransition("error", "deleted")).toBe(true);
    expect(canTransition("deleted", "running")).toBe(false);
    expect(canTransition("deleted", "provisioning")).toBe(false);
    expect(canTransition("running", "provisioning")).toBe(false);
    expect(canTransition("stopped", "provisioning")).toBe(false);
  });
});
