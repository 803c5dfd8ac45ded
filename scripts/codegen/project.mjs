// The project as convex sees it: its convex.json, what a directory is (a component when it has a
// convex.config, with or without a schema, local or a published package), and the component tree a
// root definition reaches.

import fs from "node:fs";
import path from "node:path";
import { fail } from "./errors.mjs";

export const DEFINITION_FILENAME_TS = "convex.config.ts";
const DEFINITION_FILENAME_JS = "convex.config.js";

/**
 * @typedef {object} ProjectConfig
 * @property {string} functions              the app's functions directory, relative to the root
 * @property {boolean} staticApi
 * @property {boolean} useComponentApiImports always true: legacyComponentApi is refused
 * @property {boolean} useTypeScriptForRoot  codegen.fileType === "ts"
 * @property {boolean} generateCommonJSApi
 */

/**
 * Reads `<root>/convex.json` as convex's readProjectConfig does (absent means defaults); fails on
 * settings the offline codegen cannot render.
 * @param {string} root
 * @returns {ProjectConfig}
 */
export function readProjectConfig(root) {
  const configPath = path.join(root, "convex.json");
  let raw = {};
  if (fs.existsSync(configPath)) {
    try {
      raw = JSON.parse(fs.readFileSync(configPath, "utf8"));
    } catch (e) {
      fail(`cannot parse ${configPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const codegen = raw.codegen ?? {};
  if (codegen.staticDataModel === true) {
    fail(
      "convex.json sets codegen.staticDataModel: the offline codegen only renders the default " +
        "(dynamic) data model, which derives types from schema.ts.",
    );
  }
  if (codegen.legacyComponentApi === true) {
    fail("convex.json sets codegen.legacyComponentApi: the offline codegen only renders component API imports.");
  }
  return {
    functions: raw.functions ?? "convex/",
    staticApi: codegen.staticApi ?? false,
    useComponentApiImports: true,
    useTypeScriptForRoot: codegen.fileType === "ts",
    generateCommonJSApi: raw.generateCommonJSApi ?? false,
  };
}

/**
 * A component directory as convex's codegen writers take it.
 * @typedef {object} ComponentDirectory
 * @property {boolean} isRoot          the app (or the synthetic app of --component-dir)
 * @property {string} path             absolute directory
 * @property {string} definitionPath   absolute convex.config.{ts,js}
 * @property {string} [importSpecifier] how its parent imports it, without /convex.config*
 */

/**
 * The directory's convex.config.ts (preferred) or convex.config.js, or null when it has neither.
 * @param {string} dir
 * @returns {string | null}
 */
export function componentDefinitionFile(dir) {
  for (const name of [DEFINITION_FILENAME_TS, DEFINITION_FILENAME_JS]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  }
  return null;
}

/** @param {string} dir */
export function hasSchema(dir) {
  return fs.existsSync(path.join(dir, "schema.ts")) || fs.existsSync(path.join(dir, "schema.js"));
}

/**
 * Like convex's isPublishedPackage: a component whose definition resolved to .js is left alone.
 * @param {ComponentDirectory} directory
 */
export function isPublishedPackage(directory) {
  return !directory.isRoot && directory.definitionPath.endsWith(".js");
}

/** @param {string} dir */
export const insideNodeModules = (dir) => dir.split(path.sep).includes("node_modules");

/**
 * Where a session's root definition comes from: the app's own convex.config.ts (`file`; null
 * when the app has none), or a synthetic app that only uses `component` (`synthetic`).
 * @typedef {{ file?: string | null, synthetic?: true, component?: string }} RootSource
 */

/**
 * Evaluates the root definition of a session.
 * @param {import("./evaluate.mjs").Evaluator} evaluator
 * @param {ComponentDirectory} rootComponent
 * @param {RootSource} rootSource
 * @returns {Promise<import("./evaluate.mjs").EvaluatedDefinition>}
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
 * @param {import("./evaluate.mjs").EvaluatedDefinition} rootEvaluated
 * @returns {{
 *   components: Map<string, ComponentDirectory>,
 *   evaluatedByDir: Map<string, import("./evaluate.mjs").EvaluatedDefinition>,
 * }} both keyed by absolute directory
 */
export function collectComponents(rootEvaluated) {
  const components = new Map();
  const evaluatedByDir = new Map();
  const addComponent = (evaluated, isRoot) => {
    const dir = evaluated.directory.path;
    if (!components.has(dir)) {
      components.set(dir, { isRoot, path: dir, definitionPath: evaluated.definitionFile });
      evaluatedByDir.set(dir, evaluated);
      for (const child of evaluated.children) addComponent(child.evaluated, false);
    }
    for (const child of evaluated.children) {
      const relativeSpecifier = child.importSpecifier.replace(/\/convex\.config.*$/, "");
      components.get(child.evaluated.directory.path).importSpecifier = relativeSpecifier;
    }
  };
  addComponent(rootEvaluated, true);
  return { components, evaluatedByDir };
}
