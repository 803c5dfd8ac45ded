/**
 * The data layer over the demo's bridge (`npm run demo -- --dashboard`): the example app's real functions,
 * running with the component in convex-test against the Fly emulator, reached over HTTP on 127.0.0.1. There
 * are no subscriptions in convex-test, so reads poll: often enough to show every provisioning step.
 */
import { Fragment, createElement, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ConvexError, type Value } from "convex/values";
import type { FleetCommands, FleetData, Paged, Session } from "./data.js";
import type { BridgeAction, BridgeArgs, BridgeQuery, BridgeReply, BridgeResult } from "./bridgeProtocol.js";

const POLL_MS = 250; // reads refresh this often; a provisioning step lasts a second or more in the demo
const PAGE_SIZE = 25; // agents or audit events per page; "Load more" asks for this many again

async function call(base: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = (await response.json()) as BridgeReply;
  if ("value" in reply) return reply.value;
  if ("data" in reply.error) throw new ConvexError(reply.error.data as Value);
  throw new Error(reply.error.message);
}

function query<Name extends BridgeQuery>(base: string, name: Name, args: BridgeArgs<Name>) {
  return call(base, `/bridge/query/${name}`, args) as Promise<BridgeResult<Name>>;
}

function action<Name extends BridgeAction>(base: string, name: Name, args: BridgeArgs<Name>) {
  return call(base, `/bridge/action/${name}`, args) as Promise<BridgeResult<Name>>;
}

/** `read()`'s latest value, read again every POLL_MS while the component is mounted; undefined until the first. */
function usePolled<T>(read: () => Promise<T>, key: string): T | undefined {
  const [value, setValue] = useState<{ key: string; value: T }>();
  const latestRead = useRef(read);
  latestRead.current = read;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await latestRead.current();
        if (!stopped) setValue({ key, value: next });
      } catch (error) {
        console.warn(`The bridge did not answer ${key}:`, error);
      } finally {
        if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key]); // `read` is new on every render; `key` says when what it reads changes
  return value?.key === key ? value.value : undefined;
}

/** A paged list read as one growing page, newest first. */
function usePaged<T>(read: (numItems: number) => Promise<{ page: T[]; isDone: boolean }>, key: string): Paged<T> {
  const [pages, setPages] = useState(1);
  const result = usePolled(() => read(pages * PAGE_SIZE), `${key}:${pages}`);
  return {
    items: result?.page ?? [],
    loading: result === undefined,
    canLoadMore: result !== undefined && !result.isDone,
    loadMore: () => setPages(pages + 1),
  };
}

/**
 * The data layer over the bridge at `base` (the page's own origin, in the demo).
 * @param base The bridge's URL, without a trailing slash.
 * @returns The data layer, once the bridge said who is signed in.
 */
export async function createBridgeFleet(base: string): Promise<FleetData> {
  const session = (await call(base, "/bridge/session")) as Session;
  const commands: FleetCommands = {
    provision: (args) => action(base, "provision", args),
    recreate: (args) => action(base, "recreateFromLatestSnapshot", args),
    approvePairing: async (args) => void (await action(base, "approvePairing", args)),
    snapshot: (args) => action(base, "snapshot", args),
    start: async (args) => void (await action(base, "start", args)),
    stop: async (args) => void (await action(base, "stop", args)),
    restart: async (args) => void (await action(base, "restart", args)),
    deprovision: async (args) => void (await action(base, "deprovision", args)),
  };
  return {
    source: `the example app in convex-test, through the bridge at ${base}`,
    session,
    Provider: (props: { children: ReactNode }) => createElement(Fragment, null, props.children),
    useAgents(tenantId) {
      return usePaged(
        (numItems) => query(base, "listAgents", { tenantId, paginationOpts: { numItems, cursor: null } }),
        `agents:${tenantId}`,
      );
    },
    useAgent(machineDocId) {
      return usePolled(() => query(base, "getAgent", { machineDocId }), `agent:${machineDocId}`);
    },
    useAuditEvents(tenantId, machineDocId) {
      return usePaged(
        (numItems) => {
          const paginationOpts = { numItems, cursor: null };
          const args =
            machineDocId === undefined ? { tenantId, paginationOpts } : { tenantId, machineDocId, paginationOpts };
          return query(base, "listAuditEvents", args);
        },
        `audit:${tenantId}:${machineDocId ?? "*"}`,
      );
    },
    useCommands() {
      return useMemo(() => commands, []);
    },
  };
}
