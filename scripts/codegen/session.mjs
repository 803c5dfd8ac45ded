// Sessions: one per root component (the app, or the synthetic app of `--component-dir`). A session
// evaluates the component tree, analyzes the functions of the directories it renders, and renders
// their _generated files.

import path from "node:path";
import process from "node:process";
import { buildExports, definitionMetadata } from "./analysis.mjs";
import { collectComponents, evaluateRoot } from "./component-tree.mjs";
import { DEFINITION_FILENAME_TS, isPublishedPackage } from "./directories.mjs";
import { fail } from "./errors.mjs";
import { analyzeFunctions } from "./functions.mjs";
import { registerGeneratedStubs } from "./generated-stubs.mjs";
import { renderDirectory } from "./render.mjs";

/**
 * The rendered files of one component directory.
 * @typedef {{ dir: string, files: Map<string, string> }} Output
 */

/**
 * @param {object} args
 * @param {import("./evaluator.mjs").Evaluator} args.evaluator
 * @param {any} args.internals from loadConvexInternals
 * @param {any} args.ctx from crashingCtx
 * @param {import("./project-config.mjs").ProjectConfig} args.config
 * @param {string} args.rootPath the app's functions directory
 * @param {import("./component-tree.mjs").RootSource} args.rootSource
 * @param {(directory: import("./directories.mjs").ComponentDirectory) => boolean} args.targets
 *   which directories to render (published packages never are)
 * @param {boolean} args.verbose print the analysis to stderr
 * @returns {Promise<Output[]>}
 */
export async function runSession({ evaluator, internals, ctx, config, rootPath, rootSource, targets, verbose }) {
  const I = internals;
  const rootComponent = {
    isRoot: true,
    path: rootPath,
    definitionPath: path.join(rootPath, DEFINITION_FILENAME_TS),
  };
  const rootEvaluated = await evaluateRoot(evaluator, rootComponent, rootSource);
  const { components, evaluatedByDir } = collectComponents(rootEvaluated);

  for (const directory of components.values()) {
    if (!isPublishedPackage(directory)) {
      registerGeneratedStubs(evaluator, internals, directory.path, directory.isRoot);
    }
  }

  /** @type {Record<string, any>} definition path -> what the backend's analysis holds for it */
  const analysis = {};
  for (const [dir, directory] of components) {
    const evaluated = evaluatedByDir.get(dir);
    const definitionPath = I.toComponentDefinitionPath(rootComponent, directory);
    // Function analysis is needed for components' ComponentApi and for the static api.
    const needsFunctions =
      targets(directory) && !isPublishedPackage(directory) && (!directory.isRoot || config.staticApi);
    /** @type {Record<string, any>} */
    let functions = {};
    if (needsFunctions) {
      const byEnvironment = await I.entryPointsByEnvironment(ctx, dir);
      if (!directory.isRoot && byEnvironment.node.length > 0) {
        fail(`"use node" directive is not supported in components. Remove it from the component at: ${dir}.`);
      }
      functions = await analyzeFunctions(evaluator, rootComponent, dir, byEnvironment);
    }
    analysis[definitionPath] = {
      definition: definitionMetadata(evaluated.exported, definitionPath, buildExports(functions)),
      schema: null,
      functions,
      udfConfig: {},
    };
  }
  const startPush = { analysis };
  if (verbose) process.stderr.write(`analysis for root ${rootPath}:\n${JSON.stringify(analysis, null, 2)}\n`);

  const outputs = [];
  for (const directory of components.values()) {
    if (!targets(directory) || isPublishedPackage(directory)) continue;
    const files = await renderDirectory({
      internals,
      ctx,
      config,
      startPush,
      rootComponent,
      directory,
      componentsMap: components,
    });
    outputs.push({ dir: directory.path, files });
  }
  return outputs;
}
