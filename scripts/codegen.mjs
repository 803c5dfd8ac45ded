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

import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const requireFromTool = createRequire(path.join(TOOL_ROOT, "package.json"));

const DEFINITION_FILENAME_TS = "convex.config.ts";
const DEFINITION_FILENAME_JS = "convex.config.js";
// Entries of a _generated/ folder convex never deletes.
const PRESERVED_GENERATED_ENTRIES = new Set(["ai"]);
// Conditions convex's bundler uses, plus live component sources (this repo resolves its own
// package to TypeScript sources, like vitest.config.ts and tsconfig.json do).
const CONDITIONS = ["convex", "module", "@convex-dev/component-source"];

class CodegenError extends Error {}

function fail(message) {
  throw new CodegenError(message);
}

// ---------------------------------------------------------------------------------------------
// Command line

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
    else if (arg.startsWith("--component-dir="))
      (opts.componentDirs ??= []).push(arg.slice("--component-dir=".length));
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(
        "usage: node scripts/codegen.mjs [--check] [--root <dir>] [--component-dir <dir>]... [--verbose]\n",
      );
      process.exit(0);
    } else fail(`unknown argument: ${arg}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Toolchain: esbuild, convex, prettier

const esbuild = await import(pathToFileURL(requireFromTool.resolve("esbuild")).href).then(
  (m) => m.default ?? m,
);
const CONVEX_DIR = path.dirname(requireFromTool.resolve("convex/package.json"));
const CONVEX_PACKAGE = JSON.parse(fs.readFileSync(path.join(CONVEX_DIR, "package.json"), "utf8"));
// The CLI (dist/cli.bundle.cjs) does `require("prettier")` from the convex package.
const prettier = createRequire(path.join(CONVEX_DIR, "package.json"))("prettier");

/** Resolve `convex` or `convex/<subpath>` to the ESM file Node would load for `import`. */
function resolveConvexEsm(specifier) {
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

/** Bundles convex's codegen internals (they import chalk, sentry, ... that only the CLI bundle has). */
async function loadConvexInternals(tmpDir) {
  const esm = path.join(CONVEX_DIR, "dist", "esm");
  const spec = (p) => JSON.stringify(path.join(esm, p));
  const contents = `
export { apiCodegen } from ${spec("cli/codegen_templates/api.js")};
export {
  componentApiDTS,
  componentApiJs,
  componentApiStubTS,
  componentApiTSWithTypes,
  componentTS,
  rootComponentApiCJS,
} from ${spec("cli/codegen_templates/component_api.js")};
export { componentServerTS } from ${spec("cli/codegen_templates/component_server.js")};
export {
  dynamicDataModelDTS,
  dynamicDataModelTS,
  noSchemaDataModelDTS,
  noSchemaDataModelTS,
} from ${spec("cli/codegen_templates/dataModel.js")};
export { serverCodegen } from ${spec("cli/codegen_templates/server.js")};
export { entryPoints, entryPointsByEnvironment, nodeFs } from ${spec("bundler/index.js")};
export { toComponentDefinitionPath } from ${spec("cli/lib/components/definition/directoryStructure.js")};
`;
  // Every package import of those modules is replaced by an inert stub: none of them is reached
  // by the functions used here (chalk only colours verbose logs).
  const stub = `
const handler = {
  get: (_t, p) => (p === "__esModule" ? false : p === Symbol.toPrimitive ? () => "" : stub),
  apply: () => stub,
  construct: () => stub,
  getPrototypeOf: () => stub,
};
const stub = new Proxy(function () {}, handler);
module.exports = stub;`;
  const outfile = path.join(tmpDir, "convex-codegen-internals.mjs");
  await esbuild.build({
    stdin: { contents, resolveDir: esm, loader: "js", sourcefile: "convex-codegen-internals.js" },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "silent",
    plugins: [
      {
        name: "stub-packages",
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith("node:")) return { path: args.path, external: true };
            if (isNodeBuiltin(args.path)) return { path: args.path, external: true };
            return { path: args.path, namespace: "stub-package" };
          });
          build.onLoad({ filter: /.*/, namespace: "stub-package" }, () => ({
            contents: stub,
            loader: "js",
          }));
        },
      },
    ],
  });
  return await import(pathToFileURL(outfile).href);
}

const BUILTINS = new Set((await import("node:module")).builtinModules);
function isNodeBuiltin(specifier) {
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]);
}

// ---------------------------------------------------------------------------------------------
// Project configuration (convex.json), as convex's readProjectConfig reads it

function readProjectConfig(root) {
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

// ---------------------------------------------------------------------------------------------
// Directories

function componentDefinitionFile(dir) {
  for (const name of [DEFINITION_FILENAME_TS, DEFINITION_FILENAME_JS]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  }
  return null;
}

function hasSchema(dir) {
  return fs.existsSync(path.join(dir, "schema.ts")) || fs.existsSync(path.join(dir, "schema.js"));
}

/** Byte-wise (UTF-8) string order, as Rust's BTreeMap<String, _> orders keys. */
function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

const posix = (p) => p.split(path.sep).join(path.posix.sep);

// ---------------------------------------------------------------------------------------------
// Bundling and evaluating user code

class Evaluator {
  constructor({ tmpDir, internals, nodePaths }) {
    this.tmpDir = tmpDir;
    this.internals = internals;
    this.nodePaths = nodePaths;
    this.counter = 0;
    /** Absolute _generated dir -> stubs served instead of the files on disk (see generatedStubs). */
    this.generatedStubs = new Map();
    /** `${rootPath}\0${definitionFile}` -> Promise<EvaluatedDefinition> */
    this.definitions = new Map();
  }

  outDir(label) {
    const dir = path.join(this.tmpDir, `${String(++this.counter).padStart(3, "0")}-${label}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  // Plugins shared by every bundle.
  commonPlugins(root, onChildComponent) {
    const evaluator = this;
    return [
      {
        name: "convex-external",
        setup(build) {
          // One convex instance for everything, loaded by absolute URL so that bundles written to a
          // temp dir still find it.
          build.onResolve({ filter: /^convex(\/.*)?$/ }, (args) => ({
            path: resolveConvexEsm(args.path),
            external: true,
          }));
        },
      },
      {
        name: "generated-stubs",
        setup(build) {
          // Modules import their own ./_generated/*; serve the runtime-equivalent initial stubs
          // (what `convex dev` writes before bundling) so the analysis never depends on what is
          // on disk, nor on whether it exists yet.
          build.onResolve({ filter: /_generated\// }, (args) => {
            if (!args.path.startsWith(".")) return undefined;
            const abs = path.resolve(args.resolveDir, args.path);
            const stubs = evaluator.generatedStubs.get(path.dirname(abs));
            if (!stubs) return undefined;
            const base = path.basename(abs).replace(/\.(d\.ts|[cm]?[jt]s)$/, "");
            if (!(base in stubs)) return undefined;
            return { path: abs, namespace: "generated-stub", pluginData: stubs[base] };
          });
          build.onLoad({ filter: /.*/, namespace: "generated-stub" }, (args) => ({
            contents: args.pluginData,
            loader: "ts",
            resolveDir: path.dirname(args.path),
          }));
        },
      },
      {
        name: "component-definitions",
        setup(build) {
          // Mirrors convex's componentPlugin: an import of another component's convex.config
          // becomes the definition reference the backend hands to `use()`.
          build.onResolve({ filter: /.*convex.config.*/ }, async (args) => {
            if (args.kind === "entry-point" || args.pluginData?.innerResolve) return undefined;
            if (args.namespace !== "file") return undefined;
            const candidates = [args.path];
            const ext = path.extname(args.path);
            if (ext === ".js") candidates.push(args.path.slice(0, -".js".length) + ".ts");
            if (ext !== ".js" && ext !== ".ts") candidates.push(args.path + ".js", args.path + ".ts");
            let resolvedPath;
            for (const candidate of candidates) {
              const result = await build.resolve(candidate, {
                kind: args.kind,
                resolveDir: args.resolveDir,
                pluginData: { innerResolve: true },
              });
              if (result.path && result.errors.length === 0) {
                resolvedPath = result.path;
                break;
              }
            }
            if (resolvedPath === undefined) return undefined;
            const parentDir = path.dirname(resolvedPath);
            if (componentDefinitionFile(parentDir) === null) return undefined;
            return {
              path: resolvedPath,
              namespace: "component-definition",
              pluginData: { specifier: args.path },
            };
          });
          build.onLoad({ filter: /.*/, namespace: "component-definition" }, async (args) => {
            const child = await evaluator.evaluateDefinition(root, args.path);
            if (child.exported.definitionType?.type !== "childComponent") {
              fail(`${args.path} does not define a component (defineComponent)`);
            }
            onChildComponent?.({
              definitionPath: args.path,
              importSpecifier: args.pluginData.specifier,
              evaluated: child,
            });
            const reference = {
              componentDefinitionPath: evaluator.internals.toComponentDefinitionPath(
                root,
                child.directory,
              ),
              defaultName: child.exported.name,
            };
            return { contents: `export default ${JSON.stringify(reference)};`, loader: "js" };
          });
        },
      },
    ];
  }

  // Like convex's bundler: code for the Convex runtime is bundled for the browser platform (so a
  // package's "browser" field applies and Node builtins fail to resolve, as they do on deploy);
  // "use node" modules (only allowed in the app) for Node.
  buildOptions(root, onChildComponent, platform = "browser") {
    return {
      bundle: true,
      platform,
      format: "esm",
      target: "esnext",
      jsx: "automatic",
      conditions: CONDITIONS,
      keepNames: true,
      define: { "process.env.NODE_ENV": '"production"' },
      nodePaths: this.nodePaths,
      logLevel: "silent",
      write: true,
      plugins: this.commonPlugins(root, onChildComponent),
    };
  }

  /**
   * Evaluates a convex.config.{ts,js} the way the backend does: bundle, run, call `.export()`.
   * `root` is the root component directory ({ path }), which component paths are relative to.
   */
  evaluateDefinition(root, definitionFile) {
    const key = `${root.path}\0${definitionFile}`;
    let promise = this.definitions.get(key);
    if (!promise) {
      promise = this.doEvaluateDefinition(root, definitionFile);
      this.definitions.set(key, promise);
    }
    return promise;
  }

  async doEvaluateDefinition(root, definitionFile) {
    const children = [];
    const outfile = path.join(this.outDir("definition"), "convex.config.mjs");
    await runEsbuild(`bundling ${definitionFile}`, {
      ...this.buildOptions(root, (child) => children.push(child)),
      entryPoints: [definitionFile],
      outfile,
    });
    const mod = await importModule(outfile, definitionFile);
    const definition = mod.default;
    if (!definition || typeof definition.export !== "function") {
      fail(`${definitionFile} must \`export default\` defineApp() or defineComponent(...)`);
    }
    let exported;
    try {
      exported = definition.export();
    } catch (e) {
      fail(`evaluating ${definitionFile} failed: ${e.message}`);
    }
    return {
      definitionFile,
      directory: { path: path.dirname(definitionFile) },
      exported,
      children,
    };
  }

  /**
   * Bundles and imports the modules of a directory (`{ isolate, node }` absolute paths, as
   * convex's entryPointsByEnvironment splits them); returns analysis.functions.
   */
  async analyzeFunctions(root, dir, { isolate, node }) {
    const functions = {};
    for (const [platform, entries] of [
      ["browser", isolate],
      ["node", node],
    ]) {
      if (entries.length > 0) {
        Object.assign(functions, await this.analyzeModules(root, dir, entries, platform));
      }
    }
    // Keep the backend's module order (sorted paths).
    return Object.fromEntries(Object.entries(functions).sort(([a], [b]) => compareBytes(a, b)));
  }

  async analyzeModules(root, dir, entries, platform) {
    const functions = {};
    const modulePaths = entries.map((p) => path.relative(dir, p));
    const outdir = this.outDir(`functions-${platform}`);
    const result = await runEsbuild(`bundling the modules of ${dir}`, {
      ...this.buildOptions(root, undefined, platform),
      ...(platform === "node"
        ? {
            banner: {
              js: 'import { createRequire as __codegenCreateRequire } from "node:module"; const require = __codegenCreateRequire(import.meta.url);',
            },
          }
        : {}),
      entryPoints: entries,
      outdir,
      outbase: dir,
      outExtension: { ".js": ".mjs" },
      splitting: true,
      chunkNames: "_chunks/[name]-[hash]",
      metafile: true,
    });
    const outputsByEntry = new Map();
    for (const [out, meta] of Object.entries(result.metafile.outputs)) {
      if (meta.entryPoint) outputsByEntry.set(path.resolve(meta.entryPoint), path.resolve(out));
    }
    for (const modulePath of modulePaths) {
      const source = path.join(dir, modulePath);
      const out = outputsByEntry.get(path.resolve(source));
      if (!out) fail(`esbuild produced no output for ${source}`);
      const mod = await importModule(out, source);
      const analyzed = [];
      for (const [name, value] of Object.entries(mod)) {
        const fn = analyzeExport(name, value, source);
        if (fn) analyzed.push(fn);
      }
      functions[canonicalizeModulePath(modulePath)] = {
        functions: analyzed,
        httpRoutes: null,
        cronSpecs: null,
        sourceMapped: null,
      };
    }
    return functions;
  }
}

