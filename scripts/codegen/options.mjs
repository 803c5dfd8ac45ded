// Command-line options (see the usage in scripts/codegen.mjs).

import path from "node:path";
import process from "node:process";
import { fail } from "./errors.mjs";
import { TOOL_ROOT } from "./toolchain.mjs";

/**
 * @typedef {object} Options
 * @property {boolean} check       compare instead of writing (--check)
 * @property {string} root         absolute project root (--root)
 * @property {string[] | null} componentDirs  --component-dir values as given; null when none was
 * @property {boolean} verbose     print the analysis (--verbose)
 */

/**
 * Parses the arguments after `node scripts/codegen.mjs`; prints the usage and exits for --help.
 * @param {string[]} argv
 * @returns {Options}
 */
export function parseArgs(argv) {
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
        "usage: node scripts/codegen.mjs [--check] [--root <dir>] [--component-dir <dir>]... [--verbose]\n",
      );
      process.exit(0);
    } else fail(`unknown argument: ${arg}`);
  }
  return opts;
}
