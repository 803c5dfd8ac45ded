// Compares the project's own schemas of the Fly endpoints it uses (src/fly-emulator/testing/contract.ts) with an
// OpenAPI 3.0 document: every endpoint, query parameter and reply field we describe must exist in the
// document, with a compatible type. Used by `npm run contract:fly`; no test reads Fly's real document.
import { z } from "zod";
import { type FlyOperation, methodsOf } from "../src/fly-emulator/testing/contract.js";

type Json = { [key: string]: unknown };
/** The parts of an OpenAPI 3.0 document this comparison reads. */
export type OpenApiDocument = { paths?: Json; components?: { schemas?: Json } };

/** What one comparison found: a line per problem, each saying where. */
export type Problems = string[];

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A schema of the document with `$ref` followed and `allOf` merged (shallowly, as Fly's document uses it). */
function resolve(spec: OpenApiDocument, schema: unknown, seen = new Set<string>()): Json {
  if (!isObject(schema)) return {};
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, "");
    if (seen.has(name)) return {};
    return resolve(spec, spec.components?.schemas?.[name], new Set([...seen, name]));
  }
  if (!Array.isArray(schema.allOf)) return schema;
  const merged: Json = { ...schema, allOf: undefined };
  for (const part of schema.allOf.map((item) => resolve(spec, item, seen))) {
    merged.type ??= part.type;
    merged.properties = { ...(merged.properties as Json | undefined), ...(part.properties as Json | undefined) };
    merged.required = [...((merged.required as string[] | undefined) ?? []), ...((part.required as string[]) ?? [])];
    merged.additionalProperties ??= part.additionalProperties;
  }
  return merged;
}

/** True when the document's schema says nothing about the value's shape. */
function isFreeForm(theirs: Json): boolean {
  return theirs.type === undefined && theirs.properties === undefined && theirs.additionalProperties === undefined;
}

/**
 * Checks that every value our schema allows is one the document's schema describes: same types, our enum
 * values among theirs, our object fields among theirs (or their map's), their required fields required by us.
 */
function compareSchemas(spec: OpenApiDocument, ours: Json, theirsRaw: unknown, where: string, problems: Problems) {
  const theirs = resolve(spec, theirsRaw);
  if (isFreeForm(theirs)) return;
  if (Array.isArray(ours.anyOf)) {
    for (const branch of ours.anyOf) compareSchemas(spec, branch as Json, theirs, where, problems);
    return;
  }
  const type = ours.type as string | undefined;
  const theirType = theirs.type as string | undefined;
  const sameType = type === theirType || (type === "integer" && theirType === "number");
  if (type !== undefined && theirType !== undefined && !sameType) {
    problems.push(`${where}: ours is ${type}, Fly's document says ${theirType}`);
    return;
  }
  const values = ours.const !== undefined ? [ours.const] : (ours.enum as unknown[] | undefined);
  if (Array.isArray(theirs.enum)) {
    const allowed = theirs.enum as unknown[];
    if (values === undefined) problems.push(`${where}: Fly allows only ${allowed.join(", ")}; ours allows any ${type}`);
    else {
      const extra = values.filter((value) => !allowed.includes(value));
      if (extra.length > 0) problems.push(`${where}: ${extra.join(", ")} not among Fly's ${allowed.join(", ")}`);
    }
  }
  if (type === "array") compareSchemas(spec, (ours.items ?? {}) as Json, theirs.items, `${where}[]`, problems);
  if (type === "object") compareObjects(spec, ours, theirs, where, problems);
}

function compareObjects(spec: OpenApiDocument, ours: Json, theirs: Json, where: string, problems: Problems) {
  const theirProperties = (theirs.properties ?? {}) as Json;
  const theirMap = isObject(theirs.additionalProperties) ? theirs.additionalProperties : undefined;
  for (const [field, schema] of Object.entries((ours.properties ?? {}) as Json)) {
    const at = `${where}.${field}`;
    if (Object.hasOwn(theirProperties, field))
      compareSchemas(spec, schema as Json, theirProperties[field], at, problems);
    else if (theirMap) compareSchemas(spec, schema as Json, theirMap, at, problems);
    else problems.push(`${at}: not in Fly's document`);
  }
  const ourMap = ours.additionalProperties;
  if (isObject(ourMap) && Object.keys(ourMap).length > 0) {
    if (theirMap) compareSchemas(spec, ourMap, theirMap, `${where}{}`, problems);
    else if (Object.keys(theirProperties).length > 0) problems.push(`${where}: ours is a map, Fly's is a fixed object`);
  }
  const ourRequired = new Set((ours.required as string[] | undefined) ?? []);
  for (const field of (theirs.required as string[] | undefined) ?? []) {
    if (!ourRequired.has(field)) problems.push(`${where}.${field}: Fly requires it, ours makes it optional`);
  }
}

