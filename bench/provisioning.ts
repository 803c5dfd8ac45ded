/**
 * B1: provisioning wall time against the floor the machine itself imposes (boot B + gateway
 * start-up G). B2: Fly calls per operation, and why each is needed.
 */
import { api } from "../src/component/_generated/api.js";
import { setupHarness, type Harness } from "../src/testing/harness.js";
import { median, type Section } from "./report.js";
import { BOOT_MS, GATEWAY_MS } from "./timings.js";

const RUNS = 5;
const B1_TARGET = 1.1;

export async function provisioningVsFloor(): Promise<Section> {
  const h = await setupHarness({ bootTimeMs: BOOT_MS, gatewayStartupMs: GATEWAY_MS, rateLimits: true });
  try {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const result = await h.t.action(
        api.lib.provisionAgentMachine,
        h.provisionArgs({ userId: `b1-${run}`, startupTimeoutSec: 60 }),
      );
      times.push(performance.now() - started);
      if (result.effectiveModel !== "moonshotai/kimi-k2.5") throw new Error("model not verified -- invariant");
    }
    const floor = BOOT_MS + GATEWAY_MS;
    const ratio = median(times) / floor;
    return {
      id: "B1",
      title: `provisioning vs the floor (B = ${BOOT_MS} ms, G = ${GATEWAY_MS} ms, Fly rate limits on)`,
      figures: [
        {
          name: "median wall time",
          value: `${Math.round(median(times))} ms`,
          note: `runs: ${times.map((t) => Math.round(t)).join(", ")} ms`,
        },
        { name: "floor B + G", value: `${floor} ms` },
        { name: "median / floor", value: ratio.toFixed(3), target: `≤ ${B1_TARGET}`, ok: ratio <= B1_TARGET },
      ],
      details: { times, floor, ratio },
    };
  } finally {
    await h.close();
  }
}

/** Why the component makes each call (operationId → reason). */
const WHY: Record<string, string> = {
  Volumes_create: "the agent's state volume (restored from the snapshot on recreate)",
  Volumes_get_by_id: "no wait endpoint for volumes: poll until mountable",
  Machines_create: "the agent's machine, mounting the volume",
  Machines_wait: "long-poll until the machine reaches the target state",
  Machines_show: "poll the gateway's TCP check until it passes (Get Machine allows 5/s)",
  Machines_exec: "models set + models status --plain (provision), pairing approve (pairing)",
  Machines_start: "start the machine",
  Machines_stop: "stop the machine",
  Machines_delete: "destroy the machine (force when it runs)",
  Volume_delete: "delete the volume once Fly has detached it (retried while attached)",
  Volumes_list_snapshots: "snapshot ids before and after: Fly's create returns none; then follow status",
  createVolumeSnapshot: "ask Fly for the snapshot",
};

async function countCalls(h: Harness, run: () => Promise<unknown>): Promise<Record<string, number>> {
  h.fly.state.resetRequests();
  await run();
  const counts: Record<string, number> = {};
  for (const request of h.fly.state.requests()) {
    if (request.operationId) counts[request.operationId] = (counts[request.operationId] ?? 0) + 1;
  }
  return counts;
}

export async function callsPerOperation(): Promise<Section> {
  const h = await setupHarness({ bootTimeMs: 300, gatewayStartupMs: 800, snapshotTimeMs: 1_500, detachLagMs: 300 });
  try {
    const target = (machineDocId: string) => ({ machineDocId, ...h.target });
    const counts: Record<string, Record<string, number>> = {};
    let agent = { machineDocId: "", machineId: "" };
    counts.provision = await countCalls(h, async () => {
      agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    });
    counts.pairing = await countCalls(h, () =>
      h.t.action(api.lib.approveTelegramPairing, {
        ...target(agent.machineDocId),
        telegramPairingCode: h.fly.state.issuePairingCode(h.app, agent.machineId),
      }),
    );
    counts.stop = await countCalls(h, () => h.t.action(api.lib.stopAgentMachine, target(agent.machineDocId)));
    counts.start = await countCalls(h, () => h.t.action(api.lib.startAgentMachine, target(agent.machineDocId)));
    counts.snapshot = await countCalls(h, () => h.t.action(api.lib.createAgentSnapshot, target(agent.machineDocId)));
    let recreated = { machineDocId: "" };
    counts.recreate = await countCalls(h, async () => {
      recreated = await h.t.action(api.lib.recreateAgentFromLatestSnapshot, h.provisionArgs());
    });
    counts.deprovision = await countCalls(h, () =>
      h.t.action(api.lib.deprovisionAgentMachine, target(recreated.machineDocId)),
    );
    return {
      id: "B2",
      title: "Fly calls per operation (B = 300 ms, G = 800 ms, snapshot 1.5 s; polls scale with these)",
      figures: Object.entries(counts).map(([operation, byCall]) => ({
        name: operation,
        value: String(Object.values(byCall).reduce((a, b) => a + b, 0)),
        note: Object.entries(byCall)
          .map(([call, n]) => `${call}×${n}`)
          .join(" "),
      })),
      details: { counts, why: WHY },
    };
  } finally {
    await h.close();
  }
}
