/**
 * B7: an image rollout across a fleet in one Fly app, with Fly's rate limits on in the emulator.
 *
 * The floor of one wave is what its slowest agent must go through one after another: the
 * snapshot (S), the update (the old process stopping, U), the boot (B) and the gateway's start
 * (G). Fly's limits add to it: a wave's snapshot requests share the app's bucket (a burst of 3,
 * then 1 request/s), so the last of n starts (n - 3) s late. The rollout's floor is the sum over
 * its waves. Fly calls per agent count every request the rollout made, polling included.
 */
import { api } from "../src/component/_generated/api.js";
import { setupHarness, TEST_KEY } from "../src/testing/harness.js";
import type { Section } from "./report.js";
import { BOOT_MS, GATEWAY_MS } from "./timings.js";

/** A snapshot takes this long to reach `created` (Fly: seconds for a small volume). */
const SNAPSHOT_MS = 2_000;
/** The old process stopping when an update replaces it. */
const STOP_MS = 500;
const BURST = 3;
const FROM = "ghcr.io/openclaw/openclaw:2026.1.0";
const TO = "ghcr.io/openclaw/openclaw:2026.2.0";

export async function rollout(agents: number): Promise<Section> {
  const savedKey = process.env.AGENT_SECRETS_ENCRYPTION_KEY;
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
  const h = await setupHarness({
    bootTimeMs: BOOT_MS,
    gatewayStartupMs: GATEWAY_MS,
    snapshotTimeMs: SNAPSHOT_MS,
    stopTimeMs: STOP_MS,
    rateLimits: true,
  });
  try {
    const provisioned = await Promise.allSettled(
      Array.from({ length: agents }, (_, i) =>
        h.t.action(
          api.lib.provisionAgentMachine,
          h.provisionArgs({ userId: `fleet-${i}`, image: FROM, startupTimeoutSec: 120 }),
        ),
      ),
    );
    const up = provisioned.filter((result) => result.status === "fulfilled").length;
    const before = h.fly.state.requests().length;

    const started = performance.now();
    const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, {
      tenantId: "tenant-a",
      flyAppName: h.app,
      flyApiToken: h.fly.token,
      flyApiBaseUrl: h.fly.url,
      image: TO,
    });
    let detail = await h.t.query(api.lib.getImageRollout, { rolloutId });
    while (detail?.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, 100));
      detail = await h.t.query(api.lib.getImageRollout, { rolloutId });
    }
    const totalMs = performance.now() - started;
    await h.t.finishInProgressScheduledFunctions();

    const requests = h.fly.state.requests().slice(before);
    const waves = detail?.waves ?? [];
    const perWaveFloorMs = (size: number) =>
      Math.max(0, size - BURST) * 1000 + SNAPSHOT_MS + STOP_MS + BOOT_MS + GATEWAY_MS;
    const floorMs = waves.reduce((sum, wave) => sum + perWaveFloorMs(wave.size), 0);
    const waveTimes = waves.map((wave) => ((wave.finishedAt ?? wave.startedAt) - wave.startedAt) / 1000);
    const byOperation: Record<string, number> = {};
    for (const request of requests) {
      const id = request.operationId ?? "other";
      byOperation[id] = (byOperation[id] ?? 0) + 1;
    }
    const upgraded = detail?.upgraded ?? 0;
    return {
      id: "B7",
      title: `rollout: ${agents} agents to a new image, one app, Fly rate limits on (S = ${SNAPSHOT_MS} ms, U = ${STOP_MS} ms, B = ${BOOT_MS} ms, G = ${GATEWAY_MS} ms)`,
      figures: [
        { name: "agents provisioned", value: `${up}/${agents}` },
        {
          name: "agents upgraded",
          value: `${upgraded}/${agents}`,
          target: `${agents}/${agents}`,
          ok: upgraded === agents,
        },
        { name: "waves", value: waves.map((wave) => wave.size).join(" + ") },
        { name: "total wall time", value: `${(totalMs / 1000).toFixed(1)} s` },
        {
          name: "floor",
          value: `${(floorMs / 1000).toFixed(1)} s`,
          note: "Σ per wave: max(0, n - 3) s + S + U + B + G",
        },
        { name: "total / floor", value: (totalMs / floorMs).toFixed(3) },
        { name: "wave times", value: waveTimes.map((seconds) => `${seconds.toFixed(1)}`).join(" / ") + " s" },
        { name: "Fly calls per agent", value: (requests.length / agents).toFixed(1) },
        { name: "429s received", value: String(requests.filter((request) => request.status === 429).length) },
      ],
      details: {
        totalMs,
        floorMs,
        waves,
        byOperation,
        calls: requests.length,
        status: detail?.status,
        failures: provisioned
          .flatMap((result) => (result.status === "rejected" ? [String(result.reason).slice(0, 300)] : []))
          .slice(0, 3),
      },
    };
  } finally {
    await h.close();
    if (savedKey === undefined) delete process.env.AGENT_SECRETS_ENCRYPTION_KEY;
    else process.env.AGENT_SECRETS_ENCRYPTION_KEY = savedKey;
  }
}
