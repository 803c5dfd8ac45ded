/**
 * Helpers for tests that make two operations meet: one is held at a Fly request (the emulator's
 * holds) while the other runs, then let go.
 */
import { api } from "../component/_generated/api.js";
import type { HoldRule } from "../fly-emulator/index.js";
import type { Harness } from "./harness.js";

/** What an operation ended with: its value, or what it threw. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Starts `run` held at the request `rule` names; resolves once it is held there.
 * Throws if `run` ends before it reaches the hold (the test's meeting point never happened).
 * @returns `release()`: lets the held request go on and waits for the operation to end.
 */
export async function heldAt<T>(h: Harness, rule: HoldRule, run: () => Promise<T>) {
  const hold = h.fly.holds.add(rule);
  const settled: Promise<Settled<T>> = run().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const first = await Promise.race([hold.reached().then(() => "held"), settled.then(() => "ended")]);
  if (first === "ended") throw new Error(`ended before reaching the hold: ${JSON.stringify(await settled)}`);
  return {
    /** Lets the held request go on and waits for the operation to end. */
    release: async () => {
      hold.release();
      return await settled;
    },
  };
}

/** The agent's record, which must exist. */
export async function agentRecordOf(h: Harness, machineDocId: string) {
  const agent = await h.t.query(api.lib.getAgentMachine, { machineDocId });
  if (!agent) throw new Error(`agent ${machineDocId} vanished`);
  return agent;
}
