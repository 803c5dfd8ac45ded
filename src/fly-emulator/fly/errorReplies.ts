/**
 * The error replies the emulator sends, in Fly's two body shapes (ErrorResponse `{error, status?}`, and the lease
 * endpoints' `{status, message, code}`), and `ErrorReply`, which a handler throws to answer with one.
 */
/** The `status` values Fly's ErrorResponse allows (main.statusCode in the OpenAPI document). */
export type FlyErrorStatus = "unknown" | "insufficient_capacity" | "volume_placement_capacity" | "name_taken";

/** Fly's general error body. */
export interface FlyErrorBody {
  error: string;
  status?: FlyErrorStatus;
}

/** The body Fly's lease endpoints use for their own errors (fly-go reads `message`). */
export interface FlyLeaseErrorBody {
  status: "error";
  message: string;
  code: string;
}

/** An error a route handler throws to answer with a given status and body. */
export class ErrorReply extends Error {
  constructor(
    readonly httpStatus: number,
    readonly body: FlyErrorBody | FlyLeaseErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super("error" in body ? body.error : body.message);
  }
}

/** `{error}` with an optional Fly status code. */
export function errorReply(httpStatus: number, error: string, status?: FlyErrorStatus): ErrorReply {
  return new ErrorReply(httpStatus, status ? { error, status } : { error });
}

/** 400 `invalid_argument: …`: the request itself is malformed. */
export function invalidArgument(detail: string): ErrorReply {
  return errorReply(400, `invalid_argument: ${detail}`);
}

/** 400 `failed_precondition: …`: the request is valid but the resource is not in a state that allows it. */
export function failedPrecondition(detail: string): ErrorReply {
  return errorReply(400, `failed_precondition: ${detail}`);
}

/** 404 with Fly's wording, e.g. `machine not found`. */
export function notFound(what: "app" | "machine" | "volume" | "snapshot" | "metadata key"): ErrorReply {
  return errorReply(404, `${what} not found`);
}

/** An error in the lease endpoints' own shape. */
export function leaseError(httpStatus: number, message: string, code: string): ErrorReply {
  return new ErrorReply(httpStatus, { status: "error", message, code });
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