async function runEsbuild(what, options) {
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

async function importModule(outfile, source) {
  try {
    return await import(pathToFileURL(outfile).href);
  } catch (e) {
    fail(`importing ${source} failed: ${e?.stack ?? e}`);
  }
}

/** "lib.ts" -> "lib.js", "fly/machines.ts" -> "fly/machines.js" (the backend's module paths). */
function canonicalizeModulePath(modulePath) {
  const p = posix(modulePath);
  const lastDot = p.lastIndexOf(".");
  return (lastDot === -1 ? p : p.slice(0, lastDot)) + ".js";
}

/** What the backend's analyze step records for one export of a module. */
function analyzeExport(name, value, source) {
  if (value === null || (typeof value !== "function" && typeof value !== "object")) return null;
  let udfType;
  if (value.isQuery === true) udfType = "Query";
  else if (value.isMutation === true) udfType = "Mutation";
  else if (value.isAction === true) udfType = "Action";
  else return null;
  const visibility =
    value.isPublic === true ? { kind: "public" } : value.isInternal === true ? { kind: "internal" } : null;
  const exported = (method) => {
    if (typeof value[method] !== "function") return null;
    let json;
    try {
      json = value[method]();
    } catch (e) {
      fail(`${source}: ${name}.${method}() threw: ${e.message}`);
    }
    return normalizeValidatorJson(json);
  };
  return { name, udfType, visibility, args: exported("exportArgs"), returns: exported("exportReturns") };
}

/**
 * The backend parses each validator and serializes it again; object fields come back sorted
 * (they live in a BTreeMap). Union members, array elements etc. keep their order.
 */
function normalizeValidatorJson(json) {
  if (json === null || json === undefined) return null;
  const parsed = JSON.parse(json);
  if (parsed === null) return null;
  return JSON.stringify(sortValidator(parsed));
}

function sortValidator(validator) {
  if (validator === null || typeof validator !== "object") return validator;
  switch (validator.type) {
    case "object": {
      const value = {};
      for (const field of Object.keys(validator.value).sort(compareBytes)) {
        const f = validator.value[field];
        value[field] = { ...f, fieldType: sortValidator(f.fieldType) };
      }
      return { ...validator, value };
    }
    case "array":
      return { ...validator, value: sortValidator(validator.value) };
    case "union":
      return { ...validator, value: validator.value.map(sortValidator) };
    case "record":
      return {
        ...validator,
        keys: sortValidator(validator.keys),
        values: { ...validator.values, fieldType: sortValidator(validator.values.fieldType) },
      };
    default:
      return validator;
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis (the part of the backend's startPush response that codegen reads)

/** Public functions become the component's exports, nested by module path. */
function buildExports(functions) {
  const root = {};
  const modulePaths = Object.keys(functions).sort(compareBytes);
  for (const modulePath of modulePaths) {
    const importPath = modulePath.replace(/\.js$/, "");
    for (const fn of functions[modulePath].functions) {
      if (fn.visibility?.kind !== "public") continue;
      let node = root;
      for (const part of importPath.split("/")) {
        node[part] ??= { type: "branch", children: {} };
        if (node[part].type !== "branch") fail(`ambiguous export ${importPath} in ${modulePath}`);
        node = node[part].children;
      }
      if (node[fn.name]) fail(`ambiguous export ${importPath}.${fn.name}`);
      node[fn.name] = { type: "leaf", leaf: `_reference/function/${importPath}:${fn.name}` };
    }
  }
  const serialize = (children) => ({
    type: "branch",
    branch: Object.keys(children)
      .sort(compareBytes)
      .map((key) => {
        const child = children[key];
        return [key, child.type === "leaf" ? { type: "leaf", leaf: child.leaf } : serialize(child.children)];
      }),
  });
  return serialize(root);
}

function definitionMetadata(exported, definitionPath, exportsTree) {
  const envVars = (exported.envVars ?? [])
    .map(([name, decl]) => [name, { ...decl, value: JSON.stringify(sortValidator(JSON.parse(decl.value))) }])
    .sort(([a], [b]) => compareBytes(a, b));
  return {
    path: definitionPath,
    definitionType: exported.definitionType,
    childComponents: (exported.childComponents ?? []).map((c) => ({
      name: c.name,
      path: c.path,
      args: c.args ?? [],
      // The backend keeps bindings in a BTreeMap.
      env: c.env ? [...c.env].sort(([a], [b]) => compareBytes(a, b)) : [],
    })),
    httpMounts: exported.httpMounts ?? {},
    exports: exportsTree,
    // The backend omits env vars when there are none and returns them sorted by name.
    ...(envVars.length > 0 ? { envVars } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

async function format(contents, parser) {
  return await prettier.format(contents, { parser, pluginSearchDirs: false });
}

const crashingCtx = (internals) => ({
  fs: internals.nodeFs,
  crash: async ({ printedMessage }) => fail(printedMessage ?? "convex codegen failed"),
});

/** The files doInitialComponentCodegen + doFinalComponentCodegen leave in `<dir>/_generated`. */
async function renderDirectory({ internals, ctx, config, startPush, rootComponent, directory, componentsMap }) {
  const I = internals;
  const useTypeScript = !directory.isRoot || config.useTypeScriptForRoot;
  const files = new Map();
  const schema = hasSchema(directory.path);
  const dataModel = schema
    ? useTypeScript
      ? I.dynamicDataModelTS()
      : I.dynamicDataModelDTS()
    : useTypeScript
      ? I.noSchemaDataModelTS()
      : I.noSchemaDataModelDTS();
  files.set(useTypeScript ? "dataModel.ts" : "dataModel.d.ts", dataModel);

  if (!directory.isRoot) {
    files.set("component.ts", await I.componentTS(ctx, startPush, rootComponent, directory));
  }

  const definitionPath = I.toComponentDefinitionPath(rootComponent, directory);
  const analysis = startPush.analysis[definitionPath];
  const envVars =
    analysis?.definition.envVars && analysis.definition.envVars.length > 0 ? analysis.definition.envVars : [];
  if (directory.isRoot) {
    const server = I.serverCodegen({ useTypeScript, envVars });
    if (useTypeScript) {
      files.set("server.ts", server.TS);
    } else {
      files.set("server.js", server.JS);
      files.set("server.d.ts", server.DTS);
    }
  } else {
    files.set("server.ts", I.componentServerTS(false, envVars));
  }

  const apiOpts = { staticApi: config.staticApi, useComponentApiImports: config.useComponentApiImports };
  if (useTypeScript) {
    files.set(
      "api.ts",
      await I.componentApiTSWithTypes(ctx, startPush, rootComponent, directory, componentsMap, apiOpts),
    );
  } else {
    const apiDTS = await I.componentApiDTS(ctx, startPush, rootComponent, directory, componentsMap, apiOpts);
    files.set("api.js", I.componentApiJs());
    files.set("api.d.ts", apiDTS);
    if (config.generateCommonJSApi && directory.isRoot) {
      files.set("api_cjs.cjs", I.rootComponentApiCJS());
      files.set("api_cjs.d.cts", apiDTS);
    }
  }

  const formatted = new Map();
  for (const [name, contents] of files) formatted.set(name, await format(contents, "typescript"));
  return formatted;
}

// ---------------------------------------------------------------------------------------------
// Sessions: one per root component (the app, or the synthetic app of `--component-dir`)

async function runSession({ evaluator, internals, ctx, config, rootPath, rootSource, targets, verbose }) {
  const I = internals;
  const rootComponent = {
    isRoot: true,
    path: rootPath,
    definitionPath: path.join(rootPath, DEFINITION_FILENAME_TS),
  };
  const components = new Map(); // abs dir -> ComponentDirectory (+ importSpecifier)
  const evaluatedByDir = new Map();

  const addComponent = (evaluated, isRoot) => {
    const dir = evaluated.directory.path;
    if (!components.has(dir)) {
      components.set(dir, { isRoot, path: dir, definitionPath: evaluated.definitionFile });
      evaluatedByDir.set(dir, evaluated);
      for (const child of evaluated.children) {
        addComponent(child.evaluated, false);
      }
    }
    for (const child of evaluated.children) {
      const relativeSpecifier = child.importSpecifier.replace(/\/convex\.config.*$/, "");
      components.get(child.evaluated.directory.path).importSpecifier = relativeSpecifier;
    }
  };

  let rootEvaluated;
  if (rootSource.synthetic) {
    // `npx convex codegen --component-dir`: a virtual app that only uses the component.
    const component = await evaluator.evaluateDefinition(rootComponent, rootSource.component);
    rootEvaluated = {
      definitionFile: path.join(rootPath, DEFINITION_FILENAME_TS),
      directory: { path: rootPath },
      exported: { definitionType: { type: "app" }, childComponents: [], httpMounts: {} },
      children: [{ importSpecifier: "./component", evaluated: component }],
    };
  } else if (rootSource.file) {
    rootEvaluated = await evaluator.evaluateDefinition(rootComponent, rootSource.file);
    if (rootEvaluated.exported.definitionType?.type !== "app") {
      fail(`${rootSource.file} must export defineApp()`);
    }
  } else {
    rootEvaluated = {
      definitionFile: path.join(rootPath, DEFINITION_FILENAME_TS),
      directory: { path: rootPath },
      exported: { definitionType: { type: "app" }, childComponents: [], httpMounts: {} },
      children: [],
    };
  }
  addComponent(rootEvaluated, true);

  for (const directory of components.values()) {
    if (!isPublishedPackage(directory)) {
      registerGeneratedStubs(evaluator, internals, directory.path, directory.isRoot);
    }
  }

  const analysis = {};
  for (const [dir, directory] of components) {
    const evaluated = evaluatedByDir.get(dir);
    const definitionPath = I.toComponentDefinitionPath(rootComponent, directory);
    // Function analysis is needed for components' ComponentApi and for the static api.
    const needsFunctions =
      targets(directory) && !isPublishedPackage(directory) && (!directory.isRoot || config.staticApi);
    let functions = {};
    if (needsFunctions) {
      const byEnvironment = await I.entryPointsByEnvironment(ctx, dir);
      if (!directory.isRoot && byEnvironment.node.length > 0) {
        fail(
          `"use node" directive is not supported in components. Remove it from the component at: ${dir}.`,
        );
      }
      functions = await evaluator.analyzeFunctions(rootComponent, dir, byEnvironment);
    }
    analysis[definitionPath] = {
      definition: definitionMetadata(evaluated.exported, definitionPath, buildExports(functions)),
      schema: null,
      functions,
      udfConfig: {},
    };
  }
  const startPush = { analysis };
  if (verbose) process.stderr.write(`analysis for root ${rootPath}:\n${JSON.stringify(analysis, null, 2)}\n`);

  const outputs = [];
  for (const directory of components.values()) {
    if (!targets(directory) || isPublishedPackage(directory)) continue;
    const files = await renderDirectory({
      internals,
      ctx,
      config,
      startPush,
      rootComponent,
      directory,
      componentsMap: components,
    });
    outputs.push({ dir: directory.path, files });
  }
  return outputs;
}

/** Like convex's isPublishedPackage: a component whose definition resolved to .js is left alone. */
function isPublishedPackage(directory) {
  return !directory.isRoot && directory.definitionPath.endsWith(".js");
}

const insideNodeModules = (dir) => dir.split(path.sep).includes("node_modules");

// Stubs for `./_generated/*` imports during analysis (runtime-equivalent to the real files).
function registerGeneratedStubs(evaluator, internals, dir, isRoot) {
  const server = isRoot
    ? internals.serverCodegen({ useTypeScript: true, envVars: undefined }).TS
    : internals.componentServerTS(false, undefined);
  evaluator.generatedStubs.set(path.join(dir, "_generated"), {
    server,
    api: internals.componentApiStubTS(),
    dataModel: "export {};",
    component: "export {};",
  });
}

// ---------------------------------------------------------------------------------------------
// Writing / checking

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
        continue;
      }
      if (check) {
        problems.push(
          existing === null ? `  missing: ${rel(file)}` : `  stale:   ${rel(file)} (${firstDifference(contents, existing)})`,
        );
      } else {
        fs.mkdirSync(codegenDir, { recursive: true });
        fs.writeFileSync(file, contents);
        written++;
      }
    }
    // Like convex's cleanupStaleGeneratedEntries.
    if (fs.existsSync(codegenDir)) {
      for (const entry of fs.readdirSync(codegenDir)) {
        if (PRESERVED_GENERATED_ENTRIES.has(entry) || files.has(entry)) continue;
        const p = path.join(codegenDir, entry);
        if (check) problems.push(`  extra:   ${rel(p)} (convex would delete it)`);
        else {
          fs.rmSync(p, { recursive: true, force: true });
          written++;
        }
      }
    }
  }
  return { problems, written, unchanged };
}

// ---------------------------------------------------------------------------------------------

async function main() {
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

    const functionsDir = path.resolve(root, config.functions);
    const componentDirs = (
      opts.componentDirs ??
      (componentDefinitionFile(path.join(root, "src", "component")) ? ["src/component"] : [])
    ).map((d) => path.resolve(root, d));
    for (const dir of componentDirs) {
      if (!fs.existsSync(path.join(dir, DEFINITION_FILENAME_TS))) {
        fail(`Only directories with convex.config.ts files are supported, this directory does not: ${dir}`);
      }
    }

    const outputs = [];
    // The app (root component), with every local component it uses.
    const appDefinition = componentDefinitionFile(functionsDir);
    const appHasModules =
      fs.existsSync(functionsDir) && (await internals.entryPoints(ctx, functionsDir)).length > 0;
    if (appDefinition || appHasModules) {
      if (appDefinition?.endsWith(".js")) fail(`${appDefinition}: use convex.config.ts`);
      const sessionOutputs = await runSession({
        evaluator,
        internals,
        ctx,
        config,
        rootPath: functionsDir,
        rootSource: { file: appDefinition },
        // Unlike `convex dev`, never write into node_modules (a package that ships its component
        // sources under the @convex-dev/component-source condition).
        targets: (directory) => directory.isRoot || !insideNodeModules(directory.path),
        verbose: opts.verbose,
      });
      outputs.push(...sessionOutputs);
    }
    // Components asked for explicitly and not already generated through the app.
    for (const dir of componentDirs) {
      if (outputs.some((o) => o.dir === dir)) continue;
      const sessionOutputs = await runSession({
        evaluator,
        internals,
        ctx,
        config,
        rootPath: functionsDir,
        rootSource: { synthetic: true, component: path.join(dir, DEFINITION_FILENAME_TS) },
        targets: (directory) => directory.path === dir,
        verbose: opts.verbose,
      });
      outputs.push(...sessionOutputs);
    }

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
      process.stdout.write(`codegen: ${unchanged} files up to date in ${dirs || "(nothing to generate)"} (${seconds}s)\n`);
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
