// @vitest-environment node
/**
 * The package ships only itself: `npm pack --dry-run` lists no test file and no test-only helper, every
 * shipped module imports only what a host app installs with it, the exports and LICENSE are there, and
 * installing the tarball runs no script of ours (npm warns about those).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, test } from "vitest";

const REPO = process.cwd();
const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  name: string;
  files: string[];
  scripts: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Test files and the helpers only tests use. */
const TEST_ONLY = [
  /\.test\.[cm]?[jt]sx?$/,
  /\.test-d\.ts$/,
  /\.test\.d\.ts$/,
  /(^|\/)testing\//,
  /(^|\/)testHarness\./,
  /^(src|dist)\/fly-emulator\/testing\//,
  /(^|\/)screenshots\//,
];
/** Scripts npm runs when the package is installed: npm warns about each in a tarball. */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];
const MODULE_EXTENSIONS = [".ts", ".tsx", ".js", ".mjs"];

let shipped: string[];

beforeAll(() => {
  // --ignore-scripts: list what `files` selects without building dist/ first (prepack would).
  const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [pack] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
  shipped = pack.files.map((file) => file.path).sort();
}, 60_000);

/** Module specifiers a file imports at run time (type-only imports left out). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /^\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
  for (const match of source.matchAll(pattern)) {
    if (match[1]) continue;
    specifiers.push(match[2] ?? match[3]);
  }
  return specifiers;
}

/** "@scope/name/sub" → "@scope/name"; "name/sub" → "name". */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

describe("the packed package", () => {
  test("has no test file or test-only helper", () => {
    expect(shipped.filter((file) => TEST_ONLY.some((pattern) => pattern.test(file)))).toEqual([]);
    expect(shipped.filter((file) => /^(convex|example|scripts|bench|\.ci)\//.test(file))).toEqual([]);
  });

  test("has its LICENSE, CHANGELOG, README and every source its exports name", () => {
    expect(shipped).toEqual(expect.arrayContaining(["LICENSE", "CHANGELOG.md", "README.md", "package.json"]));
    const sources = Object.values(PACKAGE.exports).flatMap((target) =>
      typeof target === "string" ? [target] : Object.values(target).filter((file) => file.startsWith("./src/")),
    );
    const missing = sources.map((file) => file.replace(/^\.\//, "")).filter((file) => !shipped.includes(file));
    expect(missing).toEqual([]);
  });

  test("ships every module the build compiles into dist/", () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(REPO, "tsconfig.build.json"),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
        },
      },
    );
    const built = (config?.fileNames ?? []).map((file) => path.relative(REPO, file));
    expect(built.length).toBeGreaterThan(20);
    expect(built.filter((file) => TEST_ONLY.some((pattern) => pattern.test(file)))).toEqual([]);
    expect(built.filter((file) => !shipped.includes(file))).toEqual([]);
  });

  test("imports, at run time, only its dependencies, its peers, Node's modules and its own files", () => {
    const allowed = new Set([
      ...Object.keys(PACKAGE.dependencies),
      ...Object.keys(PACKAGE.peerDependencies),
      PACKAGE.name,
    ]);
    const problems: string[] = [];
    for (const file of shipped.filter((name) => MODULE_EXTENSIONS.some((extension) => name.endsWith(extension)))) {
      for (const specifier of runtimeImports(fs.readFileSync(path.join(REPO, file), "utf8"))) {
        if (specifier.startsWith(".")) {
          const target = path.normalize(path.join(path.dirname(file), specifier));
          const candidates = [target, target.replace(/\.js$/, ".ts"), target.replace(/\.js$/, ".tsx")];
          if (!candidates.some((candidate) => shipped.includes(candidate)))
            problems.push(`${file} imports ${specifier}, which is not shipped`);
        } else if (!specifier.startsWith("node:") && !allowed.has(packageOf(specifier))) {
          problems.push(`${file} imports ${specifier}, which is not a dependency or peer dependency`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("runs no script when installed, so npm has nothing to warn about", () => {
    expect(INSTALL_SCRIPTS.filter((name) => name in PACKAGE.scripts)).toEqual([]);
    expect(PACKAGE.scripts.prepack, "dist/ is built when the package is packed").toBe("npm run build");
  });
});

describe("the repository", () => {
  test("reads nothing beside itself: only CI names the folder beside the clone", () => {
    const sibling = ["..", "shared"].join("/"); // spelled out, this file would name it too
    const naming = spawnSync("git", ["grep", "-l", "-F", "-e", sibling, "--", "."], {
      cwd: REPO,
      encoding: "utf8",
    }).stdout.split("\n");
    expect(naming.filter((file) => file !== "" && file !== ".ci/run" && !file.endsWith(".md"))).toEqual([]);
  });

  test("tracks no file that .gitignore ignores", () => {
    const ignoredButTracked = execFileSync("git", ["ls-files", "--cached", "--ignored", "--exclude-standard"], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect(ignoredButTracked.split("\n").filter(Boolean)).toEqual([]);
  });
});
