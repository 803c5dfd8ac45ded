// Type-checks each README snippet as it stands, as if a reader pasted it into a new file beside the code
// it comes from: its imports must be in it, and everything it uses must be imported or defined in it.
// One TypeScript program checks them all, each as a file of its own (a module, so that two snippets'
// names never meet).
import path from "node:path";
import ts from "typescript";

/** One snippet to check: its name, the source file its region is in, and its code. */
export type Snippet = { name: string; file: string; code: string };

/**
 * Type-checks every snippet.
 * @param repo The repository's root (its tsconfig.json gives the compiler options).
 * @param snippets The README's snippets.
 * @returns The diagnostics of each snippet that does not compile, by name; empty when all compile.
 */
export function snippetErrors(repo: string, snippets: readonly Snippet[]): Map<string, string[]> {
  const config = ts.readConfigFile(path.join(repo, "tsconfig.json"), (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, noUnusedLocals: false };
  const virtual = new Map<string, Snippet>();
  for (const snippet of snippets) {
    const extension = path.extname(snippet.file) === ".tsx" ? ".tsx" : ".ts";
    virtual.set(path.join(repo, path.dirname(snippet.file), `__readme_snippet_${snippet.name}${extension}`), snippet);
  }
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => virtual.has(file) || fileExists.call(host, file);
  host.readFile = (file) => {
    const snippet = virtual.get(file);
    return snippet ? `${snippet.code}\nexport {};\n` : readFile.call(host, file);
  };
  host.getSourceFile = (file, language, onError, create) => {
    const snippet = virtual.get(file);
    if (!snippet) return getSourceFile.call(host, file, language, onError, create);
    return ts.createSourceFile(file, `${snippet.code}\nexport {};\n`, language, true);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const errors = new Map<string, string[]>();
  for (const [file, snippet] of virtual) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program -- invariant`);
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    if (diagnostics.length === 0) continue;
    errors.set(
      snippet.name,
      diagnostics.map((diagnostic) => {
        const line =
          diagnostic.start === undefined ? 0 : source.getLineAndCharacterOfPosition(diagnostic.start).line + 1;
        return `line ${line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`;
      }),
    );
  }
  return errors;
}
