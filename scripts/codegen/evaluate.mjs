// Running the project's own code the way the backend evaluates it in its isolate: bundle it with
// esbuild into a temp dir, import the bundle in Node. Definitions (convex.config) are run and
// `.export()`ed, which is how the component tree is found; function modules are imported for
// analysis.js to read. Imports of a module's own ./_generated/* get the stubs `convex dev` writes
// before it bundles, so the result never depends on what _generated holds on disk.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import esbuild from "esbuild";
import { fail } from "./errors.mjs";
import { componentDefinitionFile } from "./project.mjs";

// Conditions convex's bundler uses, plus live component sources (this repo resolves its own
// package to TypeScript sources, like vitest.config.ts and tsconfig.json do).
const CONDITIONS = ["convex", "module", "@convex-dev/component-source"];

/**
 * @typedef {object} EvaluatedDefinition
 * @property {string} definitionFile   absolute convex.config.{ts,js}
 * @property {{ path: string }} directory  the component's directory
 * @property {any} exported            what the definition's `.export()` returned
 * @property {ChildComponent[]} children  the components it imports, in import order
 *
 * @typedef {object} ChildComponent
 * @property {string} definitionPath   absolute path of the child's convex.config
 * @property {string} importSpecifier  the specifier the parent imported it with
 * @property {EvaluatedDefinition} evaluated
 *
 * @typedef {{ path: string }} RootDirectory  the root component directory, which component
 *   paths are relative to
 */

export class Evaluator {
  /**
   * @param {object} options
   * @param {string} options.tmpDir      bundles are written under it
   * @param {import("./convex-internals.mjs").Convex} options.convex  the convex user code imports
   * @param {any} options.internals      from loadConvexInternals
   * @param {string[]} options.nodePaths extra node_modules folders to resolve packages from
   */
  constructor({ tmpDir, convex, internals, nodePaths }) {
    this.tmpDir = tmpDir;
    this.convex = convex;
    this.internals = internals;
    this.nodePaths = nodePaths;
    this.counter = 0;
    /** @type {Map<string, Record<string, string>>} absolute _generated dir -> file base name -> TS source */
    this.generatedStubs = new Map();
    /** @type {Map<string, Promise<EvaluatedDefinition>>} `${rootPath}\0${definitionFile}` -> its evaluation */
    this.definitions = new Map();
  }

  /**
   * Serves the initial `<dir>/_generated` files (what `convex dev` writes before bundling) to the
   * modules of `dir` from now on.
   * @param {string} dir a component directory
   * @param {boolean} isRoot whether it is the app (its server.ts differs from a component's)
   */
  serveGeneratedStubs(dir, isRoot) {
    const I = this.internals;
    this.generatedStubs.set(path.join(dir, "_generated"), {
      server: isRoot
        ? I.serverCodegen({ useTypeScript: true, envVars: undefined }).TS
        : I.componentServerTS(false, undefined),
      api: I.componentApiStubTS(),
      dataModel: "export {};",
      component: "export {};",
    });
  }

  /**
   * Evaluates a convex.config.{ts,js} the way the backend does: bundle, run, call `.export()`.
   * Each file is evaluated once per root.
   * @param {RootDirectory} root the root component directory, which component paths are relative to
   * @param {string} definitionFile
   * @returns {Promise<EvaluatedDefinition>}
   */
  evaluateDefinition(root, definitionFile) {
    const key = `${root.path}\0${definitionFile}`;
    let promise = this.definitions.get(key);
    if (!promise) {
      promise = this.#evaluateDefinitionFile(root, definitionFile);
      this.definitions.set(key, promise);
    }
    return promise;
  }

