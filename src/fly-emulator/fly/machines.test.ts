/** Tests of the Machines endpoints: create, get and list, update, start, stop, restart, suspend, destroy. */
import { describe, expect, it } from "vitest";
import { APP, OPENCLAW_IMAGE, useEmulatorHarness } from "../testing/testHarness.js";
import type { MachineJson } from "./jsonTypes.js";

const harness = useEmulatorHarness();

describe("machine create", () => {
  it("answers 200 with the Machine in state created, then boots created → starting → started", async () => {
    const emu = await harness.start();
    const reply = await emu.api.post<MachineJson>(`/apps/${APP}/machines`, {
      name: "agent-1",
      region: "ams",
      config: {
        image: OPENCLAW_IMAGE,
        env: { A: "1" },
        metadata: { tag: "x" },
        guest: { cpu_kind: "shared", cpus: 1, memory_mb: 1024 },
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      name: "agent-1",
      region: "ams",
      state: "created",
      config: { image: OPENCLAW_IMAGE, env: { A: "1" } },
    });
    expect(reply.body.id).toMatch(/^[0-9a-f]{14}$/);
    expect(reply.body.instance_id).toMatch(/^[0-9A-Z]{26}$/);
    expect(reply.body.nonce).toBeUndefined();
    expect(reply.body.image_ref).toMatchObject({
      registry: "registry.fly.io",
      repository: "openclaw-agent",
      tag: "2026.1",
    });
    const id = reply.body.id;
    await emu.until(
      () => emu.state.machine(APP, id)?.state,
      (state) => state === "starting",
    );
    await emu.waitFor(APP, id, "started");
    const events = emu.state.machine(APP, id)?.events ?? [];
    expect(events.map((event) => event.status)).toEqual(["started", "starting", "created"]);
  });

  it("generates a name and uses the default region when none is given", async () => {
    const emu = await harness.start({ defaultRegion: "fra" });
    const machine = await emu.createMachine(APP);
    expect(machine.name).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
    expect(machine.region).toBe("fra");
  });

  it("rejects a config without image with 400", async () => {
    const emu = await harness.start();
    const noConfig = await emu.api.post(`/apps/${APP}/machines`, { name: "x" });
    expect(noConfig.status).toBe(400);
    expect(noConfig.body).toEqual({ error: expect.stringMatching(/^invalid_argument: config/) });
    const noImage = await emu.api.post(`/apps/${APP}/machines`, { config: { env: {} } });
    expect(noImage.status).toBe(400);
    expect(noImage.text).toContain("config.image");
    expect(emu.state.machines(APP)).toHaveLength(0);
  });

  it("does not boot with skip_launch", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(emu.state.machine(APP, machine.id)?.state).toBe("created");
    const settled = await emu.waitFor(APP, machine.id, "settled");
    expect(settled.state).toBe("created");
  });

  it("returns a lease nonce when lease_ttl is given", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { lease_ttl: 30 });
    expect(machine.nonce).toMatch(/^[0-9a-f]{32}$/);
    const lease = await emu.api.get<{ data: { nonce: string } }>(`/apps/${APP}/machines/${machine.id}/lease`);
    expect(lease.body.data.nonce).toBe(machine.nonce);
  });

  it("answers 409 name_taken for a duplicate name", async () => {
    const emu = await harness.start();
    await emu.createMachine(APP, { name: "dup" });
    const again = await emu.api.post(`/apps/${APP}/machines`, { name: "dup", config: { image: OPENCLAW_IMAGE } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: "name_taken" });
  });

  it("normalises boolean services[].autostop to the spec's enum", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, {
      config: {
        services: [
          { internal_port: 3000, autostop: true },
          { internal_port: 1, autostop: false },
        ],
      },
    });
    expect(machine.config?.services).toEqual([
      { internal_port: 3000, autostop: "stop" },
      { internal_port: 1, autostop: "off" },
    ]);
  });
});

