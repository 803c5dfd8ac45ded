/**
 * One Fly HTTP request, with a timeout on every attempt, retries with exponential backoff and
 * full jitter on transient failures of idempotent calls and on 429s of every call (creates
 * included: Fly refuses those before doing any work), honouring Retry-After whenever Fly sends
 * it, pacing before each attempt, and a record of every attempt for the audit trail.
 */
import type { z } from "zod";
import { clipAtWhitespace } from "../errors.js";
import { FlyApiError } from "./errors.js";
import { errorBodySchema } from "./schemas.js";

export const DEFAULT_FLY_API_BASE_URL = "https://api.machines.dev/v1";
/** Per-attempt timeout for ordinary calls; Fly answers these in well under a second. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Attempts for an idempotent call before its error is final. */
export const MAX_ATTEMPTS = 5;
/** First backoff; doubles each attempt, with full jitter. */
export const BACKOFF_BASE_MS = 200;
/** Longest backoff between two attempts. */
export const BACKOFF_CAP_MS = 5_000;
/** Fly refills its rate-limit buckets at one request per second. */
export const RATE_LIMIT_MIN_BACKOFF_MS = 1_000;
/**
 * How long one call keeps retrying Fly's 429s: outlasts refusal windows of several seconds
 * (FLY_API_NOTES.md, "Retry-After"), and is cut short by the caller's `retryUntil`.
 */
export const REFUSAL_BUDGET_MS = 60_000;

/** One attempt at a Fly call, as the audit trail and benchmarks see it. */
export type FlyCallRecord = {
  operationId: string;
  method: string;
  status: number;
  requestId?: string;
  durationMs: number;
  attempt: number;
};

export type FlyHttpOptions = {
  apiToken: string;
  baseUrl?: string;
  /** Waits until Fly's rate limit for (operationId, scope) has room. */
  pace?: (operationId: string, scope: string) => Promise<void>;
  onCall?: (call: FlyCallRecord) => void;
  /** Sees every parsed answer (a redactor learns the secrets in the Machines Fly returns). */
  onAnswer?: (answer: unknown) => void;
  /** No retry may start after this time (ms since the epoch), e.g. the operation's deadline less its cleanup reserve. */
  retryUntil?: () => number;
  /** Replaces the backoff sleep (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Replaces Math.random for jitter (tests). */
  random?: () => number;
};

