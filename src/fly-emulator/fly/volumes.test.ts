/** Tests of volumes and snapshots: create, restore, fork, soft delete, mounting, the detach lag. */
import { describe, expect, it } from "vitest";
import { APP, OPENCLAW_IMAGE, type TestEmulator, useEmulatorHarness } from "../testing/testHarness.js";
import type { MachineJson, VolumeJson, VolumeSnapshotJson } from "./jsonTypes.js";

const harness = useEmulatorHarness();

function mountConfig(volumeId: string) {
  return { config: { image: OPENCLAW_IMAGE, mounts: [{ volume: volumeId, path: "/data" }] } };
}

async function snapshotOf(emu: TestEmulator, volumeId: string): Promise<VolumeSnapshotJson> {
  expect((await emu.api.post(`/apps/${APP}/volumes/${volumeId}/snapshots`)).status).toBe(200);
  const list = await emu.until(
    () => emu.api.get<VolumeSnapshotJson[]>(`/apps/${APP}/volumes/${volumeId}/snapshots`),
    (reply) => reply.body.length > 0 && reply.body[reply.body.length - 1].status === "created",
  );
  return list.body[list.body.length - 1];
}

describe("volume create", () => {
  it("creates with defaults (3 GB, encrypted), creating → created", async () => {
    const emu = await harness.start({ volumeCreateMs: 500 });
    const reply = await emu.api.post<VolumeJson>(`/apps/${APP}/volumes`, { name: "agent_data", region: "ams" });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      name: "agent_data",
      region: "ams",
      size_gb: 3,
      state: "creating",
      encrypted: true,
      fstype: "ext4",
    });
    expect(reply.body.id).toMatch(/^vol_[a-z0-9]{16}$/);
    expect(reply.body.attached_machine_id).toBeUndefined();
    const ready = await emu.until(
      () => emu.api.get<VolumeJson>(`/apps/${APP}/volumes/${reply.body.id}`),
      (got) => got.body.state === "created",
    );
    expect(ready.body.size_gb).toBe(3);
  });

  it("rejects a missing or invalid name, and bad sizes, with 400", async () => {
    const emu = await harness.start();
    for (const body of [
      {},
      { name: "Agent" },
      { name: "agent-data" },
      { name: "a".repeat(31) },
      { name: "" },
      { name: "ok", size_gb: 0 },
    ]) {
      const reply = await emu.api.post<{ error: string }>(`/apps/${APP}/volumes`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error).toMatch(/^invalid_argument: /);
    }
    expect((await emu.api.post(`/apps/${APP}/volumes`, { name: "a".repeat(30) })).status).toBe(200);
  });

  it("gets, and 404s an unknown volume", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "v1" });
    expect((await emu.api.get(`/apps/${APP}/volumes/${volume.id}`)).status).toBe(200);
    const missing = await emu.api.get(`/apps/${APP}/volumes/vol_0000000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: "volume not found" });
  });
});

describe("volume delete", () => {
  it("answers 200 with state destroyed, then lists the volume as pending_destroy", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "v1" });
    const deleted = await emu.api.delete<VolumeJson>(`/apps/${APP}/volumes/${volume.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: volume.id, state: "destroyed" });
    const list = await emu.api.get<VolumeJson[]>(`/apps/${APP}/volumes`);
    expect(list.body).toEqual([expect.objectContaining({ id: volume.id, state: "pending_destroy" })]);
    expect((await emu.api.get<VolumeJson>(`/apps/${APP}/volumes/${volume.id}`)).body.state).toBe("pending_destroy");
    expect((await emu.api.delete(`/apps/${APP}/volumes/${volume.id}`)).status).toBe(404);
    expect(emu.state.liveResources(APP).volumes).toEqual([]);
    expect(emu.state.volumes(APP).map((v) => v.state)).toEqual(["pending_destroy"]);
    expect(emu.state.volumes("other-app")).toEqual([]);
    const summary = await emu.api.get<VolumeJson[]>(`/apps/${APP}/volumes?summary=true`);
    expect(summary.body[0].blocks).toBeUndefined();
  });

  it("refuses while attached (even stopped) and for the detach lag after the Machine is destroyed", async () => {
    const emu = await harness.start({ detachLagMs: 2000 });
    const volume = await emu.createVolume(APP, { name: "v1" });
    const machine = await emu.createMachine(APP, mountConfig(volume.id));
    expect(machine.region).toBe(volume.region);
    expect((await emu.api.get<VolumeJson>(`/apps/${APP}/volumes/${volume.id}`)).body.attached_machine_id).toBe(
      machine.id,
    );
    await emu.waitFor(APP, machine.id, "started");
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`);
    await emu.waitFor(APP, machine.id, "stopped");
    const bound = `failed_precondition: volume is currently bound to machine: ${machine.id}`;
    const whileStopped = await emu.api.delete(`/apps/${APP}/volumes/${volume.id}`);
    expect(whileStopped.status).toBe(400);
    expect(whileStopped.body).toEqual({ error: bound });
    await emu.api.delete(`/apps/${APP}/machines/${machine.id}`);
    const duringLag = await emu.api.delete(`/apps/${APP}/volumes/${volume.id}`);
    expect(duringLag.body).toEqual({ error: bound });
    await emu.until(
      () => emu.api.get<VolumeJson>(`/apps/${APP}/volumes/${volume.id}`),
      (got) => got.body.attached_machine_id === undefined,
      3000,
    );
    expect((await emu.api.delete(`/apps/${APP}/volumes/${volume.id}`)).status).toBe(200);
    expect(emu.state.liveResources(APP)).toEqual({ machines: [], volumes: [] });
  });
});

describe("mounting", () => {
  it("requires an existing, ready, unattached volume in the Machine's region, one per Machine", async () => {
    const emu = await harness.start({ restoreTimeMs: 5000 });
    const volume = await emu.createVolume(APP, { name: "v1", region: "iad" });
    const other = await emu.createVolume(APP, { name: "v2", region: "iad" });
    const create = (body: Record<string, unknown>) => emu.api.post<{ error: string }>(`/apps/${APP}/machines`, body);

    const unknown = await create(mountConfig("vol_doesnotexist0000"));
    expect(unknown.status).toBe(400);
    const wrongRegion = await create({ region: "ams", ...mountConfig(volume.id) });
    expect(wrongRegion.status).toBe(400);
    expect(wrongRegion.body.error).toMatch(/^failed_precondition: /);
    const two = await create({
      config: {
        image: OPENCLAW_IMAGE,
        mounts: [
          { volume: volume.id, path: "/a" },
          { volume: other.id, path: "/b" },
        ],
      },
    });
    expect(two.status).toBe(400);

    const first = await emu.createMachine(APP, mountConfig(volume.id));
    const taken = await create(mountConfig(volume.id));
    expect(taken.status).toBe(400);
    expect(taken.body.error).toBe(`failed_precondition: volume is currently bound to machine: ${first.id}`);

    const snapshot = await snapshotOf(emu, volume.id);
    const restoring = await emu.api.post<VolumeJson>(`/apps/${APP}/volumes`, {
      name: "v3",
      region: "iad",
      snapshot_id: snapshot.id,
    });
    expect(restoring.body.state).toBe("restoring");
    const notReady = await create(mountConfig(restoring.body.id));
    expect(notReady.status).toBe(400);
    expect(notReady.body.error).toBe("failed_precondition: volume is not ready");
  });
});

describe("snapshots", () => {
  it("creates with 200 and an empty body; the snapshot goes waiting → running → created", async () => {
    const emu = await harness.start({ snapshotTimeMs: 1500 });
    const volume = await emu.createVolume(APP, { name: "v1", size_gb: 5, snapshot_retention: 7 });
    const reply = await emu.api.post(`/apps/${APP}/volumes/${volume.id}/snapshots`);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe("");
    const seen = new Set<string>();
    const final = await emu.until(
      async () => {
        const list = await emu.api.get<VolumeSnapshotJson[]>(`/apps/${APP}/volumes/${volume.id}/snapshots`);
        seen.add(list.body[0].status);
        return list.body;
      },
      (list) => list[0].status === "created",
    );
    expect([...seen]).toEqual(["waiting", "running", "created"]);
    expect(final).toEqual([
      {
        id: expect.stringMatching(/^vs_[A-Za-z0-9]{16}$/),
        size: expect.any(Number),
        volume_size: 5,
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
        created_at: expect.any(String),
        status: "created",
        retention_days: 7,
      },
    ]);
  });

  it("lists snapshots oldest first with increasing created_at, and keeps them after the volume is deleted", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "v1" });
    await emu.api.post(`/apps/${APP}/volumes/${volume.id}/snapshots`);
    await emu.api.post(`/apps/${APP}/volumes/${volume.id}/snapshots`);
    await emu.api.delete(`/apps/${APP}/volumes/${volume.id}`);
    const list = await emu.api.get<VolumeSnapshotJson[]>(`/apps/${APP}/volumes/${volume.id}/snapshots`);
    expect(list.body).toHaveLength(2);
    expect(Date.parse(list.body[1].created_at)).toBeGreaterThan(Date.parse(list.body[0].created_at));
    expect((await emu.api.post(`/apps/${APP}/volumes/${volume.id}/snapshots`)).status).toBe(400);
  });

  it("restores: restoring → created, size at least the snapshot's volume size (default: equal)", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "v1", size_gb: 10 });
    const snapshot = await snapshotOf(emu, volume.id);
    const tooSmall = await emu.api.post<{ error: string }>(`/apps/${APP}/volumes`, {
      name: "v2",
      snapshot_id: snapshot.id,
      size_gb: 5,
    });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.error).toMatch(/^invalid_argument: size_gb/);
    const missing = await emu.api.post(`/apps/${APP}/volumes`, { name: "v2", snapshot_id: "vs_nope" });
    expect(missing.status).toBe(400);
    const restored = await emu.api.post<VolumeJson>(`/apps/${APP}/volumes`, { name: "v2", snapshot_id: snapshot.id });
    expect(restored.body).toMatchObject({ state: "restoring", size_gb: 10 });
    await emu.until(
      () => emu.api.get<VolumeJson>(`/apps/${APP}/volumes/${restored.body.id}`),
      (got) => got.body.state === "created",
    );
    const machine = await emu.createMachine(APP, mountConfig(restored.body.id));
    expect(machine.state).toBe("created");
  });

  it("refuses to restore from a snapshot that is not created yet", async () => {
    const emu = await harness.start({ snapshotTimeMs: 5000 });
    const volume = await emu.createVolume(APP, { name: "v1" });
    await emu.api.post(`/apps/${APP}/volumes/${volume.id}/snapshots`);
    const [pending] = emu.state.snapshots(volume.id);
    const reply = await emu.api.post<{ error: string }>(`/apps/${APP}/volumes`, {
      name: "v2",
      snapshot_id: pending.id,
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/^failed_precondition: snapshot/);
  });

  it("forks a volume from source_volume_id with its agent state", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "v1" });
    const machine = await emu.createMachine(APP, {
      ...mountConfig(volume.id),
      config: { ...mountConfig(volume.id).config, env: { LLM_MODEL: "a/b" } },
    });
    await emu.waitFor(APP, machine.id, "started");
    const fork = await emu.api.post<VolumeJson>(`/apps/${APP}/volumes`, { name: "v2", source_volume_id: volume.id });
    expect(fork.body.state).toBe("hydrating");
    expect(emu.state.agentState(fork.body.id)?.model).toBe("a/b");
    const got = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
    expect(got.body.config?.mounts?.[0].volume).toBe(volume.id);
  });
});
