// Loads convex's own codegen writers (node_modules/convex/dist/esm/cli/codegen_templates/*) so the
// rendered files are exactly what `npx convex dev` writes.

import path from "node:path";
import { pathToFileURL } from "node:url";
import { fail } from "./errors.mjs";
import { CONVEX_DIR, esbuild, isNodeBuiltin } from "./toolchain.mjs";

/**
 * Bundles convex's codegen internals (they import chalk, sentry, ... that only the CLI bundle has).
 * @param {string} tmpDir where the bundle is written
 * @returns {Promise<any>} the writers and helpers listed below, by name
 */
export async function loadConvexInternals(tmpDir) {
  const esm = path.join(CONVEX_DIR, "dist", "esm");
  const spec = (p) => JSON.stringify(path.join(esm, p));
  const contents = `
export { apiCodegen } from ${spec("cli/codegen_templates/api.js")};
export {
  componentApiDTS,
  componentApiJs,
  componentApiStubTS,
  componentApiTSWithTypes,
  componentTS,
  rootComponentApiCJS,
} from ${spec("cli/codegen_templates/component_api.js")};
export { componentServerTS } from ${spec("cli/codegen_templates/component_server.js")};
export {
  dynamicDataModelDTS,
  dynamicDataModelTS,
  noSchemaDataModelDTS,
  noSchemaDataModelTS,
} from ${spec("cli/codegen_templates/dataModel.js")};
export { serverCodegen } from ${spec("cli/codegen_templates/server.js")};
export { entryPoints, entryPointsByEnvironment, nodeFs } from ${spec("bundler/index.js")};
export { toComponentDefinitionPath } from ${spec("cli/lib/components/definition/directoryStructure.js")};
`;
  // Every package import of those modules is replaced by an inert stub: none of them is reached
  // by the functions used here (chalk only colours verbose logs).
  const stub = `
const handler = {
  get: (_t, p) => (p === "__esModule" ? false : p === Symbol.toPrimitive ? () => "" : stub),
  apply: () => stub,
  construct: () => stub,
  getPrototypeOf: () => stub,
};
const stub = new Proxy(function () {}, handler);
module.exports = stub;`;
  const outfile = path.join(tmpDir, "convex-codegen-internals.mjs");
  await esbuild.build({
    stdin: { contents, resolveDir: esm, loader: "js", sourcefile: "convex-codegen-internals.js" },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "silent",
    plugins: [
      {
        name: "stub-packages",
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith("node:")) return { path: args.path, external: true };
            if (isNodeBuiltin(args.path)) return { path: args.path, external: true };
            return { path: args.path, namespace: "stub-package" };
          });
          build.onLoad({ filter: /.*/, namespace: "stub-package" }, () => ({
            contents: stub,
            loader: "js",
          }));
        },
      },
    ],
  });
  return await import(pathToFileURL(outfile).href);
}

/**
 * The `ctx` convex's writers take: they read files through `ctx.fs`, and a `ctx.crash` becomes a
 * codegen error.
 * @param {any} internals from loadConvexInternals
 */
export const crashingCtx = (internals) => ({
  fs: internals.nodeFs,
  crash: async ({ printedMessage }) => fail(printedMessage ?? "convex codegen failed"),
});
