/**
 * Pacing under contention: what a deployment does to a hot rate-limit bucket (a reservation
 * that loses its write conflict on every retry), which convex-test never does on its own.
 */
import { afterEach, describe, expect, it } from "vitest";
import { api, internal } from "./_generated/api.js";
import { APP_BUCKET_SHARDS, RESERVE_ATTEMPTS } from "./pacing.js";
import { setupHarness, type Harness } from "../testing/harness.js";
import { writeConflictError, type FunctionFault } from "../testing/functionFaults.js";

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** reserveFlyCall failing on the calls `fails` picks, as a write conflict; counts them. */
function conflicting(fails: (call: number) => boolean) {
  const seen = { calls: 0, conflicts: 0 };
  const fault: FunctionFault = {
    functionPath: "pacing:reserveFlyCall",
    fail: (call) => {
      seen.calls = call;
      if (!fails(call)) return undefined;
      seen.conflicts++;
      return writeConflictError("rateLimits");
    },
  };
  return { fault, seen };
}

async function expectRunningAlone(machineDocId: string) {
  const agent = await h.t.query(api.lib.getAgentMachine, { machineDocId });
  expect(agent).toMatchObject({ status: "running", gatewayHealthy: true });
  expect(h.fly.state.liveResources(h.app).machines.map((machine) => machine.id)).toEqual([agent?.machineId]);
}

describe("a reservation that loses a write conflict", () => {
  it("is tried again, and the provisioning succeeds, paced", async () => {
    // Every reservation loses its first RESERVE_ATTEMPTS - 1 tries.
    const { fault, seen } = conflicting((call) => call % RESERVE_ATTEMPTS !== 0);
    h = await setupHarness({ rateLimits: true }, [fault]);
    const result = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    await expectRunningAlone(result.machineDocId);
    expect(seen.conflicts).toBeGreaterThan(10);
    expect(seen.conflicts).toBe(seen.calls - Math.floor(seen.calls / RESERVE_ATTEMPTS));
  });

  it("lets the call go out unpaced once its tries are spent, and the provisioning still succeeds", async () => {
    const { fault, seen } = conflicting(() => true);
    h = await setupHarness({ rateLimits: true }, [fault]);
    const result = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    await expectRunningAlone(result.machineDocId);
    // Each Fly call tried RESERVE_ATTEMPTS times, then went out anyway.
    const flyCalls = h.fly.state.requests().length;
    expect(seen.calls).toBe(flyCalls * RESERVE_ATTEMPTS);
  });

  it("is told apart from any other failure of the rate limiter, which fails the operation", async () => {
    const fault: FunctionFault = {
      functionPath: "pacing:reserveFlyCall",
      fail: () => new Error("rate limiter broken"),
    };
    h = await setupHarness({}, [fault]);
    await expect(h.t.action(api.lib.provisionAgentMachine, h.provisionArgs())).rejects.toThrow(/rate limiter broken/);
    expect(h.fly.state.requests()).toHaveLength(0);
  });
});

describe("app-scoped buckets", () => {
  it(`are spread over ${APP_BUCKET_SHARDS} shards that together keep Fly's burst of 3`, async () => {
    h = await setupHarness();
    const reserve = () =>
      h.t.mutation(internal.pacing.reserveFlyCall, {
        operationId: "Machines_create",
        key: `${h.app}/Machines_create/${h.app}`,
        appScoped: true,
      });
    const started = Date.now();
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push(await reserve());
    const elapsed = Date.now() - started;
    // Never more than Fly allows: by any slot's time, at most 3 calls plus one a second since the
    // first. (Sharding may make a call wait where one shard had room: never the other way.)
    const slots = waits.sort((a, b) => a - b);
    expect(slots[0]).toBe(0);
    slots.forEach((waitMs, i) => expect(i + 1).toBeLessThanOrEqual(3 + Math.floor((waitMs + elapsed) / 1000)));
    // runInComponent is convex-test's (untyped) way into a child component's tables.
    const inRateLimiter = h.t as unknown as {
      runInComponent: <T>(
        path: string,
        run: (ctx: { db: { query: (table: string) => { collect(): Promise<T> } } }) => Promise<T>,
      ) => Promise<T>;
    };
    const rows = await inRateLimiter.runInComponent<Array<{ name: string; shard: number }>>(
      "rateLimiter",
      async (ctx) => await ctx.db.query("rateLimits").collect(),
    );
    const shards = new Set(rows.filter((row) => row.name === "flyAppCall").map((row) => row.shard));
    expect(shards.size).toBeGreaterThan(1);
  });
});
