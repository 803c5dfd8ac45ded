// @vitest-environment node
// The stand-ins for the packages convex's codegen modules import: each does what the codegen path
// needs, as the real package would, and refuses everything else.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { REPO } from "./testing.js";

type Callable = ((...args: unknown[]) => unknown) & Record<string, unknown>;
type Stubs = { stubbedPackage: (specifier: string) => Record<string, Callable>; refusedUses: string[] };

let stubs: Stubs;
beforeAll(async () => {
  // A plain .mjs module (the codegen runs on Node as is): imported by URL, typed here.
  stubs = (await import(pathToFileURL(path.join(REPO, "scripts", "codegen", "stubs.mjs")).href)) as Stubs;
});

const exportsOf = (specifier: string) => stubs.stubbedPackage(specifier);

describe("stand-ins for convex's packages", () => {
  test("chalk styles text without colour, and refuses what is not a style", () => {
    const chalk = exportsOf("chalk").chalkStderr;
    const yellow = chalk.yellow as Callable;
    expect(yellow("Skipping x")).toBe("Skipping x");
    expect(((chalk.bold as Callable).red as Callable)("a", 1)).toBe("a 1");
    expect(() => chalk.hex).toThrow("reading hex of chalk's chalkStderr");
  });

  test("@babel/parser reads the directive prologue as babel does", () => {
    const parse = exportsOf("@babel/parser").parse;
    const directives = (source: string) =>
      ((parse(source, { sourceType: "module", plugins: ["jsx", "typescript"] }) as Callable).program as Callable)
        .directives as { value: { value: string } }[];
    expect(directives(`"use node";\nimport x from "y";\nexport const a = <div>{x}</div>;`)).toEqual([
      { value: { value: "use node" } },
    ]);
    expect(directives(`// "use node"\nexport const a = 1;`)).toEqual([]);
    expect(directives(`export const a = 1;\n"use node";`)).toEqual([]);
    expect(directives(`const s = "use node";`)).toEqual([]);
  });

  test("@babel/parser lists imported names, for convex's check of a top-level https.* file", () => {
    const parse = exportsOf("@babel/parser").parse;
    const source = `import { httpRouter as router } from "convex/server";\nimport * as all from "x";\nexport default router();`;
    const program = (parse(source, { sourceType: "module", plugins: ["typescript"] }) as Callable).program as Callable;
    expect(program.body).toEqual([
      {
        type: "ImportDeclaration",
        specifiers: [{ type: "ImportSpecifier", imported: { name: "httpRouter" }, local: { name: "router" } }],
      },
      { type: "ImportDeclaration", specifiers: [{ type: "ImportNamespaceSpecifier", local: { name: "all" } }] },
      { type: "ExportAssignment" },
    ]);
    expect(() => program.sourceType).toThrow("reading sourceType of the program");
  });

  test("zod builds schemas and parses nothing", () => {
    const z = exportsOf("zod").z;
    const schema = (((z.object as Callable)({}) as Callable).passthrough as Callable)() as Callable;
    expect(() => ((schema.optional as Callable)() as Callable).describe).not.toThrow();
    expect(() => schema.parse).toThrow("reading parse of a zod schema");
    expect(() => z.number).toThrow("reading number of zod's z");
  });

  test("a package convex only imports refuses every use, and each refusal is recorded", () => {
    const before = stubs.refusedUses.length;
    const ora = exportsOf("ora").default;
    expect(() => ora({ text: "x" })).toThrow(
      "convex's codegen modules made a use of a stubbed package that the offline codegen does not expect: a call of ora",
    );
    expect(() => ora.start).toThrow("reading start of ora");
    expect(() => `${String(exportsOf("dotenv").parse)}`).toThrow("dotenv's parse");
    expect(() => "x" in exportsOf("adm-zip").default).toThrow("checking x in adm-zip");
    expect(stubs.refusedUses.slice(before, before + 2)).toEqual(["a call of ora", "reading start of ora"]);
  });

  test("fetch-retry wraps fetch as convex loads, and the wrapped fetch refuses to run", () => {
    const retrying = exportsOf("fetch-retry").default(fetch) as Callable;
    expect(() => retrying("https://example.com")).toThrow("a call of fetch-retry's retrying fetch");
  });

  test("Sentry drops messages and refuses to start", () => {
    const sentry = exportsOf("@sentry/node");
    expect(sentry.captureMessage("a message", "warning")).toBeUndefined();
    expect(() => sentry.init({})).toThrow("a call of @sentry/node's init");
  });
});