  async #evaluateDefinitionFile(root, definitionFile) {
    const children = [];
    const outfile = path.join(this.#outDir("definition"), "convex.config.mjs");
    await runEsbuild(`bundling ${definitionFile}`, {
      ...this.#buildOptions(root, "browser", (child) => children.push(child)),
      entryPoints: [definitionFile],
      outfile,
    });
    const definition = (await importModule(outfile, definitionFile)).default;
    if (!definition || typeof definition.export !== "function") {
      fail(`${definitionFile} must \`export default\` defineApp() or defineComponent(...)`);
    }
    let exported;
    try {
      exported = definition.export();
    } catch (e) {
      fail(`evaluating ${definitionFile} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { definitionFile, directory: { path: path.dirname(definitionFile) }, exported, children };
  }

  /**
   * Bundles the given modules of `dir` together and imports each.
   * @param {RootDirectory} root
   * @param {string} dir the component directory
   * @param {string[]} entries absolute module paths
   * @param {"browser" | "node"} platform "node" for "use node" modules
   * @returns {Promise<Map<string, Record<string, unknown>>>} module path relative to `dir` -> its exports
   */
  async importModules(root, dir, entries, platform) {
    const result = await runEsbuild(`bundling the modules of ${dir}`, {
      ...this.#buildOptions(root, platform, undefined),
      ...(platform === "node"
        ? {
            banner: {
              js: 'import { createRequire as __codegenCreateRequire } from "node:module"; const require = __codegenCreateRequire(import.meta.url);',
            },
          }
        : {}),
      entryPoints: entries,
      outdir: this.#outDir(`functions-${platform}`),
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
    const modules = new Map();
    for (const source of entries) {
      const out = outputsByEntry.get(path.resolve(source));
      if (!out) fail(`esbuild produced no output for ${source}`);
      modules.set(path.relative(dir, source), await importModule(out, source));
    }
    return modules;
  }

  /** A fresh, numbered output directory under the temp dir. */
  #outDir(label) {
    const dir = path.join(this.tmpDir, `${String(++this.counter).padStart(3, "0")}-${label}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * Like convex's bundler: code for the Convex runtime is bundled for the browser platform (so a
   * package's "browser" field applies and Node builtins fail to resolve, as they do on deploy);
   * "use node" modules (only allowed in the app) for Node.
   * @param {RootDirectory} root
   * @param {"browser" | "node"} platform
   * @param {((child: ChildComponent) => void) | undefined} onChildComponent told of each component
   *   a definition imports
   * @returns {import("esbuild").BuildOptions}
   */
  #buildOptions(root, platform, onChildComponent) {
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
      plugins: [
        convexExternalPlugin(this.convex),
        generatedStubsPlugin(this.generatedStubs),
        componentDefinitionsPlugin(this, root, onChildComponent),
      ],
    };
  }
}

/**
 * One convex instance for everything, loaded by absolute URL so that bundles written to a temp dir
 * still find it.
 * @param {import("./convex-internals.mjs").Convex} convex
 * @returns {import("esbuild").Plugin}
 */
function convexExternalPlugin(convex) {
  return {
    name: "convex-external",
    setup(build) {
      build.onResolve({ filter: /^convex(\/.*)?$/ }, (args) => ({
        path: convex.resolveEsm(args.path),
        external: true,
      }));
    },
  };
}

/**
 * Serves registered stubs in place of relative `_generated/` imports; other imports resolve normally.
 * @param {Map<string, Record<string, string>>} generatedStubs read at resolve time, so later
 *   registrations apply
 * @returns {import("esbuild").Plugin}
 */
function generatedStubsPlugin(generatedStubs) {
  return {
    name: "generated-stubs",
    setup(build) {
      build.onResolve({ filter: /_generated\// }, (args) => {
        if (!args.path.startsWith(".")) return undefined;
        const abs = path.resolve(args.resolveDir, args.path);
        const stubs = generatedStubs.get(path.dirname(abs));
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
  };
}

/**
 * Mirrors convex's componentPlugin: an import of another component's convex.config evaluates that
 * component and becomes the definition reference the backend hands to `use()`.
 * @param {Evaluator} evaluator
 * @param {RootDirectory} root
 * @param {((child: ChildComponent) => void) | undefined} onChildComponent told of each import
 * @returns {import("esbuild").Plugin}
 */
function componentDefinitionsPlugin(evaluator, root, onChildComponent) {
  return {
    name: "component-definitions",
    setup(build) {
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
        if (componentDefinitionFile(path.dirname(resolvedPath)) === null) return undefined;
        return { path: resolvedPath, namespace: "component-definition", pluginData: { specifier: args.path } };
      });
      build.onLoad({ filter: /.*/, namespace: "component-definition" }, async (args) => {
        const child = await evaluator.evaluateDefinition(root, args.path);
        if (child.exported.definitionType?.type !== "childComponent") {
          fail(`${args.path} does not define a component (defineComponent)`);
        }
        onChildComponent?.({ definitionPath: args.path, importSpecifier: args.pluginData.specifier, evaluated: child });
        const reference = {
          componentDefinitionPath: evaluator.internals.toComponentDefinitionPath(root, child.directory),
          defaultName: child.exported.name,
        };
        return { contents: `export default ${JSON.stringify(reference)};`, loader: "js" };
      });
    },
  };
}

/**
 * Runs esbuild; on failure, lists esbuild's errors under "<what> failed:".
 * @param {string} what e.g. "bundling the modules of <dir>"
 * @param {import("esbuild").BuildOptions} options
 * @returns {Promise<import("esbuild").BuildResult>}
 */
async function runEsbuild(what, options) {
  try {
    return await esbuild.build(options);
  } catch (e) {
    const errors = (e.errors ?? [])
      .map((err) => `  ${err.location ? `${err.location.file}:${err.location.line}: ` : ""}${err.text}`)
      .join("\n");
    fail(`${what} failed:\n${errors || e.message}`);
  }
}

/**
 * Imports a bundle written by runEsbuild.
 * @param {string} outfile the bundle
 * @param {string} source the user file it was built from, for the error message
 */
async function importModule(outfile, source) {
  try {
    return await import(pathToFileURL(outfile).href);
  } catch (e) {
    fail(`importing ${source} failed: ${e?.stack ?? e}`);
  }
}
