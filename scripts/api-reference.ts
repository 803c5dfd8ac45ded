// The README's API reference, generated: every public function of `components.flyAgents.lib` with its kind,
// what it does (its JSDoc), its arguments and return type (its validators), and the error kinds it can
// throw (read from the code, scripts/api-errors.ts). `npm run readme:sync` writes it between the markers;
// the README test checks it is current.
import * as lib from "../src/component/lib.js";
import * as validators from "../src/component/validators.js";
import { ERROR_KINDS } from "../src/component/errors.js";
import { descriptionsByFunction, errorKindsByFunction } from "./api-errors.js";

export const API_START = "<!-- api-reference: start (npm run readme:sync writes it from the validators) -->";
export const API_END = "<!-- api-reference: end -->";

/** A validator's JSON, as Convex exports it (`exportArgs()`, `exportReturns()`, `validator.json`). */
type ValidatorJson =
  | { type: "string" | "number" | "boolean" | "null" | "any" | "int64" | "bytes" }
  | { type: "id"; tableName: string }
  | { type: "literal"; value: string | number | boolean }
  | { type: "array"; value: ValidatorJson }
  | { type: "union"; value: ValidatorJson[] }
  | { type: "record"; keys: ValidatorJson; values: { fieldType: ValidatorJson } }
  | { type: "object"; value: Record<string, { fieldType: ValidatorJson; optional: boolean }> };

type Registered = { isQuery?: true; isMutation?: true; isAction?: true; isPublic?: true } & {
  exportArgs(): string;
  exportReturns(): string;
};

/** Object shapes the reference names instead of spelling out: an agent, its lifecycle's results, its secrets' presence. */
const NAMED_SHAPES = [
  "vAgentMachine",
  "vAgentOperation",
  "vAgentSnapshot",
  "vAuditEvent",
  "vDeprovisionResult",
  "vProvisionResult",
  "vRotationResult",
  "vSecretsPresence",
  "vSnapshotResult",
  "vSweepResult",
] as const satisfies ReadonlyArray<keyof typeof validators>;

function namedShapes(): Map<string, string> {
  const named = new Map<string, string>();
  for (const exportName of NAMED_SHAPES) {
    const json = (validators[exportName] as { json?: ValidatorJson }).json;
    if (json?.type === "object") named.set(JSON.stringify(json), exportName.slice(1));
  }
  return named;
}

function typeOf(json: ValidatorJson, named: Map<string, string>, used: Set<string>): string {
  const name = named.get(JSON.stringify(json));
  if (name) {
    used.add(name);
    return name;
  }
  switch (json.type) {
    case "id":
      return `Id<"${json.tableName}">`;
    case "literal":
      return JSON.stringify(json.value);
    case "int64":
      return "bigint";
    case "bytes":
      return "ArrayBuffer";
    case "array": {
      const item = typeOf(json.value, named, used);
      return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
    }
    case "union":
      return json.value.map((member) => typeOf(member, named, used)).join(" | ");
    case "record":
      return `Record<${typeOf(json.keys, named, used)}, ${typeOf(json.values.fieldType, named, used)}>`;
    case "object": {
      const fields = Object.entries(json.value).map(
        ([field, { fieldType, optional }]) => `${field}${optional ? "?" : ""}: ${typeOf(fieldType, named, used)}`,
      );
      return fields.length === 0 ? "{}" : `{ ${fields.join("; ")} }`;
    }
    default:
      return json.type;
  }
}

function fieldList(json: ValidatorJson, named: Map<string, string>, used: Set<string>): string[] {
  if (json.type !== "object") return [`- \`${typeOf(json, named, used)}\``];
  const fields = Object.entries(json.value);
  if (fields.length === 0) return ["none"];
  return fields.map(
    ([field, { fieldType, optional }]) => `- \`${field}${optional ? "?" : ""}: ${typeOf(fieldType, named, used)}\``,
  );
}

/** The markdown between the README's API markers. */
export function renderApiReference(): string {
  const named = namedShapes();
  const used = new Set<string>();
  const descriptions = descriptionsByFunction();
  const errors = errorKindsByFunction(ERROR_KINDS);
  const sections: string[] = [];
  for (const [name, value] of Object.entries(lib)) {
    if (typeof value !== "function" || !("isPublic" in value)) continue;
    const fn = value as unknown as Registered;
    const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
    const kinds = errors.get(name) ?? [];
    sections.push(
      [
        "<details>",
        `<summary><code>${name}</code> · ${kind} · ${descriptions.get(name) || "(no description)"}</summary>`,
        "",
        "Arguments:",
        "",
        ...fieldList(JSON.parse(fn.exportArgs()) as ValidatorJson, named, used),
        "",
        `Returns: \`${typeOf(JSON.parse(fn.exportReturns()) as ValidatorJson, named, used)}\``,
        "",
        `Errors: ${kinds.length === 0 ? "none of its own" : kinds.map((k) => `\`${k}\``).join(", ")}`,
        "",
        "</details>",
      ].join("\n"),
    );
  }
  const shapeSections = [...named]
    .filter(([, name]) => used.has(name))
    .sort(([, a], [, b]) => a.localeCompare(b))
    .map(([json, name]) => {
      const inner = new Set<string>();
      const fields = fieldList(JSON.parse(json) as ValidatorJson, new Map(), inner);
      return ["<details>", `<summary><code>${name}</code></summary>`, "", ...fields, "", "</details>"].join("\n");
    });
  return [API_START, ...sections, "", "Shapes the functions above return:", "", ...shapeSections, API_END].join("\n");
}
