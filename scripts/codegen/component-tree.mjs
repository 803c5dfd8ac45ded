// The components one session covers: the root (the app's convex.config, the synthetic app of
// --component-dir, or an app without a convex.config) and every component it reaches.

import path from "node:path";
import { DEFINITION_FILENAME_TS } from "./directories.mjs";
import { fail } from "./errors.mjs";

/**
 * Where a session's root definition comes from: the app's own convex.config.ts (`file`; null
 * when the app has none), or a synthetic app that only uses `component` (`synthetic`).
 * @typedef {{ file?: string | null, synthetic?: true, component?: string }} RootSource
 */

/**
 * Evaluates the root definition of a session.
 * @param {import("./evaluator.mjs").Evaluator} evaluator
 * @param {import("./directories.mjs").ComponentDirectory} rootComponent
 * @param {RootSource} rootSource
 * @returns {Promise<import("./definitions.mjs").EvaluatedDefinition>}
 */
export async function evaluateRoot(evaluator, rootComponent, rootSource) {
  const rootPath = rootComponent.path;
  if (rootSource.synthetic) {
    // `npx convex codegen --component-dir`: a virtual app that only uses the component.
    const component = await evaluator.evaluateDefinition(rootComponent, rootSource.component);
    return emptyApp(rootPath, [{ importSpecifier: "./component", evaluated: component }]);
  }
  if (rootSource.file) {
    const rootEvaluated = await evaluator.evaluateDefinition(rootComponent, rootSource.file);
    if (rootEvaluated.exported.definitionType?.type !== "app") {
      fail(`${rootSource.file} must export defineApp()`);
    }
    return rootEvaluated;
  }
  return emptyApp(rootPath, []);
}

/** An app definition that declares nothing itself. */
function emptyApp(rootPath, children) {
  return {
    definitionFile: path.join(rootPath, DEFINITION_FILENAME_TS),
    directory: { path: rootPath },
    exported: { definitionType: { type: "app" }, childComponents: [], httpMounts: {} },
    children,
  };
}

/**
 * Flattens the evaluated tree, root first then depth-first in import order.
 * @param {import("./definitions.mjs").EvaluatedDefinition} rootEvaluated
 * @returns {{
 *   components: Map<string, import("./directories.mjs").ComponentDirectory>,
 *   evaluatedByDir: Map<string, import("./definitions.mjs").EvaluatedDefinition>,
 * }} both keyed by absolute directory
 */
export function collectComponents(rootEvaluated) {
  const components = new Map(); // abs dir -> ComponentDirectory (+ importSpecifier)
  const evaluatedByDir = new Map();

  const addComponent = (evaluated, isRoot) => {
    const dir = evaluated.directory.path;
    if (!components.has(dir)) {
      components.set(dir, { isRoot, path: dir, definitionPath: evaluated.definitionFile });
      evaluatedByDir.set(dir, evaluated);
      for (const child of evaluated.children) {
        addComponent(child.evaluated, false);
      }
    }
    for (const child of evaluated.children) {
      const relativeSpecifier = child.importSpecifier.replace(/\/convex\.config.*$/, "");
      components.get(child.evaluated.directory.path).importSpecifier = relativeSpecifier;
    }
  };
  addComponent(rootEvaluated, true);
  return { components, evaluatedByDir };
}
