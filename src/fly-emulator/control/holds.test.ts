/** Tests of holds: a request, or its answer, kept until the test releases it. */
import { describe, expect, it } from "vitest";
import { APP, OPENCLAW_IMAGE, useEmulatorHarness } from "../testing/testHarness.js";

const harness = useEmulatorHarness();
const CREATE = { config: { image: OPENCLAW_IMAGE } };

/** True when `promise` is still pending after a few event-loop turns. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const winner = await Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(marker), 50))]);
  return winner === marker;
}

describe("holds", () => {
  it("'before' keeps the request from Fly until it is released", async () => {
    const emu = await harness.start();
    const hold = emu.holds.add({ operationId: "Machines_create" });
    const reply = emu.api.post(`/apps/${APP}/machines`, CREATE);
    expect(await hold.reached()).toMatchObject({ method: "POST", operationId: "Machines_create", when: "before" });
    expect(hold.holding).toBe(true);
    expect(await pending(reply)).toBe(true);
    expect(emu.state.machines(APP)).toHaveLength(0);
    hold.release();
    expect((await reply).status).toBe(200);
    expect(emu.state.machines(APP)).toHaveLength(1);
    expect(hold.holding).toBe(false);
  });

  it("'after' lets Fly do the work and keeps its answer", async () => {
    const emu = await harness.start();
    const hold = emu.holds.add({ operationId: "Machines_create", when: "after" });
    const reply = emu.api.post(`/apps/${APP}/machines`, CREATE);
    await hold.reached();
    expect(emu.state.machines(APP)).toHaveLength(1);
    expect(await pending(reply)).toBe(true);
    hold.release();
    expect((await reply).status).toBe(200);
  });

  it("holds only the nth matching request, once, and lets others pass meanwhile", async () => {
    const emu = await harness.start();
    const hold = emu.holds.add({ method: "POST", path: `/v1/apps/${APP}/machines`, nth: 2 });
    expect((await emu.api.post(`/apps/${APP}/machines`, CREATE)).status).toBe(200);
    const second = emu.api.post(`/apps/${APP}/machines`, CREATE);
    await hold.reached();
    expect((await emu.api.get(`/apps/${APP}/machines`)).status).toBe(200);
    expect((await emu.api.post(`/apps/${APP}/machines`, CREATE)).status).toBe(200);
    expect(emu.state.machines(APP)).toHaveLength(2);
    hold.release();
    expect((await second).status).toBe(200);
    expect(emu.state.machines(APP)).toHaveLength(3);
  });

  it("a hold released before it is reached holds nothing", async () => {
    const emu = await harness.start();
    const hold = emu.holds.add({ operationId: "Machines_create" });
    hold.release();
    expect((await emu.api.post(`/apps/${APP}/machines`, CREATE)).status).toBe(200);
    expect(hold.holding).toBe(false);
  });

  it("closing the emulator releases what it holds, so closing never hangs", async () => {
    const emu = await harness.start();
    const hold = emu.holds.add({ operationId: "Machines_create" });
    const reply = emu.api.post(`/apps/${APP}/machines`, CREATE).catch((error: unknown) => error);
    await hold.reached();
    await emu.close();
    expect(hold.holding).toBe(false);
    await reply;
  });

  it("refuses an nth that is not a whole number from 1", async () => {
    const emu = await harness.start();
    expect(() => emu.holds.add({ nth: 0 })).toThrow(/whole number from 1/);
  });
});