describe("machine get and list", () => {
  it("gets a Machine and 404s an unknown one", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    const got = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: machine.id, host_status: "ok", private_ip: expect.stringMatching(/^fdaa:/) });
    const missing = await emu.api.get(`/apps/${APP}/machines/0123456789abcd`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: "machine not found" });
  });

  it("filters the list by region, state, metadata and include_deleted, and summarises", async () => {
    const emu = await harness.start();
    const a = await emu.createMachine(APP, { region: "iad", config: { metadata: { owner: "u1", role: "agent" } } });
    const b = await emu.createMachine(APP, {
      region: "ams",
      config: { metadata: { owner: "u2", role: "agent" } },
      skip_launch: true,
    });
    const c = await emu.createMachine(APP, { region: "iad", skip_launch: true });
    await emu.waitFor(APP, a.id, "started");
    await emu.api.delete(`/apps/${APP}/machines/${c.id}`);
    const ids = async (query: string) =>
      (await emu.api.get<MachineJson[]>(`/apps/${APP}/machines${query}`)).body.map((m) => m.id).sort();

    expect(await ids("")).toEqual([a.id, b.id].sort());
    expect(await ids("?include_deleted=true")).toEqual([a.id, b.id, c.id].sort());
    expect(await ids("?region=ams")).toEqual([b.id]);
    expect(await ids("?state=started")).toEqual([a.id]);
    expect(await ids("?state=started,created")).toEqual([a.id, b.id].sort());
    expect(await ids("?metadata.owner=u2")).toEqual([b.id]);
    expect(await ids("?metadata.role=agent&metadata.owner=u1")).toEqual([a.id]);
    expect(await ids("?metadata.owner=nobody")).toEqual([]);
    const summary = await emu.api.get<MachineJson[]>(`/apps/${APP}/machines?summary=true`);
    expect(summary.body[0].config).toBeUndefined();
    expect(summary.body[0].events).toBeUndefined();
    expect(summary.body[0].id).toBeDefined();
  });

  it("hides a just-created Machine from get and wait during the visibility lag", async () => {
    const emu = await harness.start({ visibilityLagMs: 3000 });
    const machine = await emu.createMachine(APP);
    expect((await emu.api.get(`/apps/${APP}/machines/${machine.id}`)).status).toBe(404);
    expect((await emu.api.get(`/apps/${APP}/machines/${machine.id}/wait?state=started&timeout=1`)).status).toBe(404);
    const visible = await emu.until(
      () => emu.api.get(`/apps/${APP}/machines/${machine.id}`),
      (reply) => reply.status === 200,
    );
    expect(visible.status).toBe(200);
  });
});

describe("machine update", () => {
  it("replaces the whole config, changes instance_id and restarts a started Machine with the new env", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, {
      config: { env: { LLM_MODEL: "a/one", KEEP: "1" }, metadata: { owner: "u1" } },
    });
    await emu.waitFor(APP, machine.id, "started");
    const updated = await emu.api.post<MachineJson>(`/apps/${APP}/machines/${machine.id}`, {
      config: { image: OPENCLAW_IMAGE, env: { LLM_MODEL: "b/two" } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.instance_id).not.toBe(machine.instance_id);
    expect(updated.body.config).toEqual({ image: OPENCLAW_IMAGE, env: { LLM_MODEL: "b/two" } });
    expect(updated.body.state).toBe("replacing");
    const started = await emu.waitFor(APP, machine.id, "started");
    expect(started.version).toBe(updated.body.instance_id);
    const logs = emu.state.machineLogs(APP, machine.id);
    expect(logs.filter((line) => line.startsWith("[fly] machine started"))).toHaveLength(2);
  });

  it("leaves a stopped Machine stopped, and refuses a partial config or a volume swap", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    await emu.waitFor(APP, machine.id, "started");
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`);
    await emu.waitFor(APP, machine.id, "stopped");
    const updated = await emu.api.post<MachineJson>(`/apps/${APP}/machines/${machine.id}`, {
      config: { image: "other:1" },
    });
    expect(updated.body.state).toBe("stopped");
    expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}`, { config: { env: {} } })).status).toBe(400);
    const volume = await emu.createVolume(APP, { name: "data", region: "iad" });
    const swap = await emu.api.post(`/apps/${APP}/machines/${machine.id}`, {
      config: { image: "x", mounts: [{ volume: volume.id, path: "/data" }] },
    });
    expect(swap.status).toBe(400);
    expect(swap.text).toContain("failed_precondition");
  });

  it("checks current_version", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    const stale = await emu.api.post(`/apps/${APP}/machines/${machine.id}`, {
      config: { image: "x" },
      current_version: "01STALE",
    });
    expect(stale.status).toBe(400);
    const fresh = await emu.api.post(`/apps/${APP}/machines/${machine.id}`, {
      config: { image: "x" },
      current_version: machine.instance_id,
    });
    expect(fresh.status).toBe(200);
  });
});

