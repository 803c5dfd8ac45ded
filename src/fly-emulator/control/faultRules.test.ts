/**
 * Tests of fault injection: rules by operationId, path, body and order, before or after the work, and seeded random
 * faults.
 */
import { describe, expect, it } from "vitest";
import { APP, OPENCLAW_IMAGE, useEmulatorHarness } from "../testing/testHarness.js";
import { connectFlyEmulator } from "./remote.js";

const harness = useEmulatorHarness();
const CREATE = { config: { image: OPENCLAW_IMAGE } };

describe("fault rules", () => {
  it("'before' answers the fault without doing the work", async () => {
    const emu = await harness.start();
    const id = emu.faults.add({
      operationId: "Machines_create",
      action: { status: 503, body: { error: "unavailable: try again" }, headers: { "x-extra": "1" } },
    });
    const failed = await emu.api.post(`/apps/${APP}/machines`, CREATE);
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ error: "unavailable: try again" });
    expect(failed.headers.get("x-extra")).toBe("1");
    expect(failed.headers.get("fly-request-id")).toBeTruthy();
    expect(emu.state.machines(APP)).toHaveLength(0);
    expect((await emu.api.post(`/apps/${APP}/machines`, CREATE)).status).toBe(200);
    expect(emu.faults.fired()).toEqual([
      expect.objectContaining({
        ruleId: id,
        requestSeq: 1,
        method: "POST",
        operationId: "Machines_create",
        when: "before",
      }),
    ]);
    expect(emu.state.requests()[0]).toMatchObject({
      status: 503,
      handledStatus: null,
      fault: expect.objectContaining({ ruleId: id }),
    });
  });

  it("'after' does the work, then replaces the reply (a 408 after create leaves a Machine behind)", async () => {
    const emu = await harness.start();
    emu.faults.add({
      method: "POST",
      path: `/v1/apps/${APP}/machines`,
      when: "after",
      action: { status: 408, body: { error: "deadline_exceeded: request timed out" } },
    });
    const reply = await emu.api.post(`/apps/${APP}/machines`, CREATE);
    expect(reply.status).toBe(408);
    expect(emu.state.machines(APP)).toHaveLength(1);
    expect(emu.state.requests()[0]).toMatchObject({ status: 408, handledStatus: 200 });
  });

  it("drops the connection, before or after the work", async () => {
    const emu = await harness.start();
    emu.faults.add({ operationId: "Machines_create", action: { drop: true } });
    emu.faults.add({ operationId: "Machines_create", nth: 2, when: "after", action: { drop: true } });
    await expect(emu.api.post(`/apps/${APP}/machines`, CREATE)).rejects.toThrow();
    expect(emu.state.machines(APP)).toHaveLength(0);
    await expect(emu.api.post(`/apps/${APP}/machines`, CREATE)).rejects.toThrow();
    expect(emu.state.machines(APP)).toHaveLength(1);
    expect(emu.state.requests().map((entry) => entry.status)).toEqual([null, null]);
  });

  it("adds latency (real milliseconds) and still answers", async () => {
    const emu = await harness.start();
    emu.faults.add({ operationId: "Machines_list", action: { latencyMs: 120 } });
    const began = Date.now();
    const reply = await emu.api.get(`/apps/${APP}/machines`);
    expect(reply.status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(110);
    expect(emu.state.requests()[0].fault).toMatchObject({ action: { latencyMs: 120 } });
  });

  it("fires on the nth matching request, for `times` consecutive ones", async () => {
    const emu = await harness.start();
    emu.faults.add({ path: "/v1/apps/*/machines", method: "GET", nth: 2, times: 2, action: { status: 500 } });
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push((await emu.api.get(`/apps/${APP}/machines`)).status);
    expect(got).toEqual([200, 500, 500, 200, 200]);
    expect((await emu.api.get(`/apps/${APP}/machines`)).body).toEqual([]);
  });

  it("matches paths by * wildcard or RegExp, ignoring the query, and only the given method", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    emu.faults.add({ path: /\/machines\/[0-9a-f]{14}$/, method: "GET", times: 10, action: { status: 502 } });
    emu.faults.add({ path: `/v1/apps/${APP}/machines/*/wait`, action: { status: 500 } });
    expect((await emu.api.get(`/apps/${APP}/machines/${machine.id}?include_leases=true`)).status).toBe(502);
    expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`)).status).toBe(200);
    expect((await emu.api.get(`/apps/${APP}/machines/${machine.id}/wait?state=started`)).status).toBe(500);
  });

  it("matches only requests whose body contains bodyIncludes, also when the rule comes over the admin API", async () => {
    const emu = await harness.start();
    emu.faults.add({ operationId: "Machines_create", bodyIncludes: '"name":"second"', action: { status: 503 } });
    expect((await emu.api.post(`/apps/${APP}/machines`, { ...CREATE, name: "first" })).status).toBe(200);
    expect((await emu.api.post(`/apps/${APP}/machines`, { ...CREATE, name: "second" })).status).toBe(503);
    const client = connectFlyEmulator(emu.url, emu.token);
    await client.addFault({ operationId: "Machines_create", bodyIncludes: "third", action: { status: 502 } });
    expect((await emu.api.post(`/apps/${APP}/machines`, { ...CREATE, name: "fourth" })).status).toBe(200);
    expect((await emu.api.post(`/apps/${APP}/machines`, { ...CREATE, name: "third" })).status).toBe(502);
  });

  it("removes one rule, clears all, and lists the rules", async () => {
    const emu = await harness.start();
    const a = emu.faults.add({ operationId: "Machines_list", times: 5, action: { status: 500 } });
    emu.faults.add({ operationId: "Volumes_list", times: 5, action: { status: 500 } });
    expect(emu.faults.list().map((rule) => rule.id)).toHaveLength(2);
    expect(emu.faults.remove(a)).toBe(true);
    expect(emu.faults.remove(a)).toBe(false);
    expect((await emu.api.get(`/apps/${APP}/machines`)).status).toBe(200);
    expect((await emu.api.get(`/apps/${APP}/volumes`)).status).toBe(500);
    emu.faults.clear();
    expect((await emu.api.get(`/apps/${APP}/volumes`)).status).toBe(200);
    expect(() => emu.faults.add({ nth: 0, action: { status: 500 } })).toThrow(/nth/);
    expect(() => emu.faults.add({ action: { status: 42 } })).toThrow(/status/);
  });

  it("applies before auth, so a faulted request fails the same for any caller", async () => {
    const emu = await harness.start();
    emu.faults.add({ operationId: "Machines_list", action: { status: 429, body: { error: "rate limit exceeded" } } });
    expect((await emu.api.get(`/apps/${APP}/machines`, { noAuth: true })).status).toBe(429);
  });
});

describe("seeded random faults", () => {
  async function run(seed: number): Promise<Array<number | null>> {
    const emu = await harness.start({
      randomFaults: { seed, rate: 0.5, kinds: ["500", "503", "429", "drop"], operationIds: ["Machines_list"] },
    });
    const outcomes: Array<number | null> = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(
        await emu.api.get(`/apps/${APP}/machines`).then(
          (reply) => reply.status,
          () => null,
        ),
      );
    }
    expect((await emu.api.get(`/apps/${APP}/volumes`)).status).toBe(200);
    expect(
      emu.faults.fired().every((fault) => fault.ruleId === "random" && fault.operationId === "Machines_list"),
    ).toBe(true);
    await emu.close();
    return outcomes;
  }

  it("are deterministic for a seed, restricted to the given operations and kinds", async () => {
    const first = await run(7);
    const second = await run(7);
    expect(second).toEqual(first);
    expect(first.filter((status) => status === 200).length).toBeGreaterThan(2);
    expect(first.some((status) => status !== 200)).toBe(true);
    for (const status of first) expect([200, 500, 503, 429, null]).toContain(status);
    expect(await run(8)).not.toEqual(first);
  });

  it("can strike after the work was done", async () => {
    const emu = await harness.start({ randomFaults: { seed: 3, rate: 1, kinds: ["500"] } });
    for (let i = 0; i < 10; i++) await emu.api.post(`/apps/${APP}/machines`, CREATE);
    const fired = emu.faults.fired();
    expect(fired).toHaveLength(10);
    const afterCount = fired.filter((fault) => fault.when === "after").length;
    expect(emu.state.machines(APP)).toHaveLength(afterCount);
    expect(afterCount).toBeGreaterThan(0);
    expect(afterCount).toBeLessThan(10);
  });
});
