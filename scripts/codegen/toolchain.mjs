// The packages the codegen runs on: esbuild, convex and the prettier convex formats with, all
// resolved from this repo (not from the project given with --root).

import { builtinModules, createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fail } from "./errors.mjs";

/** The repo that holds scripts/codegen.mjs; the default --root. */
export const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const requireFromTool = createRequire(path.join(TOOL_ROOT, "package.json"));

/** esbuild's JS API. */
export const esbuild = await import(pathToFileURL(requireFromTool.resolve("esbuild")).href).then((m) => m.default ?? m);
/** Absolute path of the installed convex package. */
export const CONVEX_DIR = path.dirname(requireFromTool.resolve("convex/package.json"));
const CONVEX_PACKAGE = JSON.parse(fs.readFileSync(path.join(CONVEX_DIR, "package.json"), "utf8"));
// The CLI (dist/cli.bundle.cjs) does `require("prettier")` from the convex package.
export const prettier = createRequire(path.join(CONVEX_DIR, "package.json"))("prettier");

/**
 * Resolve `convex` or `convex/<subpath>` to the ESM file Node would load for `import`.
 * @param {string} specifier
 * @returns {string} a file: URL
 */
export function resolveConvexEsm(specifier) {
  const subpath = specifier === "convex" ? "." : `./${specifier.slice("convex/".length)}`;
  const pick = (entry) => {
    if (typeof entry === "string") return entry;
    if (entry === null || typeof entry !== "object") return null;
    for (const condition of ["import", "node", "default"]) {
      if (condition in entry) {
        const picked = pick(entry[condition]);
        if (picked) return picked;
      }
    }
    return null;
  };
  const target = pick(CONVEX_PACKAGE.exports?.[subpath]);
  if (!target) fail(`cannot resolve "${specifier}" in ${CONVEX_DIR}`);
  return pathToFileURL(path.join(CONVEX_DIR, target)).href;
}

const BUILTINS = new Set(builtinModules);

/**
 * Whether `specifier` names a Node builtin (`fs`, `fs/promises`, ...), written without `node:`.
 * @param {string} specifier
 */
export function isNodeBuiltin(specifier) {
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]);
}
