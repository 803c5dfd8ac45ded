/**
 * The builders of the component's public functions (lib.ts): Convex's `query`, `mutation` and
 * `action`, with one addition: whatever a handler throws reaches the caller as a ConvexError with
 * a kind (errors.ts), because a plain Error reaches a production client as "Server Error" with
 * its message lost (CONVEX_NOTES.md 6).
 *
 * Our own errors pass through. Anything else becomes `internal`, naming the kind of function and
 * the agent or tenant its arguments name, with every secret in its arguments and in the
 * component's env redacted. Lifecycle actions have already turned their own failures into caller
 * errors with the agent's full redactor (operations.ts); this catches the rest: what fails
 * before an operation begins or after it ends, and every query and mutation.
 */
import type { Value } from "convex/values";
import { action as convexAction, env, mutation as convexMutation, query as convexQuery } from "./_generated/server.js";
import { asCallerError, type ErrorContext } from "./errors.js";
import { Redactor } from "./redaction.js";
import { SECRET_FIELDS } from "./validators.js";

/** Arguments that hold a secret besides the SECRET_FIELDS: keys to open stored secrets. */
const KEY_ARGUMENTS = ["secretsEncryptionKey", "previousSecretsEncryptionKeys"] as const;

/** A redactor of every secret in `args` and in the env the component is bound to. */
function argumentRedactor(args: Record<string, unknown>): Redactor {
  const redactor = new Redactor();
  for (const name of [...SECRET_FIELDS, ...KEY_ARGUMENTS]) {
    const value = args[name];
    for (const secret of Array.isArray(value) ? value : [value]) {
      if (typeof secret === "string") redactor.add(secret, ...secret.split(","));
    }
  }
  for (const keys of [env.AGENT_SECRETS_ENCRYPTION_KEY, env.FLY_API_TOKEN])
    redactor.add(keys, ...(keys ?? "").split(","));
  return redactor;
}

/** Where a call failed, from the identifiers among its arguments (never a secret). */
function contextOf(kind: "query" | "mutation" | "action", args: Record<string, unknown>): ErrorContext {
  const text = (name: string) => (typeof args[name] === "string" ? (args[name] as string) : undefined);
  return {
    operation: `A call to a fly-agents ${kind}`,
    machineDocId: text("machineDocId"),
    tenantId: text("tenantId"),
    userId: text("userId"),
  };
}

type Handler = (ctx: never, args: never) => unknown;

/** `definition` with its handler's failures made caller errors. */
function withCallerErrors<Definition extends { handler: Handler }>(
  kind: "query" | "mutation" | "action",
  definition: Definition,
): Definition {
  const handler = definition.handler as (ctx: unknown, args: Record<string, Value>) => unknown;
  return {
    ...definition,
    handler: async (ctx: unknown, args: Record<string, Value>) => {
      try {
        return await handler(ctx, args);
      } catch (error) {
        const redactor = argumentRedactor(args);
        throw asCallerError(error, contextOf(kind, args), (text) => redactor.redact(text));
      }
    },
  };
}

/** Convex's `query`, whose failures reach the caller as ConvexErrors with a kind. */
export const query = ((definition: { handler: Handler }) =>
  convexQuery(withCallerErrors("query", definition) as never)) as unknown as typeof convexQuery;
/** Convex's `mutation`, whose failures reach the caller as ConvexErrors with a kind. */
export const mutation = ((definition: { handler: Handler }) =>
  convexMutation(withCallerErrors("mutation", definition) as never)) as unknown as typeof convexMutation;
/** Convex's `action`, whose failures reach the caller as ConvexErrors with a kind. */
export const action = ((definition: { handler: Handler }) =>
  convexAction(withCallerErrors("action", definition) as never)) as unknown as typeof convexAction;
