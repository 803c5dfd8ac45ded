import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";
import type { RequestLogEntry } from "./requestLog.js";

/** The environment variable that points at Fly's OpenAPI document. */
export const OPENAPI_PATH_ENV = "FLY_OPENAPI_PATH";
const SPEC_ID = "fly-openapi.json";
const COMPONENT_REF = "#/components/schemas/";
const LEASE_OPERATIONS = new Set(["Machines_create_lease", "Machines_show_lease", "Machines_release_lease"]);
// OpenAPI keywords that are annotations for validation purposes.
const ANNOTATION_KEYWORDS = ["components", "example", "xml", "externalDocs", "discriminator"];
const OPENAPI_FORMATS = ["int32", "int64", "float", "double", "byte", "binary", "password"];

type JsonObject = { [key: string]: unknown };

/** The outcome of checking one response. */
export interface ContractResult {
  ok: boolean;
  /** What the body was checked against, e.g. "Machines_show 200" or "ErrorResponse". */
  checkedAgainst: string;
  errors: string[];
}

/** Where the spec is: `$FLY_OPENAPI_PATH`, else `../shared/fly-machines-openapi.json` beside the repository. */
export function openApiPath(): string {
  const fromEnv = process.env[OPENAPI_PATH_ENV];
  if (fromEnv) return resolve(fromEnv);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  return resolve(repoRoot, "..", "shared", "fly-machines-openapi.json");
}

/**
 * Fly's Machines API contract, compiled with ajv from the OpenAPI 3.0 document: `nullable` becomes a JSON
 * Schema null type, and `#/components/schemas/…` references resolve against the spec's components.
 */
export class FlyContract {
  private readonly ajv: Ajv;
  private readonly responses = new Map<string, Record<string, JsonObject>>();
  private readonly validators = new Map<string, ValidateFunction>();

  /**
   * Loads the spec, failing with a clear message when it is missing (tests must not pass without it).
   * @param path the OpenAPI JSON file; default {@link openApiPath}.
   */
  static load(path: string = openApiPath()): FlyContract {
    if (!existsSync(path)) {
      throw new Error(
        `Fly OpenAPI document not found at ${path}. Set ${OPENAPI_PATH_ENV} to the path of fly-machines-openapi.json ` +
          "(CI keeps it at ../shared/fly-machines-openapi.json beside the repository).",
      );
    }
    return new FlyContract(JSON.parse(readFileSync(path, "utf8")) as JsonObject);
  }

