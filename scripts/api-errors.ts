// The error kinds each public function of the component can throw, read from the code: starting at the
// function's registration in src/component/lib.ts, follow every function it refers to (directly, through
// class methods, or through `internal.module.fn` references to other registered functions) inside the
// component, and collect the kinds of every `flyAgentsError("kind", …)` on the way. It over-approximates
// (a helper reached on one path counts for all), never under-approximates a literal kind; a kind passed on
// from an error already raised (typed as any kind) adds nothing.
import path from "node:path";
import ts from "typescript";

const REPO = process.cwd();
const COMPONENT_DIR = path.join(REPO, "src", "component");
const LIB = path.join(COMPONENT_DIR, "lib.ts");
const ERRORS = path.join(COMPONENT_DIR, "errors.ts");

function program(): ts.Program {
  const configPath = path.join(REPO, "tsconfig.json");
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO);
  return ts.createProgram([LIB], { ...parsed.options, noEmit: true });
}

const inComponent = (file: string) =>
  file.startsWith(COMPONENT_DIR + path.sep) && !file.includes(`${path.sep}_generated${path.sep}`);

/** The node to walk for a declaration: a function's body, a variable's initializer, a class's constructor. */
function bodyOf(declaration: ts.Declaration): ts.Node | undefined {
  if (ts.isFunctionLike(declaration)) return (declaration as ts.FunctionLikeDeclaration).body;
  if (ts.isVariableDeclaration(declaration)) return declaration.initializer;
  if (ts.isPropertyDeclaration(declaration)) return declaration.initializer;
  if (ts.isClassDeclaration(declaration)) return declaration.members.find(ts.isConstructorDeclaration)?.body;
  return undefined;
}

/**
 * The error kinds of every public function of `components.flyAgents.lib`.
 * @param allKinds Every kind there is (ERROR_KINDS): a kind argument typed as all of them is a pass-through.
 * @returns Kinds by function name, in ERROR_KINDS order.
 */
export function errorKindsByFunction(allKinds: readonly string[]): Map<string, string[]> {
  const prog = program();
  const checker = prog.getTypeChecker();
  const lib = prog.getSourceFile(LIB);
  if (!lib) throw new Error(`${LIB} is not in the program -- invariant`);

  const symbolOf = (node: ts.Node): ts.Symbol | undefined => {
    const symbol = checker.getSymbolAtLocation(node);
    return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  };
  const isFlyAgentsError = (call: ts.CallExpression) =>
    symbolOf(call.expression)?.declarations?.some(
      (declaration) => declaration.getSourceFile().fileName === ERRORS && ts.isFunctionDeclaration(declaration),
    ) ?? false;

  /** Kinds a `flyAgentsError(kind, …)` call names: its literal, or the literals of its type. */
  const kindsOfCall = (call: ts.CallExpression): string[] => {
    const argument = call.arguments[0];
    if (!argument) return [];
    if (ts.isStringLiteralLike(argument)) return [argument.text];
    const type = checker.getTypeAtLocation(argument);
    const literals = (type.isUnion() ? type.types : [type]).filter((member) => member.isStringLiteral());
    const kinds = literals.map((member) => (member as ts.StringLiteralType).value);
    return kinds.length === allKinds.length ? [] : kinds;
  };

  /** `internal.secrets.store.loadSealedSecrets` → the declaration of `loadSealedSecrets` in secrets/store.ts. */
  const registeredFunction = (access: ts.PropertyAccessExpression): ts.Declaration | undefined => {
    const names: string[] = [];
    let node: ts.Expression = access;
    while (ts.isPropertyAccessExpression(node)) {
      names.unshift(node.name.text);
      node = node.expression;
    }
    if (!ts.isIdentifier(node) || !["internal", "api"].includes(node.text) || names.length < 2) return undefined;
    const file = prog.getSourceFile(path.join(COMPONENT_DIR, ...names.slice(0, -1)) + ".ts");
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    const exported = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === names.at(-1));
    return exported?.declarations?.[0];
  };

  const kindsFrom = (start: ts.Node): Set<string> => {
    const kinds = new Set<string>();
    const seen = new Set<ts.Node>();
    const queue: ts.Node[] = [start];
    const follow = (declaration: ts.Declaration | undefined) => {
      const body = declaration && bodyOf(declaration);
      if (body && inComponent(declaration.getSourceFile().fileName) && !seen.has(body)) {
        seen.add(body);
        queue.push(body);
      }
    };
    while (queue.length > 0) {
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && isFlyAgentsError(node)) for (const kind of kindsOfCall(node)) kinds.add(kind);
        if (ts.isPropertyAccessExpression(node)) follow(registeredFunction(node));
        if (ts.isIdentifier(node)) for (const declaration of symbolOf(node)?.declarations ?? []) follow(declaration);
        ts.forEachChild(node, visit);
      };
      visit(queue.pop() as ts.Node);
    }
    return kinds;
  };

  const result = new Map<string, string[]>();
  for (const statement of lib.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
      const kinds = kindsFrom(declaration.initializer);
      result.set(
        declaration.name.text,
        allKinds.filter((kind) => kinds.has(kind)),
      );
    }
  }
  return result;
}

/** The first paragraph of each lib.ts export's JSDoc, on one line. */
export function descriptionsByFunction(): Map<string, string> {
  const source = ts.createSourceFile(LIB, ts.sys.readFile(LIB) ?? "", ts.ScriptTarget.Latest, true);
  const result = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const doc = ts.getJSDocCommentsAndTags(statement).find(ts.isJSDoc);
    const text = typeof doc?.comment === "string" ? doc.comment : (ts.getTextOfJSDocComment(doc?.comment) ?? "");
    const paragraph = text
      .split(/\n\s*\n/)[0]
      .replace(/\s+/g, " ")
      .trim();
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name)) result.set(declaration.name.text, paragraph);
    }
  }
  return result;
}
