// One run of the codegen: read the options and convex.json, render every directory in a temp
// workspace, then write or check, and print the summary.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { crashingCtx, loadConvexInternals } from "./convex-internals.mjs";
import { Evaluator } from "./evaluator.mjs";
import { parseArgs } from "./options.mjs";
import { readProjectConfig } from "./project-config.mjs";
import { renderProject } from "./render-project.mjs";
import { TOOL_ROOT } from "./toolchain.mjs";
import { applyOutputs } from "./write-or-check.mjs";

/**
 * Runs the codegen on `process.argv`; failures the user can fix throw a CodegenError.
 * @returns {Promise<number>} the exit code: 0, or 1 when --check found stale files
 */
export async function main() {
  const started = performance.now();
  const opts = parseArgs(process.argv.slice(2));
  const root = opts.root;
  const config = readProjectConfig(root);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "convex-offline-codegen-"));
  try {
    const internals = await loadConvexInternals(tmpDir);
    const ctx = crashingCtx(internals);
    const evaluator = new Evaluator({
      tmpDir,
      internals,
      // Lets a project outside this repo (tests' fixtures) resolve this repo's packages.
      nodePaths: [path.join(TOOL_ROOT, "node_modules")],
    });

    const outputs = await renderProject({
      root,
      componentDirs: opts.componentDirs,
      verbose: opts.verbose,
      config,
      evaluator,
      internals,
      ctx,
    });

    const { problems, written, unchanged } = applyOutputs(outputs, { check: opts.check, root });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const dirs = outputs.map((o) => path.relative(root, path.join(o.dir, "_generated"))).join(", ");
    if (opts.check) {
      if (problems.length > 0) {
        process.stdout.write(
          `Convex _generated files are out of date:\n${problems.join("\n")}\n` +
            `Run \`npm run codegen\` to regenerate them, then commit the result.\n`,
        );
        return 1;
      }
      process.stdout.write(
        `codegen: ${unchanged} files up to date in ${dirs || "(nothing to generate)"} (${seconds}s)\n`,
      );
      return 0;
    }
    process.stdout.write(
      `codegen: ${written} files written, ${unchanged} unchanged in ${dirs || "(nothing to generate)"} (${seconds}s)\n`,
    );
    return 0;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}
