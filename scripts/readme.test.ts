// Keeps README.md from drifting: every ```ts block is preceded by <!-- snippet: NAME --> and is,
// after trimming common indentation, exactly the code between `// README: NAME` and
// `// README: end` in a source file the tests run; every shell block is npm commands that exist;
// the API table lists exactly the component's public functions, with their kinds.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import * as lib from "../src/component/lib.js";

const REPO = process.cwd();
const README = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  name: string;
  scripts: Record<string, string>;
};

const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mjs", ".js"];
const MARKER = /^\s*\/\/ README: (\S+)\s*$/;

type Block = { lang: string; code: string; snippet?: string; line: number };

/** The fenced code blocks of a markdown text, each with the snippet name of the comment just before it. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  let pendingSnippet: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const snippet = /^<!-- snippet: (\S+) -->$/.exec(line.trim());
    if (snippet) {
      pendingSnippet = snippet[1];
      continue;
    }
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) {
      if (line.trim() !== "") pendingSnippet = undefined;
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: a code block is never closed`);
    blocks.push({ lang: fence[1], code: body.join("\n"), snippet: pendingSnippet, line: start + 1 });
    pendingSnippet = undefined;
  }
  return blocks;
}

/** Removes the indentation all non-blank lines share, and blank lines at both ends. */
function dedent(text: string): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  while (lines.length > 0 && lines[0].trim() === "") lines.shift();
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common).replace(/\s+$/, "")).join("\n");
}

/** The repository's source files that git tracks or would track (respecting .gitignore). */
function sourceFiles(): string[] {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr || listed.error?.message}`);
  return listed.stdout
    .split("\0")
    .filter((file) => SOURCE_EXTENSIONS.some((extension) => file.endsWith(extension)))
    .filter((file) => !file.includes("node_modules/") && !file.includes("/_generated/") && fs.existsSync(path.join(REPO, file)));
}

/** Every `// README: NAME` … `// README: end` region in the source files, by name. */
function markedRegions(): Map<string, { file: string; line: number; code: string }> {
  const regions = new Map<string, { file: string; line: number; code: string }>();
  for (const file of sourceFiles()) {
    const lines = fs.readFileSync(path.join(REPO, file), "utf8").split("\n");
    let open: { name: string; line: number; body: string[] } | null = null;
    for (const [index, line] of lines.entries()) {
      const marker = MARKER.exec(line);
      if (!marker) {
        open?.body.push(line);
        continue;
      }
      const where = `${file}:${index + 1}`;
      if (marker[1] === "end") {
        if (!open) throw new Error(`${where}: "// README: end" without a matching "// README: NAME"`);
        const existing = regions.get(open.name);
        if (existing) throw new Error(`${where}: README snippet "${open.name}" is also marked in ${existing.file}:${existing.line}`);
        regions.set(open.name, { file, line: open.line, code: dedent(open.body.join("\n")) });
        open = null;
      } else {
        if (open) throw new Error(`${where}: "// README: ${marker[1]}" opens inside "${open.name}" (close it with "// README: end")`);
        open = { name: marker[1], line: index + 1, body: [] };
      }
    }
    if (open) throw new Error(`${file}:${open.line}: README snippet "${open.name}" is never closed with "// README: end"`);
  }
  return regions;
}

const blocks = fencedBlocks(README);
const regions = markedRegions();

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
      expect(dedent(block.code), `README.md:${block.line} differs from ${region?.file}:${region?.line}`).toBe(region?.code);
    });
  }

  test("uses every marked region, each once", () => {
    const used = snippets.map((block) => block.snippet as string);
    expect([...new Set(used)].sort(), "a snippet appears twice").toEqual([...used].sort());
    const unused = [...regions.entries()].filter(([name]) => !used.includes(name)).map(([name, region]) => `${name} (${region.file}:${region.line})`);
    expect(unused, "marked for the README but not in it: remove the markers or show the snippet").toEqual([]);
  });

  test("has only TypeScript and shell code blocks", () => {
    const others = blocks.filter((block) => !["ts", "sh", "bash"].includes(block.lang)).map((block) => `README.md:${block.line} (${block.lang || "no language"})`);
    expect(others).toEqual([]);
  });

  test("shell blocks run only npm commands that exist", () => {
    const problems: string[] = [];
    for (const block of blocks.filter((b) => b.lang === "sh" || b.lang === "bash")) {
      for (const line of block.code.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))) {
        for (const command of line.split("&&").map((part) => part.trim())) {
          const words = command.split(/\s+/);
          const ok =
            (words[0] === "npm" && words.length === 2 && ["install", "i", "test"].includes(words[1])) ||
            (words[0] === "npm" && words[1] === "install" && words.length === 3 && words[2] === PACKAGE.name) ||
            (words[0] === "npm" && words[1] === "run" && words[2] in PACKAGE.scripts && (words.length === 3 || words[3] === "--"));
          if (!ok) problems.push(`README.md:${block.line}: \`${command}\` is not npm install/test or an npm script of package.json`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("the API table lists every public function of components.flyAgents.lib with its kind", () => {
    const rows = [...README.matchAll(/^\| `(\w+)` \| (query|mutation|action) \|/gm)].map((match) => `${match[1]}: ${match[2]}`);
    const functions = Object.entries(lib).flatMap(([name, value]) => {
      if (typeof value !== "function" || !("isPublic" in value)) return [];
      const kind = "isQuery" in value ? "query" : "isMutation" in value ? "mutation" : "action";
      return [`${name}: ${kind}`];
    });
    expect(rows.sort()).toEqual(functions.sort());
  });
});
