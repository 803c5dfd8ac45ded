// Rendering: which directories get a _generated folder, and their files. One session per root
// (the app, or the synthetic app of --component-dir) evaluates the component tree, builds the
// analysis of the directories it renders, and hands both to convex's writers; prettier formats
// the result as the convex CLI does.

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { analyzeFunctions, componentAnalysis } from "./analysis.mjs";
import { fail } from "./errors.mjs";
import {
  DEFINITION_FILENAME_TS,
  collectComponents,
  componentDefinitionFile,
  evaluateRoot,
  hasSchema,
  insideNodeModules,
  isPublishedPackage,
} from "./project.mjs";

/**
 * The rendered files of one component directory.
 * @typedef {{ dir: string, files: Map<string, string> }} Output
 */

/**
 * What every session shares.
 * @typedef {object} Workspace
 * @property {import("./project.mjs").ProjectConfig} config
 * @property {import("./convex-internals.mjs").Convex} convex
 * @property {any} internals from loadConvexInternals
 * @property {import("./evaluate.mjs").Evaluator} evaluator
 * @property {boolean} verbose print each session's analysis to stderr
 */

/**
 * Renders every directory of the project, without writing anything:
 *   * the app's functions directory (convex.json `functions`, default `convex/`) when it has a
 *     convex.config.ts or any module, with every local component its convex.config.ts reaches
 *     (as `npx convex dev` with live component sources would), but never one inside node_modules;
 *   * then each component directory asked for and not rendered already (as
 *     `npx convex codegen --component-dir <dir>` would).
 * @param {Workspace} workspace
 * @param {string} root absolute project root
 * @param {string[] | null} requestedDirs --component-dir values (null: src/component when it has
 *   a convex.config)
 * @returns {Promise<Output[]>}
 */
export async function renderProject(workspace, root, requestedDirs) {
  const functionsDir = path.resolve(root, workspace.config.functions);
  const componentDirs = (
    requestedDirs ?? (componentDefinitionFile(path.join(root, "src", "component")) ? ["src/component"] : [])
  ).map((d) => path.resolve(root, d));
  for (const dir of componentDirs) {
    if (!fs.existsSync(path.join(dir, DEFINITION_FILENAME_TS))) {
      fail(`Only directories with convex.config.ts files are supported, this directory does not: ${dir}`);
    }
  }

  const outputs = [];
  const appDefinition = componentDefinitionFile(functionsDir);
  const appHasModules =
    fs.existsSync(functionsDir) &&
    (await workspace.internals.entryPoints(workspace.internals.ctx, functionsDir)).length > 0;
  if (appDefinition || appHasModules) {
    if (appDefinition?.endsWith(".js")) fail(`${appDefinition}: use convex.config.ts`);
    outputs.push(
      ...(await renderSession(workspace, functionsDir, { file: appDefinition }, (directory) => {
        // Unlike `convex dev`, never write into node_modules (a package that ships its component
        // sources under the @convex-dev/component-source condition).
        return directory.isRoot || !insideNodeModules(directory.path);
      })),
    );
  }
  for (const dir of componentDirs) {
    if (outputs.some((o) => o.dir === dir)) continue;
    const rootSource = { synthetic: true, component: path.join(dir, DEFINITION_FILENAME_TS) };
    outputs.push(...(await renderSession(workspace, functionsDir, rootSource, (d) => d.path === dir)));
  }
  return outputs;
}

/**
 * One session: evaluate the tree of `rootSource`, analyze, render the directories `targets` picks
 * (published packages never).
 * @param {Workspace} workspace
 * @param {string} rootPath the app's functions directory
 * @param {import("./project.mjs").RootSource} rootSource
 * @param {(directory: import("./project.mjs").ComponentDirectory) => boolean} targets
 * @returns {Promise<Output[]>}
 */
