/**
 * Tests of the unkind behaviours: each off by default, then each turned on through the options, the handle, the
 * admin API or the CLI.
 */
import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../cli/args.js";
import type { MachineJson, VolumeJson, WaitResponseJson } from "../fly/jsonTypes.js";
import { APP, OPENCLAW_IMAGE, useEmulatorHarness } from "../testing/testHarness.js";
import { connectFlyEmulator } from "./remote.js";

const harness = useEmulatorHarness();

describe("unkind behaviours, each off until turned on", () => {
  it("are all off by default", async () => {
    const emu = await harness.start();
    expect(emu.behaviours.get()).toEqual({
      failBoots: false,
      resetModelAtBoot: false,
      visibilityLagMs: 0,
      fullVolumeHosts: 0,
      regionsOutOfCapacity: [],
      refusalWindows: {},
    });
  });

  it("failBoots: a boot settles in failed with the process's exit in the last event; a wait for started,failed ends", async () => {
    const emu = await harness.start({ failBoots: true });
    const machine = await emu.createMachine(APP, { config: { restart: { policy: "on-failure", max_retries: 3 } } });
    const reply = await emu.api.get<WaitResponseJson>(
      `/apps/${APP}/machines/${machine.id}/wait?state=started,failed&timeout=10`,
    );
    expect(reply.body).toMatchObject({ ok: true, state: "failed" });
    const failed = (await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`)).body;
    expect(failed.state).toBe("failed");
    expect(failed.events?.[0]).toMatchObject({
      type: "exit",
      status: "failed",
      source: "flyd",
      request: { exit_event: { exit_code: 1 }, restart_count: 3 },
    });
    expect(emu.state.machineLogs(APP, machine.id).join("\n")).toContain("gave up after 3 restarts");
    // A wait for started alone only ends in 408s.
    const started = await emu.api.get(`/apps/${APP}/machines/${machine.id}/wait?state=started&timeout=1`);
    expect(started.status).toBe(408);
    // Turned off, the next boot works.
    emu.behaviours.set({ failBoots: false });
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`);
    expect((await emu.waitFor(APP, machine.id, "started")).state).toBe("started");
  });

  it("visibilityLagMs: a just-created volume 404s on GET for the lag, while lists show it", async () => {
    const emu = await harness.start({ visibilityLagMs: 3000 }); // 300 real ms at the test time scale
    const created = await emu.api.post<VolumeJson>(`/apps/${APP}/volumes`, { name: "agent", region: "iad" });
    expect(created.status).toBe(200);
    const early = await emu.api.get(`/apps/${APP}/volumes/${created.body.id}`);
    expect(early.status).toBe(404);
    expect(early.body).toEqual({ error: "volume not found" });
    const listed = await emu.api.get<VolumeJson[]>(`/apps/${APP}/volumes`);
    expect(listed.body.map((volume) => volume.id)).toEqual([created.body.id]);
    await emu.until(
      async () => (await emu.api.get(`/apps/${APP}/volumes/${created.body.id}`)).status,
      (status) => status === 200,
    );
  });

  it("fullVolumeHosts: a Machine on such a volume answers 412 volume_placement_capacity; the next volume is fine", async () => {
    const emu = await harness.start();
    emu.behaviours.set({ fullVolumeHosts: 1 });
    const full = await emu.createVolume(APP, { name: "agent", region: "iad" });
    const machine = (volumeId: string) =>
      emu.api.post<MachineJson>(`/apps/${APP}/machines`, {
        region: "iad",
        config: { image: OPENCLAW_IMAGE, mounts: [{ volume: volumeId, path: "/data" }] },
      });
    const refused = await machine(full.id);
    expect(refused.status).toBe(412);
    expect(refused.body).toEqual({
      error: `insufficient resources to create new machine with existing volume '${full.id}'`,
      status: "volume_placement_capacity",
    });
    expect(emu.behaviours.get().fullVolumeHosts).toBe(0);
    const other = await emu.createVolume(APP, { name: "agent", region: "iad" });
    expect((await machine(other.id)).status).toBe(200);
  });

  it("regionsOutOfCapacity: a volume create there answers 400 insufficient_capacity; other regions work", async () => {
    const emu = await harness.start({ regionsOutOfCapacity: ["iad"] });
    const refused = await emu.api.post(`/apps/${APP}/volumes`, { name: "agent", region: "iad" });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: "insufficient_capacity" });
    const machine = await emu.api.post(`/apps/${APP}/machines`, { region: "iad", config: { image: OPENCLAW_IMAGE } });
    expect(machine.status).toBe(412);
    expect(machine.body).toMatchObject({ status: "insufficient_capacity" });
    expect((await emu.api.post(`/apps/${APP}/volumes`, { name: "agent", region: "dfw" })).status).toBe(200);
    expect(emu.state.volumes(APP).map((volume) => volume.region)).toEqual(["dfw"]);
  });

  it("refusalWindows: 429 with Retry-After from the first call until the window closes, once per identifier", async () => {
    const emu = await harness.start({ timeScale: 1, refusalWindows: { Machines_create: 2500 } });
    const create = () => emu.api.post(`/apps/${APP}/machines`, { config: { image: OPENCLAW_IMAGE } });
    const first = await create();
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("3");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await create();
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("2");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await create()).status).toBe(200);
    expect((await emu.api.post(`/apps/${APP}/volumes`, { name: "v" })).status).toBe(200);
    emu.behaviours.set({ refusalWindows: { Machines_create: 2500 } }); // re-armed
    expect((await create()).status).toBe(429);
    expect(emu.state.requests().filter((request) => request.status === 429)).toHaveLength(3);
  });

  it("are changed over the admin API and read from the CLI's flags; nonsense is refused with the field named", async () => {
    const emu = await harness.start();
    const client = connectFlyEmulator(emu.url, emu.token);
    expect(await client.setBehaviours({ failBoots: true, regionsOutOfCapacity: ["ams"] })).toMatchObject({
      failBoots: true,
      regionsOutOfCapacity: ["ams"],
    });
    expect(emu.behaviours.get()).toMatchObject({ failBoots: true, regionsOutOfCapacity: ["ams"] });
    expect((await client.behaviours()).failBoots).toBe(true);
    await expect(client.setBehaviours({ fullVolumeHosts: -1 })).rejects.toThrow(/400.*fullVolumeHosts/);
    await expect(client.setBehaviours({ nonsense: true } as never)).rejects.toThrow(/400/);
    expect(() => emu.behaviours.set({ visibilityLagMs: Number.NaN })).toThrow(/visibilityLagMs/);
    expect(
      parseCliArgs([
        "--fail-boots",
        "--reset-model-at-boot",
        "--visibility-lag-ms",
        "500",
        "--full-volume-hosts=2",
        "--regions-out-of-capacity",
        "iad, dfw",
        "--refusal-window",
        "Machines_create=4000",
        "--refusal-window=Volumes_create=1000",
      ]),
    ).toEqual({
      help: false,
      options: {
        failBoots: true,
        resetModelAtBoot: true,
        visibilityLagMs: 500,
        fullVolumeHosts: 2,
        regionsOutOfCapacity: ["iad", "dfw"],
        refusalWindows: { Machines_create: 4000, Volumes_create: 1000 },
      },
    });
    expect(() => parseCliArgs(["--refusal-window", "4000"])).toThrow(/OPERATION=MS/);
  });
});
