/**
 * The demo's world: a Fly emulator on 127.0.0.1 and the example app running in convex-test's
 * embedded runtime, with the component installed through the package's `/test` export.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import flyAgentsTest from "@okrlinkhub/fly-agents/test";
import type { FlyEmulatorOptions } from "@okrlinkhub/fly-agents/fly-emulator";
import { FLY_APP_NAME } from "../../convex/agents.js";
import { modules, startExampleApp } from "../../convex/app.setup.js";
import { preloadModules } from "../../src/testing/harness.js";

/** Machine boot and gateway start-up, shortened from Fly's real seconds so the demo is brisk. */
export const DEMO_TIMINGS: FlyEmulatorOptions = {
  bootTimeMs: 1_000,
  gatewayStartupMs: 2_000,
  snapshotTimeMs: 1_000,
  restoreTimeMs: 600,
  volumeCreateMs: 100,
  stopTimeMs: 300,
  detachLagMs: 400,
  pairingTimeMs: 300,
};

export type World = Awaited<ReturnType<typeof startWorld>>;

export async function startWorld(options: { timings?: FlyEmulatorOptions; faults: boolean; rateLimits: boolean }) {
  await preloadModules(modules, flyAgentsTest.modules);
  const app = await startExampleApp({
    ...DEMO_TIMINGS,
    ...options.timings,
    rateLimits: options.rateLimits,
    ...(options.faults
      ? { randomFaults: { seed: 20261125, rate: 0.15, kinds: ["500", "502", "503", "429", "408", "drop"] } }
      : {}),
  });
  await warmUpFetch();
  return { ...app, app: FLY_APP_NAME };
}

/**
 * Makes one request before any component runs. Node's fetch (undici) loads its parts on first use and reads
 * env vars as it does (NODE_V8_COVERAGE, UNDICI_NO_FG, JEST_WORKER_ID); inside a component's action, the test
 * runtime's deployment rules (src/testing/deployment.ts) would refuse those reads as unbound env vars. Under
 * vitest the edge runtime's fetch reads none, which is why only the demo needs this.
 */
async function warmUpFetch() {
  const server = createServer((_request, response) => response.writeHead(204).end());
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  try {
    const reply = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await reply.arrayBuffer();
  } finally {
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  }
}
