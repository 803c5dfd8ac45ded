import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFlyEmulator, type FlyEmulator } from "../../fly-emulator/index.js";
import { FlyClient } from "./client.js";
import { FlyApiError } from "./errors.js";
import type { FlyCallRecord } from "./http.js";

let fly: FlyEmulator;
let calls: FlyCallRecord[];
let sleeps: number[];
const APP = "fly-agents-test";

function client(token = fly.token) {
  return new FlyClient({
    apiToken: token,
    appName: APP,
    baseUrl: fly.url,
    onCall: (call) => calls.push(call),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
}

beforeEach(async () => {
  fly = await startFlyEmulator({ bootTimeMs: 20, gatewayStartupMs: 20, volumeCreateMs: 10 });
  calls = [];
  sleeps = [];
});
afterEach(async () => {
  await fly.close();
});

async function failure(promise: Promise<unknown>): Promise<FlyApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FlyApiError) return error;
    throw error;
  }
  throw new Error("expected a FlyApiError");
}

describe("FlyClient over HTTP", () => {
  it("creates, waits for, execs on and destroys a machine", async () => {
    const c = client();
    const volume = await c.createVolume({ name: "fa_test", region: "iad", sizeGb: 1 });
    expect(volume.id).toMatch(/^vol_/);
    const machine = await c.createMachine({
      name: "fa-test",
      region: "iad",
      config: {
        image: "img",
        env: { OPENCLAW_GATEWAY_TOKEN: "t", LLM_MODEL: "a/b" },
        metadata: { fly_agents_key: "k1" },
      },
    });
    expect(await c.waitMachineOnce(machine.id, ["started"], 10)).toBe("started");
    expect((await c.listMachinesByMetadata("fly_agents_key", "k1")).map((m) => m.id)).toEqual([machine.id]);
    expect(await c.listMachinesByMetadata("fly_agents_key", "other")).toEqual([]);
    expect(await c.destroyMachine(machine.id, { force: true })).toBe(true);
    expect(await c.waitMachineOnce(machine.id, ["destroyed"], 10)).toBe("destroyed");
    expect(await c.destroyMachine(machine.id, { force: true })).toBe(false);
    expect(calls.every((call) => call.requestId)).toBe(true);
  });

  it("reports exec failures through exit_code, not the HTTP status", async () => {
    const c = client();
    const machine = await c.createMachine({
      name: "m",
      region: "iad",
      config: { image: "img", env: { OPENCLAW_GATEWAY_TOKEN: "t" } },
    });
    await c.waitMachineOnce(machine.id, ["started"], 10);
    const result = await c.execMachine(machine.id, ["sh", "-c", "exit 3"], { idempotent: false });
    expect(result.exit_code).not.toBe(0);
  });

  it("turns a 408 from wait into 'wait again'", async () => {
    const c = client();
    const machine = await c.createMachine({ name: "m", region: "iad", config: { image: "img" } });
    fly.faults.add({
      operationId: "Machines_wait",
      action: { status: 408, body: { error: "deadline_exceeded: timeout" } },
    });
    expect(await c.waitMachineOnce(machine.id, ["started"], 1)).toBeNull();
    expect(await c.waitMachineOnce(machine.id, ["started"], 10)).toBe("started");
  });

  it("retries 5xx and 429 on idempotent calls, with at least a second after a 429", async () => {
    const c = client();
    fly.faults.add({ operationId: "Volumes_list", times: 2, action: { status: 503, body: { error: "unavailable" } } });
    expect(await c.listVolumes()).toEqual([]);
    fly.faults.add({ operationId: "Volumes_list", action: { status: 429, body: { error: "rate limit exceeded" } } });
    expect(await c.listVolumes()).toEqual([]);
    expect(sleeps.at(-1)).toBeGreaterThanOrEqual(1_000);
  });

  it("honours Retry-After", async () => {
    const c = client();
    fly.faults.add({
      operationId: "Volumes_list",
      action: { status: 429, body: { error: "rate limit exceeded" }, headers: { "Retry-After": "3" } },
    });
    await c.listVolumes();
    expect(sleeps).toEqual([3_000]);
  });

  it("never repeats a create on its own", async () => {
    const c = client();
    fly.faults.add({
      operationId: "Machines_create",
      when: "after",
      action: { status: 500, body: { error: "internal" } },
    });
    const error = await failure(c.createMachine({ name: "m", region: "iad", config: { image: "img" } }));
    expect(error.status).toBe(500);
    expect(calls.filter((call) => call.operationId === "Machines_create")).toHaveLength(1);
    expect(fly.state.liveResources(APP).machines).toHaveLength(1);
  });

  it("gives up after the last attempt and says what failed, with Fly's request id", async () => {
    const c = client();
    fly.faults.add({ operationId: "Volumes_list", times: 10, action: { status: 502, body: { error: "bad gateway" } } });
    const error = await failure(c.listVolumes());
    expect(error).toMatchObject({ status: 502, flyError: "bad gateway", operationId: "Volumes_list" });
    expect(error.requestId).toBeTruthy();
    expect(error.message).toContain(`fly-request-id ${error.requestId}`);
    expect(calls).toHaveLength(5);
  });

  it("survives a dropped connection on an idempotent call and reports one on a create", async () => {
    const c = client();
    fly.faults.add({ operationId: "Volumes_list", action: { drop: true } });
    expect(await c.listVolumes()).toEqual([]);
    fly.faults.add({ operationId: "Volumes_create", action: { drop: true } });
    const error = await failure(c.createVolume({ name: "fa_x", region: "iad", sizeGb: 1 }));
    expect(error.status).toBe(0);
    expect(error.transient).toBe(true);
  });

  it("does not retry a 4xx, and keeps Fly's error text and status", async () => {
    const c = client();
    const error = await failure(c.createVolume({ name: "Not Valid!", region: "iad", sizeGb: 1 }));
    expect(error.status).toBe(400);
    expect(calls).toHaveLength(1);
    const missing = await failure(c.getMachine("0123456789abcd"));
    expect(missing.notFound).toBe(true);
  });

  it("rejects a response that does not match Fly's contract", async () => {
    const c = client();
    fly.faults.add({ operationId: "Volumes_get_by_id", action: { status: 200, body: { unexpected: true } } });
    const error = await failure(c.getVolume("vol_whatever"));
    expect(error.message).toMatch(/unexpected response shape/);
  });

  it("never puts the token in an error, even if Fly echoed it", async () => {
    const c = client();
    fly.faults.add({
      operationId: "Volumes_list",
      times: 10,
      action: { status: 400, body: { error: `bad token ${fly.token}` } },
    });
    const error = await failure(c.listVolumes());
    expect(error.message).not.toContain(fly.token);
    expect(error.message).toContain("[redacted]");
    fly.faults.clear();
    const unauthorized = await failure(client("wrong-token-value").listVolumes());
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.message).not.toContain("wrong-token-value");
  });

  it("clamps wait timeouts to Fly's 60 s maximum", async () => {
    const c = client();
    const machine = await c.createMachine({ name: "m", region: "iad", config: { image: "img" } });
    await c.waitMachineOnce(machine.id, ["started"], 600);
    const wait = fly.state.requests().find((request) => request.operationId === "Machines_wait");
    expect(wait?.status).toBe(200);
  });

  it("reads the lease nonce from data.nonce and releases it", async () => {
    const c = client();
    const machine = await c.createMachine({ name: "m", region: "iad", config: { image: "img" } });
    const nonce = await c.acquireLease(machine.id, 30, "test");
    expect(nonce).toBeTruthy();
    const held = await failure(c.acquireLease(machine.id, 30, "again"));
    expect(held.status).toBe(409);
    await c.releaseLease(machine.id, nonce);
    await c.releaseLease(machine.id, await c.acquireLease(machine.id, 30, "after release"));
  });
});
