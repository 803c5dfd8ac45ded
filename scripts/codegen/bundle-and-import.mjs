// The two steps that run user code: bundle it with esbuild, then import the bundle in Node. Both
// turn their failures into codegen errors that name the source.

import { pathToFileURL } from "node:url";
import { fail } from "./errors.mjs";
import { esbuild } from "./toolchain.mjs";

/**
 * Runs esbuild; on failure, lists esbuild's errors under "<what> failed:".
 * @param {string} what e.g. "bundling the modules of <dir>"
 * @param {import("esbuild").BuildOptions} options
 * @returns {Promise<import("esbuild").BuildResult>}
 */
export async function runEsbuild(what, options) {
  try {
    return await esbuild.build(options);
  } catch (e) {
    const errors = (e.errors ?? [])
      .map((err) => {
        const loc = err.location ? `${err.location.file}:${err.location.line}: ` : "";
        return `  ${loc}${err.text}`;
      })
      .join("\n");
    fail(`${what} failed:\n${errors || e.message}`);
  }
}

/**
 * Imports a bundle written by runEsbuild.
 * @param {string} outfile the bundle
 * @param {string} source the user file it was built from, for the error message
 */
export async function importModule(outfile, source) {
  try {
    return await import(pathToFileURL(outfile).href);
  } catch (e) {
    fail(`importing ${source} failed: ${e?.stack ?? e}`);
  }
}
