/**
 * The data layer on a real deployment: the example app's functions (`convex/agents.ts`)
 * through `convex/react`. Reads are Convex subscriptions, so statuses and provisioning steps
 * update live while a provision action runs.
 *
 * Lists page with `usePaginatedQuery` from `convex-helpers/react`, not `convex/react`'s: the
 * component pages with convex-helpers' paginator (components cannot use `.paginate()`), whose
 * pages stay adjacent only when the hook pins each page's `endCursor`, as this one does.
 */
import { createElement, useMemo, type ReactNode } from "react";
import { ConvexProvider, ConvexReactClient, useAction, useQuery, type UsePaginatedQueryResult } from "convex/react";
import { usePaginatedQuery } from "convex-helpers/react";
import { api } from "../../../convex/_generated/api.js";
import type { FleetCommands, FleetData, Paged } from "./data.js";
import { sessionFromToken } from "./session.js";

const PAGE_SIZE = 25; // agents or audit events per page; "Load more" asks for this many again

function paged<T>(result: UsePaginatedQueryResult<T>): Paged<T> {
  return {
    items: result.results,
    loading: result.status === "LoadingFirstPage",
    canLoadMore: result.status === "CanLoadMore",
    loadMore: () => result.loadMore(PAGE_SIZE),
  };
}

export type ConvexFleetOptions = {
  /** The deployment's URL, `VITE_CONVEX_URL` (`npx convex dev` writes it to .env.local). */
  url: string;
  /** The sign-in token (JWT) of the app's identity provider, with `sub` and `tenantId` claims. */
  token: string;
  /** Called when the deployment refuses the token (expired, or not from its provider). */
  onTokenRejected: () => void;
};

/**
 * The data layer over a deployment of the example app.
 * @param options Where the deployment is and who signs in.
 */
export function createConvexFleet(options: ConvexFleetOptions): FleetData & { close(): Promise<void> } {
  const session = sessionFromToken(options.token);
  const client = new ConvexReactClient(options.url);
  client.setAuth(
    async () => options.token,
    (isAuthenticated) => {
      if (!isAuthenticated) options.onTokenRejected();
    },
  );

  return {
    source: options.url,
    session,
    close: () => client.close(),
    Provider: (props: { children: ReactNode }) => createElement(ConvexProvider, { client }, props.children),
    useAgents(tenantId) {
      return paged(usePaginatedQuery(api.agents.listAgents, { tenantId }, { initialNumItems: PAGE_SIZE }));
    },
    useAgent(machineDocId) {
      return useQuery(api.agents.getAgent, { machineDocId });
    },
    useAuditEvents(tenantId, machineDocId) {
      const args = machineDocId === undefined ? { tenantId } : { tenantId, machineDocId };
      return paged(usePaginatedQuery(api.agents.listAuditEvents, args, { initialNumItems: PAGE_SIZE }));
    },
    useVersions() {
      return {
        images: useQuery(api.rollouts.agentImages, {}),
        rollout: useQuery(api.rollouts.latestRollout, {}),
      };
    },
    useCommands() {
      const provision = useAction(api.agents.provision);
      const recreate = useAction(api.agents.recreateFromLatestSnapshot);
      const approvePairing = useAction(api.agents.approvePairing);
      const snapshot = useAction(api.agents.snapshot);
      const start = useAction(api.agents.start);
      const stop = useAction(api.agents.stop);
      const restart = useAction(api.agents.restart);
      const deprovision = useAction(api.agents.deprovision);
      return useMemo<FleetCommands>(
        () => ({
          provision: (args) => provision(args),
          recreate: (args) => recreate(args),
          approvePairing: async (args) => void (await approvePairing(args)),
          snapshot: (args) => snapshot(args),
          start: async (args) => void (await start(args)),
          stop: async (args) => void (await stop(args)),
          restart: async (args) => void (await restart(args)),
          deprovision: async (args) => void (await deprovision(args)),
        }),
        [provision, recreate, approvePairing, snapshot, start, stop, restart, deprovision],
      );
    },
  };
}
