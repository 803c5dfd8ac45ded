/**
 * B1: provisioning, and a start, against the floor the machine itself imposes (boot B + gateway
 * start-up G), with Fly's checks running as Fly runs them (the seed's grace period, capped at
 * 60 s, and a 15 s interval). B6: from the gateway listening to the component calling the agent
 * ready. B2: Fly calls per operation, and why each is needed.
 */
import { api } from "../src/component/_generated/api.js";
import { setupHarness, type Harness } from "../src/testing/harness.js";
import { median, type Figure, type Section } from "./report.js";
import { BOOT_MS, GATEWAY_MS } from "./timings.js";

const RUNS = 5;
const RATIO_TARGET = 1.1;
const READY_LATENCY_TARGET_MS = 300;
const PROVISION_CALLS_TARGET = 10;
/** The seed's start-up timeout, which the machine config uses as its check's grace period (Fly caps it at 60 s). */
const STARTUP_TIMEOUT_SEC = 240;

/** One provisioning and one start of a stopped agent: wall times, and gateway-listening → record-running gaps. */
type Boots = { provisionMs: number[]; startMs: number[]; provisionReadyMs: number[]; startReadyMs: number[] };

let measured: Promise<Boots> | undefined;

/** Runs RUNS agents through provision, stop and start once per process (B1 and B6 share the runs). */
function measureBoots(): Promise<Boots> {
  measured ??= runBoots();
  return measured;
}

async function runBoots(): Promise<Boots> {
  const h = await setupHarness({ bootTimeMs: BOOT_MS, gatewayStartupMs: GATEWAY_MS, rateLimits: true });
  try {
    const boots: Boots = { provisionMs: [], startMs: [], provisionReadyMs: [], startReadyMs: [] };
    for (let run = 0; run < RUNS; run++) {
      let started = performance.now();
      const agent = await h.t.action(
        api.lib.provisionAgentMachine,
        h.provisionArgs({ userId: `b1-${run}`, startupTimeoutSec: STARTUP_TIMEOUT_SEC }),
      );
      boots.provisionMs.push(performance.now() - started);
      if (agent.effectiveModel !== "moonshotai/kimi-k2.5") throw new Error("model not verified -- invariant");
      boots.provisionReadyMs.push(await readyAfterListening(h, agent.machineDocId, agent.machineId));

      const target = { machineDocId: agent.machineDocId, ...h.target };
      await h.t.action(api.lib.stopAgentMachine, target);
      started = performance.now();
      await h.t.action(api.lib.startAgentMachine, target);
      boots.startMs.push(performance.now() - started);
      boots.startReadyMs.push(await readyAfterListening(h, agent.machineDocId, agent.machineId));
    }
    return boots;
  } finally {
    await h.close();
  }
}

/** How long after its gateway started listening the agent's record turned `running`. */
async function readyAfterListening(h: Harness, machineDocId: string, machineId: string): Promise<number> {
  const listeningAt = h.fly.state.gateway(h.app, machineId)?.listeningAt;
  const agent = await h.t.query(api.lib.getAgentMachine, { machineDocId });
  if (!listeningAt || agent?.status !== "running")
    throw new Error("the agent runs on a listening gateway -- invariant");
  return agent.statusChangedAt - listeningAt;
}

const ms = (values: number[]) => values.map((t) => Math.round(t)).join(", ");

/** A phase's median wall time over its runs, and that median over the floor, against RATIO_TARGET. */
function vsFloor(phase: string, runsMs: number[], floor: number): { ratio: number; figures: Figure[] } {
  const ratio = median(runsMs) / floor;
  return {
    ratio,
    figures: [
      { name: `${phase}: median wall time`, value: `${Math.round(median(runsMs))} ms`, note: `runs: ${ms(runsMs)} ms` },
      {
        name: `${phase}: median / floor`,
        value: ratio.toFixed(3),
        target: `≤ ${RATIO_TARGET}`,
        ok: ratio <= RATIO_TARGET,
      },
    ],
  };
}

export async function provisioningVsFloor(): Promise<Section> {
  const boots = await measureBoots();
  const floor = BOOT_MS + GATEWAY_MS;
  const provision = vsFloor("provision", boots.provisionMs, floor);
  const start = vsFloor("start", boots.startMs, floor);
  return {
    id: "B1",
    title:
      `provisioning and start vs the floor (B = ${BOOT_MS} ms, G = ${GATEWAY_MS} ms, Fly rate limits on, ` +
      "checks as Fly runs them: grace 60 s, interval 15 s)",
    figures: [{ name: "floor B + G", value: `${floor} ms` }, ...provision.figures, ...start.figures],
    details: { ...boots, floor, provisionRatio: provision.ratio, startRatio: start.ratio },
  };
}

export async function readinessLatency(): Promise<Section> {
  const boots = await measureBoots();
  const all = [...boots.provisionReadyMs, ...boots.startReadyMs];
  const latency = median(all);
  return {
    id: "B6",
    title: `from the gateway listening to the agent's record saying running (provision and start, ${RUNS} each)`,
    figures: [
      {
        name: "median",
        value: `${Math.round(latency)} ms`,
        target: `≤ ${READY_LATENCY_TARGET_MS} ms`,
        ok: latency <= READY_LATENCY_TARGET_MS,
        note: `provision: ${ms(boots.provisionReadyMs)} ms; start: ${ms(boots.startReadyMs)} ms`,
      },
    ],
    details: { provisionReadyMs: boots.provisionReadyMs, startReadyMs: boots.startReadyMs },
  };
}

/** Why the component makes each call (operationId → reason). */
const WHY: Record<string, string> = {
  Volumes_create: "the agent's state volume (restored from the snapshot on recreate)",
  Volumes_get_by_id: "no wait endpoint for volumes: poll until mountable",
  Machines_create: "the agent's machine, mounting the volume",
  Machines_wait: "long-poll until the machine reaches the target state",
  Machines_show: "read the machine (a skills update's config, a boot that ended elsewhere)",
  Machines_exec:
    "wait inside the machine for the gateway, then `health`; models set + models status --plain (after a boot); " +
    "pairing list --json + pairing approve (pairing)",
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
      title: "Fly calls per operation, polls counted (B = 300 ms, G = 800 ms, snapshot 1.5 s; polls scale with these)",
      figures: Object.entries(counts).map(([operation, byCall]) => {
        const total = Object.values(byCall).reduce((a, b) => a + b, 0);
        const note = Object.entries(byCall)
          .map(([call, n]) => `${call}×${n}`)
          .join(" ");
        if (operation !== "provision") return { name: operation, value: String(total), note };
        const target = `≤ ${PROVISION_CALLS_TARGET}`;
        return { name: operation, value: String(total), target, ok: total <= PROVISION_CALLS_TARGET, note };
      }),
      details: { counts, why: WHY },
    };
  } finally {
    await h.close();
  }
}
