// Writing the rendered files, or (--check) comparing them with what is on disk. Both also handle
// entries convex would delete from a _generated folder.

import fs from "node:fs";
import path from "node:path";

// Entries of a _generated/ folder convex never deletes.
const PRESERVED_GENERATED_ENTRIES = new Set(["ai"]);

/**
 * Where two versions of a file first differ, for a --check message.
 * @param {string} expected what the codegen renders
 * @param {string} actual what is on disk
 */
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

/**
 * Writes (or with `check`, only compares) every output's `<dir>/_generated` folder.
 * @param {import("./session.mjs").Output[]} outputs
 * @param {{ check: boolean, root: string }} options `root` is what reported paths are relative to
 * @returns {{ problems: string[], written: number, unchanged: number }} `problems` lists, under
 *   --check, each missing, stale or extra file as a report line; `written` counts files written
 *   or deleted
 */
export function applyOutputs(outputs, { check, root }) {
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
          existing === null
            ? `  missing: ${rel(file)}`
            : `  stale:   ${rel(file)} (${firstDifference(contents, existing)})`,
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
