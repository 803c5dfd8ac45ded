// Stand-ins for the npm packages convex's codegen modules import. The convex CLI ships those
// packages inside its own bundle (dist/cli.bundle.cjs), not as dependencies, so when
// convex-internals.mjs bundles the codegen modules every package import is served from here.
//
// Each stand-in does exactly what the codegen path needs and refuses everything else: a use it does
// not expect throws, and is also recorded in `refusedUses`, because convex catches errors in places
// (around @babel/parser, for one) and the run must fail even then. A package that is not listed
// here fails the bundle at once, and so does a name convex imports that its stand-in lacks.

import { createRequire } from "node:module";
import { CodegenError } from "./errors.mjs";

const require = createRequire(import.meta.url);

/** A description of every refused use so far, in order. */
export const refusedUses = [];

/**
 * Records and throws a use no stand-in expects.
 * @param {string} use e.g. "a call of ora (default export)"
 * @returns {never}
 */
function refuse(use) {
  refusedUses.push(use);
  throw new CodegenError(
    `convex's codegen modules made a use of a stubbed package that the offline codegen does not expect: ${use}. ` +
      `The stand-in refuses rather than guess an answer; see "Upgrading convex" in scripts/codegen/README.md.`,
  );
}

/**
 * A value that throws on any use: read, call, `new`, `in`, enumeration, prototype lookup.
 * @param {string} name what to call it in the error, e.g. "ora (default export)"
 */
export function refusing(name) {
  const trap = (use) => () => refuse(use);
  return new Proxy(function refused() {}, {
    apply: trap(`a call of ${name}`),
    construct: trap(`new ${name}`),
    get: (_target, key) => refuse(`reading ${String(key)} of ${name}`),
    set: (_target, key) => refuse(`setting ${String(key)} of ${name}`),
    has: (_target, key) => refuse(`checking ${String(key)} in ${name}`),
    ownKeys: trap(`listing the keys of ${name}`),
    getOwnPropertyDescriptor: (_target, key) => refuse(`describing ${String(key)} of ${name}`),
    defineProperty: (_target, key) => refuse(`defining ${String(key)} on ${name}`),
    deleteProperty: (_target, key) => refuse(`deleting ${String(key)} of ${name}`),
    getPrototypeOf: trap(`the prototype of ${name}`),
    setPrototypeOf: trap(`setting the prototype of ${name}`),
  });
}

/**
 * An object (or function) whose listed members work and whose every other read is refused.
 * @template {object} T
 * @param {string} name what to call it in the error
 * @param {T} target the object, with its allowed members
 * @returns {T}
 */
export function allowOnly(name, target) {
  return new Proxy(target, {
    get: (t, key) => (Object.hasOwn(t, key) ? t[key] : refuse(`reading ${String(key)} of ${name}`)),
  });
}

// chalk 5's style names: each is a function of the text and a further chain of styles.
const CHALK_COLORS = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
const CHALK_STYLES = [
  ...["reset", "bold", "dim", "italic", "underline", "overline", "inverse", "hidden", "strikethrough", "visible"],
  ...["gray", "grey", "bgGray", "bgGrey"],
  ...CHALK_COLORS.flatMap((c) => [c, `${c}Bright`]),
  ...CHALK_COLORS.flatMap((c) => [
    `bg${c[0].toUpperCase()}${c.slice(1)}`,
    `bg${c[0].toUpperCase()}${c.slice(1)}Bright`,
  ]),
];

/**
 * chalk without colours: every style answers its text unchanged (chalk joins several arguments
 * with spaces). convex only styles log lines with it.
 * @param {string} name
 */
function uncoloured(name) {
  const style = (...text) => (text.length === 1 ? String(text[0]) : text.join(" "));
  return new Proxy(style, {
    get: (target, key) =>
      typeof key === "string" && CHALK_STYLES.includes(key)
        ? uncoloured(`${name}.${key}`)
        : refuse(`reading ${String(key)} of ${name}`),
  });
}

// What convex's cli/lib/config.js calls while it loads, to build the schemas of convex.json and
// friends. Nothing on the codegen path parses with them.
const ZOD_BUILDERS = ["array", "boolean", "enum", "literal", "object", "record", "string", "union"];
const ZOD_MODIFIERS = ["default", "describe", "optional", "passthrough", "refine", "strict"];

