// The env vars each component of an app receives: the `env` bindings of every
// `app.use(component, { env })` (and `component.use(child, { env })`) in the component tree, as the
// backend's analysis of the app's convex.config.ts holds them (`childComponents[].env`). The
// project's tests read them to give each component only what its host binds to it, as a
// deployment does (src/testing/deployment.ts); convex-test alone hands every component all of
// Node's process.env.
//
//   node scripts/codegen/env-bindings.mjs [root]   prints them as JSON (for code that runs where
//                                                  esbuild cannot be imported, e.g. in Vite's runner)

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { componentAnalysis } from "./analysis.mjs";
import { assertNothingRefused, loadConvexInternals, openConvex } from "./convex-internals.mjs";
import { Evaluator } from "./evaluate.mjs";
import { componentDefinitionFile, DEFINITION_FILENAME_TS, evaluateRoot, readProjectConfig } from "./project.mjs";

/** The repo that holds this script: the default root, and where packages resolve from. */
const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Each component's env, keyed by its path in the tree as convex-test names components
 * ("flyAgents", "flyAgents/rateLimiter"): the vars its own definition declares, and its
 * bindings: var name -> where its value comes from (`envVar`: the parent's env var of that name,
 * the app's for a top-level component; `value`: a literal).
 * @param {{ root: string }} options the project root (holds convex.json, if any)
 * @returns {Promise<Record<string, { declared: string[], bound: Record<string, { type: "envVar", name: string } | { type: "value", value: string }> }>>}
 */
export async function componentEnvBindings({ root }) {
  const convex = openConvex();
  const config = readProjectConfig(root);
  const functionsDir = path.resolve(root, config.functions);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "convex-env-bindings-"));
  try {
    const internals = await loadConvexInternals(convex, tmpDir);
    const evaluator = new Evaluator({ tmpDir, convex, internals, nodePaths: [path.join(TOOL_ROOT, "node_modules")] });
    const rootComponent = {
      isRoot: true,
      path: functionsDir,
      definitionPath: path.join(functionsDir, DEFINITION_FILENAME_TS),
    };
    const rootEvaluated = await evaluateRoot(evaluator, rootComponent, { file: componentDefinitionFile(functionsDir) });
    /** @type {Record<string, any>} */
    const bindings = {};
    const visit = (evaluated, parentPath) => {
      // Bindings do not depend on a component's functions: none are analyzed.
      const { childComponents } = componentAnalysis(evaluated.exported, "", {}).definition;
      for (const child of childComponents) {
        const childPath = parentPath === "" ? child.name : `${parentPath}/${child.name}`;
        const definition = evaluated.children.find(
          (candidate) =>
            internals.toComponentDefinitionPath(rootComponent, candidate.evaluated.directory) === child.path,
        );
        const declared = definition ? componentAnalysis(definition.evaluated.exported, "", {}).definition.envVars : [];
        bindings[childPath] = {
          declared: (declared ?? []).map(([name]) => name),
          bound: Object.fromEntries(child.env),
        };
        if (definition) visit(definition.evaluated, childPath);
      }
    };
    visit(rootEvaluated, "");
    assertNothingRefused();
    return bindings;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const bindings = await componentEnvBindings({ root: path.resolve(process.argv[2] ?? TOOL_ROOT) });
  process.stdout.write(`${JSON.stringify(bindings)}\n`);
}
