// The fence around convex's private codegen modules (node_modules/convex/dist/esm/cli/...), which
// render _generated/ exactly as `npx convex dev` does. They are not part of convex's public API and
// may change in any release, so the codegen runs only on a convex version it knows, stops at once
// when a module or name it takes is missing, and serves their package imports from stand-ins that
// refuse any use they do not expect (stubs.mjs). See README.md, "Upgrading convex".

import { builtinModules, createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import esbuild from "esbuild";
import { fail } from "./errors.mjs";
import { allowOnly, refusedUses, stubbedPackage, stubbedPackageNames } from "./stubs.mjs";

/** The convex versions whose private codegen modules this code was checked against. */
export const KNOWN_CONVEX_VERSIONS = ["1.48.0"];

/** Names another convex package to run on (default: the one this repo installs); tests use it. */
export const CONVEX_DIR_VARIABLE = "CODEGEN_CONVEX_DIR";

/** What the codegen takes from convex, by module under dist/esm. */
const INTERNAL_MODULES = {
  "cli/codegen_templates/component_api.js": [
    "componentApiDTS",
    "componentApiJs",
    "componentApiStubTS",
    "componentApiTSWithTypes",
    "componentTS",
    "rootComponentApiCJS",
  ],
  "cli/codegen_templates/component_server.js": ["componentServerTS"],
  "cli/codegen_templates/dataModel.js": [
    "dynamicDataModelDTS",
    "dynamicDataModelTS",
    "noSchemaDataModelDTS",
    "noSchemaDataModelTS",
  ],
  "cli/codegen_templates/server.js": ["serverCodegen"],
  "bundler/index.js": ["entryPoints", "entryPointsByEnvironment", "nodeFs"],
  "cli/lib/components/definition/directoryStructure.js": ["toComponentDefinitionPath"],
};
const UPGRADING = `"Upgrading convex" in scripts/codegen/README.md`;

/**
 * The convex package the codegen runs on.
 * @typedef {object} Convex
 * @property {string} dir       absolute package directory
 * @property {string} version
 * @property {any} prettier     the prettier convex's CLI formats with (it requires it from its package)
 * @property {(specifier: string) => string} resolveEsm  `convex` or `convex/<subpath>` to the file:
 *   URL of the ESM file Node would load for `import`
 */

/**
 * Finds convex and checks it before anything runs: a known version, every internal module present,
 * its prettier loadable. Fails with a CodegenError that says what to do otherwise.
 * @returns {Convex}
 */
export function openConvex() {
  const fromVariable = process.env[CONVEX_DIR_VARIABLE];
  let dir;
  try {
    dir = fromVariable
      ? path.resolve(fromVariable)
      : path.dirname(createRequire(import.meta.url).resolve("convex/package.json"));
  } catch {
    fail("convex is not installed: run `npm ci`.");
  }
  const where = fromVariable ? `${dir}, from ${CONVEX_DIR_VARIABLE}` : dir;
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  } catch (e) {
    fail(`cannot read convex's package.json in ${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const version = String(manifest.version);
  if (!KNOWN_CONVEX_VERSIONS.includes(version)) {
    fail(
      `convex ${version} is installed (${where}), but the offline codegen knows only convex ` +
        `${KNOWN_CONVEX_VERSIONS.join(", ")}. It renders _generated/ with convex's private codegen modules, ` +
        `which may change in any release, so it stops rather than risk wrong output. If \`npx convex codegen\` ` +
        `now runs without a deployment, use it and delete scripts/codegen/; otherwise follow ${UPGRADING}.`,
    );
  }
  const missing = Object.keys(INTERNAL_MODULES)
    .map((module) => path.join(dir, "dist", "esm", module))
    .filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    fail(
      `convex ${version} (${where}) lacks modules the offline codegen renders with:\n` +
        `${missing.map((file) => `  ${file}`).join("\n")}\nReinstall it (\`npm ci\`), or follow ${UPGRADING}.`,
    );
  }
  let prettier;
  try {
    prettier = createRequire(path.join(dir, "package.json"))("prettier");
  } catch (e) {
    fail(`cannot load the prettier convex formats with, from ${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const resolveEsm = (specifier) => {
    const subpath = specifier === "convex" ? "." : `./${specifier.slice("convex/".length)}`;
    const target = importTarget(manifest.exports?.[subpath]);
    if (!target) fail(`cannot resolve "${specifier}" in ${where}`);
    return pathToFileURL(path.join(dir, target)).href;
  };
  return { dir, version, prettier, resolveEsm };
}

/** The file an `exports` entry names for `import` in Node, or null. */
function importTarget(entry) {
  if (typeof entry === "string") return entry;
  if (entry === null || typeof entry !== "object") return null;
  for (const condition of ["import", "node", "default"]) {
    const picked = condition in entry ? importTarget(entry[condition]) : null;
    if (picked) return picked;
  }
  return null;
}

const BUILTINS = new Set(builtinModules);

/**
 * Whether `specifier` names a Node builtin (`fs`, `fs/promises`, ...), written without `node:`.
 * @param {string} specifier
 */
export function isNodeBuiltin(specifier) {
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]);
}

/**
 * Bundles and imports the modules listed in INTERNAL_MODULES, with every package they import served
 * from its stand-in. Fails when a name is missing, a package has no stand-in, or a writer is no
 * function.
 * @param {Convex} convex from openConvex
 * @param {string} tmpDir where the bundle is written
 * @returns {Promise<any>} the names of INTERNAL_MODULES, plus `ctx`: what the writers take as
 *   their context (they read files through `ctx.fs`; a `ctx.crash` becomes a codegen error)
 */
export async function loadConvexInternals(convex, tmpDir) {
  const esm = path.join(convex.dir, "dist", "esm");
  const contents = Object.entries(INTERNAL_MODULES)
    .map(([module, names]) => `export { ${names.join(", ")} } from ${JSON.stringify(path.join(esm, module))};`)
    .join("\n");
  const stubsUrl = new URL("./stubs.mjs", import.meta.url).href;
  const stubbed = new Set(stubbedPackageNames());
  const outfile = path.join(tmpDir, "convex-codegen-internals.mjs");
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents, resolveDir: esm, loader: "js", sourcefile: "convex-codegen-internals.js" },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile,
      logLevel: "silent",
      plugins: [
        {
          name: "stubbed-packages",
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (args) => {
              if (args.path === stubsUrl) return { path: stubsUrl, external: true };
              if (args.path.startsWith("node:") || isNodeBuiltin(args.path)) {
                return { path: args.path, external: true };
              }
              if (!stubbed.has(args.path)) {
                return { errors: [{ text: `imports "${args.path}", a package with no stand-in in stubs.mjs` }] };
              }
              return { path: args.path, namespace: "stubbed-package" };
            });
            build.onLoad({ filter: /.*/, namespace: "stubbed-package" }, (args) => ({
              contents: stubModule(args.path, stubsUrl),
              loader: "js",
            }));
          },
        },
      ],
    });
  } catch (e) {
    const errors = (e.errors ?? []).map((err) => {
      const where = err.location ? `${path.relative(esm, path.resolve(err.location.file))}: ` : "";
      return `  ${where}${err.text}`;
    });
    fail(
      `convex ${convex.version}'s codegen modules do not load as expected:\n${errors.join("\n") || e.message}\nSee ${UPGRADING}.`,
    );
  }
  // A name a stand-in lacks only warns in esbuild ("will always be undefined").
  if (result.warnings.length > 0) {
    fail(
      `convex ${convex.version}'s codegen modules do not load cleanly:\n` +
        `${result.warnings.map((w) => `  ${w.text}`).join("\n")}\nSee ${UPGRADING}.`,
    );
  }
  const internals = { ...(await import(pathToFileURL(outfile).href)) };
  for (const [name, value] of Object.entries(internals)) {
    const expected = name === "nodeFs" ? "object" : "function";
    if (typeof value !== expected) fail(`convex ${convex.version}'s ${name} is no ${expected}; see ${UPGRADING}.`);
  }
  internals.ctx = allowOnly("the ctx the offline codegen gives convex's writers", {
    fs: internals.nodeFs,
    crash: async ({ printedMessage }) => fail(printedMessage ?? "convex codegen failed"),
  });
  return internals;
}

/** The source of the module that stands for `specifier` in the bundle: its stand-in's exports. */
function stubModule(specifier, stubsUrl) {
  const names = Object.keys(stubbedPackage(specifier));
  return [
    `import { stubbedPackage } from ${JSON.stringify(stubsUrl)};`,
    `const stub = stubbedPackage(${JSON.stringify(specifier)});`,
    ...names.map((name) =>
      name === "default" ? "export default stub.default;" : `export const ${name} = stub[${JSON.stringify(name)}];`,
    ),
  ].join("\n");
}

/**
 * Fails when a stand-in refused a use during the run, even one convex's code caught: the output
 * cannot be trusted then.
 */
export function assertNothingRefused() {
  if (refusedUses.length === 0) return;
  fail(
    `convex's codegen modules made uses of stubbed packages that the offline codegen does not expect, ` +
      `so its output cannot be trusted:\n${[...new Set(refusedUses)].map((use) => `  ${use}`).join("\n")}\nSee ${UPGRADING}.`,
  );
}
