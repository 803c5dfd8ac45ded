/** Tests of the Machine metadata endpoints. */
import { describe, expect, it } from "vitest";
import { APP, useEmulatorHarness } from "../testing/testHarness.js";
import type { MachineJson } from "./jsonTypes.js";

const harness = useEmulatorHarness();

describe("metadata", () => {
  it("reads the map and single keys from config.metadata", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { config: { metadata: { owner: "u1" } } });
    const base = `/apps/${APP}/machines/${machine.id}/metadata`;
    expect((await emu.api.get(base)).body).toEqual({ owner: "u1" });
    expect((await emu.api.get(`${base}/owner`)).body).toEqual({ value: "u1" });
    const missing = await emu.api.get(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: "metadata key not found" });
  });

  it("upserts and deletes keys with 204, visible in config.metadata", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    const base = `/apps/${APP}/machines/${machine.id}/metadata`;
    const upsert = await emu.api.post(`${base}/fly-agents.user`, { value: "u 42" });
    expect(upsert.status).toBe(204);
    expect(upsert.text).toBe("");
    const got = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
    expect(got.body.config?.metadata).toEqual({ "fly-agents.user": "u 42" });
    expect(got.body.instance_id).toBe(machine.instance_id);
    expect((await emu.api.post(`${base}/k`, { value: 5 })).status).toBe(400);
    expect((await emu.api.delete(`${base}/fly-agents.user`)).status).toBe(204);
    expect((await emu.api.delete(`${base}/absent`)).status).toBe(204);
    expect((await emu.api.get(base)).body).toEqual({});
  });

  it("PUT replaces and PATCH merges, both 204; a stale machine_version answers 412", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { config: { metadata: { a: "1", b: "2" } } });
    const base = `/apps/${APP}/machines/${machine.id}/metadata`;
    const patch = await emu.api.call("PATCH", base, {
      metadata: { b: "3", c: "4" },
      machine_version: machine.instance_id,
    });
    expect(patch.status).toBe(204);
    expect((await emu.api.get(base)).body).toEqual({ a: "1", b: "3", c: "4" });
    const put = await emu.api.call("PUT", base, { metadata: { z: "9" } });
    expect(put.status).toBe(204);
    expect((await emu.api.get(base)).body).toEqual({ z: "9" });
    const stale = await emu.api.call<{ error: string }>("PUT", base, { metadata: {}, machine_version: "01OLDVERSION" });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatch(/^failed_precondition: /);
    expect((await emu.api.call("PUT", base, { metadata: { x: 1 } })).status).toBe(400);
  });

  it("is replaced by a config update, and filters the machine list", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { config: { metadata: { owner: "u1" } }, skip_launch: true });
    await emu.api.post(`/apps/${APP}/machines/${machine.id}`, { config: { image: "x", metadata: { owner: "u2" } } });
    const list = await emu.api.get<MachineJson[]>(`/apps/${APP}/machines?metadata.owner=u2`);
    expect(list.body.map((m) => m.id)).toEqual([machine.id]);
  });
});
