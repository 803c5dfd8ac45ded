/** Tests of OpenClaw image versions: state migrated forward, a newer state refused, version drift, digests. */
import { describe, expect, it } from "vitest";
import { connectFlyEmulator } from "../control/remote.js";
import type { MachineJson, VolumeSnapshotJson } from "../fly/jsonTypes.js";
import { APP, type TestEmulator, useEmulatorHarness } from "../testing/testHarness.js";
import { compareVersions, versionFromTag } from "./catalog.js";

const harness = useEmulatorHarness();
const V1 = "ghcr.io/openclaw/openclaw:2026.1.0";
const V2 = "ghcr.io/openclaw/openclaw:2026.2.0";
const ENV = { OPENCLAW_GATEWAY_TOKEN: "gw-secret", LLM_MODEL: "moonshotai/kimi-k2.5" };

async function agentOnVolume(emu: TestEmulator, image: string) {
  const volume = await emu.createVolume(APP, { name: "agent_data", region: "iad", size_gb: 1 });
  const machine = await emu.createMachine(APP, {
    config: { image, env: ENV, mounts: [{ volume: volume.id, path: "/data" }] },
  });
  await emu.waitFor(APP, machine.id, "started");
  await emu.until(
    () => emu.state.gateway(APP, machine.id)?.ready,
    (ready) => ready === true,
  );
  return { volume, machine };
}

async function update(emu: TestEmulator, machine: MachineJson, image: string) {
  const current = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
  const reply = await emu.api.post<MachineJson>(`/apps/${APP}/machines/${machine.id}`, {
    config: { ...current.body.config, image },
  });
  expect(reply.status).toBe(200);
  return reply.body;
}

