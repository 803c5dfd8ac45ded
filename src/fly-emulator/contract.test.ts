import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FlyContract, OPENAPI_PATH_ENV, openApiPath } from "./contract.js";
import type { RequestLogEntry } from "./requestLog.js";
import { emulatorHarness } from "./testHarness.js";

const contract = FlyContract.load();

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
    responseBody: {},
    ...overrides,
  };
}

describe("the OpenAPI contract check", () => {
  it("accepts a Machine and rejects a wrongly typed field", () => {
    expect(
      contract.validate("Machines_show", 200, { id: "m", state: "started", config: { image: "x", env: { A: "1" } } })
        .ok,
    ).toBe(true);
    const bad = contract.validate("Machines_show", 200, { id: "m", events: [{ timestamp: "yesterday" }] });
    expect(bad.ok).toBe(false);
    expect(bad.errors.join()).toContain("/events/0/timestamp");
    expect(contract.validate("Machines_list", 200, [{ id: 5 }]).ok).toBe(false);
  });

  it("checks undeclared error statuses against ErrorResponse, whose status is an enum", () => {
    expect(contract.validate("Machines_show", 404, { error: "machine not found" })).toMatchObject({
      ok: true,
      checkedAgainst: "Machines_show 404 as ErrorResponse",
    });
    expect(contract.validate("Machines_create", 409, { error: "x", status: "name_taken" }).ok).toBe(true);
    expect(contract.validate("Machines_create", 409, { error: "x", status: "taken" }).ok).toBe(false);
    expect(contract.validate("Machines_show", 500, undefined).ok).toBe(false);
    expect(contract.validate(null, 404, { error: "not found" }).ok).toBe(true);
    expect(contract.validate(null, 200, {}).ok).toBe(false);
  });

  it("uses the lease shapes on lease endpoints", () => {
    const envelope = { status: "success", data: { nonce: "n", expires_at: 1, owner: "o", version: "v" } };
    expect(contract.validate("Machines_create_lease", 201, envelope).ok).toBe(true);
    expect(contract.validate("Machines_create_lease", 201, { nonce: "n" }).ok).toBe(false);
    expect(contract.validate("Machines_create_lease", 201, { ...envelope, data: { expires_at: "soon" } }).ok).toBe(
      false,
    );
    expect(
      contract.validate("Machines_create_lease", 409, {
        status: "error",
        message: "lease currently held by x",
        code: "invalid",
      }),
    ).toMatchObject({ ok: true, checkedAgainst: expect.stringContaining("LeaseError") });
    expect(contract.validate("Machines_create_lease", 409, { status: "error", message: 5, code: "invalid" }).ok).toBe(
      false,
    );
    expect(contract.validate("Machines_show", 409, { status: "error", message: "m", code: "invalid" }).ok).toBe(false);
  });

  it("accepts any body where the spec declares none, but not for 204; rejects undeclared success statuses", () => {
    expect(contract.validate("Machines_stop", 200, { ok: true }).ok).toBe(true);
    expect(contract.validate("createVolumeSnapshot", 200, undefined).ok).toBe(true);
    expect(contract.validate("Machines_upsert_metadata", 204, undefined).ok).toBe(true);
    expect(contract.validate("Machines_upsert_metadata", 204, { a: 1 }).ok).toBe(false);
    expect(contract.validate("Machines_show", 201, {}).ok).toBe(false);
    expect(contract.validate("Not_an_operation", 200, {}).ok).toBe(false);
  });

  it("turns OpenAPI nullable into a JSON Schema null type", () => {
    const spec = {
      openapi: "3.0.1",
      paths: {
        "/x": {
          get: {
            operationId: "X_get",
            responses: { "200": { content: { "application/json": { schema: { $ref: "#/components/schemas/X" } } } } },
          },
        },
      },
      components: {
        schemas: {
          X: {
            type: "object",
            properties: {
              a: { type: "string", nullable: true },
              b: { $ref: "#/components/schemas/Y" },
              nullable: { type: "integer" },
            },
          },
          Y: { type: "object", nullable: true, properties: { c: { type: "string", enum: ["p"], nullable: true } } },
          ErrorResponse: { type: "object", properties: { error: { type: "string" } } },
        },
      },
    };
    const small = new FlyContract(spec);
    expect(small.validate("X_get", 200, { a: null, b: null }).ok).toBe(true);
    expect(small.validate("X_get", 200, { a: "s", b: { c: null } }).ok).toBe(true);
    expect(small.validate("X_get", 200, { a: 1 }).ok).toBe(false);
    expect(small.validate("X_get", 200, { b: { c: "q" } }).ok).toBe(false);
    expect(small.validate("X_get", 200, { nullable: "not a number" }).ok).toBe(false);
  });

  it("fails clearly when the spec is missing, and honours FLY_OPENAPI_PATH", () => {
    expect(() => FlyContract.load("/nonexistent/fly-machines-openapi.json")).toThrow(
      /Fly OpenAPI document not found at \/nonexistent.*FLY_OPENAPI_PATH/,
    );
    const dir = mkdtempSync(join(tmpdir(), "fly-contract-"));
    const path = join(dir, "spec.json");
    writeFileSync(
      path,
      JSON.stringify({ openapi: "3.0.1", paths: {}, components: { schemas: { ErrorResponse: { type: "object" } } } }),
    );
    const previous = process.env[OPENAPI_PATH_ENV];
    process.env[OPENAPI_PATH_ENV] = path;
    try {
      expect(openApiPath()).toBe(path);
      expect(FlyContract.load().validate(null, 404, {}).ok).toBe(true);
    } finally {
      if (previous === undefined) delete process.env[OPENAPI_PATH_ENV];
      else process.env[OPENAPI_PATH_ENV] = previous;
    }
  });

  it("checks a request log and lists every violation", () => {
    expect(() =>
      contract.assertRequestLog([entry({}), entry({ status: null, responseBody: "dropped" })]),
    ).not.toThrow();
    expect(() => contract.assertRequestLog([entry({ responseBody: { id: 1 } })])).toThrow(
      /#1 GET \/v1\/apps\/a\/machines\/m → Machines_show 200/,
    );
    const { responseBody: _omitted, ...withoutBody } = entry({});
    expect(() => contract.assertRequestLog([withoutBody])).toThrow(/recordBodies: true/);
  });

  it("makes the test harness teardown fail when the emulator sent a reply that breaks the contract", async () => {
    const harness = emulatorHarness();
    const emu = await harness.start();
    emu.faults.add({ operationId: "Machines_list", action: { status: 502, body: { error: 502, status: "bad" } } });
    expect((await emu.api.get("/apps/fly-agents-test/machines")).status).toBe(502);
    await expect(harness.teardown()).rejects.toThrow(/Machines_list 502 as ErrorResponse/);
  });
});
