#!/usr/bin/env node
// Offline Convex codegen: renders the `_generated/` folders `npx convex dev` (convex 1.48) would
// write, without a Convex backend. What it is for, how it works and when to delete it: README.md
// beside this file.
//
// Usage:
//   node scripts/codegen/cli.mjs             write every _generated/ folder (npm run codegen)
//   node scripts/codegen/cli.mjs --check     exit 1 if any is stale (npm run codegen:check)
// Options:
//   --root <dir>            project root (default: the repo that holds this script)
//   --component-dir <dir>   component to generate, relative to the root; repeatable
//                           (default: src/component when it has a convex.config.ts)
//   --verbose               print the analysis
// Environment:
//   CODEGEN_CONVEX_DIR      the convex package to run on (default: the one this repo installs)
//
// Exit codes: 0 done (or up to date), 1 --check found missing, stale or extra files, 2 a
// `codegen: ...` error (an unknown convex, a bad option or convex.json, user code that fails to
// bundle or load).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assertNothingRefused, loadConvexInternals, openConvex } from "./convex-internals.mjs";
import { CodegenError, fail } from "./errors.mjs";
import { Evaluator } from "./evaluate.mjs";
import { readProjectConfig } from "./project.mjs";
import { renderProject } from "./render.mjs";

/** The repo that holds this script: the default --root, and where packages resolve from. */
const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

// Entries of a _generated/ folder convex never deletes.
const PRESERVED_GENERATED_ENTRIES = new Set(["ai"]);

/**
 * @typedef {object} Options
 * @property {boolean} check       compare instead of writing (--check)
 * @property {string} root         absolute project root (--root)
 * @property {string[] | null} componentDirs  --component-dir values as given; null when none was
 * @property {boolean} verbose     print the analysis (--verbose)
 */

/**
 * Parses the arguments after `node scripts/codegen/cli.mjs`; prints the usage and exits for --help.
 * @param {string[]} argv
 * @returns {Options}
 */
function parseArgs(argv) {
  const opts = { check: false, root: TOOL_ROOT, componentDirs: null, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    if (arg === "--check") opts.check = true;
    else if (arg === "--verbose") opts.verbose = true;
    else if (arg === "--root") opts.root = path.resolve(value());
    else if (arg.startsWith("--root=")) opts.root = path.resolve(arg.slice("--root=".length));
    else if (arg === "--component-dir") (opts.componentDirs ??= []).push(value());
    else if (arg.startsWith("--component-dir=")) (opts.componentDirs ??= []).push(arg.slice("--component-dir=".length));
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(
        "usage: node scripts/codegen/cli.mjs [--check] [--root <dir>] [--component-dir <dir>]... [--verbose]\n",
      );
      process.exit(0);
    } else fail(`unknown argument: ${arg}`);
  }
  return opts;
}

/**
 * Runs the codegen on `process.argv`; failures the user can fix throw a CodegenError.
 * @returns {Promise<number>} the exit code: 0, or 1 when --check found stale files
 */
async function main() {
  const started = performance.now();
  const opts = parseArgs(process.argv.slice(2));
  const convex = openConvex();
  const config = readProjectConfig(opts.root);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "convex-offline-codegen-"));
  try {
    const internals = await loadConvexInternals(convex, tmpDir);
    // nodePaths lets a project outside this repo (tests' fixtures) resolve this repo's packages.
    const evaluator = new Evaluator({ tmpDir, convex, internals, nodePaths: [path.join(TOOL_ROOT, "node_modules")] });
    const workspace = { config, convex, internals, evaluator, verbose: opts.verbose };
    const outputs = await renderProject(workspace, opts.root, opts.componentDirs);
    assertNothingRefused();

    const { problems, written, unchanged } = applyOutputs(outputs, { check: opts.check, root: opts.root });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const dirs = outputs.map((o) => path.relative(opts.root, path.join(o.dir, "_generated"))).join(", ");
    if (opts.check && problems.length > 0) {
      process.stdout.write(
        `Convex _generated files are out of date:\n${problems.join("\n")}\n` +
          `Run \`npm run codegen\` to regenerate them, then commit the result.\n`,
      );
      return 1;
    }
    const counts = opts.check ? `${unchanged} files up to date` : `${written} files written, ${unchanged} unchanged`;
    process.stdout.write(`codegen: ${counts} in ${dirs || "(nothing to generate)"} (${seconds}s)\n`);
    return 0;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Writes (or with `check`, only compares) every output's `<dir>/_generated` folder, and deletes
 * (or reports) the entries convex would delete from it, as its cleanupStaleGeneratedEntries does.
 * @param {import("./render.mjs").Output[]} outputs
 * @param {{ check: boolean, root: string }} options `root` is what reported paths are relative to
 * @returns {{ problems: string[], written: number, unchanged: number }} `problems` lists, under
 *   --check, each missing, stale or extra file as a report line; `written` counts files written
 *   or deleted
 */
function applyOutputs(outputs, { check, root }) {
  const problems = [];
  let written = 0;
  let unchanged = 0;
  const rel = (p) => path.relative(root, p) || ".";
  for (const { dir, files } of outputs) {
    const codegenDir = path.join(dir, "_generated");
    for (const [name, contents] of files) {
      const file = path.join(codegenDir, name);
      let existing = null;
      try {
        existing = fs.readFileSync(file, "utf8");
      } catch (e) {
        if (e.code !== "ENOENT") throw e;
      }
      if (existing === contents) {
        unchanged++;
      } else if (check) {
        problems.push(
          existing === null
            ? `  missing: ${rel(file)}`
            : `  stale:   ${rel(file)} (${firstDifference(contents, existing)})`,
        );
      } else {
        fs.mkdirSync(codegenDir, { recursive: true });
        fs.writeFileSync(file, contents);
        written++;
      }
    }
    if (!fs.existsSync(codegenDir)) continue;
    for (const entry of fs.readdirSync(codegenDir)) {
      if (PRESERVED_GENERATED_ENTRIES.has(entry) || files.has(entry)) continue;
      const p = path.join(codegenDir, entry);
      if (check) {
        problems.push(`  extra:   ${rel(p)} (convex would delete it)`);
      } else {
        fs.rmSync(p, { recursive: true, force: true });
        written++;
      }
    }
  }
  return { problems, written, unchanged };
}

/**
 * Where two versions of a file first differ, for a --check message.
 * @param {string} expected what the codegen renders
 * @param {string} actual what is on disk
 */
function firstDifference(expected, actual) {
  const e = expected.split("\n");
  const a = actual.split("\n");
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) {
      const clip = (s) => (s === undefined ? "<end of file>" : s.length > 100 ? `${s.slice(0, 100)}…` : s);
      return `line ${i + 1}: expected ${JSON.stringify(clip(e[i]))}, found ${JSON.stringify(clip(a[i]))}`;
    }
  }
  return "line endings or trailing whitespace differ";
}

try {
  process.exitCode = await main();
} catch (e) {
  if (!(e instanceof CodegenError)) throw e;
  process.stderr.write(`codegen: ${e.message}\n`);
  process.exitCode = 2;
}
