import { describe, expect, it } from "vitest";
import { parseArgs, runDemo } from "./demo.js";

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
  });

  it("runs a two-agent session through injected Fly failures and leaves nothing on Fly", async () => {
    const result = await runDemo({ agents: 2, faults: true, rateLimits: true, timings: FAST, quiet: true });
    expect(result.failure).toBeUndefined();
    expect(result.steps.filter((step) => !step.ok)).toEqual([]);
    expect(result.steps.map((step) => step.name)).toContain("state intact after restore");
    expect(result.fired.length).toBeGreaterThan(0);
    expect(result.live).toEqual({ machines: [], volumes: [] });
  }, 60_000);
});
