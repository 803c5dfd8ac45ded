// Keeps README.md from drifting: every ```ts block is preceded by <!-- snippet: NAME --> and is,
// after trimming common indentation, exactly the code between `// README: NAME` and
// `// README: end` in a source file the tests run, and compiles pasted alone beside that file;
// every shell block is npm commands that exist; the API reference is the one generated from the
// component's validators, docstrings and code.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import * as lib from "../src/component/lib.js";
import { API_END, API_START, renderApiReference } from "./api-reference.js";
import { snippetErrors } from "./readme-compile.js";
import { dedent, fencedBlocks, markedRegions } from "./readme-snippets.js";

const REPO = process.cwd();
const README = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  name: string;
  scripts: Record<string, string>;
};

const blocks = fencedBlocks(README);
const regions = markedRegions(REPO);

describe("README.md", () => {
  test("has TypeScript snippets, each with a source", () => {
    const tsBlocks = blocks.filter((block) => block.lang === "ts");
    expect(tsBlocks.length).toBeGreaterThan(10);
    const unnamed = tsBlocks.filter((block) => block.snippet === undefined).map((block) => `README.md:${block.line}`);
    expect(unnamed, "put <!-- snippet: NAME --> right before each ```ts block").toEqual([]);
  });

  const snippets = blocks.filter((block) => block.lang === "ts" && block.snippet !== undefined);
  for (const block of snippets) {
    const name = block.snippet as string;
    test(`snippet "${name}" (README.md:${block.line}) is the code its test runs`, () => {
      const region = regions.get(name);
      expect(region, `no "// README: ${name}" … "// README: end" region in the source files`).toBeDefined();
      expect(dedent(block.code), `README.md:${block.line} differs from ${region?.file}:${region?.line}`).toBe(
        region?.code,
      );
    });
  }

  test("every snippet compiles as it stands: its imports and helpers are in it", () => {
    const withRegion = snippets.flatMap((block) => {
      const region = regions.get(block.snippet as string);
      return region ? [{ name: block.snippet as string, file: region.file, code: block.code }] : [];
    });
    const failing = [...snippetErrors(REPO, withRegion)].map(([name, errors]) => `${name}: ${errors.join("; ")}`);
    expect(failing, "a README snippet must compile pasted alone beside its source: include what it uses").toEqual([]);
  }, 120_000);

  test("uses every marked region, each once", () => {
    const used = snippets.map((block) => block.snippet as string);
    expect([...new Set(used)].sort(), "a snippet appears twice").toEqual([...used].sort());
    const unused = [...regions.entries()]
      .filter(([name]) => !used.includes(name))
      .map(([name, region]) => `${name} (${region.file}:${region.line})`);
    expect(unused, "marked for the README but not in it: remove the markers or show the snippet").toEqual([]);
  });

  test("has only TypeScript and shell code blocks", () => {
    const others = blocks
      .filter((block) => !["ts", "sh", "bash"].includes(block.lang))
      .map((block) => `README.md:${block.line} (${block.lang || "no language"})`);
    expect(others).toEqual([]);
  });

  test("shell blocks run only npm commands that exist", () => {
    const problems: string[] = [];
    for (const block of blocks.filter((b) => b.lang === "sh" || b.lang === "bash")) {
      for (const line of block.code.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))) {
        for (const command of line.split("&&").map((part) => part.trim())) {
          const words = command.split(/\s+/);
          const ok =
            (words[0] === "npm" && words.length === 2 && ["install", "i", "ci", "test"].includes(words[1])) ||
            (words[0] === "npm" && words[1] === "install" && words.length === 3 && words[2] === PACKAGE.name) ||
            (words[0] === "npm" &&
              words[1] === "run" &&
              words[2] in PACKAGE.scripts &&
              (words.length === 3 || words[3] === "--"));
          if (!ok)
            problems.push(
              `README.md:${block.line}: \`${command}\` is not npm install/test or an npm script of package.json`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("the API reference is the one the validators, docstrings and code give (npm run readme:sync)", () => {
    const start = README.indexOf(API_START);
    const end = README.indexOf(API_END);
    expect(start, "the API reference markers are missing").toBeGreaterThanOrEqual(0);
    expect(README.slice(start, end + API_END.length)).toBe(renderApiReference());
  }, 60_000);

  test("the API reference lists every public function of components.flyAgents.lib, with its kind", () => {
    const listed = [...README.matchAll(/^<summary><code>(\w+)<\/code> · (query|mutation|action) · /gm)].map(
      (match) => `${match[1]}: ${match[2]}`,
    );
    const functions = Object.entries(lib).flatMap(([name, value]) => {
      if (typeof value !== "function" || !("isPublic" in value)) return [];
      const kind = "isQuery" in value ? "query" : "isMutation" in value ? "mutation" : "action";
      return [`${name}: ${kind}`];
    });
    expect(listed.sort()).toEqual(functions.sort());
  });
});
