import { afterEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { isFlyAgentsError } from "./errors.js";
import {
  ACTION_LIFETIME_MS,
  ACTION_MARGIN_MS,
  actionLifetimeMs,
  CLEANUP_RESERVE_MS,
  operationClock,
  TEN_MINUTE_ACTION_LIFETIME_MS,
  WAIT_BUDGETS_MS,
  waitDeadline,
  WORST_CASE_WAITS_MS,
} from "./lifetime.js";
import { REQUEST_TIMEOUT_MS } from "./fly/http.js";
import { setupHarness, type Harness } from "../testing/harness.js";
import type { OperationKind } from "./validators.js";

const START = Date.UTC(2026, 6, 1);
const KINDS = Object.keys(WORST_CASE_WAITS_MS) as OperationKind[];

const saved = process.env.ACTION_LIFETIME_MINUTES;
afterEach(() => {
  if (saved === undefined) delete process.env.ACTION_LIFETIME_MINUTES;
  else process.env.ACTION_LIFETIME_MINUTES = saved;
});

describe("the lifetime model", () => {
  it("fits every operation's worst-case waits, then the cleanup reserve, inside its deadline, inside the action's 30 minutes", () => {
    const clock = operationClock(START, ACTION_LIFETIME_MS);
    for (const kind of KINDS) {
      // The waits run one after another from the start; none is cut short by the clamp...
      const waitsEnd = waitDeadline(clock, WORST_CASE_WAITS_MS[kind], START);
      expect(waitsEnd, kind).toBe(START + WORST_CASE_WAITS_MS[kind]);
      // ...and the cleanup after them still ends by the deadline.
      expect(waitsEnd + CLEANUP_RESERVE_MS, kind).toBeLessThanOrEqual(clock.deadline);
    }
    // The longest is a rollout's restore phase with startupTimeoutSec: 600 (4 + 3 + 3 + 10 minutes of
    // waits); a provisioning's is 4 + 3 + 10.
    expect(WORST_CASE_WAITS_MS.provision).toBe(17 * 60_000);
    expect(Math.max(...KINDS.map((kind) => WORST_CASE_WAITS_MS[kind]))).toBe(20 * 60_000);
    // The deadline leaves the action its margin, and takeover waits until the action is surely over.
    expect(clock.deadline + ACTION_MARGIN_MS).toBeLessThanOrEqual(START + ACTION_LIFETIME_MS);
    expect(clock.ownedUntil).toBeGreaterThanOrEqual(START + ACTION_LIFETIME_MS);
  });

  it("keeps the cleanup reserve for the cleanup: the waits end that long before the deadline", () => {
    const clock = operationClock(START, ACTION_LIFETIME_MS);
    expect(clock.deadline - clock.waitsEndBy).toBe(CLEANUP_RESERVE_MS);
    // It covers a Fly call still in flight when the waits end, and a volume's detach lag after that.
    expect(CLEANUP_RESERVE_MS).toBeGreaterThan(REQUEST_TIMEOUT_MS + 60_000);
  });

  it("on a 10-minute backend, clamps every wait so that the operation still ends inside the action", () => {
    const clock = operationClock(START, TEN_MINUTE_ACTION_LIFETIME_MS);
    expect(clock.deadline).toBeLessThanOrEqual(START + TEN_MINUTE_ACTION_LIFETIME_MS - ACTION_MARGIN_MS);
    let now = START;
    for (const budget of [WAIT_BUDGETS_MS.volumeReady, WAIT_BUDGETS_MS.machineBoot, WAIT_BUDGETS_MS.gatewayStartup]) {
      now = waitDeadline(clock, budget, now);
      expect(now).toBeLessThanOrEqual(clock.waitsEndBy);
    }
    // The gateway's 10 minutes were cut to what was left.
    expect(now).toBe(clock.waitsEndBy);
    expect(clock.ownedUntil).toBe(START + TEN_MINUTE_ACTION_LIFETIME_MS);
  });

  it("reads ACTION_LIFETIME_MINUTES: unset is 30, 10 for a 10-minute backend, anything else is refused", () => {
    delete process.env.ACTION_LIFETIME_MINUTES;
    expect(actionLifetimeMs()).toBe(ACTION_LIFETIME_MS);
    process.env.ACTION_LIFETIME_MINUTES = "10";
    expect(actionLifetimeMs()).toBe(TEN_MINUTE_ACTION_LIFETIME_MS);
    for (const wrong of ["45", "5", "ten", "12.5"]) {
      process.env.ACTION_LIFETIME_MINUTES = wrong;
      let caught: unknown;
      try {
        actionLifetimeMs();
      } catch (error) {
        caught = error;
      }
      expect(isFlyAgentsError(caught, "invalid_argument"), wrong).toBe(true);
    }
  });
});

describe("takeover follows the same numbers", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  /** An agent whose provisioning began `agoMs` ago in an action that never came back. */
  async function interruptedProvisioning(agoMs: number, lifetimeMs: number) {
    const startedAt = Date.now() - agoMs;
    const clock = operationClock(startedAt, lifetimeMs);
    return await h.t.run(
      async (ctx) =>
        await ctx.db.insert("agentMachines", {
          tenantId: "tenant-a",
          userId: `u-${agoMs}`,
          agentKey: `k${agoMs}`,
          flyAppName: h.app,
          status: "provisioning",
          statusChangedAt: startedAt,
          step: "creating_volume",
          operation: { kind: "provision", id: `op-${agoMs}`, startedAt, deadline: clock.ownedUntil },
          region: "iad",
          memoryMB: 2048,
          image: "img",
          llmModel: "m",
          allowedSkills: [],
        }),
    );
  }

  for (const [name, minutes, lifetimeMs] of [
    ["the default runtime", undefined, ACTION_LIFETIME_MS],
    ["a 10-minute backend", "10", TEN_MINUTE_ACTION_LIFETIME_MS],
  ] as const) {
    it(`on ${name}, the sweep leaves an owner whose action may still run, and takes over once it cannot`, async () => {
      if (minutes === undefined) delete process.env.ACTION_LIFETIME_MINUTES;
      else process.env.ACTION_LIFETIME_MINUTES = minutes;
      h = await setupHarness();
      const running = await interruptedProvisioning(lifetimeMs - 60_000, lifetimeMs);
      const gone = await interruptedProvisioning(lifetimeMs + 1_000, lifetimeMs);
      const result = await h.t.action(api.lib.sweepAgentMachines, h.target);
      expect(result).toMatchObject({ repaired: 1, failures: [] });
      const status = async (id: string) => (await h.t.query(api.lib.getAgentMachine, { machineDocId: id }))?.status;
      expect(await status(running)).toBe("provisioning");
      expect(await status(gone)).toBe("error");
    });
  }
});
