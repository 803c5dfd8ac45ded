/** Tests of the wait endpoint: long polls, `settled`, versions, 408 on timeout, 404 when the Machine goes. */
import { describe, expect, it } from "vitest";
import { APP, useEmulatorHarness } from "../testing/testHarness.js";
import type { WaitResponseJson } from "./jsonTypes.js";

const harness = useEmulatorHarness();

describe("machine wait", () => {
  it("long-polls until started (the default state) and answers {ok, state, version, event_id}", async () => {
    const emu = await harness.start({ bootTimeMs: 1000 });
    const machine = await emu.createMachine(APP);
    const began = Date.now();
    const reply = await emu.api.get<WaitResponseJson>(`/apps/${APP}/machines/${machine.id}/wait`);
    expect(Date.now() - began).toBeGreaterThanOrEqual(80);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ok: true,
      state: "started",
      version: machine.instance_id,
      event_id: expect.stringMatching(/^[0-9A-Z]{26}$/),
    });
    expect(emu.state.machine(APP, machine.id)?.events?.[0].id).toBe(reply.body.event_id);
  });

  it("accepts comma-separated and repeated states, and answers at once when already there", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`);
    await emu.waitFor(APP, machine.id, "started");
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`);
    const comma = await emu.api.get<WaitResponseJson>(
      `/apps/${APP}/machines/${machine.id}/wait?state=suspended,stopped&timeout=5`,
    );
    expect(comma.body.state).toBe("stopped");
    const repeated = await emu.api.get<WaitResponseJson>(
      `/apps/${APP}/machines/${machine.id}/wait?state=failed&state=stopped&timeout=5`,
    );
    expect(repeated.body.state).toBe("stopped");
  });

  it("waits for settled: no transition under way", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    const settled = await emu.waitFor(APP, machine.id, "settled");
    expect(settled.state).toBe("started");
  });

  it("rejects a timeout over 60 or under 1, and an unknown state, with 400 invalid_argument", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    for (const query of ["timeout=61", "timeout=0", "timeout=abc", "state=running"]) {
      const reply = await emu.api.get<{ error: string }>(`/apps/${APP}/machines/${machine.id}/wait?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatch(/^invalid_argument: /);
    }
  });

  it("answers 408 deadline_exceeded when the timeout (scaled) runs out", async () => {
    const emu = await harness.start({ timeScale: 0.05 });
    const machine = await emu.createMachine(APP, { skip_launch: true });
    const began = Date.now();
    const reply = await emu.api.get<{ error: string }>(
      `/apps/${APP}/machines/${machine.id}/wait?state=started&timeout=2`,
    );
    expect(reply.status).toBe(408);
    expect(reply.body.error).toMatch(/^deadline_exceeded: /);
    expect(Date.now() - began).toBeGreaterThanOrEqual(90);
    expect(Date.now() - began).toBeLessThan(1500);
  });

  it("404s an unknown Machine", async () => {
    const emu = await harness.start();
    const reply = await emu.api.get(`/apps/${APP}/machines/00000000000000/wait?state=started`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: "machine not found" });
  });

  it("answers destroyed while retained, and 404 once the Machine is gone (callers treat it as success)", async () => {
    const emu = await harness.start({ destroyedRetentionMs: 300 });
    const machine = await emu.createMachine(APP, { skip_launch: true });
    const pending = emu.api.get<WaitResponseJson>(
      `/apps/${APP}/machines/${machine.id}/wait?state=destroyed&timeout=10`,
    );
    await emu.api.delete(`/apps/${APP}/machines/${machine.id}`);
    expect((await pending).body.state).toBe("destroyed");
    await emu.until(
      () => emu.state.machine(APP, machine.id),
      (found) => found === undefined,
    );
    const gone = await emu.api.get(`/apps/${APP}/machines/${machine.id}/wait?state=destroyed`);
    expect(gone.status).toBe(404);
  });

  it("answers 404 to a pending wait when the Machine disappears", async () => {
    const emu = await harness.start({ destroyedRetentionMs: 0 });
    const machine = await emu.createMachine(APP, { skip_launch: true });
    const pending = emu.api.get(`/apps/${APP}/machines/${machine.id}/wait?state=started&timeout=10`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    emu.state.destroyMachineOutOfBand(APP, machine.id);
    expect((await pending).status).toBe(404);
  });

  it("matches only the given version, and only events after from_event_id", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP);
    const first = await emu.waitFor(APP, machine.id, "started");
    const sameVersion = await emu.api.get<WaitResponseJson>(
      `/apps/${APP}/machines/${machine.id}/wait?state=started&version=${machine.instance_id}&timeout=5`,
    );
    expect(sameVersion.status).toBe(200);
    const otherVersion = await emu.api.get(
      `/apps/${APP}/machines/${machine.id}/wait?state=started&version=01OTHER&timeout=1`,
    );
    expect(otherVersion.status).toBe(408);
    const afterEvent = emu.api.get<WaitResponseJson>(
      `/apps/${APP}/machines/${machine.id}/wait?state=started&from_event_id=${first.event_id}&timeout=5`,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await emu.api.post(`/apps/${APP}/machines/${machine.id}/restart`);
    const next = await afterEvent;
    expect(next.status).toBe(200);
    expect(next.body.event_id).not.toBe(first.event_id);
  });

  it("stops waiting when the client goes away", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    const controller = new AbortController();
    const pending = fetch(`${emu.url}/apps/${APP}/machines/${machine.id}/wait?state=started&timeout=30`, {
      headers: { authorization: `Bearer ${emu.token}` },
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    const entry = await emu.until(
      () => emu.state.requests().find((request) => request.operationId === "Machines_wait"),
      (found) => found !== undefined,
    );
    expect(entry?.status).toBeNull();
  });
});
