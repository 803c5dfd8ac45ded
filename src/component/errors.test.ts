/**
 * Every error a caller can see is a ConvexError with a kind: a plain Error reaches a production
 * client as "Server Error" (CONVEX_NOTES.md 6). Unexpected ones are `internal`, say where they
 * happened, and carry no secret.
 */
import { afterEach, describe, expect, it } from "vitest";
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { ConvexError, v } from "convex/values";
import { api } from "./_generated/api.js";
import { errorMessage, isFlyAgentsError, isWriteConflict } from "./errors.js";
import { networkErrorText } from "./fly/http.js";
import { mutation } from "./functions.js";
import { REDACTED } from "./redaction.js";
import { SECRETS, setupHarness, type Harness } from "../testing/harness.js";
import { writeConflictError, type FunctionFault } from "../testing/functionFaults.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** What `promise` rejected with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** `functionPath` failing once, on its `call`th run, with a plain Error whose text holds `secret`. */
function failsOnce(functionPath: string, call: number, secret: () => string): FunctionFault {
  return {
    functionPath,
    fail: (n) => (n === call ? new Error(`the disk caught fire while holding ${secret()}`) : undefined),
  };
}

describe("an unexpected failure inside an operation", () => {
  it("reaches the caller as `internal`, with the operation's kind, id and agent, redacted; the agent is cleaned up", async () => {
    h = await setupHarness({}, [failsOnce("agents:updateAgent", 1, () => SECRETS.llmApiKey)]);
    const harness = h;
    const error = await rejection(harness.t.action(api.lib.provisionAgentMachine, harness.provisionArgs()));
    expect(isFlyAgentsError(error, "internal")).toBe(true);
    if (!isFlyAgentsError(error)) throw new Error("unreachable");
    expect(error.data).toMatchObject({ operation: "provision", operationId: expect.any(String) });
    expect(error.data.message).toMatch(/^provision of agent \S+ failed unexpectedly \(operation [\w-]+\): the disk/);
    expect(error.data.message).toContain(REDACTED);
    expect(JSON.stringify(error.data)).not.toContain(SECRETS.llmApiKey);

    const agent = await harness.t.query(api.lib.getAgentMachine, { machineDocId: error.data.machineDocId ?? "" });
    expect(agent).toMatchObject({ status: "error", resourcesCleanedUp: true });
    expect(harness.fly.state.liveResources(harness.app)).toEqual({ machines: [], volumes: [] });
  });
});

describe("an unexpected failure outside any operation", () => {
  it("reaches the caller of an action as `internal`, naming the agent, with the call's Fly token redacted", async () => {
    h = await setupHarness();
    const harness = h;
    const agent = await harness.t.action(api.lib.provisionAgentMachine, harness.provisionArgs());
    await harness.close();
    // Before any operation begins, reading the agent fails.
    h = await setupHarness({}, [failsOnce("agents:getAgent", 1, () => h?.fly.token ?? "")]);
    const error = await rejection(
      h.t.action(api.lib.stopAgentMachine, { machineDocId: agent.machineDocId, ...h.target }),
    );
    expect(isFlyAgentsError(error, "internal")).toBe(true);
    expect(errorMessage(error)).toMatch(
      new RegExp(`^A call to a fly-agents action of agent ${agent.machineDocId} failed unexpectedly: .*\\[redacted\\]`),
    );
    expect(errorMessage(error)).not.toContain(h.fly.token);
  });

  it("reaches the caller of a mutation as `internal`, naming the tenant, with its secret arguments redacted", async () => {
    const boom = mutation({
      args: { tenantId: v.string(), llmApiKey: v.string() },
      returns: v.null(),
      handler: async (_ctx, args) => {
        throw new Error(`cannot store ${args.llmApiKey}`);
      },
    });
    const t = convexTest(undefined, {
      "./probe/_generated/api.js": async () => ({}),
      "./probe/calls.ts": async () => ({ boom }),
    });
    const error = await rejection(
      t.mutation(makeFunctionReference<"mutation">("calls:boom"), { tenantId: "acme", llmApiKey: SECRETS.llmApiKey }),
    );
    expect(error).toBeInstanceOf(ConvexError);
    expect(isFlyAgentsError(error, "internal")).toBe(true);
    expect(errorMessage(error)).toBe(
      `A call to a fly-agents mutation for tenant "acme" failed unexpectedly: cannot store ${REDACTED}`,
    );
  });

  it("leaves the component's own errors as they are", async () => {
    h = await setupHarness();
    const error = await rejection(h.t.mutation(api.lib.touchAgentActivity, { machineDocId: "nope" }));
    expect(isFlyAgentsError(error, "not_found")).toBe(true);
  });
});

describe("recognising failures", () => {
  it("calls an aborted fetch a timeout in both spellings: Node's TimeoutError and Convex's AbortError", () => {
    expect(networkErrorText(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBe(
      "request timed out",
    );
    expect(networkErrorText(new DOMException("The signal has been aborted", "AbortError"))).toBe("request timed out");
    expect(networkErrorText(new TypeError("fetch failed"))).toBe("fetch failed");
  });

  it("tells a write conflict the backend gave up on from other failures", () => {
    expect(isWriteConflict(writeConflictError("rateLimits"))).toBe(true);
    expect(isWriteConflict(new Error("Uncaught Error: OptimisticConcurrencyControlFailure"))).toBe(true);
    expect(isWriteConflict(new Error("rate limiter broken"))).toBe(false);
    expect(isWriteConflict(new ConvexError({ kind: "RateLimited" }))).toBe(false);
  });
});
