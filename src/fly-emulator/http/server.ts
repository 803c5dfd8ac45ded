/**
 * The emulator's HTTP server: reads each request, runs it through the test's holds and faults, authenticates it,
 * routes it to the Fly API routes (`routes.ts`) or the driving API (`admin.ts`), applies rate limits and refusal
 * windows, writes the reply, and logs the API request. The order of these steps is the contract tests rely on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Behaviours } from "../control/behaviours.js";
import { echoReply } from "../control/echo.js";
import type { FaultAction, FaultInjector, FiredFault } from "../control/faultRules.js";
import type { HoldRegistry } from "../control/holds.js";
import type { TokenBuckets } from "../control/rateLimits.js";
import type { RequestLog } from "../control/requestLog.js";
import { ErrorReply, errorReply, invalidArgument, messageOf } from "../fly/errorReplies.js";
import type { Clock } from "../world/clock.js";
import type { Ids } from "../world/ids.js";
import type { World } from "../world/world.js";
import { ADMIN_PREFIX } from "./admin.js";
import { type Reply, type RequestContext, Router } from "./router.js";

const MAX_BODY_BYTES = 1024 * 1024;

/** What the HTTP layer needs. */
export interface ServerDeps {
  token: string;
  region: string;
  recordBodies: boolean;
  /** Error answers quote the request and the named Machine's env (see `control/echo.ts`); opt-in. */
  echoInErrors: boolean;
  api: Router;
  admin: Router;
  world: World;
  clock: Clock;
  ids: Ids;
  faults: FaultInjector;
  holds: HoldRegistry;
  /** Fly's rate limits, when the emulator enforces them. */
  rateLimits: TokenBuckets | null;
  behaviours: Behaviours;
  requestLog: RequestLog;
}

/**
 * The emulator's HTTP server. For an API request: holds and faults marked "before", then auth (401), routing
 * (404), the app (404), rate limits and refusal windows (429), the handler, then holds and faults marked
 * "after". Every reply carries `fly-request-id`. `/__emulator/…` requests are token-protected too, but neither
 * faulted nor logged.
 */
export function createEmulatorServer(deps: ServerDeps): Server {
  let seq = 0;
  return createServer((req, res) => {
    void handleRequest(deps, req, res, () => ++seq);
  });
}

async function handleRequest(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  nextSeq: () => number,
): Promise<void> {
  const arrivedAt = deps.clock.now();
  const requestId = deps.ids.requestId(deps.region);
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const method = (req.method ?? "GET").toUpperCase();
  const path = url.pathname;
  const clientGone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) clientGone.abort();
  });
  const rawBody = await readBody(req);
  const input: DispatchInput = { method, path, url, req, rawBody, signal: clientGone.signal };

  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
    send(res, await dispatch(deps, input, "admin"), requestId);
    return;
  }

  const match = deps.api.match(method, path);
  const operationId = match?.route.operationId ?? null;
  const requestSeq = nextSeq();
  const target = { seq: requestSeq, method, path, operationId, body: rawBody ?? undefined };
  const hits = deps.faults.select(target);
  const holds = deps.holds.select(target);
  const before = hits.filter((hit) => hit.when === "before");
  const after = hits.filter((hit) => hit.when === "after");

  await deps.holds.pass(holds, target, "before");
  await sleepLatencies(deps.clock, before, clientGone.signal);
  let outcome: Reply | "drop";
  let handledStatus: number | null = null;
  let decisive: FiredFault | undefined = before.find(isDecisive);
  if (decisive) {
    outcome = faultReply(decisive.action);
  } else {
    const reply = await dispatch(deps, input, "api");
    handledStatus = reply.status;
    await deps.holds.pass(holds, target, "after");
    await sleepLatencies(deps.clock, after, clientGone.signal);
    decisive = after.find(isDecisive);
    outcome = decisive ? faultReply(decisive.action) : reply;
  }
  if (deps.echoInErrors && outcome !== "drop") {
    const source = { operationId, params: match?.params ?? {}, authorization: req.headers.authorization, rawBody };
    outcome = echoReply(outcome, deps.world, source);
  }

  const sentBody = outcome === "drop" || clientGone.signal.aborted ? undefined : send(res, outcome, requestId);
  if (outcome === "drop") res.destroy();
  const entry = {
    seq: requestSeq,
    method,
    path,
    query: url.search,
    operationId,
    status: outcome === "drop" || clientGone.signal.aborted ? null : outcome.status,
    handledStatus,
    requestId,
    fault: decisive ?? hits[0] ?? null,
    at: new Date(arrivedAt).toISOString(),
    durationMs: deps.clock.now() - arrivedAt,
  };
  deps.requestLog.add(
    deps.recordBodies ? { ...entry, requestBody: parseJsonOrText(rawBody), responseBody: sentBody } : entry,
  );
}

