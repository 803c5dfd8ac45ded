// @vitest-environment node
// The fence around convex's private codegen modules: the codegen runs only on a convex it knows,
// and stops, saying why, when convex changes under it. Each case points the codegen at a copy of
// the installed convex (CODEGEN_CONVEX_DIR) with one thing changed; node_modules is never touched.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { REPO, runCodegen, runNpmScript, writeFiles } from "./testing.js";

const INSTALLED = path.join(REPO, "node_modules", "convex");
const TEMPLATES = "dist/esm/cli/codegen_templates";
const COMPONENT_SERVER = `${TEMPLATES}/component_server.js`;

let scratch: string;
let project: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "codegen-fence-"));
  project = path.join(scratch, "project");
  writeFiles(project, {
    "src/component/convex.config.ts": `
import { defineComponent } from "convex/server";
export default defineComponent("tiny");
`,
    "src/component/lib.ts": `
import { v } from "convex/values";
import { query } from "./_generated/server.js";
export const get = query({ args: { id: v.string() }, returns: v.null(), handler: async () => null });
`,
  });
  expect(runCodegen(["--root", project]).code).toBe(0);
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/**
 * A convex package made of links to the installed one, but for the files in `changes` (path
 * relative to the package -> new contents, or null to leave it out) and its version.
 */
function fakeConvex(name: string, { version = "1.48.0", changes = {} as Record<string, string | null> } = {}) {
  const dir = path.join(scratch, name);
  const mirror = (from: string, to: string, rel: string) => {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from)) {
      const entryRel = rel ? `${rel}/${entry}` : entry;
      const changed = Object.keys(changes).filter((c) => c === entryRel || c.startsWith(`${entryRel}/`));
      if (changed.length === 0) fs.symlinkSync(path.join(from, entry), path.join(to, entry));
      else if (changed.includes(entryRel)) {
        if (changes[entryRel] !== null) fs.writeFileSync(path.join(to, entry), changes[entryRel]);
      } else mirror(path.join(from, entry), path.join(to, entry), entryRel);
    }
  };
  const manifest = JSON.parse(fs.readFileSync(path.join(INSTALLED, "package.json"), "utf8"));
  mirror(INSTALLED, dir, "");
  fs.rmSync(path.join(dir, "package.json"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...manifest, version }));
  // convex requires prettier from its own folder, as in node_modules.
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  return { CODEGEN_CONVEX_DIR: dir };
}

/** The installed component_server.js with `line` added where its imports are. */
function componentServerWith(line: string) {
  return `${line}\n${fs.readFileSync(path.join(INSTALLED, COMPONENT_SERVER), "utf8")}`;
}

describe("the fence around convex's codegen modules", () => {
  test("a copy of the known convex renders as the installed one does", () => {
    const r = runCodegen(["--root", project, "--check"], fakeConvex("same"));
    expect(r.code, r.output).toBe(0);
  });

  test("upgrading convex past the known version makes `npm run codegen:check` fail and say why", () => {
    const r = runNpmScript("codegen:check", fakeConvex("newer", { version: "1.49.0" }));
    expect(r.code, r.output).not.toBe(0);
    expect(r.stderr).toContain("codegen: convex 1.49.0 is installed");
    expect(r.stderr).toContain("the offline codegen knows only convex 1.48.0");
    expect(r.stderr).toContain("convex's private codegen modules, which may change in any release");
    expect(r.stderr).toContain(`"Upgrading convex" in scripts/codegen/README.md`);
    expect(r.stdout).not.toContain("up to date");
  });

  test("a convex that lacks one of the modules it renders with stops it before anything runs", () => {
    const r = runCodegen(
      ["--root", project, "--check"],
      fakeConvex("moved", { changes: { [`${TEMPLATES}/component_api.js`]: null } }),
    );
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain("lacks modules the offline codegen renders with");
    expect(r.stderr).toContain(path.join(TEMPLATES, "component_api.js"));
  });

  test("a writer it takes that convex no longer exports stops it", () => {
    const renamed = componentServerWith("").replace("export function componentServerTS(", "export function serverTS(");
    const r = runCodegen(
      ["--root", project, "--check"],
      fakeConvex("renamed", { changes: { [COMPONENT_SERVER]: renamed } }),
    );
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain("codegen modules do not load as expected");
    expect(r.stderr).toContain("componentServerTS");
  });

  test("a package convex's codegen modules newly import, with no stand-in, stops it", () => {
    const r = runCodegen(
      ["--root", project, "--check"],
      fakeConvex("new-import", { changes: { [COMPONENT_SERVER]: componentServerWith(`import "left-pad";`) } }),
    );
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain(`imports "left-pad", a package with no stand-in in stubs.mjs`);
  });

  test("a stand-in refuses a use it does not expect", () => {
    const r = runCodegen(
      ["--root", project, "--check"],
      fakeConvex("spinner", { changes: { [COMPONENT_SERVER]: componentServerWith(`import ora from "ora"; ora();`) } }),
    );
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain("does not expect: a call of ora");
  });

  test("a refused use fails the run even when convex's code catches the error", () => {
    const caught = componentServerWith(`import ora from "ora"; try { ora().start(); } catch {}`);
    const r = runCodegen(
      ["--root", project, "--check"],
      fakeConvex("caught", { changes: { [COMPONENT_SERVER]: caught } }),
    );
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain("so its output cannot be trusted:\n  a call of ora");
    expect(r.stdout).not.toContain("up to date");
  });
});
