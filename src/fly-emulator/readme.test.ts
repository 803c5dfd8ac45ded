/** The README's emulator section, run: start it, drive it, inject faults. */
import { describe, expect, it } from "vitest";
import { startFlyEmulator } from "./index.js";

describe("the README's emulator example", () => {
  it("starts, injects faults and shows what is left", async () => {
    // README: emulator
    const fly = await startFlyEmulator({
      apps: ["my-agents"],
      bootTimeMs: 200,
      gatewayStartupMs: 500,
      rateLimits: true,
    });
    // The next machine create fails with a 503; the one after succeeds on Fly but its answer is lost.
    fly.faults.add({ operationId: "Machines_create", action: { status: 503, body: { error: "unavailable" } } });
    fly.faults.add({ operationId: "Machines_create", nth: 2, when: "after", action: { drop: true } });
    // Point your app at fly.url with fly.token (FLY_API_BASE_URL, FLY_API_TOKEN), run it, then look at Fly's side.
    // README: end
    const create = () =>
      fetch(`${fly.url}/apps/my-agents/machines`, {
        method: "POST",
        headers: { Authorization: `Bearer ${fly.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ config: { image: "openclaw" } }),
      });
    expect((await create()).status).toBe(503);
    await expect(create()).rejects.toThrow();
    // README: emulatorState
    const { machines, volumes } = fly.state.liveResources("my-agents");
    const calls = fly.state.callCounts(); // e.g. { Machines_create: 2 }
    const fired = fly.faults.fired(); // what was injected, in order
    await fly.close();
    // README: end
    expect(machines).toHaveLength(1);
    expect(volumes).toHaveLength(0);
    expect(calls.Machines_create).toBe(2);
    expect(fired.map((hit) => hit.when)).toEqual(["before", "after"]);
  });
});