  constructor(spec: JsonObject) {
    const converted = convertNullable(structuredClone(spec)) as JsonObject;
    this.ajv = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
    });
    const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (
      ajv: Ajv,
    ) => Ajv;
    addFormats(this.ajv);
    for (const format of OPENAPI_FORMATS) this.ajv.addFormat(format, true);
    for (const keyword of [...ANNOTATION_KEYWORDS, ...extensionKeywords(converted.components)])
      this.ajv.addKeyword(keyword);
    this.ajv.addSchema({ $id: SPEC_ID, components: converted.components } as AnySchema);
    for (const methods of Object.values((converted.paths ?? {}) as Record<string, JsonObject>)) {
      for (const operation of Object.values(methods)) {
        if (!isObject(operation) || typeof operation.operationId !== "string") continue;
        this.responses.set(operation.operationId, (operation.responses ?? {}) as Record<string, JsonObject>);
      }
    }
  }

  /**
   * Checks one response. Declared statuses use the operation's schema (a lease reply's `data` is also checked
   * against Lease); undeclared error statuses use ErrorResponse, or the lease error shape on lease endpoints.
   */
  validate(operationId: string | null, status: number, body: unknown): ContractResult {
    const responses = operationId === null ? undefined : this.responses.get(operationId);
    if (operationId !== null && !responses)
      return fail(operationId, [`operationId ${operationId} is not in the OpenAPI document`]);
    const declared = responses?.[String(status)];
    const label = `${operationId ?? "(no route)"} ${status}`;
    if (declared) {
      const schema = ((declared.content as JsonObject | undefined)?.["application/json"] as JsonObject | undefined)
        ?.schema;
      if (schema === undefined) {
        if (status === 204 && body !== undefined) return fail(label, ["a 204 reply must have no body"]);
        return { ok: true, checkedAgainst: `${label} (no body schema)`, errors: [] };
      }
      if (body === undefined) return fail(label, ["expected a JSON body, got none"]);
      const errors = this.check(`${label}`, schema as JsonObject, body);
      if (operationId && LEASE_OPERATIONS.has(operationId) && status < 300) {
        errors.push(...this.check("LeaseEnvelope", LEASE_ENVELOPE, body));
      }
      return { ok: errors.length === 0, checkedAgainst: label, errors };
    }
    if (status < 400) return fail(label, [`status ${status} is not declared for ${operationId ?? "an unknown route"}`]);
    const leaseShaped =
      operationId !== null && LEASE_OPERATIONS.has(operationId) && isObject(body) && body.status === "error";
    const [name, schema] = leaseShaped
      ? ["LeaseError", LEASE_ERROR]
      : ["ErrorResponse", { $ref: `${COMPONENT_REF}ErrorResponse` }];
    const errors = body === undefined ? ["expected a JSON error body, got none"] : this.check(name, schema, body);
    return { ok: errors.length === 0, checkedAgainst: `${label} as ${name}`, errors };
  }

  /**
   * Checks every recorded reply of a request log (recorded with `recordBodies: true`); dropped connections are
   * skipped. Throws one error listing every violation.
   */
  assertRequestLog(entries: readonly RequestLogEntry[]): void {
    const failures: string[] = [];
    for (const entry of entries) {
      if (entry.status === null) continue;
      if (!("responseBody" in entry)) {
        failures.push(
          `#${entry.seq} ${entry.method} ${entry.path}: no recorded body; start the emulator with recordBodies: true`,
        );
        continue;
      }
      const result = this.validate(entry.operationId, entry.status, entry.responseBody);
      if (!result.ok) {
        failures.push(
          `#${entry.seq} ${entry.method} ${entry.path} → ${result.checkedAgainst}: ${result.errors.join("; ")} (body: ${JSON.stringify(entry.responseBody)})`,
        );
      }
    }
    if (failures.length > 0) throw new Error(`Responses that break Fly's OpenAPI contract:\n${failures.join("\n")}`);
  }

  private check(key: string, schema: JsonObject, body: unknown): string[] {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebaseRefs(schema) as AnySchema);
      this.validators.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map(formatError);
  }
}

const LEASE_ENVELOPE: JsonObject = {
  type: "object",
  required: ["status", "data"],
  properties: { status: { const: "success" }, data: { $ref: `${COMPONENT_REF}Lease` } },
};
const LEASE_ERROR: JsonObject = {
  type: "object",
  required: ["status", "message", "code"],
  properties: { status: { const: "error" }, message: { type: "string" }, code: { type: "string" } },
};

function fail(checkedAgainst: string, errors: string[]): ContractResult {
  return { ok: false, checkedAgainst, errors };
}

function formatError(error: ErrorObject): string {
  return `${error.instancePath || "(root)"} ${error.message ?? error.keyword}`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** OpenAPI 3.0 `nullable: true` → JSON Schema: `type: [t, "null"]`, or `anyOf` with null when there is no type. */
function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = convertNullable(value);
  // Only the boolean keyword; a property *named* "nullable" inside `properties` is a schema object.
  if (typeof out.nullable !== "boolean") return out;
  const nullable = out.nullable;
  delete out.nullable;
  if (!nullable) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === "string") return { ...out, type: [out.type, "null"] };
  return { anyOf: [out, { type: "null" }] };
}

/** `#/components/schemas/X` inside a response schema → the same schema in the registered spec. */
function rebaseRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebaseRefs);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "$ref" && typeof value === "string" && value.startsWith("#/") ? `${SPEC_ID}${value}` : rebaseRefs(value);
  }
  return out;
}

/** The `x-…` extension keys used in the spec's schemas, to register as annotations. */
function extensionKeywords(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => extensionKeywords(item, found));
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("x-")) found.add(key);
      extensionKeywords(value, found);
    }
  }
  return found;
}
