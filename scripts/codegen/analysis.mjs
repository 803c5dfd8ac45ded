// The analysis: what a backend's startPush answers for each component, and the one thing convex's
// writers need from a backend. For each component, its definition metadata (child components, env
// vars, the exports tree of its public functions) and the functions each module registers. The
// backend keeps keys in Rust BTreeMaps, so everything comes back sorted byte-wise, validators
// included (it parses and re-serializes them).

import { Buffer } from "node:buffer";
import path from "node:path";
import { fail } from "./errors.mjs";

/**
 * Byte-wise (UTF-8) string order, as Rust's BTreeMap<String, _> orders keys.
 * @param {string} a
 * @param {string} b
 */
export function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * A copy of a parsed validator with the fields of every object (at any depth) sorted; union
 * members, array elements etc. keep their order.
 * @param {any} validator
 * @returns {any}
 */
function sortValidator(validator) {
  if (validator === null || typeof validator !== "object") return validator;
  switch (validator.type) {
    case "object": {
      const value = {};
      for (const field of Object.keys(validator.value).sort(compareBytes)) {
        const f = validator.value[field];
        value[field] = { ...f, fieldType: sortValidator(f.fieldType) };
      }
      return { ...validator, value };
    }
    case "array":
      return { ...validator, value: sortValidator(validator.value) };
    case "union":
      return { ...validator, value: validator.value.map(sortValidator) };
    case "record":
      return {
        ...validator,
        keys: sortValidator(validator.keys),
        values: { ...validator.values, fieldType: sortValidator(validator.values.fieldType) },
      };
    default:
      return validator;
  }
}

/**
 * A validator's JSON, as `exportArgs()` returns it, the way the backend sends it back.
 * @param {string | null | undefined} json
 * @returns {string | null}
 */
function normalizeValidatorJson(json) {
  if (json === null || json === undefined) return null;
  const parsed = JSON.parse(json);
  if (parsed === null) return null;
  return JSON.stringify(sortValidator(parsed));
}

/**
 * Imports the modules of a directory and records the functions each registers, as the backend's
 * analyze step does.
 * @param {import("./evaluate.mjs").Evaluator} evaluator
 * @param {import("./evaluate.mjs").RootDirectory} root
 * @param {string} dir the component directory
 * @param {{ isolate: string[], node: string[] }} entries absolute module paths, as convex's
 *   entryPointsByEnvironment splits them
 * @returns {Promise<Record<string, any>>} canonical module path ("lib.js") -> module analysis, sorted
 */
export async function analyzeFunctions(evaluator, root, dir, { isolate, node }) {
  const functions = {};
  for (const [platform, entries] of [
    ["browser", isolate],
    ["node", node],
  ]) {
    if (entries.length === 0) continue;
    const modules = await evaluator.importModules(root, dir, entries, platform);
    for (const [modulePath, mod] of modules) {
      const source = path.join(dir, modulePath);
      const analyzed = [];
      for (const [name, value] of Object.entries(mod)) {
        const fn = analyzeExport(name, value, source);
        if (fn) analyzed.push(fn);
      }
      functions[canonicalModulePath(modulePath)] = {
        functions: analyzed,
        httpRoutes: null,
        cronSpecs: null,
        sourceMapped: null,
      };
    }
  }
  return Object.fromEntries(Object.entries(functions).sort(([a], [b]) => compareBytes(a, b)));
}

/** "lib.ts" -> "lib.js", "fly/machines.ts" -> "fly/machines.js" (the backend's module paths). */
function canonicalModulePath(modulePath) {
  const p = modulePath.split(path.sep).join(path.posix.sep);
  const lastDot = p.lastIndexOf(".");
  return (lastDot === -1 ? p : p.slice(0, lastDot)) + ".js";
}

/** What the backend's analyze step records for one export of a module, or null for no function. */
function analyzeExport(name, value, source) {
  if (value === null || (typeof value !== "function" && typeof value !== "object")) return null;
  let udfType;
  if (value.isQuery === true) udfType = "Query";
  else if (value.isMutation === true) udfType = "Mutation";
  else if (value.isAction === true) udfType = "Action";
  else return null;
  const visibility =
    value.isPublic === true ? { kind: "public" } : value.isInternal === true ? { kind: "internal" } : null;
  const exported = (method) => {
    if (typeof value[method] !== "function") return null;
    let json;
    try {
      json = value[method]();
    } catch (e) {
      fail(`${source}: ${name}.${method}() threw: ${e instanceof Error ? e.message : String(e)}`);
    }
    return normalizeValidatorJson(json);
  };
  return { name, udfType, visibility, args: exported("exportArgs"), returns: exported("exportReturns") };
}

/**
 * Public functions become the component's exports, nested by module path.
 * @param {Record<string, { functions: any[] }>} functions from analyzeFunctions
 */
function buildExports(functions) {
  const root = {};
  for (const modulePath of Object.keys(functions).sort(compareBytes)) {
    const importPath = modulePath.replace(/\.js$/, "");
    for (const fn of functions[modulePath].functions) {
      if (fn.visibility?.kind !== "public") continue;
      let node = root;
      for (const part of importPath.split("/")) {
        node[part] ??= { type: "branch", children: {} };
        if (node[part].type !== "branch") fail(`ambiguous export ${importPath} in ${modulePath}`);
        node = node[part].children;
      }
      if (node[fn.name]) fail(`ambiguous export ${importPath}.${fn.name}`);
      node[fn.name] = { type: "leaf", leaf: `_reference/function/${importPath}:${fn.name}` };
    }
  }
  const serialize = (children) => ({
    type: "branch",
    branch: Object.keys(children)
      .sort(compareBytes)
      .map((key) => {
        const child = children[key];
        return [key, child.type === "leaf" ? { type: "leaf", leaf: child.leaf } : serialize(child.children)];
      }),
  });
  return serialize(root);
}

/**
 * One component's analysis, as the backend returns it.
 * @param {any} exported what the component's convex.config `.export()` returned
 * @param {string} definitionPath the component's path relative to the root ("" for the root)
 * @param {Record<string, any>} functions from analyzeFunctions ({} when not analyzed)
 */
export function componentAnalysis(exported, definitionPath, functions) {
  const envVars = (exported.envVars ?? [])
    .map(([name, decl]) => [name, { ...decl, value: JSON.stringify(sortValidator(JSON.parse(decl.value))) }])
    .sort(([a], [b]) => compareBytes(a, b));
  const definition = {
    path: definitionPath,
    definitionType: exported.definitionType,
    childComponents: (exported.childComponents ?? []).map((c) => ({
      name: c.name,
      path: c.path,
      args: c.args ?? [],
      // The backend keeps bindings in a BTreeMap.
      env: c.env ? [...c.env].sort(([a], [b]) => compareBytes(a, b)) : [],
    })),
    httpMounts: exported.httpMounts ?? {},
    exports: buildExports(functions),
    // The backend omits env vars when there are none and returns them sorted by name.
    ...(envVars.length > 0 ? { envVars } : {}),
  };
  return { definition, schema: null, functions, udfConfig: {} };
}
