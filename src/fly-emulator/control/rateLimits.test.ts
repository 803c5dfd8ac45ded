/** Tests of Fly's rate limits as the emulator enforces them: buckets per action and id, refill, Retry-After. */
import { describe, expect, it } from "vitest";
import { APP, type TestEmulator, useEmulatorHarness } from "../testing/testHarness.js";

const harness = useEmulatorHarness();

async function statuses(emu: TestEmulator, count: number, path: string): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) result.push((await emu.api.get(path)).status);
  return result;
}

describe("rate limits", () => {
  it("are off by default", async () => {
    const emu = await harness.start();
    expect(await statuses(emu, 8, `/apps/${APP}/machines`)).toEqual(Array(8).fill(200));
  });

  it("allow a burst of 3 per action and app, then 429 rate limit exceeded", async () => {
    const emu = await harness.start({ rateLimits: true, timeScale: 10 });
    expect(await statuses(emu, 4, `/apps/${APP}/machines`)).toEqual([200, 200, 200, 429]);
    const limited = await emu.api.get(`/apps/${APP}/machines`);
    expect(limited.body).toEqual({ error: "rate limit exceeded" });
    expect(limited.headers.get("retry-after")).toBeNull();
    expect((await emu.api.get(`/apps/${APP}/volumes`)).status).toBe(200);
  });

  it("count per Machine for Machine-scoped actions, and give Machines_show 5/s burst 10", async () => {
    // timeScale 10 slows the refill tenfold, so a slow CI machine still sends 11 requests before a token is back.
    const emu = await harness.start({ rateLimits: true, timeScale: 10 });
    emu.state.createApp("second-app");
    const a = await emu.createMachine(APP, { skip_launch: true });
    const b = await emu.createMachine(APP, { skip_launch: true });
    expect(await statuses(emu, 11, `/apps/${APP}/machines/${a.id}`)).toEqual([...Array(10).fill(200), 429]);
    expect((await emu.api.get(`/apps/${APP}/machines/${b.id}`)).status).toBe(200);
    expect(await statuses(emu, 4, `/apps/${APP}/machines/${a.id}/metadata`)).toEqual([200, 200, 200, 429]);
    expect((await emu.api.get(`/apps/second-app/machines`)).status).toBe(200);
  });

  it("refill over (scaled) time", async () => {
    const emu = await harness.start({ rateLimits: true, timeScale: 0.2 });
    expect(await statuses(emu, 4, `/apps/${APP}/machines`)).toEqual([200, 200, 200, 429]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await emu.api.get(`/apps/${APP}/machines`)).status).toBe(200);
  });

  it("can send Retry-After and use custom rules", async () => {
    const emu = await harness.start({
      timeScale: 1,
      rateLimits: {
        retryAfterHeader: true,
        default: { perSecond: 0.5, burst: 1 },
        perOperation: { Volumes_list: { perSecond: 1, burst: 2 } },
      },
    });
    expect(await statuses(emu, 2, `/apps/${APP}/machines`)).toEqual([200, 429]);
    const limited = await emu.api.get(`/apps/${APP}/machines`);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(await statuses(emu, 3, `/apps/${APP}/volumes`)).toEqual([200, 200, 429]);
  });
});