/** zod's `z`, able to build the schemas above and nothing else. */
function schemaBuilders() {
  const schema = allowOnly("a zod schema (the offline codegen parses nothing with zod)", {});
  for (const modifier of ZOD_MODIFIERS) schema[modifier] = () => schema;
  return allowOnly("zod's z", Object.fromEntries(ZOD_BUILDERS.map((builder) => [builder, () => schema])));
}

/**
 * @babel/parser's `parse`, for what convex reads of the tree: the directive prologue (is this a
 * "use node" module?) and, for a top-level `https.*` file, the names it imports (does it import
 * httpRouter?). Parsed with TypeScript, loaded only when convex asks.
 * @param {string} source
 * @param {{ plugins?: string[] }} [options] babel's; "jsx" among the plugins parses as TSX
 */
function parseDirectivesAndImports(source, options) {
  const ts = require("typescript");
  const kind = options?.plugins?.includes("jsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const file = ts.createSourceFile("module.ts", source, ts.ScriptTarget.Latest, false, kind);
  const directives = [];
  for (const statement of file.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) break;
    directives.push({ value: { value: statement.expression.text } });
  }
  const body = file.statements.map((statement) => {
    if (!ts.isImportDeclaration(statement)) return { type: ts.SyntaxKind[statement.kind] };
    const clause = statement.importClause;
    const specifiers = [];
    if (clause?.name) specifiers.push({ type: "ImportDefaultSpecifier", local: { name: clause.name.text } });
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      specifiers.push({ type: "ImportNamespaceSpecifier", local: { name: bindings.name.text } });
    } else if (bindings) {
      for (const element of bindings.elements) {
        const imported = (element.propertyName ?? element.name).text;
        specifiers.push({ type: "ImportSpecifier", imported: { name: imported }, local: { name: element.name.text } });
      }
    }
    return { type: "ImportDeclaration", specifiers };
  });
  return allowOnly("the tree @babel/parser's parse returns", {
    program: allowOnly("the program @babel/parser's parse returns", { directives, body }),
  });
}

/**
 * Each stubbed package, by import specifier: its exports (`default` for a default import).
 * @type {Record<string, Record<string, unknown>>}
 */
const PACKAGES = {
  // Only colours log lines.
  chalk: { chalkStderr: uncoloured("chalk's chalkStderr") },
  // Finds "use node" directives (convex's own fallback, a regex, would run if this threw).
  "@babel/parser": { parse: parseDirectivesAndImports },
  // Telemetry: a message about a top-level https.* file is dropped; init is never reached.
  "@sentry/node": { captureMessage: () => undefined, init: refusing("@sentry/node's init") },
  "@sentry/tracing": {},
  zod: { z: schemaBuilders() },
  // cli/lib/utils/utils.js wraps fetch once as it loads; the codegen never fetches.
  "fetch-retry": { default: () => refusing("fetch-retry's retrying fetch") },
  // Imported by modules on the path, used only by CLI commands the codegen never runs.
  "@inquirer/confirm": { default: refusing("@inquirer/confirm") },
  "@inquirer/input": { default: refusing("@inquirer/input") },
  "@inquirer/search": { default: refusing("@inquirer/search") },
  "@inquirer/select": { default: refusing("@inquirer/select") },
  "adm-zip": { default: refusing("adm-zip") },
  commander: { InvalidArgumentError: refusing("commander's InvalidArgumentError") },
  "detect-port": { default: refusing("detect-port"), detect: refusing("detect-port's detect") },
  dotenv: { parse: refusing("dotenv's parse") },
  esbuild: { default: refusing("esbuild (as convex's debugBundle imports it)") },
  "find-up": { findUp: refusing("find-up's findUp") },
  "openapi-fetch": { default: refusing("openapi-fetch") },
  ora: { default: refusing("ora") },
  "serve-handler": { default: refusing("serve-handler") },
};

/** The import specifiers that have a stand-in. */
export const stubbedPackageNames = () => Object.keys(PACKAGES);

/**
 * The exports of one package's stand-in; the bundle's stub modules read them from here.
 * @param {string} specifier
 * @returns {Record<string, unknown>}
 */
export function stubbedPackage(specifier) {
  const exports = PACKAGES[specifier];
  if (!exports) throw new CodegenError(`no stand-in for "${specifier}" -- invariant`);
  return exports;
}
