// Stubs for `./_generated/*` imports during analysis (runtime-equivalent to the real files).
// Modules import their own ./_generated/*; serve the runtime-equivalent initial stubs (what
// `convex dev` writes before bundling) so the analysis never depends on what is on disk, nor on
// whether it exists yet.

import path from "node:path";

/**
 * @typedef {Map<string, Record<string, string>>} GeneratedStubs
 *   absolute _generated dir -> file name without extension ("server", "api", ...) -> TS source
 */

/**
 * Registers the stubs for `<dir>/_generated`.
 * @param {{ generatedStubs: GeneratedStubs }} evaluator
 * @param {any} internals from loadConvexInternals
 * @param {string} dir a component directory
 * @param {boolean} isRoot whether it is the app (its server.ts differs from a component's)
 */
export function registerGeneratedStubs(evaluator, internals, dir, isRoot) {
  const server = isRoot
    ? internals.serverCodegen({ useTypeScript: true, envVars: undefined }).TS
    : internals.componentServerTS(false, undefined);
  evaluator.generatedStubs.set(path.join(dir, "_generated"), {
    server,
    api: internals.componentApiStubTS(),
    dataModel: "export {};",
    component: "export {};",
  });
}

/**
 * The esbuild plugin that serves registered stubs in place of relative `_generated/` imports;
 * other imports resolve normally.
 * @param {GeneratedStubs} generatedStubs read at resolve time, so later registrations apply
 * @returns {import("esbuild").Plugin}
 */
export function generatedStubsPlugin(generatedStubs) {
  return {
    name: "generated-stubs",
    setup(build) {
      build.onResolve({ filter: /_generated\// }, (args) => {
        if (!args.path.startsWith(".")) return undefined;
        const abs = path.resolve(args.resolveDir, args.path);
        const stubs = generatedStubs.get(path.dirname(abs));
        if (!stubs) return undefined;
        const base = path.basename(abs).replace(/\.(d\.ts|[cm]?[jt]s)$/, "");
        if (!(base in stubs)) return undefined;
        return { path: abs, namespace: "generated-stub", pluginData: stubs[base] };
      });
      build.onLoad({ filter: /.*/, namespace: "generated-stub" }, (args) => ({
        contents: args.pluginData,
        loader: "ts",
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}
