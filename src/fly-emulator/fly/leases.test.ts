/** Tests of Machine leases: acquire, refresh, release, and changes to a leased Machine refused without its nonce. */
import { describe, expect, it } from "vitest";
import { APP, useEmulatorHarness } from "../testing/testHarness.js";
import type { LeaseEnvelopeJson, MachineJson } from "./jsonTypes.js";

const harness = useEmulatorHarness();
const NONCE = "fly-machine-lease-nonce";

describe("leases", () => {
  it("acquires with 201 {status:'success', data:{nonce, expires_at, owner, version}}", async () => {
    const emu = await harness.start({ leaseOwner: "ops@example.com" });
    const machine = await emu.createMachine(APP);
    const before = Math.floor(Date.now() / 1000);
    const reply = await emu.api.post<LeaseEnvelopeJson>(`/apps/${APP}/machines/${machine.id}/lease`, {
      ttl: 60,
      description: "deploy",
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      status: "success",
      data: {
        nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
        expires_at: expect.any(Number),
        owner: "ops@example.com",
        version: machine.instance_id,
        description: "deploy",
      },
    });
    expect(reply.body.data.expires_at).toBeGreaterThanOrEqual(before);
    const shown = await emu.api.get<LeaseEnvelopeJson>(`/apps/${APP}/machines/${machine.id}/lease`);
    expect(shown.status).toBe(200);
    expect(shown.body.data.nonce).toBe(reply.body.data.nonce);
    const withLease = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}?include_leases=true`);
    expect(withLease.body.lease).toMatchObject({ owner: "ops@example.com", description: "deploy" });
    const without = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
    expect(without.body.lease).toBeUndefined();
  });

  it("answers 409 in the lease error shape while another holds it, and refreshes with the nonce header", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    const first = await emu.api.post<LeaseEnvelopeJson>(`/apps/${APP}/machines/${machine.id}/lease?ttl=30`);
    const conflict = await emu.api.post(`/apps/${APP}/machines/${machine.id}/lease`, { ttl: 30 });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({
      status: "error",
      message: expect.stringContaining("lease currently held by"),
      code: "invalid",
    });
    const refreshed = await emu.api.post<LeaseEnvelopeJson>(
      `/apps/${APP}/machines/${machine.id}/lease`,
      { ttl: 600 },
      { headers: { [NONCE]: first.body.data.nonce } },
    );
    expect(refreshed.status).toBe(201);
    expect(refreshed.body.data.nonce).toBe(first.body.data.nonce);
    expect(refreshed.body.data.expires_at).toBeGreaterThan(first.body.data.expires_at);
  });

  it("404s GET when there is no lease; DELETE needs the right nonce", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    const none = await emu.api.get(`/apps/${APP}/machines/${machine.id}/lease`);
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ message: "lease not found" });
    const lease = await emu.api.post<LeaseEnvelopeJson>(`/apps/${APP}/machines/${machine.id}/lease`, { ttl: 30 });
    expect((await emu.api.delete(`/apps/${APP}/machines/${machine.id}/lease`)).status).toBe(400);
    expect(
      (await emu.api.delete(`/apps/${APP}/machines/${machine.id}/lease`, { headers: { [NONCE]: "wrong" } })).status,
    ).toBe(409);
    const released = await emu.api.delete(`/apps/${APP}/machines/${machine.id}/lease`, {
      headers: { [NONCE]: lease.body.data.nonce },
    });
    expect(released.status).toBe(200);
    expect((await emu.api.get(`/apps/${APP}/machines/${machine.id}/lease`)).status).toBe(404);
  });

  it("expires after the ttl (scaled)", async () => {
    const emu = await harness.start({ timeScale: 0.05 });
    const machine = await emu.createMachine(APP);
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/lease`, { ttl: 2 });
    await emu.until(
      () => emu.api.get(`/apps/${APP}/machines/${machine.id}/lease`),
      (reply) => reply.status === 404,
      2000,
    );
    expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/lease`, { ttl: 2 })).status).toBe(201);
  });

  it("refuses start, stop, restart, suspend, update, destroy, metadata writes and exec with 409 unless the nonce matches", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { lease_ttl: 60 });
    await emu.waitFor(APP, machine.id, "started");
    const base = `/apps/${APP}/machines/${machine.id}`;
    const attempts: Array<[string, string, unknown]> = [
      ["POST", `${base}/stop`, undefined],
      ["POST", `${base}/start`, undefined],
      ["POST", `${base}/restart`, undefined],
      ["POST", `${base}/suspend`, undefined],
      ["POST", base, { config: { image: "x" } }],
      ["DELETE", `${base}?force=true`, undefined],
      ["POST", `${base}/metadata/k`, { value: "v" }],
      ["DELETE", `${base}/metadata/k`, undefined],
      ["PUT", `${base}/metadata`, { metadata: {} }],
      ["PATCH", `${base}/metadata`, { metadata: {} }],
      ["POST", `${base}/exec`, { command: ["node", "./openclaw.mjs", "models", "status"] }],
    ];
    for (const [method, path, body] of attempts) {
      const missing = await emu.api.call<{ error: string }>(method, path, body);
      expect(missing.status, `${method} ${path}`).toBe(409);
      expect(missing.body.error).toContain("lease currently held by");
      const stale = await emu.api.call(method, path, body, { headers: { [NONCE]: "0".repeat(32) } });
      expect(stale.status, `${method} ${path}`).toBe(409);
    }
    expect(emu.state.machine(APP, machine.id)?.state).toBe("started");
    const allowed = await emu.api.post(
      `${base}/metadata/k`,
      { value: "v" },
      { headers: { [NONCE]: machine.nonce ?? "" } },
    );
    expect(allowed.status).toBe(204);
    const stopped = await emu.api.post(`${base}/stop`, undefined, { headers: { [NONCE]: machine.nonce ?? "" } });
    expect(stopped.status).toBe(200);
    const reads = await emu.api.get(`${base}/metadata`);
    expect(reads.status).toBe(200);
  });
});
