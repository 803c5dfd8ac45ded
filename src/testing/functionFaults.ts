/**
 * Makes chosen functions of a component fail the way the backend fails them, for tests of what
 * convex-test never does on its own (it runs one function at a time, so a mutation never loses
 * a write conflict).
 */
type ModuleMap = Record<string, () => Promise<unknown>>;

/** One function to fail: `fail(call)` is asked before its `call`th run (from 1), and throws what it returns. */
export type FunctionFault = {
  /** The function, as Convex names it: "pacing:reserveFlyCall". */
  functionPath: string;
  fail: (call: number) => Error | undefined;
};

/**
 * The error Convex gives the caller of a mutation that conflicted on every retry (its text, as
 * the backend words it; docs.convex.dev/error#1).
 * @param table The table whose documents changed.
 */
export function writeConflictError(table: string): Error {
  return new Error(
    `Documents read from or written to the "${table}" table changed while this mutation was being run and on every subsequent retry.`,
  );
}

/**
 * `modules` with the functions `faults` name failing as they say (nothing is written by a run
 * that fails: the error is thrown before the handler runs).
 * @param modules A component's `import.meta.glob` map.
 * @param faults Which functions fail, and when.
 */
export function withFunctionFaults(modules: ModuleMap, faults: FunctionFault[]): ModuleMap {
  const wrapped: ModuleMap = { ...modules };
  for (const fault of faults) {
    const [modulePath, exportName] = fault.functionPath.split(":");
    const path = Object.keys(modules).find((candidate) => candidate.replace(/\.[jt]s$/, "").endsWith(`/${modulePath}`));
    if (!path || !exportName) throw new Error(`No module for ${fault.functionPath} -- invariant`);
    const load = wrapped[path];
    let calls = 0;
    wrapped[path] = async () => {
      const module = (await load()) as Record<string, unknown>;
      const fn = module[exportName] as ((...args: unknown[]) => unknown) & {
        _handler?: (...args: unknown[]) => unknown;
      };
      const handler = fn?._handler;
      if (!handler) throw new Error(`${fault.functionPath} is not a registered function -- invariant`);
      return {
        ...module,
        [exportName]: Object.assign((...args: unknown[]) => fn(...args), fn, {
          _handler: (...args: unknown[]) => {
            const error = fault.fail(++calls);
            if (error) throw error;
            return handler(...args);
          },
        }),
      };
    };
  }
  return wrapped;
}
