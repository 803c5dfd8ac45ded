// Evaluating convex.config.{ts,js} definitions the way the backend does: bundle, run, call
// `.export()`. An import of another component's convex.config inside a definition evaluates that
// component too (componentDefinitionsPlugin), which is how the component tree is discovered.

import path from "node:path";
import { importModule, runEsbuild } from "./bundle-and-import.mjs";
import { componentDefinitionFile } from "./directories.mjs";
import { fail } from "./errors.mjs";

/**
 * @typedef {object} EvaluatedDefinition
 * @property {string} definitionFile   absolute convex.config.{ts,js}
 * @property {{ path: string }} directory  the component's directory
 * @property {any} exported            what the definition's `.export()` returned
 * @property {ChildComponent[]} children  the components it imports, in import order
 *
 * @typedef {object} ChildComponent
 * @property {string} definitionPath   absolute path of the child's convex.config
 * @property {string} importSpecifier  the specifier the parent imported it with
 * @property {EvaluatedDefinition} evaluated
 *
 * @typedef {{ path: string }} RootDirectory  the root component directory, which component
 *   paths are relative to
 */

/**
 * Bundles and runs one definition file. Callers go through Evaluator.evaluateDefinition, which
 * caches the result.
 * @param {import("./evaluator.mjs").Evaluator} evaluator
 * @param {RootDirectory} root
 * @param {string} definitionFile
 * @returns {Promise<EvaluatedDefinition>}
 */
export async function evaluateDefinitionFile(evaluator, root, definitionFile) {
  const children = [];
  const outfile = path.join(evaluator.outDir("definition"), "convex.config.mjs");
  await runEsbuild(`bundling ${definitionFile}`, {
    ...evaluator.buildOptions(root, (child) => children.push(child)),
    entryPoints: [definitionFile],
    outfile,
  });
  const mod = await importModule(outfile, definitionFile);
  const definition = mod.default;
  if (!definition || typeof definition.export !== "function") {
    fail(`${definitionFile} must \`export default\` defineApp() or defineComponent(...)`);
  }
  let exported;
  try {
    exported = definition.export();
  } catch (e) {
    fail(`evaluating ${definitionFile} failed: ${e.message}`);
  }
  return {
    definitionFile,
    directory: { path: path.dirname(definitionFile) },
    exported,
    children,
  };
}

/**
 * Mirrors convex's componentPlugin: an import of another component's convex.config
 * becomes the definition reference the backend hands to `use()`.
 * @param {import("./evaluator.mjs").Evaluator} evaluator
 * @param {RootDirectory} root
 * @param {((child: ChildComponent) => void) | undefined} onChildComponent told of each import
 * @returns {import("esbuild").Plugin}
 */
export function componentDefinitionsPlugin(evaluator, root, onChildComponent) {
  return {
    name: "component-definitions",
    setup(build) {
      build.onResolve({ filter: /.*convex.config.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData?.innerResolve) return undefined;
        if (args.namespace !== "file") return undefined;
        const candidates = [args.path];
        const ext = path.extname(args.path);
        if (ext === ".js") candidates.push(args.path.slice(0, -".js".length) + ".ts");
        if (ext !== ".js" && ext !== ".ts") candidates.push(args.path + ".js", args.path + ".ts");
        let resolvedPath;
        for (const candidate of candidates) {
          const result = await build.resolve(candidate, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            pluginData: { innerResolve: true },
          });
          if (result.path && result.errors.length === 0) {
            resolvedPath = result.path;
            break;
          }
        }
        if (resolvedPath === undefined) return undefined;
        const parentDir = path.dirname(resolvedPath);
        if (componentDefinitionFile(parentDir) === null) return undefined;
        return {
          path: resolvedPath,
          namespace: "component-definition",
          pluginData: { specifier: args.path },
        };
      });
      build.onLoad({ filter: /.*/, namespace: "component-definition" }, async (args) => {
        const child = await evaluator.evaluateDefinition(root, args.path);
        if (child.exported.definitionType?.type !== "childComponent") {
          fail(`${args.path} does not define a component (defineComponent)`);
        }
        onChildComponent?.({
          definitionPath: args.path,
          importSpecifier: args.pluginData.specifier,
          evaluated: child,
        });
        const reference = {
          componentDefinitionPath: evaluator.internals.toComponentDefinitionPath(root, child.directory),
          defaultName: child.exported.name,
        };
        return { contents: `export default ${JSON.stringify(reference)};`, loader: "js" };
      });
    },
  };
}
