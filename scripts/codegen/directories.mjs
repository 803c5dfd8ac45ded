// What a directory is to convex: a component (it has a convex.config), with or without a schema,
// local or a published package.

import fs from "node:fs";
import path from "node:path";

export const DEFINITION_FILENAME_TS = "convex.config.ts";
export const DEFINITION_FILENAME_JS = "convex.config.js";

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