async function renderSession(workspace, rootPath, rootSource, targets) {
  const { config, evaluator, internals: I, verbose } = workspace;
  const rootComponent = { isRoot: true, path: rootPath, definitionPath: path.join(rootPath, DEFINITION_FILENAME_TS) };
  const { components, evaluatedByDir } = collectComponents(await evaluateRoot(evaluator, rootComponent, rootSource));
  const rendered = [...components.values()].filter((d) => targets(d) && !isPublishedPackage(d));
  for (const directory of components.values()) {
    if (!isPublishedPackage(directory)) evaluator.serveGeneratedStubs(directory.path, directory.isRoot);
  }

  /** @type {Record<string, any>} definition path -> what the backend's analysis holds for it */
  const analysis = {};
  for (const [dir, directory] of components) {
    const definitionPath = I.toComponentDefinitionPath(rootComponent, directory);
    // Functions matter for a component's ComponentApi and for the app's static api.
    let functions = {};
    if (rendered.includes(directory) && (!directory.isRoot || config.staticApi)) {
      const byEnvironment = await I.entryPointsByEnvironment(I.ctx, dir);
      if (!directory.isRoot && byEnvironment.node.length > 0) {
        fail(`"use node" directive is not supported in components. Remove it from the component at: ${dir}.`);
      }
      functions = await analyzeFunctions(evaluator, rootComponent, dir, byEnvironment);
    }
    analysis[definitionPath] = componentAnalysis(evaluatedByDir.get(dir).exported, definitionPath, functions);
  }
  if (verbose) process.stderr.write(`analysis for root ${rootPath}:\n${JSON.stringify(analysis, null, 2)}\n`);

  const outputs = [];
  for (const directory of rendered) {
    const files = await renderDirectory(workspace, { analysis }, rootComponent, directory, components);
    outputs.push({ dir: directory.path, files });
  }
  return outputs;
}

/**
 * The files doInitialComponentCodegen + doFinalComponentCodegen leave in `<dir>/_generated`.
 * @param {Workspace} workspace
 * @param {{ analysis: Record<string, any> }} startPush the analysis, keyed by definition path
 * @param {import("./project.mjs").ComponentDirectory} rootComponent
 * @param {import("./project.mjs").ComponentDirectory} directory the one to render
 * @param {Map<string, import("./project.mjs").ComponentDirectory>} componentsMap every component of the session
 * @returns {Promise<Map<string, string>>} file name -> formatted contents
 */
async function renderDirectory(workspace, startPush, rootComponent, directory, componentsMap) {
  const { config, convex, internals: I } = workspace;
  const ctx = I.ctx;
  const useTypeScript = !directory.isRoot || config.useTypeScriptForRoot;
  const files = new Map();
  const dataModel = hasSchema(directory.path)
    ? useTypeScript
      ? I.dynamicDataModelTS()
      : I.dynamicDataModelDTS()
    : useTypeScript
      ? I.noSchemaDataModelTS()
      : I.noSchemaDataModelDTS();
  files.set(useTypeScript ? "dataModel.ts" : "dataModel.d.ts", dataModel);

  if (!directory.isRoot) {
    files.set("component.ts", await I.componentTS(ctx, startPush, rootComponent, directory));
  }

  const analysis = startPush.analysis[I.toComponentDefinitionPath(rootComponent, directory)];
  const envVars = analysis?.definition.envVars?.length > 0 ? analysis.definition.envVars : [];
  if (directory.isRoot) {
    const server = I.serverCodegen({ useTypeScript, envVars });
    if (useTypeScript) {
      files.set("server.ts", server.TS);
    } else {
      files.set("server.js", server.JS);
      files.set("server.d.ts", server.DTS);
    }
  } else {
    files.set("server.ts", I.componentServerTS(false, envVars));
  }

  const apiOpts = { staticApi: config.staticApi, useComponentApiImports: config.useComponentApiImports };
  if (useTypeScript) {
    files.set(
      "api.ts",
      await I.componentApiTSWithTypes(ctx, startPush, rootComponent, directory, componentsMap, apiOpts),
    );
  } else {
    const apiDTS = await I.componentApiDTS(ctx, startPush, rootComponent, directory, componentsMap, apiOpts);
    files.set("api.js", I.componentApiJs());
    files.set("api.d.ts", apiDTS);
    if (config.generateCommonJSApi && directory.isRoot) {
      files.set("api_cjs.cjs", I.rootComponentApiCJS());
      files.set("api_cjs.d.cts", apiDTS);
    }
  }

  const formatted = new Map();
  for (const [name, contents] of files) {
    formatted.set(name, await convex.prettier.format(contents, { parser: "typescript", pluginSearchDirs: false }));
  }
  return formatted;
}
