/**
 * A wait's deadline holds for the Fly calls inside it. The client's own `retryUntil` is the
 * operation's deadline, cleanup included; a wait must end by its own, earlier one (lifetime.ts:
 * the waits end CLEANUP_RESERVE_MS before the deadline so that a cleanup has that time). Fly
 * answering the wait's calls with 5xx, or with 429 and a long Retry-After, must not let their
 * retries run past the wait's deadline into the time kept for cleanup.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { startFlyEmulator, type FlyEmulator } from "../../fly-emulator/index.js";
import { waitForOpenclaw } from "../openclaw.js";
import { waitForMachineState, waitForVolumeReady } from "../resources.js";
import { FlyClient } from "./client.js";

let fly: FlyEmulator;
const APP = "fly-agents-test";
/** The wait's own budget; the operation's deadline is a minute away. */
const WAIT_MS = 1_000;
/** What a wait may overrun its deadline by: one answer in flight, on a loaded machine. */
const SLACK_MS = 700;

function client() {
  return new FlyClient({
    apiToken: fly.token,
    appName: APP,
    baseUrl: fly.url,
    retryUntil: () => Date.now() + 60_000,
    // The longest backoff each time: 200 + 400 + 800 + 1,600 ms over five attempts.
    random: () => 1,
  });
}

async function startedMachine(c: FlyClient): Promise<string> {
  const machine = await c.createMachine({
    name: "fa-deadline",
    region: "iad",
    config: { image: "img", env: { OPENCLAW_GATEWAY_TOKEN: "t", LLM_MODEL: "a/b" }, metadata: { fly_agents_key: "k" } },
  });
  await waitForMachineState(c, machine.id, "started", Date.now() + 10_000);
  return machine.id;
}

/** How long `wait` took to fail, in ms. */
async function failsAfter(wait: Promise<unknown>): Promise<number> {
  const began = Date.now();
  await expect(wait).rejects.toThrow();
  return Date.now() - began;
}

beforeEach(async () => {
  fly = await startFlyEmulator({ apps: [APP], bootTimeMs: 20, gatewayStartupMs: 20 });
});
afterEach(async () => {
  await fly.close();
});

it("a wait whose calls Fly answers 503 ends by the wait's deadline, not after every retry", async () => {
  const c = client();
  const machineId = await startedMachine(c);
  fly.faults.add({ operationId: "Machines_wait", times: 20, action: { status: 503, body: { error: "unavailable" } } });
  const took = await failsAfter(waitForMachineState(c, machineId, "stopped", Date.now() + WAIT_MS));
  expect(took).toBeLessThan(WAIT_MS + SLACK_MS);
});

it("a wait whose calls Fly refuses with 429 and Retry-After past the deadline ends by the deadline", async () => {
  const c = client();
  const machineId = await startedMachine(c);
  fly.faults.add({
    operationId: "Machines_wait",
    times: 20,
    action: { status: 429, body: { error: "rate limit exceeded" }, headers: { "Retry-After": "3" } },
  });
  const took = await failsAfter(waitForMachineState(c, machineId, "stopped", Date.now() + WAIT_MS));
  expect(took).toBeLessThan(WAIT_MS + SLACK_MS);
});

it("a wait for a volume whose reads Fly answers 503 ends by the wait's deadline", async () => {
  await fly.close();
  fly = await startFlyEmulator({ apps: [APP], volumeCreateMs: 60_000 });
  const c = client();
  const volume = await c.createVolume({ name: "fa_deadline", region: "iad", sizeGb: 1 });
  fly.faults.add({
    operationId: "Volumes_get_by_id",
    times: 20,
    action: { status: 503, body: { error: "unavailable" } },
  });
  const took = await failsAfter(waitForVolumeReady(c, volume, Date.now() + WAIT_MS));
  expect(took).toBeLessThan(WAIT_MS + SLACK_MS);
});

it("a wait for OpenClaw whose exec calls Fly answers 503 ends by the wait's deadline", async () => {
  const c = client();
  const machineId = await startedMachine(c);
  fly.faults.add({ operationId: "Machines_exec", times: 20, action: { status: 503, body: { error: "unavailable" } } });
  const took = await failsAfter(waitForOpenclaw(c, machineId, Date.now() + WAIT_MS));
  expect(took).toBeLessThan(WAIT_MS + SLACK_MS);
});
