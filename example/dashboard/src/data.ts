/**
 * The dashboard's data layer: what the page reads and the commands it sends. Two
 * implementations: `convexData.ts` (the example app's functions on a real deployment) and
 * `testData.ts` (in memory, driven by a test or by the demo's own clock).
 *
 * The types come from the example app's generated `api`, so both implementations are checked
 * against the functions a deployment really serves.
 */
import { createContext, createElement, useContext, type ComponentType, type ReactNode } from "react";
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api.js";

type AgentsApi = typeof api.agents;

/** An agent record, as `agents:getAgent` returns it. */
export type Agent = NonNullable<FunctionReturnType<AgentsApi["getAgent"]>>;
/** One entry of the audit trail, as `agents:listAuditEvents` pages it. */
export type AuditEvent = FunctionReturnType<AgentsApi["listAuditEvents"]>["page"][number];
/** What `agents:provision` and `agents:recreateFromLatestSnapshot` take. */
export type ProvisionArgs = FunctionArgs<AgentsApi["provision"]>;
/** What provisioning and recreation return once the agent runs. */
export type ProvisionResult = FunctionReturnType<AgentsApi["provision"]>;
/** What `agents:snapshot` returns. */
export type SnapshotResult = FunctionReturnType<AgentsApi["snapshot"]>;
export type AgentStatus = Agent["status"];
export type ProvisionStep = NonNullable<Agent["step"]>;

type RolloutsApi = typeof api.rollouts;
/** The tenant's agents on one image, as `rollouts:agentImages` groups them. */
export type AgentImageGroup = FunctionReturnType<RolloutsApi["agentImages"]>[number];
/** A rollout with each agent's outcome, as `rollouts:latestRollout` returns it. */
export type RolloutDetail = NonNullable<FunctionReturnType<RolloutsApi["latestRollout"]>>;
/** Version drift and the latest rollout; undefined while loading. */
export type Versions = { images: AgentImageGroup[] | undefined; rollout: RolloutDetail | null | undefined };

/** Who uses the dashboard: the claims of their sign-in token. */
export type Session = { tenantId: string; userId: string; isAdmin: boolean };

/** A list read page by page, newest first. */
export type Paged<T> = {
  items: T[];
  /** True until the first page arrives. */
  loading: boolean;
  canLoadMore: boolean;
  loadMore: () => void;
};

type MachineArgs = { machineDocId: string };

/** Commands the page sends. Each settles when the backend's action does. */
export interface FleetCommands {
  provision(args: ProvisionArgs): Promise<ProvisionResult>;
  recreate(args: ProvisionArgs): Promise<ProvisionResult>;
  approvePairing(args: MachineArgs & { telegramPairingCode: string }): Promise<void>;
  snapshot(args: MachineArgs): Promise<SnapshotResult>;
  start(args: MachineArgs): Promise<void>;
  stop(args: MachineArgs): Promise<void>;
  restart(args: MachineArgs): Promise<void>;
  deprovision(args: MachineArgs): Promise<void>;
}
export type CommandName = keyof FleetCommands;

/** One command as the page sent it. */
export type CommandCall = {
  [Name in CommandName]: { command: Name; args: Parameters<FleetCommands[Name]>[0] };
}[CommandName];

/**
 * Everything the dashboard needs from a backend. The `use*` members are React hooks: call
 * them from components, unconditionally, like any hook. Reads are live: a component
 * re-renders when the data changes.
 */
export interface FleetData {
  /** Where the data comes from, shown in the header. */
  readonly source: string;
  readonly session: Session;
  /** Context the hooks need (Convex's provider); wraps the whole app. */
  readonly Provider: ComponentType<{ children: ReactNode }>;
  useAgents(tenantId: string): Paged<Agent>;
  /** The agent, null when there is none, undefined while loading. */
  useAgent(machineDocId: string): Agent | null | undefined;
  /** The tenant's audit trail, or one agent's when `machineDocId` is given. */
  useAuditEvents(tenantId: string, machineDocId?: string): Paged<AuditEvent>;
  useCommands(): FleetCommands;
  /**
   * Which images the tenant's agents run and the latest rollout. Absent on a data layer that
   * cannot read them (the demo's bridge forwards `agents:*` only); present or absent for the
   * layer's whole life, so calling it stays a stable hook call.
   */
  useVersions?(): Versions;
}

const FleetContext = createContext<FleetData | null>(null);

/** Makes `fleet` available to `useFleet` below, inside whatever context its hooks need. */
export function FleetRoot(props: { fleet: FleetData; children: ReactNode }) {
  const { fleet, children } = props;
  return createElement(fleet.Provider, null, createElement(FleetContext.Provider, { value: fleet }, children));
}

/** The data layer of the surrounding `FleetRoot`. */
export function useFleet(): FleetData {
  const fleet = useContext(FleetContext);
  if (fleet === null) throw new Error("useFleet() outside <FleetRoot> -- invariant");
  return fleet;
}
