import { describe, expect, it } from "vitest";
import type { RequestLogEntry } from "@okrlinkhub/fly-agents/fly-emulator";
import { parseArgs, runDemo } from "./demo.js";
import { explainErrors } from "./demo/explain.js";

const FAST = {
  bootTimeMs: 30,
  gatewayStartupMs: 60,
  snapshotTimeMs: 60,
  restoreTimeMs: 40,
  volumeCreateMs: 10,
  stopTimeMs: 20,
  detachLagMs: 30,
  pairingTimeMs: 20,
};

describe("npm run demo", () => {
  it("parses its options and refuses unknown ones", () => {
    expect(parseArgs(["--agents", "3", "--faults"])).toMatchObject({ agents: 3, faults: true });
    expect(() => parseArgs(["--agents", "0"])).toThrow(/--agents takes/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown option --fast/);
    expect(parseArgs(["--dashboard", "--port", "4300"])).toMatchObject({ dashboard: true, port: 4300 });
    expect(() => parseArgs(["--dashboard", "--port", "http"])).toThrow(/--port takes a port/);
  });

  it("runs a two-agent session through injected Fly failures and leaves nothing on Fly", async () => {
    const result = await runDemo({ agents: 2, faults: true, rateLimits: true, timings: FAST, quiet: true });
    expect(result.failure).toBeUndefined();
    expect(result.steps.filter((step) => !step.ok)).toEqual([]);
    expect(result.steps.map((step) => step.name)).toContain("state intact after restore");
    expect(result.fired.length).toBeGreaterThan(0);
    expect(result.live).toEqual({ machines: [], volumes: [] });
    const deleteErrors = result.requests.filter(
      (request) => request.operationId === "Volume_delete" && request.status === 400 && request.fault === null,
    );
    if (deleteErrors.length > 0) expect(explainErrors(result.requests).join("\n")).toContain("detach lag");
  }, 60_000);
});

describe("the demo's summary", () => {
  const request = (operationId: string, status: number | null, injected = false): RequestLogEntry => ({
    seq: 1,
    method: "DELETE",
    path: "/v1/apps/a/volumes/vol_1",
    query: "",
    operationId,
    status,
    handledStatus: status,
    requestId: "r",
    fault: injected
      ? {
          ruleId: "random",
          requestSeq: 1,
          method: "DELETE",
          path: "/",
          operationId,
          when: "before",
          action: { drop: true },
        }
      : null,
    at: new Date(0).toISOString(),
    durationMs: 1,
  });

  it("says why Fly refused to delete volumes (the detach lag), and counts injected failures apart", () => {
    const lines = explainErrors([
      request("Volume_delete", 200),
      request("Volume_delete", 400),
      request("Volume_delete", 400),
      request("Machines_create", 429),
      request("Machines_create", null, true),
      request("Machines_show", 500),
    ]);
    expect(lines).toEqual([
      expect.stringMatching(/^Volume_delete 400 ×2: .*detach lag.*deletes it again\.$/),
      expect.stringMatching(/^Machines_create 429 ×1: Fly's rate limits/),
      expect.stringMatching(/^Machines_show 500 ×1: not one Fly is known to give here/),
      "1 failure(s) injected on purpose by --faults; the component recovered from each.",
    ]);
    expect(explainErrors([request("Volume_delete", 200)])).toEqual([]);
  });
});
