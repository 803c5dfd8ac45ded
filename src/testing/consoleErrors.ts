/**
 * For a test that provokes an error which something logs on purpose (convex-test prints a scheduled
 * function that failed, the workpool an action that threw): `console.error` is captured for the rest
 * of the test instead of printed, and when the test ends every captured line must match one of the
 * expected patterns. Anything else logged still fails the test, and says what it was; nothing is
 * required to be logged, as whether a scheduled function runs before a test ends depends on timing.
 */
import { format } from "node:util";
import { expect, onTestFinished, vi } from "vitest";

/** The lines no pattern of `expected` matches. */
export function unexpectedLines(logged: readonly string[], expected: readonly RegExp[]): string[] {
  return logged.filter((line) => !expected.some((pattern) => pattern.test(line)));
}

/**
 * Captures `console.error` until the calling test ends, then checks every line against `expected`.
 * @param expected What the test's own provoked failures log (each line is the call's arguments as
 * `console.error` would print them, stack included).
 * @returns `logged()`: the lines captured so far, for a test that asserts on them.
 */
export function expectConsoleErrors(...expected: RegExp[]): { logged: () => string[] } {
  const logged: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(format(...args));
  });
  onTestFinished(() => {
    spy.mockRestore();
    expect(unexpectedLines(logged, expected), "console.error lines this test did not expect").toEqual([]);
  });
  return { logged: () => [...logged] };
}
