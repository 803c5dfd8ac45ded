/**
 * Errors a caller can branch on. Every error a caller of the component can see is a ConvexError
 * whose data has a `kind` and a message that says what went wrong and how to fix it; none
 * carries a secret. A plain Error would reach a production client as "Server Error", with its
 * message lost (CONVEX_NOTES.md 6), so anything unexpected is wrapped as `internal`, with the
 * context it happened in and its text redacted (`asCallerError`).
 */
import { ConvexError, type Value } from "convex/values";

export const ERROR_KINDS = [
  /** An argument is malformed; nothing was written and Fly was not called. */
  "invalid_argument",
  /** A secret the call needs (Fly token, encryption key, gateway token) is missing. */
  "missing_secret",
  /** Stored secrets were sealed with a key that is not available now. */
  "wrong_encryption_key",
  /**
   * The stored secrets changed after the call was authorized: the agent would get a secret from
   * elsewhere than its caller's authorization saw (`authorizedSecretsFrom`). Nothing was done.
   */
  "secrets_changed",
  /** No such agent, or it is already deleted. */
  "not_found",
  /** The user already has an active agent. */
  "agent_exists",
  /** Another operation owns the agent right now. */
  "operation_in_progress",
  /** A pairing command is running on this machine; the seed's safe flow allows one at a time. */
  "pairing_in_progress",
  /** The gateway is not serving: restart the machine (restartAgentMachine) first. */
  "gateway_unhealthy",
  /** A Telegram pairing code was refused by OpenClaw. */
  "pairing_rejected",
  /** The agent's status does not allow this operation. */
  "invalid_state",
  /** No completed snapshot to restore, or the restore could not happen. */
  "snapshot_unavailable",
  /** Fly answered with an error or could not be reached after retries. */
  "fly_api",
  /** The model could not be set or verified on the machine. */
  "model_not_applied",
  /**
   * Something failed that the component did not expect (a bug, or a Convex failure no other kind
   * names). The message says what and where; quote `operationId` when you report it.
   */
  "internal",
] as const;
export type FlyAgentsErrorKind = (typeof ERROR_KINDS)[number];

export type FlyAgentsErrorData = {
  kind: FlyAgentsErrorKind;
  message: string;
  machineDocId?: string;
  flyStatus?: number;
  flyRequestId?: string;
  /** For `internal`: the operation (or function) that failed, and the operation's id. */
  operation?: string;
  operationId?: string;
};

/** Where an unexpected error happened, for the caller's `internal` error. Holds no secret. */
export type ErrorContext = {
  /** What was being done: an operation kind ("provision") or a function's name. */
  operation: string;
  operationId?: string;
  machineDocId?: string;
  tenantId?: string;
  userId?: string;
};

/** Builds the ConvexError for `kind`. */
export function flyAgentsError(
  kind: FlyAgentsErrorKind,
  message: string,
  extra: Omit<FlyAgentsErrorData, "kind" | "message"> = {},
): ConvexError<FlyAgentsErrorData & Record<string, Value>> {
  const data: FlyAgentsErrorData & Record<string, Value> = { kind, message };
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) data[key] = value;
  }
  return new ConvexError(data);
}

/**
 * True when `error` is one of ours (optionally of `kind`). Works on errors that crossed the
 * component boundary, where only `data` survives.
 */
export function isFlyAgentsError(error: unknown, kind?: FlyAgentsErrorKind): error is ConvexError<FlyAgentsErrorData> {
  if (!(error instanceof ConvexError)) return false;
  const data: unknown = error.data;
  if (typeof data !== "object" || data === null || !("kind" in data)) return false;
  const errorKind = (data as { kind: unknown }).kind;
  if (!ERROR_KINDS.includes(errorKind as FlyAgentsErrorKind)) return false;
  return kind === undefined || errorKind === kind;
}

/** The human message of any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ConvexError) {
    const data: unknown = error.data;
    if (typeof data === "object" && data !== null && "message" in data) {
      return String((data as { message: unknown }).message);
    }
    return typeof data === "string" ? data : JSON.stringify(data);
  }
  return error instanceof Error ? error.message : String(error);
}

/** The error for a machineDocId that names no agent (and, from `exposeApi`, one the caller may not see). */
export function agentNotFound(machineDocId: string) {
  const shown = machineDocId.length > 80 ? `${machineDocId.slice(0, 80)}…` : machineDocId;
  return flyAgentsError(
    "not_found",
    `No agent with machineDocId ${JSON.stringify(shown)}. Use the machineDocId that provisionAgentMachine returned.`,
    { machineDocId },
  );
}

/**
 * `text` cut to at most `max` characters at a whitespace, for quoting outside output in a
 * message: a secret in it is then quoted whole (and redacted) or not at all, never as a
 * prefix no redactor can recognize.
 */
export function clipAtWhitespace(text: string, max: number): string {
  if (text.length <= max) return text;
  for (let cut = max; cut > 0; cut--) {
    if (/\s/.test(text[cut])) return `${text.slice(0, cut).trimEnd()} …`;
  }
  return "…";
}

/**
 * True when `error` is Convex's final write conflict: a mutation that conflicted with concurrent
 * ones on every one of the backend's retries (its system error "Documents read from or written
 * to ... changed while this mutation was being run and on every subsequent retry", code
 * OptimisticConcurrencyControlFailure; docs.convex.dev/error#1). Running it again may succeed.
 */
export function isWriteConflict(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ConvexError) return false;
  return (
    error.message.includes("changed while this mutation was being run") ||
    error.message.includes("OptimisticConcurrencyControlFailure")
  );
}

/**
 * The error to throw to a caller for `error`: ours as is (its message redacted), anything else
 * (a plain Error, another component's ConvexError, a thrown string) as `internal`, saying where
 * it happened, with its text redacted.
 * @param error What was thrown.
 * @param context Where: the operation or function, and the agent or tenant it concerned.
 * @param redact Removes every secret in play from a text.
 * @returns A ConvexError whose data has a `kind` (see ERROR_KINDS).
 */
export function asCallerError(
  error: unknown,
  context: ErrorContext,
  redact: (text: string) => string,
): ConvexError<FlyAgentsErrorData & Record<string, Value>> {
  if (isFlyAgentsError(error)) {
    const { kind, message, ...extra } = error.data;
    return flyAgentsError(kind, redact(message), {
      ...extra,
      machineDocId: extra.machineDocId ?? context.machineDocId,
    });
  }
  const subject = context.machineDocId
    ? ` of agent ${context.machineDocId}`
    : context.tenantId
      ? ` for ${context.userId ? `user ${JSON.stringify(context.userId)} of ` : ""}tenant ${JSON.stringify(context.tenantId)}`
      : "";
  const reference = context.operationId ? ` (operation ${context.operationId})` : "";
  return flyAgentsError(
    "internal",
    `${context.operation}${subject} failed unexpectedly${reference}: ${redact(errorMessage(error))}`,
    { machineDocId: context.machineDocId, operation: context.operation, operationId: context.operationId },
  );
}
