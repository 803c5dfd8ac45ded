// The function analysis: bundles every module of a component directory, imports it, and records
// the queries, mutations and actions it exports, as the backend's analyze step does.

import path from "node:path";
import { compareBytes, normalizeValidatorJson } from "./backend-order.mjs";
import { importModule, runEsbuild } from "./bundle-and-import.mjs";
import { fail } from "./errors.mjs";

/**
 * Bundles and imports the modules of a directory (`{ isolate, node }` absolute paths, as
 * convex's entryPointsByEnvironment splits them); returns analysis.functions.
 * @param {import("./evaluator.mjs").Evaluator} evaluator
 * @param {import("./definitions.mjs").RootDirectory} root
 * @param {string} dir
 * @param {{ isolate: string[], node: string[] }} entries
 * @returns {Promise<Record<string, any>>} canonical module path ("lib.js") -> module analysis
 */
export async function analyzeFunctions(evaluator, root, dir, { isolate, node }) {
  const functions = {};
  for (const [platform, entries] of [
    ["browser", isolate],
    ["node", node],
  ]) {
    if (entries.length > 0) {
      Object.assign(functions, await analyzeModules(evaluator, root, dir, entries, platform));
    }
  }
  // Keep the backend's module order (sorted paths).
  return Object.fromEntries(Object.entries(functions).sort(([a], [b]) => compareBytes(a, b)));
}

async function analyzeModules(evaluator, root, dir, entries, platform) {
  const functions = {};
  const modulePaths = entries.map((p) => path.relative(dir, p));
  const outdir = evaluator.outDir(`functions-${platform}`);
  const result = await runEsbuild(`bundling the modules of ${dir}`, {
    ...evaluator.buildOptions(root, undefined, platform),
    ...(platform === "node"
      ? {
          banner: {
            js: 'import { createRequire as __codegenCreateRequire } from "node:module"; const require = __codegenCreateRequire(import.meta.url);',
          },
        }
      : {}),
    entryPoints: entries,
    outdir,
    outbase: dir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: "_chunks/[name]-[hash]",
    metafile: true,
  });
  const outputsByEntry = new Map();
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint) outputsByEntry.set(path.resolve(meta.entryPoint), path.resolve(out));
  }
  for (const modulePath of modulePaths) {
    const source = path.join(dir, modulePath);
    const out = outputsByEntry.get(path.resolve(source));
    if (!out) fail(`esbuild produced no output for ${source}`);
    const mod = await importModule(out, source);
    const analyzed = [];
    for (const [name, value] of Object.entries(mod)) {
      const fn = analyzeExport(name, value, source);
      if (fn) analyzed.push(fn);
    }
    functions[canonicalizeModulePath(modulePath)] = {
      functions: analyzed,
      httpRoutes: null,
      cronSpecs: null,
      sourceMapped: null,
    };
  }
  return functions;
}

const posix = (p) => p.split(path.sep).join(path.posix.sep);

/** "lib.ts" -> "lib.js", "fly/machines.ts" -> "fly/machines.js" (the backend's module paths). */
function canonicalizeModulePath(modulePath) {
  const p = posix(modulePath);
  const lastDot = p.lastIndexOf(".");
  return (lastDot === -1 ? p : p.slice(0, lastDot)) + ".js";
}

/** What the backend's analyze step records for one export of a module. */
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
      fail(`${source}: ${name}.${method}() threw: ${e.message}`);
    }
    return normalizeValidatorJson(json);
  };
  return { name, udfType, visibility, args: exported("exportArgs"), returns: exported("exportReturns") };
}
