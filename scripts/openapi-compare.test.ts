// The comparison behind `npm run contract:fly`, on small documents written here (Fly's real one is read
// only by that script, never by a test).
import { z } from "zod";
import { describe, expect, test } from "vitest";
import type { FlyOperation } from "../src/fly-emulator/testing/contract.js";
import { compareContract, compareOperation, type OpenApiDocument } from "./openapi-compare.js";

const thing = z.strictObject({
  id: z.string(),
  size: z.int(),
  state: z.enum(["on", "off"]),
  tags: z.record(z.string(), z.string()).optional(),
  parts: z.array(z.strictObject({ name: z.string() })).optional(),
});
const SHOW: FlyOperation = {
  method: "GET",
  path: "/v1/things/{id}",
  query: ["verbose"],
  success: { status: 200, body: thing },
};

type Edit = [path: string[], value: unknown];

/** A document that describes SHOW exactly, with `edits` applied (an undefined value deletes the field). */
function doc(...edits: Edit[]): OpenApiDocument {
  const spec: Record<string, unknown> = {
    openapi: "3.0.1",
    paths: {
      "/v1/things/{id}": {
        get: {
          operationId: "Things_show",
          parameters: [
            { name: "id", in: "path" },
            { name: "verbose", in: "query" },
          ],
          responses: { "200": { content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } } } },
        },
      },
    },
    components: {
      schemas: {
        Thing: {
          type: "object",
          properties: {
            id: { type: "string" },
            size: { type: "number" },
            state: { type: "string", enum: ["on", "off", "broken"] },
            tags: { type: "object", additionalProperties: { type: "string" } },
            parts: { type: "array", items: { allOf: [{ $ref: "#/components/schemas/Part" }] } },
            extra: { type: "boolean" },
          },
        },
        Part: { type: "object", properties: { name: { type: "string", nullable: true } } },
        ErrorResponse: { type: "object", properties: { error: { type: "string" } } },
      },
    },
  };
  for (const [path, value] of edits) {
    const parent = path.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, spec);
    if (value === undefined) delete parent[path[path.length - 1]];
    else parent[path[path.length - 1]] = value;
  }
  return spec;
}

const THING = ["components", "schemas", "Thing"];

describe("compareOperation", () => {
  test("finds nothing when the document describes every field we send", () => {
    expect(compareOperation("Things_show", SHOW, doc())).toEqual([]);
  });

  test("names a field that is not in the document, or has another type", () => {
    const problems = compareOperation(
      "Things_show",
      SHOW,
      doc(
        [[...THING, "properties", "size"], undefined],
        [["components", "schemas", "Part", "properties", "name"], { type: "integer" }],
      ),
    );
    expect(problems).toEqual([
      "Things_show.size: not in Fly's document",
      "Things_show.parts[].name: ours is string, Fly's document says integer",
    ]);
  });

  test("wants our enum values among the document's, and an enum where it has one", () => {
    const narrower = doc([[...THING, "properties", "state", "enum"], ["on"]]);
    expect(compareOperation("Things_show", SHOW, narrower)).toEqual(["Things_show.state: off not among Fly's on"]);
    const loose = { ...SHOW, success: { status: 200, body: thing.extend({ state: z.string() }) } };
    expect(compareOperation("Things_show", loose, doc())).toEqual([
      "Things_show.state: Fly allows only on, off, broken; ours allows any string",
    ]);
  });

  test("wants the fields the document requires to be required by us too", () => {
    const required = doc([
      [...THING, "required"],
      ["id", "tags"],
    ]);
    expect(compareOperation("Things_show", SHOW, required)).toEqual([
      "Things_show.tags: Fly requires it, ours makes it optional",
    ]);
  });

  test("checks the path, the method, the operationId, the query parameters and the success status", () => {
    expect(compareOperation("Things_show", { ...SHOW, path: "/v1/thing/{id}" }, doc())).toEqual([
      "Things_show: path /v1/thing/{id} is not in Fly's document",
    ]);
    expect(compareOperation("Things_show", { ...SHOW, method: ["GET", "PUT"] }, doc())).toEqual([
      "Things_show: Fly's document has no PUT /v1/things/{id}",
    ]);
    expect(compareOperation("Things_get", SHOW, doc())).toEqual([
      "Things_get: GET /v1/things/{id} is Things_show in Fly's document",
    ]);
    expect(compareOperation("Things_show", { ...SHOW, query: ["verbose", "limit"] }, doc())).toEqual([
      "Things_show: query parameter limit is not in Fly's document",
    ]);
    expect(compareOperation("Things_show", { ...SHOW, success: { status: 201, body: thing } }, doc())).toEqual([
      "Things_show: Fly's document answers 200 on success, not 201",
    ]);
  });

  test("accepts any body where the document has none, and refuses none where it has one", () => {
    const bodiless = doc([["paths", "/v1/things/{id}", "get", "responses", "200", "content"], undefined]);
    expect(compareOperation("Things_show", SHOW, bodiless)).toEqual([]);
    expect(compareOperation("Things_show", { ...SHOW, success: { status: 200, body: null } }, doc())).toEqual([
      "Things_show: Fly's document has a 200 body; ours has none",
    ]);
  });

  test("compares a documented part of our body where we knowingly wrap it", () => {
    const wrapped: FlyOperation = {
      ...SHOW,
      success: { status: 200, body: z.strictObject({ status: z.literal("success"), data: thing }) },
      documented: { path: "data", reason: "Fly wraps it" },
    };
    expect(compareOperation("Things_show", wrapped, doc())).toEqual([]);
    const { documented: _documented, ...unwrapped } = wrapped;
    expect(compareOperation("Things_show", unwrapped, doc())).toEqual([
      "Things_show.status: not in Fly's document",
      "Things_show.data: not in Fly's document",
    ]);
  });
});

describe("compareContract", () => {
  test("also compares our error body with the document's ErrorResponse", () => {
    const errors = z.strictObject({ error: z.string(), code: z.int().optional() });
    expect(compareContract({ Things_show: SHOW }, errors, doc())).toEqual([
      "ErrorResponse.code: not in Fly's document",
    ]);
    expect(
      compareContract({ Things_show: SHOW }, errors, doc([["components", "schemas", "ErrorResponse"], undefined])),
    ).toEqual(["ErrorResponse is not in Fly's document"]);
  });
});
