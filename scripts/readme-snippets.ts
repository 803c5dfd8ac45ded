// The README's code blocks and the source regions they show: shared by the README test, which checks
// that they agree, and by `npm run readme:sync`, which copies each region into its block.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mjs", ".js"];
const MARKER = /^\s*\/\/ README: (\S+)\s*$/;

export type Block = { lang: string; code: string; snippet?: string; line: number };

/** The fenced code blocks of a markdown text, each with the snippet name of the comment just before it. */
export function fencedBlocks(markdown: string): Block[] {
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
export function dedent(text: string): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  while (lines.length > 0 && lines[0].trim() === "") lines.shift();
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common).replace(/\s+$/, "")).join("\n");
}

/** The repository's source files that git tracks or would track (respecting .gitignore). */
function sourceFiles(repo: string): string[] {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repo,
    encoding: "utf8",
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr || listed.error?.message}`);
  return listed.stdout
    .split("\0")
    .filter((file) => SOURCE_EXTENSIONS.some((extension) => file.endsWith(extension)))
    .filter(
      (file) =>
        !file.includes("node_modules/") && !file.includes("/_generated/") && fs.existsSync(path.join(repo, file)),
    );
}

/** Every `// README: NAME` … `// README: end` region in the source files, by name. */
export function markedRegions(repo: string): Map<string, { file: string; line: number; code: string }> {
  const regions = new Map<string, { file: string; line: number; code: string }>();
  for (const file of sourceFiles(repo)) {
    const lines = fs.readFileSync(path.join(repo, file), "utf8").split("\n");
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
        if (existing)
          throw new Error(
            `${where}: README snippet "${open.name}" is also marked in ${existing.file}:${existing.line}`,
          );
        regions.set(open.name, { file, line: open.line, code: dedent(open.body.join("\n")) });
        open = null;
      } else {
        if (open)
          throw new Error(
            `${where}: "// README: ${marker[1]}" opens inside "${open.name}" (close it with "// README: end")`,
          );
        open = { name: marker[1], line: index + 1, body: [] };
      }
    }
    if (open)
      throw new Error(`${file}:${open.line}: README snippet "${open.name}" is never closed with "// README: end"`);
  }
  return regions;
}
