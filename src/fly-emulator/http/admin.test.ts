/** Tests of the `/__emulator` driving API and of `connectFlyEmulator`, its client. */
import { describe, expect, it } from "vitest";
import { connectFlyEmulator } from "../index.js";
import { APP, useEmulatorHarness } from "../testing/testHarness.js";

const harness = useEmulatorHarness();
const GATEWAY_ENV = { OPENCLAW_GATEWAY_TOKEN: "gw", LLM_MODEL: "a/b" };

describe("the /__emulator driving API", () => {
  it("is token-protected and not part of the request log", async () => {
    const emu = await harness.start();
    const denied = await fetch(`${emu.origin}/__emulator/state`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get("fly-request-id")).toBeTruthy();
    const allowed = await fetch(`${emu.origin}/__emulator/state`, {
      headers: { authorization: `Bearer ${emu.token}` },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ apps: [APP], machines: [], volumes: [], snapshots: {} });
    const unknown = await fetch(`${emu.origin}/__emulator/nothing`, {
      headers: { authorization: `Bearer ${emu.token}` },
    });
    expect(unknown.status).toBe(404);
    expect(emu.state.requests()).toEqual([]);
    await expect(connectFlyEmulator(emu.url, "wrong").state()).rejects.toThrow(/401/);
  });

  it("drives apps, pairing codes, logs, agent state, out-of-band destroy and live resources", async () => {
    const emu = await harness.start();
    const client = connectFlyEmulator(emu.url, emu.token);
    expect(client.url).toBe(emu.url);
    await client.createApp("host-app");
    expect((await client.state()).apps).toEqual([APP, "host-app"]);
    await expect(client.createApp("Not Valid")).rejects.toThrow(/400/);

    const volume = await emu.createVolume(APP, { name: "agent" });
    const machine = await emu.createMachine(APP, {
      config: { env: GATEWAY_ENV, mounts: [{ volume: volume.id, path: "/data" }] },
    });
    await emu.waitFor(APP, machine.id, "started");
    await emu.until(
      () => client.gateway(APP, machine.id),
      (gateway) => gateway?.ready === true,
    );
    const code = await client.issuePairingCode(APP, machine.id);
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    expect(await client.agentState(volume.id)).toEqual({
      model: "a/b",
      stateFormat: 1,
      writtenBy: "2026.1",
      approvedPairings: [],
      pendingPairingCodes: [code],
    });
    expect(await client.agentState("vol_unknown")).toBeNull();
    expect(await client.machineLogs(APP, machine.id)).toContain("[gateway] listening on ws://0.0.0.0:3000");
    await expect(client.machineLogs(APP, "00000000000000")).rejects.toThrow(/404/);

    expect((await client.liveResources(APP)).machines.map((m) => m.id)).toEqual([machine.id]);
    await client.destroyMachineOutOfBand(APP, machine.id);
    await emu.waitFor(APP, machine.id, "destroyed");
    expect((await client.liveResources()).machines).toEqual([]);
    expect((await client.liveResources(APP)).volumes.map((v) => v.id)).toEqual([volume.id]);
  });

  it("drives faults (including RegExp paths) and reads requests and call counts", async () => {
    const emu = await harness.start();
    const client = connectFlyEmulator(emu.origin, emu.token);
    const id = await client.addFault({
      path: /\/machines$/,
      method: "GET",
      action: { status: 500, body: { error: "internal: boom" } },
    });
    expect(await client.faults()).toEqual([
      {
        id,
        pathRegExp: "\\/machines$",
        pathFlags: "",
        method: "GET",
        action: { status: 500, body: { error: "internal: boom" } },
      },
    ]);
    expect((await emu.api.get(`/apps/${APP}/machines`)).status).toBe(500);
    expect(await client.firedFaults()).toEqual([expect.objectContaining({ ruleId: id, operationId: "Machines_list" })]);
    expect((await client.requests()).map((entry) => entry.status)).toEqual([500]);
    expect(await client.callCounts()).toEqual({ Machines_list: 1 });
    expect(await client.removeFault(id)).toBe(true);
    expect(await client.removeFault(id)).toBe(false);
    await client.addFault({ path: "/v1/apps/*/volumes", action: { status: 503 } });
    await client.clearFaults();
    expect(await client.faults()).toEqual([]);
    expect((await emu.api.get(`/apps/${APP}/volumes`)).status).toBe(200);
    await client.resetRequests();
    expect(await client.requests()).toEqual([]);
    const bad = await fetch(`${emu.origin}/__emulator/faults`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ action: { nope: true } }),
    });
    expect(bad.status).toBe(400);
  });
});
