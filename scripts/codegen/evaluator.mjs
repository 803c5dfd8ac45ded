// Bundling user code (definitions and function modules) into a temp dir for Node to import. The
// Evaluator holds what every bundle shares: the temp dir, the esbuild options and plugins, the
// ./_generated stubs, and the cache of evaluated definitions.

import fs from "node:fs";
import path from "node:path";
import { componentDefinitionsPlugin, evaluateDefinitionFile } from "./definitions.mjs";
import { generatedStubsPlugin } from "./generated-stubs.mjs";
import { resolveConvexEsm } from "./toolchain.mjs";

// Conditions convex's bundler uses, plus live component sources (this repo resolves its own
// package to TypeScript sources, like vitest.config.ts and tsconfig.json do).
const CONDITIONS = ["convex", "module", "@convex-dev/component-source"];

export class Evaluator {
  /**
   * @param {object} options
   * @param {string} options.tmpDir     bundles are written under it
   * @param {any} options.internals     from loadConvexInternals
   * @param {string[]} options.nodePaths extra node_modules folders to resolve packages from
   */
  constructor({ tmpDir, internals, nodePaths }) {
    this.tmpDir = tmpDir;
    this.internals = internals;
    this.nodePaths = nodePaths;
    this.counter = 0;
    /**
     * Absolute _generated dir -> stubs served instead of the files on disk (see generated-stubs.mjs).
     * @type {import("./generated-stubs.mjs").GeneratedStubs}
     */
    this.generatedStubs = new Map();
    /**
     * `${rootPath}\0${definitionFile}` -> Promise<EvaluatedDefinition>
     * @type {Map<string, Promise<import("./definitions.mjs").EvaluatedDefinition>>}
     */
    this.definitions = new Map();
  }

  /**
   * A fresh, numbered output directory under the temp dir.
   * @param {string} label
   */
  outDir(label) {
    const dir = path.join(this.tmpDir, `${String(++this.counter).padStart(3, "0")}-${label}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * Plugins shared by every bundle.
   * @param {import("./definitions.mjs").RootDirectory} root
   * @param {((child: import("./definitions.mjs").ChildComponent) => void) | undefined} onChildComponent
   * @returns {import("esbuild").Plugin[]}
   */
  commonPlugins(root, onChildComponent) {
    return [
      convexExternalPlugin(),
      generatedStubsPlugin(this.generatedStubs),
      componentDefinitionsPlugin(this, root, onChildComponent),
    ];
  }

  /**
   * Like convex's bundler: code for the Convex runtime is bundled for the browser platform (so a
   * package's "browser" field applies and Node builtins fail to resolve, as they do on deploy);
   * "use node" modules (only allowed in the app) for Node.
   * @param {import("./definitions.mjs").RootDirectory} root
   * @param {((child: import("./definitions.mjs").ChildComponent) => void) | undefined} onChildComponent
   * @param {"browser" | "node"} [platform]
   * @returns {import("esbuild").BuildOptions}
   */
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
   * Each file is evaluated once per root.
   * @param {import("./definitions.mjs").RootDirectory} root
   * @param {string} definitionFile
   * @returns {Promise<import("./definitions.mjs").EvaluatedDefinition>}
   */
  evaluateDefinition(root, definitionFile) {
    const key = `${root.path}\0${definitionFile}`;
    let promise = this.definitions.get(key);
    if (!promise) {
      promise = evaluateDefinitionFile(this, root, definitionFile);
      this.definitions.set(key, promise);
    }
    return promise;
  }
}

/** @returns {import("esbuild").Plugin} */
function convexExternalPlugin() {
  return {
    name: "convex-external",
    setup(build) {
      // One convex instance for everything, loaded by absolute URL so that bundles written to a
      // temp dir still find it.
      build.onResolve({ filter: /^convex(\/.*)?$/ }, (args) => ({
        path: resolveConvexEsm(args.path),
        external: true,
      }));
    },
  };
}
