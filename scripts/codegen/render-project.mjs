// Which directories are generated (the rules are in the header of scripts/codegen.mjs): the app
// with every local component it reaches, then each --component-dir not already covered, one
// session per root.

import fs from "node:fs";
import path from "node:path";
import { DEFINITION_FILENAME_TS, componentDefinitionFile, insideNodeModules } from "./directories.mjs";
import { fail } from "./errors.mjs";
import { runSession } from "./session.mjs";

/**
 * Renders every directory of the project, without writing anything.
 * @param {object} args
 * @param {string} args.root absolute project root
 * @param {string[] | null} args.componentDirs --component-dir values (null: src/component when
 *   it has a convex.config)
 * @param {boolean} args.verbose
 * @param {import("./project-config.mjs").ProjectConfig} args.config
 * @param {import("./evaluator.mjs").Evaluator} args.evaluator
 * @param {any} args.internals from loadConvexInternals
 * @param {any} args.ctx from crashingCtx
 * @returns {Promise<import("./session.mjs").Output[]>}
 */
export async function renderProject({
  root,
  componentDirs: requestedDirs,
  verbose,
  config,
  evaluator,
  internals,
  ctx,
}) {
  const functionsDir = path.resolve(root, config.functions);
  const componentDirs = (
    requestedDirs ?? (componentDefinitionFile(path.join(root, "src", "component")) ? ["src/component"] : [])
  ).map((d) => path.resolve(root, d));
  for (const dir of componentDirs) {
    if (!fs.existsSync(path.join(dir, DEFINITION_FILENAME_TS))) {
      fail(`Only directories with convex.config.ts files are supported, this directory does not: ${dir}`);
    }
  }

  const outputs = [];
  const session = { evaluator, internals, ctx, config, rootPath: functionsDir, verbose };
  // The app (root component), with every local component it uses.
  const appDefinition = componentDefinitionFile(functionsDir);
  const appHasModules = fs.existsSync(functionsDir) && (await internals.entryPoints(ctx, functionsDir)).length > 0;
  if (appDefinition || appHasModules) {
    if (appDefinition?.endsWith(".js")) fail(`${appDefinition}: use convex.config.ts`);
    const sessionOutputs = await runSession({
      ...session,
      rootSource: { file: appDefinition },
      // Unlike `convex dev`, never write into node_modules (a package that ships its component
      // sources under the @convex-dev/component-source condition).
      targets: (directory) => directory.isRoot || !insideNodeModules(directory.path),
    });
    outputs.push(...sessionOutputs);
  }
  // Components asked for explicitly and not already generated through the app.
  for (const dir of componentDirs) {
    if (outputs.some((o) => o.dir === dir)) continue;
    const sessionOutputs = await runSession({
      ...session,
      rootSource: { synthetic: true, component: path.join(dir, DEFINITION_FILENAME_TS) },
      targets: (directory) => directory.path === dir,
    });
    outputs.push(...sessionOutputs);
  }
  return outputs;
}
