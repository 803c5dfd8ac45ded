/**
 * B3: 100 agents provisioned at once in one Fly app, with Fly's rate limits on in the
 * emulator. The floor is what Fly's limits alone impose: each per-app call (volume create,
 * machine create) allows a burst of 3 then one per second, so the last agent's create cannot
 * happen before (N - 3) s, and it then needs B + G to come up.
 */
import { api } from "../src/component/_generated/api.js";
import { setupHarness } from "../src/testing/harness.js";
import type { Section } from "./report.js";
import { BOOT_MS, GATEWAY_MS } from "./timings.js";

const BURST = 3;
const PER_SECOND = 1;
const B3_TARGET = 1.2;

export async function fleet(agents: number): Promise<Section> {
  const h = await setupHarness({ bootTimeMs: BOOT_MS, gatewayStartupMs: GATEWAY_MS, rateLimits: true });
  try {
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: agents }, (_, i) =>
        h.t.action(api.lib.provisionAgentMachine, h.provisionArgs({ userId: `fleet-${i}`, startupTimeoutSec: 120 })),
      ),
    );
    const totalMs = performance.now() - started;
    const up = results.filter((result) => result.status === "fulfilled").length;
    const failures = results.flatMap((result) =>
      result.status === "rejected" ? [String(result.reason).slice(0, 200)] : [],
    );
    const requests = h.fly.state.requests();
    const refused = requests.filter((request) => request.status === 429);
    const rateLimited = refused.length;
    const floorMs = (Math.max(0, agents - BURST) / PER_SECOND) * 1000 + BOOT_MS + GATEWAY_MS;
    const ratio = totalMs / floorMs;
    const live = h.fly.state.liveResources(h.app);
    return {
      id: "B3",
      title: `fleet: ${agents} agents at once, one app, Fly rate limits on (B = ${BOOT_MS} ms, G = ${GATEWAY_MS} ms)`,
      figures: [
        { name: "agents running", value: `${up}/${agents}`, target: `${agents}/${agents}`, ok: up === agents },
        { name: "total wall time", value: `${(totalMs / 1000).toFixed(1)} s` },
        {
          name: "rate-limit floor",
          value: `${(floorMs / 1000).toFixed(1)} s`,
          note: `(${agents} - ${BURST}) s + B + G`,
        },
        { name: "total / floor", value: ratio.toFixed(3), target: `≤ ${B3_TARGET}`, ok: ratio <= B3_TARGET },
        {
          name: "429s received",
          value: String(rateLimited),
          note: [...new Set(refused.map((request) => request.operationId))].join(", "),
        },
        { name: "Fly requests", value: String(requests.length) },
        {
          name: "live machines / volumes",
          value: `${live.machines.length} / ${live.volumes.length}`,
          target: `${agents} / ${agents}`,
          ok: live.machines.length === agents && live.volumes.length === agents,
        },
      ],
      details: { totalMs, floorMs, ratio, up, rateLimited, failures: failures.slice(0, 5) },
    };
  } finally {
    await h.close();
  }
}