interface DispatchInput {
  method: string;
  path: string;
  url: URL;
  req: IncomingMessage;
  rawBody: string | null;
  signal: AbortSignal;
}

/**
 * Authenticates, routes and handles one request; for the Fly API (not the driving API) also checks the app and
 * applies rate limits and refusal windows. An ErrorReply becomes its reply; anything else thrown, a 500.
 */
async function dispatch(deps: ServerDeps, input: DispatchInput, surface: "api" | "admin"): Promise<Reply> {
  const isAdmin = surface === "admin";
  try {
    if (!authorized(input.req.headers.authorization, deps.token)) {
      throw errorReply(401, "unauthorized: send Authorization: Bearer <token> (or FlyV1 <token>)");
    }
    if (input.rawBody === null)
      throw errorReply(413, `invalid_argument: request body larger than ${MAX_BODY_BYTES} bytes`);
    const match = deps[surface].match(input.method, input.path);
    if (!match) throw errorReply(404, "not found");
    const app = match.params.app_name;
    if (!isAdmin) {
      if (app !== undefined) deps.world.requireApp(app);
      const retryAfter = throttled(deps, match.route.operationId, match.params.machine_id ?? app ?? "");
      if (retryAfter) throw new ErrorReply(429, { error: "rate limit exceeded" }, retryAfter);
    }
    const ctx: RequestContext = {
      method: input.method,
      path: input.path,
      params: match.params,
      query: input.url.searchParams,
      headers: input.req.headers,
      body: parseJsonBody(input.rawBody),
      signal: input.signal,
    };
    return await match.route.handle(ctx);
  } catch (error) {
    if (error instanceof ErrorReply) return { status: error.httpStatus, body: error.body, headers: error.headers };
    return { status: 500, body: { error: `internal: ${messageOf(error)}` } };
  }
}

/**
 * Whether Fly's rate limits or a refusal window refuse this request (`identifier`: the Machine id, else the app).
 * @returns null when the request may go on, else the 429's headers (`Retry-After`, in whole seconds, when sent).
 */
function throttled(deps: ServerDeps, operationId: string, identifier: string): Record<string, string> | null {
  const decision = deps.rateLimits?.take(operationId, identifier);
  if (decision && !decision.allowed) {
    const seconds = Math.max(1, Math.ceil(decision.retryAfterSeconds));
    return deps.rateLimits?.retryAfterHeader ? { "retry-after": String(seconds) } : {};
  }
  const refusal = deps.behaviours.refusal(operationId, identifier);
  return refusal.refused ? { "retry-after": String(refusal.retryAfterSeconds) } : null;
}

function authorized(header: string | undefined, token: string): boolean {
  const match = /^(Bearer|FlyV1)\s+(.+)$/i.exec(header?.trim() ?? "");
  return match !== null && match[2] === token;
}

function parseJsonBody(raw: string | null): unknown {
  if (raw === null || raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidArgument("the request body is not valid JSON");
  }
}

function parseJsonOrText(raw: string | null): unknown {
  if (raw === null || raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Reads the whole body; null when it is too large. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}

/** Writes the reply; returns the body as sent (parsed back from JSON), for the request log. */
function send(res: ServerResponse, reply: Reply, requestId: string): unknown {
  if (res.writableEnded || res.destroyed) return undefined;
  res.statusCode = reply.status;
  res.setHeader("fly-request-id", requestId);
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.setHeader("content-length", "0");
    res.end();
    return undefined;
  }
  // A string body (only faults send one, e.g. a proxy's HTML error page) goes out as text, anything else as JSON.
  const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
  const isJson = typeof reply.body !== "string";
  if (!res.hasHeader("content-type"))
    res.setHeader("content-type", isJson ? "application/json" : "text/plain; charset=utf-8");
  res.end(text);
  return isJson ? JSON.parse(text) : text;
}

function isDecisive(hit: FiredFault): boolean {
  return !("latencyMs" in hit.action);
}

function faultReply(action: FaultAction): Reply | "drop" {
  if ("drop" in action) return "drop";
  if ("status" in action)
    return {
      status: action.status,
      body: action.body ?? { error: `injected fault (HTTP ${action.status})` },
      headers: action.headers,
    };
  throw new Error("a latency fault never replaces a reply -- invariant");
}

async function sleepLatencies(clock: Clock, hits: FiredFault[], signal: AbortSignal): Promise<void> {
  for (const hit of hits) {
    if ("latencyMs" in hit.action) await clock.sleepReal(hit.action.latencyMs, signal);
  }
}