export type FlyRequest<T> = {
  operationId: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the base URL, already encoded. */
  path: string;
  /** The machine id for machine-scoped calls, else the app name: Fly's rate-limit identifier. */
  scope: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Retried on transient failures only when true. */
  idempotent: boolean;
  /**
   * No retry of this request may start after this time (ms since the epoch): a wait's own
   * deadline, earlier than the client's `retryUntil`. The earlier of the two applies.
   */
  retryUntil?: number;
  /** Statuses that are answers for the caller, not failures to retry (a wait's 408). */
  answers?: number[];
  timeoutMs?: number;
  /** Parses a 2xx body; omitted: the body is ignored. */
  schema?: z.ZodType<T>;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FlyHttp {
  readonly baseUrl: string;
  private readonly options: FlyHttpOptions;

  constructor(options: FlyHttpOptions) {
    this.options = options;
    this.baseUrl = (options.baseUrl ?? DEFAULT_FLY_API_BASE_URL).replace(/\/+$/, "");
  }

  /**
   * Sends `request`, retrying as the file header says.
   * @throws FlyApiError: the last attempt's, once no retry is allowed (status 0 when no answer came).
   */
  async request<T>(request: FlyRequest<T>): Promise<T> {
    const retryUntil = () => Math.min(this.options.retryUntil?.() ?? Infinity, request.retryUntil ?? Infinity);
    const refusalsUntil = Math.min(Date.now() + REFUSAL_BUDGET_MS, retryUntil());
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(request, attempt);
      } catch (error) {
        if (!(error instanceof FlyApiError)) throw error;
        if (request.answers?.includes(error.status)) throw error;
        const delay = this.backoffMs(error, attempt);
        const refused = error.status === 429 && Date.now() + delay <= refusalsUntil;
        const transient = request.idempotent && error.transient && attempt < MAX_ATTEMPTS;
        if (!refused && !transient) throw error;
        if (Date.now() + delay > retryUntil()) throw error;
        await (this.options.sleep ?? defaultSleep)(delay);
      }
    }
  }

  private backoffMs(error: FlyApiError, attempt: number): number {
    const random = this.options.random ?? Math.random;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    let delay = Math.round(random() * ceiling);
    if (error.status === 429) delay = Math.max(delay, RATE_LIMIT_MIN_BACKOFF_MS);
    if (error.retryAfterS !== undefined) delay = Math.max(delay, error.retryAfterS * 1000);
    return delay;
  }

  private async attempt<T>(request: FlyRequest<T>, attempt: number): Promise<T> {
    await this.options.pace?.(request.operationId, request.scope);
    const url = new URL(this.baseUrl + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const started = Date.now();
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          Authorization: `Bearer ${this.options.apiToken}`,
          ...(request.body !== undefined ? { "Content-Type": "application/json" } : {}),
          ...request.headers,
        },
        body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
        signal: AbortSignal.timeout(request.timeoutMs ?? REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw this.noAnswer(request, attempt, started, error, undefined);
    }
    const requestId = response.headers.get("fly-request-id") ?? undefined;
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.noAnswer(request, attempt, started, error, requestId);
    }
    this.record(request, attempt, response.status, requestId, started);
    if (!response.ok) {
      const body = errorBodySchema.safeParse(parseJson(text));
      const data = body.success ? body.data : {};
      throw new FlyApiError({
        operationId: request.operationId,
        status: response.status,
        flyError: this.redact(data.error ?? data.message ?? clipAtWhitespace(text, 300)),
        flyStatus: data.error !== undefined ? data.status : undefined,
        requestId,
        retryAfterS: parseRetryAfter(response.headers.get("retry-after")),
      });
    }
    if (!request.schema) return undefined as T;
    const parsed = request.schema.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new FlyApiError({
        operationId: request.operationId,
        status: response.status,
        flyError: `unexpected response shape: ${parsed.error.issues
          .map((issue) => `${issue.path.join(".") || "(body)"} ${issue.message}`)
          .join("; ")}`,
        requestId,
      });
    }
    this.options.onAnswer?.(parsed.data);
    return parsed.data;
  }

  private record(
    request: FlyRequest<unknown>,
    attempt: number,
    status: number,
    requestId: string | undefined,
    started: number,
  ) {
    this.options.onCall?.({
      operationId: request.operationId,
      method: request.method,
      status,
      requestId,
      durationMs: Date.now() - started,
      attempt,
    });
  }

  /**
   * Records an attempt that got no whole answer (the request or its body failed: dropped, timed
   * out) and returns its error, status 0.
   */
  private noAnswer(
    request: FlyRequest<unknown>,
    attempt: number,
    started: number,
    error: unknown,
    requestId: string | undefined,
  ): FlyApiError {
    this.record(request, attempt, 0, requestId, started);
    return new FlyApiError({
      operationId: request.operationId,
      status: 0,
      flyError: this.redact(networkErrorText(error)),
      requestId,
    });
  }

  /** Fly never echoes the token, but an error text must not carry it even if it did. */
  private redact(text: string): string {
    const token = this.options.apiToken;
    return token.length >= 4 ? text.split(token).join("[redacted]") : text;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * Words for a fetch that failed without an answer. The only abort we ask for is the attempt's
 * timeout, and it comes in two spellings: Node (and the emulator's tests) reject with a
 * TimeoutError, the Convex runtime with an AbortError ("The signal has been aborted";
 * CONVEX_NOTES.md 5). Both say the request timed out.
 */
export function networkErrorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? ` (${cause.message})` : "";
    if (error.name === "TimeoutError" || error.name === "AbortError") return `request timed out${causeText}`;
    return `${error.message}${causeText}`;
  }
  return String(error);
}
