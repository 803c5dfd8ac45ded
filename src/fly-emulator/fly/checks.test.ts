/** Tests of health checks: the grace period (capped), one result per interval, critical when not running. */
import { describe, expect, it } from "vitest";
import { APP, type TestEmulator, useEmulatorHarness } from "../testing/testHarness.js";
import type { MachineJson } from "./jsonTypes.js";

const harness = useEmulatorHarness();
const GATEWAY_ENV = { OPENCLAW_GATEWAY_TOKEN: "gw-secret", LLM_MODEL: "moonshotai/kimi-k2.5" };

async function checkOf(emu: TestEmulator, machineId: string) {
  const reply = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machineId}`);
  return reply.body.checks?.[0];
}

/** Creates a Machine with `checks`, waits until its gateway listens; returns it and when it started. */
async function listeningMachine(emu: TestEmulator, checks: Record<string, unknown>) {
  const machine = await emu.createMachine(APP, { config: { env: GATEWAY_ENV, checks } });
  await emu.waitFor(APP, machine.id, "started");
  await emu.until(
    () => emu.state.gateway(APP, machine.id)?.ready,
    (ready) => ready === true,
  );
  return { machine, bootedAt: emu.state.gateway(APP, machine.id)?.bootedAt ?? 0 };
}

describe("health checks, as Fly runs them", () => {
  it("are not passing inside the grace period even though the gateway listens; the grace period is capped at 60 s", async () => {
    // 1 emulated second = 10 real ms: the seed's grace of 240 s becomes Fly's 60 s cap = 600 ms here.
    const emu = await harness.start({ timeScale: 0.01, bootTimeMs: 100, gatewayStartupMs: 100 });
    const { machine, bootedAt } = await listeningMachine(emu, {
      gateway: { type: "tcp", port: 3000, grace_period: "240s", interval: "15s" },
    });
    const early = await checkOf(emu, machine.id);
    expect(Date.now() - bootedAt).toBeLessThan(600);
    expect(early).toMatchObject({ name: "gateway", status: "warning", output: expect.stringContaining("not run yet") });
    const passing = await emu.until(
      () => checkOf(emu, machine.id),
      (check) => check?.status === "passing",
    );
    expect(Date.now() - bootedAt).toBeGreaterThanOrEqual(600);
    // The result is the run's: stamped at the first run, 60 s (capped) after the Machine started.
    expect(Date.parse(passing?.updated_at ?? "") - bootedAt).toBe(600);
  });

  it("change at most once per interval: a gateway that listens after the first run reads critical until the next", async () => {
    // 1 emulated second = 50 real ms: grace 1 s = 50 ms, gateway up at 3 s = 150 ms, next run at 16 s = 800 ms.
    const emu = await harness.start({ timeScale: 0.05, bootTimeMs: 0, gatewayStartupMs: 3000 });
    const { machine, bootedAt } = await listeningMachine(emu, {
      gateway: { type: "tcp", port: 3000, grace_period: "1s", interval: "15s" },
    });
    const stale = await checkOf(emu, machine.id);
    expect(Date.now() - bootedAt).toBeLessThan(800);
    expect(stale).toMatchObject({ status: "critical", output: expect.stringContaining("connection refused") });
    expect(Date.parse(stale?.updated_at ?? "") - bootedAt).toBe(50);
    const next = await emu.until(
      () => checkOf(emu, machine.id),
      (check) => check?.status === "passing",
    );
    expect(Date.parse(next?.updated_at ?? "") - bootedAt).toBe(800);
  });

  it("read critical on a port nothing listens on, and on a Machine that is not running; none without checks", async () => {
    const emu = await harness.start({ timeScale: 0.01 });
    const checks = {
      gateway: { type: "tcp", port: 3000 },
      other: { type: "tcp", port: 8080 },
    };
    const machine = await emu.createMachine(APP, { config: { env: GATEWAY_ENV, checks } });
    await emu.waitFor(APP, machine.id, "started");
    const both = await emu.until(
      async () => (await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`)).body.checks ?? [],
      (list) => list[0]?.status === "passing",
    );
    expect(both.map((check) => [check.name, check.status])).toEqual([
      ["gateway", "passing"],
      ["other", "critical"],
    ]);
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`);
    await emu.waitFor(APP, machine.id, "stopped");
    expect(await checkOf(emu, machine.id)).toMatchObject({ status: "critical", output: "machine is not running" });
    expect((await emu.createMachine(APP)).checks).toBeUndefined();
  });
});
