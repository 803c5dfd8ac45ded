// Rendering one component directory's _generated files with convex's writers, formatted with
// prettier as the convex CLI formats them.

import { hasSchema } from "./directories.mjs";
import { prettier } from "./toolchain.mjs";

/**
 * @param {string} contents
 * @param {string} parser
 */
async function format(contents, parser) {
  return await prettier.format(contents, { parser, pluginSearchDirs: false });
}

/**
 * The files doInitialComponentCodegen + doFinalComponentCodegen leave in `<dir>/_generated`.
 * @param {object} args
 * @param {any} args.internals from loadConvexInternals
 * @param {any} args.ctx from crashingCtx
 * @param {import("./project-config.mjs").ProjectConfig} args.config
 * @param {{ analysis: Record<string, any> }} args.startPush the analysis, keyed by definition path
 * @param {import("./directories.mjs").ComponentDirectory} args.rootComponent
 * @param {import("./directories.mjs").ComponentDirectory} args.directory the one to render
 * @param {Map<string, import("./directories.mjs").ComponentDirectory>} args.componentsMap every component of the session
 * @returns {Promise<Map<string, string>>} file name -> formatted contents
 */
export async function renderDirectory({ internals, ctx, config, startPush, rootComponent, directory, componentsMap }) {
  const I = internals;
  const useTypeScript = !directory.isRoot || config.useTypeScriptForRoot;
  const files = new Map();
  const schema = hasSchema(directory.path);
  const dataModel = schema
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

  const definitionPath = I.toComponentDefinitionPath(rootComponent, directory);
  const analysis = startPush.analysis[definitionPath];
  const envVars =
    analysis?.definition.envVars && analysis.definition.envVars.length > 0 ? analysis.definition.envVars : [];
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
  for (const [name, contents] of files) formatted.set(name, await format(contents, "typescript"));
  return formatted;
}