describe("OpenClaw image versions", () => {
  it("reports an image_ref digest that follows the image, stable per reference", async () => {
    const emu = await harness.start();
    const { machine } = await agentOnVolume(emu, V1);
    const first = machine.image_ref?.digest;
    const other = await emu.createMachine(APP, { config: { image: V1, env: ENV } });
    expect(other.image_ref?.digest).toBe(first);
    const updated = await update(emu, machine, V2);
    expect(updated.image_ref?.digest).not.toBe(first);
    expect(updated.image_ref).toMatchObject({ repository: "openclaw/openclaw", tag: "2026.2.0" });
    const back = await update(emu, updated, V1);
    expect(back.image_ref?.digest).toBe(first);
  });

  it("lets a test pin an image's digest", async () => {
    const digest = "ab".repeat(32);
    const emu = await harness.start({ images: { [V1]: { digest } } });
    const machine = await emu.createMachine(APP, { config: { image: V1, env: ENV } });
    expect(machine.image_ref?.digest).toBe(`sha256:${digest}`);
  });

  it("runs an image that never becomes healthy: started, gateway silent, checks critical", async () => {
    const emu = await harness.start({ images: { [V2]: { neverHealthy: true } } });
    const machine = await emu.createMachine(APP, {
      config: { image: V2, env: ENV, checks: { gateway: { type: "tcp", port: 3000 } } },
    });
    await emu.waitFor(APP, machine.id, "started");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emu.state.gateway(APP, machine.id)?.ready).toBe(false);
    const got = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
    expect(got.body.state).toBe("started");
    expect(got.body.checks?.[0]).toMatchObject({ status: "critical" });
    expect(emu.state.machineLogs(APP, machine.id)).toContain("[gateway] error: gateway failed to initialise; retrying");
  });

  it("migrates state forward, after which the older image refuses to start and the Machine fails", async () => {
    const emu = await harness.start({ images: { [V2]: { stateFormat: 2 } } });
    const { volume, machine } = await agentOnVolume(emu, V1);
    expect(emu.state.agentState(volume.id)).toMatchObject({ stateFormat: 1, writtenBy: "2026.1.0" });

    await update(emu, machine, V2);
    await emu.until(
      () => emu.state.gateway(APP, machine.id)?.ready,
      (ready) => ready === true,
    );
    expect(emu.state.agentState(volume.id)).toMatchObject({ stateFormat: 2, writtenBy: "2026.2.0" });
    expect(emu.state.machineLogs(APP, machine.id)).toContain("[state] migrated state format 1 -> 2");

    await update(emu, machine, V1);
    await emu.waitFor(APP, machine.id, "failed");
    const logs = emu.state.machineLogs(APP, machine.id);
    expect(logs.some((line) => line.startsWith("Error: state-migrated-no-rollback:"))).toBe(true);
    // The refused state is left as the newer version wrote it.
    expect(emu.state.agentState(volume.id)).toMatchObject({ stateFormat: 2, writtenBy: "2026.2.0" });
  });

  it("keeps the pre-upgrade state in a snapshot, which the older image starts on once restored", async () => {
    const emu = await harness.start({ images: { [V2]: { stateFormat: 2 } } });
    const { volume, machine } = await agentOnVolume(emu, V1);
    await emu.api.post(`/apps/${APP}/volumes/${volume.id}/snapshots`);
    const snapshots = await emu.until(
      () => emu.api.get<VolumeSnapshotJson[]>(`/apps/${APP}/volumes/${volume.id}/snapshots`),
      (reply) => reply.body.some((snapshot) => snapshot.status === "created"),
    );
    await update(emu, machine, V2);
    await emu.until(
      () => emu.state.agentState(volume.id)?.stateFormat,
      (format) => format === 2,
    );
    const restored = await emu.createVolume(APP, {
      name: "agent_data",
      region: "iad",
      size_gb: 1,
      snapshot_id: snapshots.body[0].id,
    });
    expect(emu.state.agentState(restored.id)).toMatchObject({ stateFormat: 1, writtenBy: "2026.1.0" });
    const rebuilt = await emu.createMachine(APP, {
      name: "rebuilt",
      config: { image: V1, env: ENV, mounts: [{ volume: restored.id, path: "/data" }] },
    });
    await emu.waitFor(APP, rebuilt.id, "started");
    await emu.until(
      () => emu.state.gateway(APP, rebuilt.id)?.ready,
      (ready) => ready === true,
    );
  });

  it("warns when an older image of the same state format starts on state a newer one wrote", async () => {
    const emu = await harness.start();
    const { machine } = await agentOnVolume(emu, V2);
    await update(emu, machine, V1);
    await emu.until(
      () => emu.state.gateway(APP, machine.id)?.ready,
      (ready) => ready === true,
    );
    expect(emu.state.machineLogs(APP, machine.id)).toContain(
      "Config was last written by a newer OpenClaw (2026.2.0); current version is 2026.1.0.",
    );
  });

  it("takes image behaviours over the admin API too", async () => {
    const emu = await harness.start();
    const client = connectFlyEmulator(emu.url, emu.token);
    await client.defineImage(V2, { neverHealthy: true });
    const machine = await emu.createMachine(APP, { config: { image: V2, env: ENV } });
    await emu.waitFor(APP, machine.id, "started");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emu.state.gateway(APP, machine.id)?.ready).toBe(false);
    await expect(client.defineImage(V2, { stateFormat: 0 })).rejects.toThrow(/answered 400/);
  });

  it("reads versions from tags and compares them numerically", () => {
    expect(versionFromTag("ghcr.io/openclaw/openclaw:2026.10.1")).toBe("2026.10.1");
    expect(versionFromTag("localhost:5000/openclaw:v1.4-slim")).toBe("1.4");
    expect(versionFromTag("ghcr.io/openclaw/openclaw:latest")).toBe("unknown");
    expect(compareVersions("2026.10.1", "2026.9.9")).toBe(1);
    expect(compareVersions("2026.1", "2026.1.0")).toBe(0);
    expect(compareVersions("unknown", "2026.1")).toBeNull();
  });
});
