// Project configuration (convex.json), as convex's readProjectConfig reads it.

import fs from "node:fs";
import path from "node:path";
import { fail } from "./errors.mjs";

/**
 * @typedef {object} ProjectConfig
 * @property {string} functions              the app's functions directory, relative to the root
 * @property {boolean} staticApi
 * @property {boolean} staticDataModel       always false: true is refused
 * @property {boolean} useComponentApiImports always true: legacyComponentApi is refused
 * @property {boolean} useTypeScriptForRoot  codegen.fileType === "ts"
 * @property {boolean} generateCommonJSApi
 */

/**
 * Reads `<root>/convex.json` (absent means defaults); fails on settings the offline codegen
 * cannot render.
 * @param {string} root
 * @returns {ProjectConfig}
 */
export function readProjectConfig(root) {
  const configPath = path.join(root, "convex.json");
  let raw = {};
  if (fs.existsSync(configPath)) {
    try {
      raw = JSON.parse(fs.readFileSync(configPath, "utf8"));
    } catch (e) {
      fail(`cannot parse ${configPath}: ${e.message}`);
    }
  }
  const codegen = raw.codegen ?? {};
  const config = {
    functions: raw.functions ?? "convex/",
    staticApi: codegen.staticApi ?? false,
    staticDataModel: codegen.staticDataModel ?? false,
    useComponentApiImports: codegen.legacyComponentApi !== true,
    useTypeScriptForRoot: codegen.fileType === "ts",
    generateCommonJSApi: raw.generateCommonJSApi ?? false,
  };
  if (config.staticDataModel) {
    fail(
      "convex.json sets codegen.staticDataModel: the offline codegen only renders the default " +
        "(dynamic) data model, which derives types from schema.ts.",
    );
  }
  if (!config.useComponentApiImports) {
    fail("convex.json sets codegen.legacyComponentApi: the offline codegen only renders component API imports.");
  }
  return config;
}
