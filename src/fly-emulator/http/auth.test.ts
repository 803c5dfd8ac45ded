/** Tests of the HTTP layer: 127.0.0.1 and `/v1`, the token, unknown routes and apps, malformed bodies, request ids. */
import { describe, expect, it } from "vitest";
import { startFlyEmulator } from "../index.js";
import { APP, useEmulatorHarness } from "../testing/testHarness.js";

const harness = useEmulatorHarness();

describe("auth and errors", () => {
  it("listens on 127.0.0.1 with a /v1 base URL", async () => {
    const emu = await harness.start();
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}/v1`);
    expect(emu.origin).toBe(`http://127.0.0.1:${emu.port}`);
    expect(emu.token.length).toBeGreaterThan(16);
  });

  it("answers 401 without a token or with a wrong one, and accepts Bearer and FlyV1", async () => {
    const emu = await harness.start({ token: "secret-token" });
    const path = `/apps/${APP}/machines`;
    const none = await emu.api.get<{ error: string }>(path, { noAuth: true });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatch(/^unauthorized/);
    expect(none.body.error).not.toContain("secret-token");
    expect((await emu.api.get(path, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect((await emu.api.get(path, { headers: { authorization: "Basic secret-token" } })).status).toBe(401);
    expect((await emu.api.get(path, { headers: { authorization: "Bearer secret-token" } })).status).toBe(200);
    expect((await emu.api.get(path, { headers: { authorization: "FlyV1 secret-token" } })).status).toBe(200);
  });

  it("rejects nonsense options with a message naming the option", async () => {
    await expect(startFlyEmulator({ timeScale: 0 })).rejects.toThrow(/timeScale/);
    await expect(startFlyEmulator({ bootTimeMs: -1 })).rejects.toThrow(/bootTimeMs/);
    await expect(startFlyEmulator({ token: "" })).rejects.toThrow(/token/);
    await expect(startFlyEmulator({ randomFaults: { seed: 1, rate: 2 } })).rejects.toThrow(/rate/);
    await expect(startFlyEmulator({ apps: ["Bad App"] })).rejects.toThrow(/app name/);
  });

  it("answers 404 app not found for an unknown app, until the app is created", async () => {
    const emu = await harness.start();
    const reply = await emu.api.get(`/apps/other-app/machines`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: "app not found" });
    emu.state.createApp("other-app");
    expect((await emu.api.get(`/apps/other-app/machines`)).status).toBe(200);
    expect(emu.state.apps()).toEqual([APP, "other-app"]);
    expect(() => emu.state.createApp("Bad_Name")).toThrow(/Invalid app name/);
  });

  it("serves only the configured apps", async () => {
    const emu = await harness.start({ apps: ["a1", "a2"] });
    expect((await emu.api.get(`/apps/${APP}/volumes`)).status).toBe(404);
    expect((await emu.api.get(`/apps/a2/volumes`)).status).toBe(200);
  });

  it("answers 404 for unknown routes and methods", async () => {
    const emu = await harness.start();
    expect((await emu.api.get(`/apps/${APP}/nothing`)).status).toBe(404);
    expect((await emu.api.call("PUT", `/apps/${APP}/machines`)).status).toBe(404);
    const outside = await fetch(`${emu.origin}/v2/whatever`, { headers: { authorization: `Bearer ${emu.token}` } });
    expect(outside.status).toBe(404);
    expect(outside.headers.get("fly-request-id")).toBeTruthy();
  });

  it("answers 400 invalid_argument for a body that is not JSON", async () => {
    const emu = await harness.start();
    const reply = await emu.api.post<{ error: string }>(`/apps/${APP}/machines`, "{not json");
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe("invalid_argument: the request body is not valid JSON");
  });

  it("sends a unique fly-request-id on every response, errors included, and logs it", async () => {
    const emu = await harness.start();
    const replies = [
      await emu.api.get(`/apps/${APP}/machines`),
      await emu.api.get(`/apps/${APP}/machines`, { noAuth: true }),
      await emu.api.get(`/apps/missing/machines`),
      await emu.api.post(`/apps/${APP}/machines`, {}),
    ];
    const ids = replies.map((reply) => reply.headers.get("fly-request-id"));
    for (const id of ids) expect(id).toMatch(/^[0-9A-Z]{26}-iad$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(emu.state.requests().map((entry) => entry.requestId)).toEqual(ids);
  });

  it("logs every request with seq, operationId, status and duration, counts calls, and resets", async () => {
    const emu = await harness.start();
    await emu.createMachine(APP);
    await emu.api.get(`/apps/${APP}/machines`);
    await emu.api.get(`/apps/${APP}/machines`);
    const entries = emu.state.requests();
    expect(entries.map((entry) => [entry.seq, entry.method, entry.operationId, entry.status])).toEqual([
      [1, "POST", "Machines_create", 200],
      [2, "GET", "Machines_list", 200],
      [3, "GET", "Machines_list", 200],
    ]);
    expect(entries[0]).toMatchObject({
      path: `/v1/apps/${APP}/machines`,
      fault: null,
      requestBody: { config: expect.any(Object) },
    });
    expect(entries[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(entries[0].at)).toBeGreaterThan(0);
    expect(emu.state.callCounts()).toEqual({ Machines_create: 1, Machines_list: 2 });
    emu.state.resetRequests();
    expect(emu.state.requests()).toEqual([]);
  });

  it("closes promptly with a long poll open and timers pending", async () => {
    const emu = await harness.start({ timeScale: 1, bootTimeMs: 60_000 });
    const machine = await emu.createMachine(APP);
    const pending = emu.api
      .get(`/apps/${APP}/machines/${machine.id}/wait?state=started&timeout=60`)
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const began = Date.now();
    await emu.close();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    await emu.close();
  });
});
