#!/usr/bin/env node
// Offline Convex codegen.
//
// Renders the `_generated/` folders that `npx convex dev` (convex 1.48) would write, without a
// Convex backend. The file contents come from convex's own codegen writers
// (node_modules/convex/dist/esm/cli/codegen_templates/*), bundled here with esbuild. The only thing
// a backend normally contributes is the "analysis" of each component (its definition and the
// functions each module registers); this script builds that by bundling each module with esbuild
// and importing it in Node, the way the backend evaluates it in its isolate.
//
// Usage:
//   node scripts/codegen.mjs                       write every _generated/ folder (npm run codegen)
//   node scripts/codegen.mjs --check               exit 1 if any is stale (npm run codegen:check)
// Options:
//   --root <dir>            project root (default: the repo that holds this script)
//   --component-dir <dir>   component to generate, relative to the root; repeatable
//                           (default: src/component when it has a convex.config.ts)
//   --verbose               print the analysis
//
// Which directories are generated:
//   * the app's functions directory (convex.json `functions`, default `convex/`) when it has a
//     convex.config.ts or any module, together with every non-published component its
//     convex.config.ts reaches (as `npx convex dev` with live component sources would do);
//   * each --component-dir (as `npx convex codegen --component-dir <dir>` would do).
//
// Exit codes: 0 done (or up to date), 1 --check found missing, stale or extra files, 2 a
// `codegen: ...` error (bad option, bad convex.json, user code that fails to bundle or load).
//
// The code lives in scripts/codegen/, one concern per module:
//   main.mjs               one run: options, temp workspace, write or check, summary
//   options.mjs            command-line options
//   project-config.mjs     convex.json
//   toolchain.mjs          esbuild, convex and prettier, resolved from this repo
//   convex-internals.mjs   convex's codegen writers, bundled with esbuild
//   render-project.mjs     which directories are generated, one session per root
//   session.mjs            evaluate, analyze and render the components of one root
//   component-tree.mjs     the root definition and the components it reaches
//   evaluator.mjs          shared bundling state and esbuild options
//   definitions.mjs        evaluating convex.config definitions
//   generated-stubs.mjs    ./_generated stubs served while bundling
//   functions.mjs          the function analysis: bundle, import, record each export
//   bundle-and-import.mjs  running esbuild and importing bundles, with readable errors
//   analysis.mjs           the definition metadata and exports tree the writers read
//   backend-order.mjs      byte-wise key order and validator normalization, as the backend does
//   directories.mjs        what a directory is to convex (component, schema, published)
//   render.mjs             rendering and formatting one _generated folder
//   write-or-check.mjs     writing files vs comparing them (--check)
//   errors.mjs             CodegenError and fail()

import process from "node:process";
import { CodegenError } from "./codegen/errors.mjs";
import { main } from "./codegen/main.mjs";

try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof CodegenError) {
    process.stderr.write(`codegen: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    throw e;
  }
}
