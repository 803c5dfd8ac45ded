/** Tests of the contract: checkReply on good and bad replies, and every route of the emulator in the contract. */
import { describe, expect, it } from "vitest";
import type { RequestLogEntry } from "../control/requestLog.js";
import { apiRoutes, type ApiDeps } from "../http/routes.js";
import { assertRepliesKeepContract, checkReply, FLY_OPERATIONS, type FlyOperation, methodsOf } from "./contract.js";
import { emulatorHarness } from "./testHarness.js";

const MACHINE = {
  id: "m",
  name: "agent",
  state: "started",
  region: "iad",
  instance_id: "01J",
  private_ip: "fdaa::3",
  created_at: "2026-11-30T10:00:00.000Z",
  updated_at: "2026-11-30T10:00:01.000Z",
  config: { image: "openclaw:1", env: { A: "1" }, anything_else: [1] },
};

function entry(overrides: Partial<RequestLogEntry>): RequestLogEntry {
  return {
    seq: 1,
    method: "GET",
    path: "/v1/apps/a/machines/m",
    query: "",
    operationId: "Machines_show",
    status: 200,
    handledStatus: 200,
    requestId: "r",
    fault: null,
    at: new Date(0).toISOString(),
    durationMs: 1,
    responseBody: MACHINE,
    ...overrides,
  };
}

describe("the contract's replies", () => {
  it("accepts a Machine, and rejects a wrongly typed field and a field Fly does not send", () => {
    expect(checkReply("Machines_show", 200, MACHINE)).toMatchObject({ ok: true, checkedAgainst: "Machines_show 200" });
    const badEvent = checkReply("Machines_show", 200, {
      ...MACHINE,
      events: [{ id: "e", type: "start", status: "started", source: "user", timestamp: "yesterday" }],
    });
    expect(badEvent.ok).toBe(false);
    expect(badEvent.errors.join()).toContain("/events/0/timestamp");
    expect(checkReply("Machines_show", 200, { ...MACHINE, volume_id: "vol_1" }).errors.join()).toContain(
      'Unrecognized key: "volume_id"',
    );
    expect(checkReply("Machines_show", 200, { ...MACHINE, config: { env: {} } }).errors.join()).toContain(
      "/config/image",
    );
    expect(checkReply("Machines_list", 200, [{ id: 5 }]).ok).toBe(false);
  });

  it("checks error statuses against ErrorResponse, whose status is an enum", () => {
    expect(checkReply("Machines_show", 404, { error: "machine not found" })).toMatchObject({
      ok: true,
      checkedAgainst: "Machines_show 404 as ErrorResponse",
    });
    expect(checkReply("Machines_create", 409, { error: "x", status: "name_taken" }).ok).toBe(true);
    expect(checkReply("Machines_create", 409, { error: "x", status: "taken" }).ok).toBe(false);
    expect(checkReply("Machines_show", 500, undefined).ok).toBe(false);
    expect(checkReply(null, 404, { error: "not found" }).ok).toBe(true);
    expect(checkReply(null, 200, {}).ok).toBe(false);
  });

  it("uses the lease envelope and the lease error body on lease endpoints only", () => {
    const envelope = {
      status: "success",
      data: { nonce: "n", expires_at: 1, owner: "o", version: "v", description: "" },
    };
    expect(checkReply("Machines_create_lease", 201, envelope).ok).toBe(true);
    expect(checkReply("Machines_create_lease", 201, envelope.data).ok).toBe(false);
    expect(
      checkReply("Machines_create_lease", 201, { ...envelope, data: { ...envelope.data, expires_at: "soon" } }).ok,
    ).toBe(false);
    const held = { status: "error", message: "lease currently held by x", code: "invalid" };
    expect(checkReply("Machines_create_lease", 409, held)).toMatchObject({
      ok: true,
      checkedAgainst: "Machines_create_lease 409 as LeaseError",
    });
    expect(checkReply("Machines_create_lease", 409, { ...held, message: 5 }).ok).toBe(false);
    expect(checkReply("Machines_show", 409, held).ok).toBe(false);
  });

  it("wants no body where Fly sends none, and only the operation's success status", () => {
    expect(checkReply("Machines_stop", 200, { ok: true }).ok).toBe(true);
    expect(checkReply("Machines_stop", 200, { ok: false }).ok).toBe(false);
    expect(checkReply("createVolumeSnapshot", 200, undefined).ok).toBe(true);
    expect(checkReply("createVolumeSnapshot", 200, {}).ok).toBe(false);
    expect(checkReply("Machines_upsert_metadata", 204, undefined).ok).toBe(true);
    expect(checkReply("Machines_upsert_metadata", 204, { a: 1 }).ok).toBe(false);
    expect(checkReply("Machines_show", 201, MACHINE).ok).toBe(false);
    expect(checkReply("Not_an_operation", 200, {}).ok).toBe(false);
  });

  it("checks a request log and lists every violation", () => {
    expect(() =>
      assertRepliesKeepContract([entry({}), entry({ status: null, responseBody: "dropped" })]),
    ).not.toThrow();
    expect(() => assertRepliesKeepContract([entry({ responseBody: { id: 1 } })])).toThrow(
      /#1 GET \/v1\/apps\/a\/machines\/m → Machines_show 200/,
    );
    const { responseBody: _omitted, ...withoutBody } = entry({});
    expect(() => assertRepliesKeepContract([withoutBody])).toThrow(/recordBodies: true/);
  });

  it("makes the test harness teardown fail when the emulator sent a reply that breaks the contract", async () => {
    const harness = emulatorHarness();
    const emu = await harness.start();
    emu.faults.add({ operationId: "Machines_list", action: { status: 502, body: { error: 502, status: "bad" } } });
    expect((await emu.api.get("/apps/fly-agents-test/machines")).status).toBe(502);
    await expect(harness.teardown()).rejects.toThrow(/Machines_list 502 as ErrorResponse/);
  });
});

describe("the contract's endpoints", () => {
  it("are exactly the routes the emulator serves, with the same methods and paths", () => {
    const served = apiRoutes({} as ApiDeps).map((route) => `${route.operationId} ${route.method} ${route.pattern}`);
    const described = Object.entries(FLY_OPERATIONS).flatMap(([operationId, endpoint]: [string, FlyOperation]) =>
      methodsOf(endpoint).map((method) => `${operationId} ${method} ${endpoint.path}`),
    );
    expect(served.sort()).toEqual(described.sort());
  });
});
