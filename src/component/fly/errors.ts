/**
 * The error every failed Fly call becomes: HTTP status, Fly's own error text and the
 * fly-request-id, never the token.
 */

/** Statuses worth another attempt on an idempotent call (0: no answer at all). */
const TRANSIENT_STATUSES = new Set([0, 408, 429, 500, 502, 503, 504]);

export class FlyApiError extends Error {
  readonly operationId: string;
  /** HTTP status, or 0 when no response came (connection dropped, timeout). */
  readonly status: number;
  /** Fly's error text (`error` or `message` in the body), if any. */
  readonly flyError: string | undefined;
  /** Fly's `status` field (`insufficient_capacity`, `name_taken`, …), if any. */
  readonly flyStatus: string | undefined;
  readonly requestId: string | undefined;
  /** Seconds Fly asked us to wait (Retry-After), when it said. */
  readonly retryAfterS: number | undefined;

  constructor(fields: {
    operationId: string;
    status: number;
    flyError?: string;
    flyStatus?: string;
    requestId?: string;
    retryAfterS?: number;
  }) {
    const what = fields.status === 0 ? "no response" : `HTTP ${fields.status}`;
    const detail = fields.flyError ? `: ${fields.flyError}` : "";
    const id = fields.requestId ? ` (fly-request-id ${fields.requestId})` : "";
    super(`Fly ${fields.operationId} failed with ${what}${detail}${id}`);
    this.name = "FlyApiError";
    this.operationId = fields.operationId;
    this.status = fields.status;
    this.flyError = fields.flyError;
    this.flyStatus = fields.flyStatus;
    this.requestId = fields.requestId;
    this.retryAfterS = fields.retryAfterS;
  }

  /** A timeout, a rate limit, a server error or a lost connection: it may work next time. */
  get transient(): boolean {
    return TRANSIENT_STATUSES.has(this.status);
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  /** Fly refused because of the resource's state (`failed_precondition: …`). */
  get failedPrecondition(): boolean {
    return (this.flyError ?? "").startsWith("failed_precondition");
  }
}

export function isFlyApiError(error: unknown): error is FlyApiError {
  return error instanceof FlyApiError;
}
