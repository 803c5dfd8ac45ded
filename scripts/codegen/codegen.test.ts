// @vitest-environment node
// Proves that `npm run codegen:check` (scripts/codegen/cli.mjs --check) catches stale _generated
// files, and that the renderer reproduces what a real Convex backend generates.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { REPO, runCodegen as run, writeFiles } from "./testing.js";

// A tiny component: env vars, a child component, a schema, and public + internal functions.
const FIXTURE: Record<string, string> = {
  "src/component/convex.config.ts": `
import { defineComponent } from "convex/server";
import { v } from "convex/values";
import rateLimiter from "@convex-dev/rate-limiter/convex.config.js";

const component = defineComponent("tiny", {
  env: { TINY_TOKEN: v.optional(v.string()), API_URL: v.string() },
});
component.use(rateLimiter);
export default component;
`,
  "src/component/schema.ts": `
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  agentMachines: defineTable({ userId: v.string(), state: v.union(v.literal("started"), v.literal("stopped")) }),
});
`,
  "src/component/lib.ts": `
import { v } from "convex/values";
import { action, internalMutation, mutation, query } from "./_generated/server.js";

export const get = query({
  args: { machineId: v.id("agentMachines") },
  returns: v.union(v.null(), v.object({ userId: v.string(), _id: v.id("agentMachines"), _creationTime: v.number(), state: v.union(v.literal("started"), v.literal("stopped")) })),
  handler: async (ctx, args) => await ctx.db.get(args.machineId),
});

export const create = mutation({
  args: { userId: v.string() },
  returns: v.id("agentMachines"),
  handler: async (ctx, args) => await ctx.db.insert("agentMachines", { userId: args.userId, state: "stopped" }),
});

export const start = action({ args: { ids: v.array(v.id("agentMachines")) }, handler: async () => null });

export const markStarted = internalMutation({ args: { machineId: v.id("agentMachines") }, handler: async () => {} });
`,
};

let dir: string;

const generated = (name: string) => path.join(dir, "src", "component", "_generated", name);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "codegen-test-"));
  writeFiles(dir, FIXTURE);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("scripts/codegen/cli.mjs", () => {
  test("--check fails before anything was generated", () => {
    const r = run(["--root", dir, "--check"]);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toContain("missing: src/component/_generated/component.ts");
    expect(r.stdout).toContain("npm run codegen");
  });

  test("a fresh render passes --check", () => {
    const write = run(["--root", dir]);
    expect(write.code, write.output).toBe(0);
    expect(fs.readdirSync(path.dirname(generated("api.ts"))).sort()).toEqual([
      "api.ts",
      "component.ts",
      "dataModel.ts",
      "server.ts",
    ]);
    const check = run(["--root", dir, "--check"]);
    expect(check.code, check.output).toBe(0);
  });

  test("renders the component's API the way the backend does", () => {
    const component = fs.readFileSync(generated("component.ts"), "utf8");
    // Ids cross the component boundary as plain strings; fields come sorted.
    expect(component).toContain(`{ machineId: string }`);
    expect(component).toContain(
      `_creationTime: number;\n          _id: string;\n          state: "started" | "stopped";\n          userId: string;`,
    );
    expect(component).toContain(`{ ids: Array<string> }`);
    // Only public functions are exported.
    expect(component).not.toContain("markStarted");
    const server = fs.readFileSync(generated("server.ts"), "utf8");
    expect(server).toContain("readonly API_URL: string;\n  readonly TINY_TOKEN: string | undefined;");
    const api = fs.readFileSync(generated("api.ts"), "utf8");
    expect(api).toContain(
      `rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;`,
    );
  });

  test("--check reports a corrupted file as stale", () => {
    const file = generated("component.ts");
    const good = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, good.replace("machineId: string", "machineId: number"));
    try {
      const r = run(["--root", dir, "--check"]);
      expect(r.code, r.output).toBe(1);
      expect(r.stdout).toMatch(/stale: +src\/component\/_generated\/component\.ts \(line \d+: expected/);
      expect(r.stdout).toContain("Run `npm run codegen`");
    } finally {
      fs.writeFileSync(file, good);
    }
  });

  test("--check reports stale output after a source change, missing and extra files", () => {
    const lib = path.join(dir, "src", "component", "lib.ts");
    const source = fs.readFileSync(lib, "utf8");
    const server = fs.readFileSync(generated("server.ts"), "utf8");
    fs.appendFileSync(
      lib,
      `\nexport const count = query({ args: {}, returns: v.number(), handler: async () => 0 });\n`,
    );
    fs.rmSync(generated("server.ts"));
    fs.writeFileSync(generated("old.ts"), "export {};\n");
    try {
      const r = run(["--root", dir, "--check"]);
      expect(r.code, r.output).toBe(1);
      expect(r.stdout).toContain("stale:   src/component/_generated/component.ts");
      expect(r.stdout).toContain("missing: src/component/_generated/server.ts");
      expect(r.stdout).toContain("extra:   src/component/_generated/old.ts");
    } finally {
      fs.writeFileSync(lib, source);
      fs.writeFileSync(generated("server.ts"), server);
      fs.rmSync(generated("old.ts"));
    }
    expect(run(["--root", dir, "--check"]).code).toBe(0);
  });

  test("reproduces @convex-dev/rate-limiter's backend-generated files byte for byte", () => {
    // rate-limiter 0.4.0 ships src/component/_generated from a real backend with the same codegen
    // templates as convex 1.48. If a convex upgrade changes the templates, this test shows it.
    const shipped = path.join(REPO, "node_modules", "@convex-dev", "rate-limiter", "src");
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "codegen-rate-limiter-"));
    try {
      fs.cpSync(shipped, path.join(copy, "src"), { recursive: true });
      const r = run(["--root", copy, "--check"]);
      expect(r.code, r.output).toBe(0);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
  test('reads "use node" as a directive only: a module that merely mentions it stays a component module', () => {
    // convex finds the directive with @babel/parser; its stand-in must answer as babel would, not
    // take any file that contains the words for a Node module.
    const notes = path.join(dir, "src", "component", "notes.ts");
    fs.writeFileSync(
      notes,
      `// Component modules run in Convex's runtime: "use node" is refused here.\n` +
        `import { query } from "./_generated/server.js";\n` +
        `export const hello = query({ args: {}, handler: async () => "hi" });\n`,
    );
    try {
      const r = run(["--root", dir]);
      expect(r.code, r.output).toBe(0);
      expect(fs.readFileSync(generated("component.ts"), "utf8")).toContain("notes: {");
    } finally {
      fs.rmSync(notes);
      run(["--root", dir]);
    }
    expect(run(["--root", dir, "--check"]).code).toBe(0);
  });

  test('refuses a "use node" directive in a component, as convex does', () => {
    const node = path.join(dir, "src", "component", "nodeOnly.ts");
    fs.writeFileSync(
      node,
      `"use node";\nimport { action } from "./_generated/server.js";\n` +
        `export const run = action({ args: {}, handler: async () => null });\n`,
    );
    try {
      const r = run(["--root", dir, "--check"]);
      expect(r.code, r.output).toBe(2);
      expect(r.stderr).toContain(`codegen: "use node" directive is not supported in components.`);
    } finally {
      fs.rmSync(node);
    }
  });
});