describe("start, stop, restart, suspend", () => {
  it("stops with or without a body, and stopping a stopped Machine succeeds", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    await emu.waitFor(APP, machine.id, "started");
    const stop = await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`, { signal: "SIGTERM", timeout: "5s" });
    expect(stop.status).toBe(200);
    expect(stop.body).toEqual({ ok: true });
    expect(emu.state.machine(APP, machine.id)?.state).toBe("stopping");
    await emu.waitFor(APP, machine.id, "stopped");
    expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`)).status).toBe(200);
    expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`, { signal: "SIGNOPE" })).status).toBe(400);
  });

  it("starts a stopped Machine, reporting previous_state; starting a started one changes nothing", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    const start = await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`);
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ previous_state: "created", migrated: false, new_host: "" });
    await emu.waitFor(APP, machine.id, "started");
    const again = await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`);
    expect(again.body).toMatchObject({ previous_state: "started" });
  });

  it("refuses to start a Machine that is stopping with 412", async () => {
    const emu = await harness.start({ stopTimeMs: 5000 });
    const machine = await emu.createMachine(APP);
    await emu.waitFor(APP, machine.id, "started");
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`);
    const start = await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`);
    expect(start.status).toBe(412);
    expect(start.body).toEqual({
      error: "failed_precondition: unable to start machine from current state: 'stopping'",
    });
  });

  it("restarts a started Machine (restarting → started) and validates signal", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    await emu.waitFor(APP, machine.id, "started");
    const restart = await emu.api.post(`/apps/${APP}/machines/${machine.id}/restart?timeout=5s&signal=SIGINT`);
    expect(restart.status).toBe(200);
    expect(emu.state.machine(APP, machine.id)?.state).toBe("restarting");
    await emu.waitFor(APP, machine.id, "started");
    expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/restart?signal=NOPE`)).status).toBe(400);
  });

  it("suspends a started Machine and resumes it with start; refuses to suspend a stopped one", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    await emu.waitFor(APP, machine.id, "started");
    expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/suspend`)).status).toBe(200);
    await emu.waitFor(APP, machine.id, "suspended");
    const resume = await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`);
    expect(resume.body).toMatchObject({ previous_state: "suspended" });
    await emu.waitFor(APP, machine.id, "started");
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`);
    await emu.waitFor(APP, machine.id, "stopped");
    const refused = await emu.api.post(`/apps/${APP}/machines/${machine.id}/suspend`);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("failed_precondition");
  });
});

describe("machine destroy", () => {
  it("requires force for a started Machine; kill= is not force", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    await emu.waitFor(APP, machine.id, "started");
    const plain = await emu.api.delete(`/apps/${APP}/machines/${machine.id}`);
    expect(plain.status).toBe(400);
    expect((plain.body as { error: string }).error).toMatch(/^failed_precondition: /);
    const kill = await emu.api.delete(`/apps/${APP}/machines/${machine.id}?kill=true`);
    expect(kill.status).toBe(400);
    const forced = await emu.api.delete(`/apps/${APP}/machines/${machine.id}?force=true`);
    expect(forced.status).toBe(200);
    expect(forced.body).toEqual({ ok: true });
    await emu.waitFor(APP, machine.id, "destroyed");
  });

  it("destroys a stopped Machine without force; it stays fetchable as destroyed, then 404s", async () => {
    const emu = await harness.start({ destroyedRetentionMs: 500 });
    const machine = await emu.createMachine(APP, { skip_launch: true });
    expect((await emu.api.delete(`/apps/${APP}/machines/${machine.id}`)).status).toBe(200);
    const got = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
    expect(got.status).toBe(200);
    expect(got.body.state).toBe("destroyed");
    const again = await emu.api.delete(`/apps/${APP}/machines/${machine.id}?force=true`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: "machine not found" });
    const gone = await emu.until(
      () => emu.api.get(`/apps/${APP}/machines/${machine.id}`),
      (reply) => reply.status === 404,
    );
    expect(gone.body).toEqual({ error: "machine not found" });
    expect(emu.state.machines(APP)).toHaveLength(0);
  });

  it("refuses lifecycle calls on a destroyed Machine with 404", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    await emu.api.delete(`/apps/${APP}/machines/${machine.id}`);
    for (const action of ["start", "stop", "restart", "suspend"]) {
      expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/${action}`)).status).toBe(404);
    }
  });

  it("destroys a Machine out of band, as Fly's dashboard would", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { lease_ttl: 60 });
    await emu.waitFor(APP, machine.id, "started");
    emu.state.destroyMachineOutOfBand(APP, machine.id);
    await emu.waitFor(APP, machine.id, "destroyed");
    expect(emu.state.liveResources(APP).machines).toHaveLength(0);
  });
});
