/**
 * Fly answering what its contract does not allow: a 200 whose body is not JSON, or JSON of
 * another shape, after Fly did the work (the create happened, its answer is garbage). A
 * provisioning then ends running, or cleaned up with its record saying so; Fly keeps nothing no
 * record owns, no agent stays held, and no secret shows in the error or the record.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "./_generated/api.js";
import { QUICK_FLY, SECRETS, setupHarness, type Harness } from "../testing/harness.js";
import { fleetProblems } from "../testing/fleetCheck.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness(QUICK_FLY);
});
afterEach(async () => {
  await h.close();
});

const GARBAGE: Array<[string, string, unknown]> = [
  ["Volumes_create", "a body that is not JSON", "<html>502 bad gateway</html>"],
  ["Machines_create", "a body that is not JSON", "<html>502 bad gateway</html>"],
  ["Machines_create", "JSON of another shape", { ok: true }],
  ["Machines_wait", "JSON of another shape", { state: 42 }],
  ["Machines_exec", "a body that is not JSON", "{"],
];

for (const [operationId, what, body] of GARBAGE) {
  it(`${operationId} answered 200 with ${what}: running or cleaned up, nothing leaked, nothing held`, async () => {
    h.fly.faults.add({ operationId, when: "after", action: { status: 200, body } });
    let failure: unknown;
    try {
      await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    } catch (error) {
      failure = error;
    }
    expect(h.fly.faults.fired()).toHaveLength(1);
    const [agent] = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" });
    if (failure === undefined) {
      expect(agent).toMatchObject({ status: "running" });
    } else {
      expect(failure).toBeInstanceOf(ConvexError);
      expect((failure as ConvexError<{ kind: string }>).data.kind).toBe("fly_api");
      expect(agent).toMatchObject({ status: "error", resourcesCleanedUp: true });
      expect(agent.lastError).toMatch(new RegExp(operationId));
    }
    expect(agent.operation).toBeUndefined();
    expect(await fleetProblems(h)).toEqual([]);
    const text = JSON.stringify([agent, failure instanceof ConvexError ? failure.data : String(failure)]);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });
}