function at(schema: Json, path: string): Json {
  return path
    .split(".")
    .reduce<Json>((node, key) => ((node.properties as Json | undefined)?.[key] ?? {}) as Json, schema);
}

/**
 * Compares one endpoint of our contract with the document.
 * @param operationId Fly's operationId.
 * @param endpoint our description of it.
 * @param spec Fly's OpenAPI document.
 * @returns the problems found, each prefixed with the operationId.
 */
export function compareOperation(operationId: string, endpoint: FlyOperation, spec: OpenApiDocument): Problems {
  const problems: Problems = [];
  const pathItem = (spec.paths ?? {})[endpoint.path];
  if (!isObject(pathItem)) return [`${operationId}: path ${endpoint.path} is not in Fly's document`];
  for (const method of methodsOf(endpoint)) {
    const op = pathItem[method.toLowerCase()];
    if (!isObject(op)) {
      problems.push(`${operationId}: Fly's document has no ${method} ${endpoint.path}`);
      continue;
    }
    if (op.operationId !== operationId) {
      problems.push(`${operationId}: ${method} ${endpoint.path} is ${String(op.operationId)} in Fly's document`);
    }
    const parameters = ((op.parameters ?? []) as Json[]).filter((parameter) => parameter.in === "query");
    for (const name of endpoint.query ?? []) {
      if (!parameters.some((parameter) => parameter.name === name)) {
        problems.push(`${operationId}: query parameter ${name} is not in Fly's document`);
      }
    }
    problems.push(...compareSuccess(operationId, endpoint, op, spec));
  }
  return problems;
}

function compareSuccess(operationId: string, endpoint: FlyOperation, op: Json, spec: OpenApiDocument): Problems {
  const { status, body } = endpoint.success;
  const responses = (op.responses ?? {}) as Json;
  const declared = responses[String(status)];
  if (!isObject(declared)) {
    const theirs = Object.keys(responses).filter((code) => code.startsWith("2"));
    return [`${operationId}: Fly's document answers ${theirs.join(", ") || "nothing"} on success, not ${status}`];
  }
  const theirSchema = ((declared.content as Json | undefined)?.["application/json"] as Json | undefined)?.schema;
  if (theirSchema === undefined) return []; // Fly documents no body: nothing to hold ours to
  if (body === null) return [`${operationId}: Fly's document has a ${status} body; ours has none`];
  const ours = z.toJSONSchema(body, { io: "output" }) as Json;
  const problems: Problems = [];
  const documented = endpoint.documented;
  const where = documented ? `${operationId}.${documented.path}` : operationId;
  compareSchemas(spec, documented ? at(ours, documented.path) : ours, theirSchema, where, problems);
  return problems;
}

/**
 * Compares our whole contract, and our error body, with Fly's document.
 * @param operations our endpoints, by operationId.
 * @param errorBody our schema of Fly's error replies.
 * @param spec Fly's OpenAPI document.
 */
export function compareContract(
  operations: Record<string, FlyOperation>,
  errorBody: z.ZodType,
  spec: OpenApiDocument,
): Problems {
  const problems = Object.entries(operations).flatMap(([id, endpoint]) => compareOperation(id, endpoint, spec));
  const ours = z.toJSONSchema(errorBody, { io: "output" }) as Json;
  if (spec.components?.schemas?.ErrorResponse === undefined) problems.push("ErrorResponse is not in Fly's document");
  else compareSchemas(spec, ours, { $ref: "#/components/schemas/ErrorResponse" }, "ErrorResponse", problems);
  return problems;
}
