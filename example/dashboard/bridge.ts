/**
 * The bridge behind `npm run demo -- --dashboard`: a small HTTP server on 127.0.0.1 that serves the dashboard
 * (built in "bridge" mode) and implements its data layer with the example app's real functions, run in
 * convex-test as one signed-in user. The browser side is `src/bridgeData.ts`; the wire is
 * `src/bridgeProtocol.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConvexError } from "convex/values";
import { api } from "../../convex/_generated/api.js";
import type { ExampleApp } from "../../convex/app.setup.js";
import {
  BRIDGE_ACTIONS,
  BRIDGE_QUERIES,
  type BridgeAction,
  type BridgeQuery,
  type BridgeReply,
} from "./src/bridgeProtocol.js";
import type { Session } from "./src/data.js";
import { staticFiles } from "./serve.js";

/** Who the dashboard is signed in as: the claims of their token, as the example app reads them. */
export type BridgeIdentity = { subject: string; tenantId: string; role?: string };

export type BridgeOptions = {
  /** The example app in convex-test. */
  t: ExampleApp["t"];
  identity: BridgeIdentity;
  /** A dashboard build in "bridge" mode (see `buildDashboard`). */
  dashboardDir: string;
  /** Port on 127.0.0.1; default any free one. */
  port?: number;
};

const MAX_BODY_BYTES = 1_000_000; // the dashboard's arguments are small; refuse anything larger

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`A bridge call's arguments are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as unknown);
}

function send(response: ServerResponse, status: number, body: BridgeReply) {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const isQuery = (name: string): name is BridgeQuery => (BRIDGE_QUERIES as readonly string[]).includes(name);
const isAction = (name: string): name is BridgeAction => (BRIDGE_ACTIONS as readonly string[]).includes(name);

/**
 * Starts the bridge.
 * @returns its URL (open it in a browser), `opened` (settles when a page first asks who is signed in), and
 * a `close` that stops it.
 */
export async function startBridge(
  options: BridgeOptions,
): Promise<{ url: string; opened: Promise<void>; close: () => Promise<void> }> {
  const { t, identity } = options;
  const caller = t.withIdentity(identity);
  const session: Session = {
    tenantId: identity.tenantId,
    userId: identity.subject,
    isAdmin: identity.role === "admin",
  };
  const files = staticFiles(options.dashboardDir);
  let markOpened = () => {};
  const opened = new Promise<void>((resolve) => (markOpened = resolve));

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (!path.startsWith("/bridge/")) return files(request, response);
    if (path === "/bridge/session") {
      markOpened();
      return send(response, 200, { value: session });
    }
    const [, , kind, name = ""] = path.split("/");
    if (request.method !== "POST" || !((kind === "query" && isQuery(name)) || (kind === "action" && isAction(name)))) {
      return send(response, 404, { error: { message: `The bridge has no ${request.method} ${path}.` } });
    }
    try {
      const args = (await readJson(request)) as never; // checked by the function's own validator
      const value =
        kind === "query"
          ? await caller.query(api.agents[name as BridgeQuery], args)
          : await caller.action(api.agents[name as BridgeAction], args);
      send(response, 200, { value: value ?? null });
    } catch (error) {
      // A function's failure is its outcome, as on a deployment's wire: 200, with the error in the reply.
      if (error instanceof ConvexError) send(response, 200, { error: { data: error.data as unknown } });
      else send(response, 200, { error: { message: error instanceof Error ? error.message : String(error) } });
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((listening, failed) => {
    server.once("error", (error) =>
      failed(new Error(`The dashboard bridge cannot listen on 127.0.0.1:${options.port ?? 0}: ${error.message}`)),
    );
    server.listen(options.port ?? 0, "127.0.0.1", listening);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    opened,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}
