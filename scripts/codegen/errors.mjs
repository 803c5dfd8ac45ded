// The one error type the codegen raises on purpose. The entry point (cli.mjs) prints its message as
// `codegen: <message>` and exits 2; any other error is a bug and keeps its stack.

export class CodegenError extends Error {}

/**
 * Stops the codegen with a message for the user.
 * @param {string} message
 * @returns {never}
 */
export function fail(message) {
  throw new CodegenError(message);
}
