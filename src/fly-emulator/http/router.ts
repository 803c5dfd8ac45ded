/**
 * Routing: a route is a method, a path pattern with `{params}` and an operationId; the router finds the one a
 * request names. Also the request context handlers get and the replies they return.
 */
import type { IncomingHttpHeaders } from "node:http";

/** What a route handler gets. */
export interface RequestContext {
  method: string;
  /** The path without the query string. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the request had none. */
  body: unknown;
  /** Aborts when the client goes away (long polls stop waiting). */
  signal: AbortSignal;
}

/** What a handler answers; `body` undefined sends an empty body. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One endpoint: a pattern like `/v1/apps/{app_name}/machines/{machine_id}` and its OpenAPI operationId. */
export interface Route {
  method: string;
  pattern: string;
  operationId: string;
  handle: (ctx: RequestContext) => Reply | Promise<Reply>;
}

/** A matched route and its decoded path parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Finds the route for a request; path parameters are URL-decoded. */
export class Router {
  private readonly compiled: Array<{ route: Route; segments: string[] }>;

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.pattern.split("/") }));
  }

  /** The route for `method` and `path`, or null. */
  match(method: string, path: string): RouteMatch | null {
    const parts = path.split("/");
    for (const { route, segments } of this.compiled) {
      if (route.method !== method || segments.length !== parts.length) continue;
      const params = matchSegments(segments, parts);
      if (params) return { route, params };
    }
    return null;
  }
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.startsWith("{") && segment.endsWith("}")) {
      if (parts[i] === "") return null;
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
    } else if (segment !== parts[i]) {
      return null;
    }
  }
  return params;
}

/** A JSON reply. */
export function json(status: number, body: unknown): Reply {
  return { status, body };
}

/** An empty reply (204, or a 200 the spec gives no body). */
export function empty(status: number): Reply {
  return { status };
}

/** A header's single value. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
