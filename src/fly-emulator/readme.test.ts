/** The README's emulator snippet, run as a test: `scripts/readme.test.ts` checks that the README shows this code. */
// README: emulator
import { expect, test } from "vitest";
import { startFlyEmulator } from "@okrlinkhub/fly-agents/fly-emulator";

test("the emulator starts, fails calls on cue, and shows what is left on Fly", async () => {
  const fly = await startFlyEmulator({
    apps: ["my-agents"],
    bootTimeMs: 200,
    gatewayStartupMs: 500,
    rateLimits: true,
  });
  // The next machine create fails with a 503; the one after succeeds on Fly but its answer is lost.
  fly.faults.add({ operationId: "Machines_create", action: { status: 503, body: { error: "unavailable" } } });
  fly.faults.add({ operationId: "Machines_create", nth: 2, when: "after", action: { drop: true } });

  // Your app would call it at fly.url with fly.token (FLY_API_BASE_URL, FLY_API_TOKEN); here, fetch does.
  const create = () =>
    fetch(`${fly.url}/apps/my-agents/machines`, {
      method: "POST",
      headers: { Authorization: `Bearer ${fly.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ config: { image: "registry.fly.io/openclaw-agent:2026.1" } }),
    });
  expect((await create()).status).toBe(503);
  await expect(create()).rejects.toThrow(); // the connection drops, yet the machine exists

  const { machines, volumes } = fly.state.liveResources("my-agents");
  expect(machines).toHaveLength(1);
  expect(volumes).toHaveLength(0);
  expect(fly.state.callCounts().Machines_create).toBe(2);
  expect(fly.faults.fired().map((fault) => fault.when)).toEqual(["before", "after"]);
  await fly.close();
});
// README: end
