/**
 * The state of one command the page sends: idle, pending, done with its result, or failed
 * with words for the error.
 */
import { useCallback, useState } from "react";
import { readableError, type ReadableError } from "./errors.js";

export type CommandState<Result> =
  | { status: "idle" }
  | { status: "pending" }
  | { status: "done"; result: Result }
  | { status: "failed"; error: ReadableError };

type Settled<Result> = Extract<CommandState<Result>, { status: "done" | "failed" }>;

/** Runs `command` and tracks it. `run` never throws: it resolves to the state the command ended in. */
export function useCommand<Args extends unknown[], Result>(command: (...args: Args) => Promise<Result>) {
  const [state, setState] = useState<CommandState<Result>>({ status: "idle" });
  const run = useCallback(
    async (...args: Args): Promise<Settled<Result>> => {
      setState({ status: "pending" });
      let settled: Settled<Result>;
      try {
        settled = { status: "done", result: await command(...args) };
      } catch (error) {
        settled = { status: "failed", error: readableError(error) };
      }
      setState(settled);
      return settled;
    },
    [command],
  );
  const reset = useCallback(() => setState({ status: "idle" }), []);
  return { state, run, reset };
}
