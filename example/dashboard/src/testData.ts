/**
 * An in-memory data layer that behaves like the example app's functions: provisioning
 * creates an agent in `provisioning` and settles once the agent runs, pairing and snapshots
 * need a running agent, every finished command lands in the audit trail.
 *
 * The browser test moves agents along through `window.__fleet` (push the next provisioning
 * step, then `running`; make the next command fail; read the commands the page sent). For the
 * real component offline, see `bridgeData.ts` (`npm run demo -- --dashboard`).
 */
import { imageGroups } from "./format.js";
import { Fragment, createElement, useSyncExternalStore, type ReactNode } from "react";
import { ConvexError } from "convex/values";
import type { FlyAgentsErrorData } from "@okrlinkhub/fly-agents";
import type {
  Agent,
  AuditEvent,
  CommandCall,
  CommandName,
  FleetCommands,
  FleetData,
  Paged,
  ProvisionArgs,
  ProvisionResult,
  Session,
} from "./data.js";
import { readableError } from "./errors.js";

/** Fields of an agent a test (or the demo clock) may change, as the backend would. */
export type AgentPatch = Partial<Omit<Agent, "_id" | "_creationTime" | "tenantId" | "userId" | "agentKey">>;

/** What `window.__fleet` offers a test. Everything it returns is plain data. */
export interface FleetTestControl {
  /** Commands the page sent, oldest first. */
  calls(): CommandCall[];
  /** Every agent, newest first. */
  agents(): Agent[];
  /** The audit trail, newest first. */
  auditEvents(): AuditEvent[];
  /**
   * Changes an agent's record as the backend would. Moving a provisioning agent to
   * `running` settles the page's provision (or recreate) command; to `error`, fails it.
   */
  update(machineDocId: string, patch: AgentPatch): void;
  /** Makes the next call of `command` fail with this error, as the component's ConvexError. */
  failNext(command: CommandName, error: FlyAgentsErrorData): void;
}

declare global {
  interface Window {
    __fleet?: FleetTestControl;
  }
}

export type TestFleetOptions = {
  session?: Session;
  /** How long approvePairing, snapshot and the machine commands take, in ms. */
  commandDelayMs?: number;
};

const DEFAULT_SESSION: Session = { tenantId: "acme", userId: "ada", isAdmin: true };
const DEFAULT_REGION = "ams";
const DEFAULT_MEMORY_MB = 2048;
const DEFAULT_COMMAND_DELAY_MS = 150; // long enough to see "Working…", short enough for a test
const DEFAULT_IMAGE = "registry.fly.io/openclaw:latest";

type State = { agents: Agent[]; audit: AuditEvent[] };
type Settler = { resolve: (result: ProvisionResult) => void; reject: (error: unknown) => void; startedAt: number };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function flyAgentsError(data: FlyAgentsErrorData): ConvexError<FlyAgentsErrorData> {
  return new ConvexError(data);
}

/** The store behind the fake: immutable snapshots, so React's useSyncExternalStore can read it. */
class FleetStore {
  state: State = { agents: [], audit: [] };
  readonly calls: CommandCall[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly failures = new Map<CommandName, FlyAgentsErrorData[]>();
  private readonly settlers = new Map<string, Settler>();
  private nextId = 1;

  constructor(private readonly tenantId: string) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  newId(prefix: string): string {
    return `${prefix}${String(this.nextId++).padStart(4, "0")}`;
  }

  agent(machineDocId: string): Agent | undefined {
    return this.state.agents.find((agent) => agent._id === machineDocId);
  }

  private set(state: State) {
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  insert(agent: Agent) {
    this.set({ ...this.state, agents: [agent, ...this.state.agents] });
  }

  update(machineDocId: string, patch: AgentPatch) {
    const current = this.agent(machineDocId);
    if (!current) throw new Error(`No agent ${machineDocId} in the fake data layer.`);
    const statusChanged = patch.status !== undefined && patch.status !== current.status;
    const next: Agent = { ...current, ...patch, ...(statusChanged ? { statusChangedAt: Date.now() } : {}) };
    if (next.status !== "provisioning") delete next.step;
    this.set({ ...this.state, agents: this.state.agents.map((agent) => (agent._id === machineDocId ? next : agent)) });
    if (statusChanged) this.settle(next);
  }

  /** Records a finished operation, as the component does when one ends. */
  audit(event: Pick<AuditEvent, "operation" | "outcome" | "startedAt"> & Partial<AuditEvent>) {
    const entry: AuditEvent = {
      _id: this.newId("audit"),
      _creationTime: Date.now(),
      tenantId: this.tenantId,
      durationMs: Date.now() - event.startedAt,
      flyCalls: 0,
      flyRequestIds: [],
      ...event,
    };
    this.set({ ...this.state, audit: [entry, ...this.state.audit] });
  }

  failNext(command: CommandName, error: FlyAgentsErrorData) {
    this.failures.set(command, [...(this.failures.get(command) ?? []), error]);
  }

  /** Throws the failure queued for `command`, if any. */
  takeFailure(command: CommandName) {
    const [failure, ...rest] = this.failures.get(command) ?? [];
    if (failure === undefined) return;
    this.failures.set(command, rest);
    throw flyAgentsError(failure);
  }

  /** A promise that settles when the agent leaves `provisioning`. */
  waitUntilProvisioned(machineDocId: string, startedAt: number): Promise<ProvisionResult> {
    return new Promise((resolve, reject) => this.settlers.set(machineDocId, { resolve, reject, startedAt }));
  }

  private settle(agent: Agent) {
    const settler = this.settlers.get(agent._id);
    if (!settler || agent.status === "provisioning") return;
    this.settlers.delete(agent._id);
    const operation = agent.restoredFromSnapshotId === undefined ? "provision" : "recreate";
    const base = { operation, machineDocId: agent._id, userId: agent.userId, startedAt: settler.startedAt } as const;
    if (agent.status === "running") {
      this.retireReplacedAgents(agent);
      this.audit({ ...base, outcome: "succeeded", detail: agent.effectiveModel && `model ${agent.effectiveModel}` });
      settler.resolve({
        machineDocId: agent._id,
        machineId: agent.machineId ?? "",
        volumeId: agent.flyVolumeId ?? "",
        effectiveModel: agent.effectiveModel,
        restoredFromSnapshotId: agent.restoredFromSnapshotId,
      });
      return;
    }
    const message = agent.lastError ?? agent.statusReason ?? `The agent ended ${agent.status}.`;
    this.audit({ ...base, outcome: "failed", error: message });
    settler.reject(new Error(message));
  }

  /** A recreated agent replaces its user's previous one, which is deprovisioned. */
  private retireReplacedAgents(agent: Agent) {
    if (agent.restoredFromSnapshotId === undefined) return;
    for (const old of this.state.agents) {
      if (old._id !== agent._id && old.userId === agent.userId && old.status !== "deleted") {
        this.update(old._id, {
          status: "deleted",
          replacedBy: agent._id,
          statusReason: "Replaced by a restored agent.",
        });
      }
    }
  }
}

function page<T>(items: T[]): Paged<T> {
  return { items, loading: false, canLoadMore: false, loadMore: () => undefined };
}

/** The fake's commands over `store`. */
function commandsOf(store: FleetStore, options: { commandDelayMs: number }) {
  const record = (call: CommandCall) => store.calls.push(structuredClone(call));

  /** Runs a machine command: waits, checks the agent, applies `change`, audits the outcome. */
  async function machineCommand(
    command: "start" | "stop" | "restart" | "deprovision" | "snapshot" | "approvePairing",
    machineDocId: string,
    change: (agent: Agent) => void,
  ) {
    const startedAt = Date.now();
    const operation = command === "approvePairing" ? "pairing" : command;
    const agent = store.agent(machineDocId);
    try {
      await sleep(options.commandDelayMs);
      store.takeFailure(command);
      if (!agent || agent.status === "deleted") {
        throw flyAgentsError({ kind: "not_found", message: `No agent ${machineDocId}, or it is already deleted.` });
      }
      change(agent);
      store.audit({ operation, outcome: "succeeded", machineDocId, userId: agent.userId, startedAt });
    } catch (error) {
      const { title, detail } = readableError(error);
      const message = detail ?? title;
      store.audit({ operation, outcome: "failed", machineDocId, userId: agent?.userId, startedAt, error: message });
      throw error;
    }
  }

  function requireRunning(agent: Agent, what: string) {
    if (agent.status !== "running") {
      throw flyAgentsError({
        kind: "invalid_state",
        message: `The agent is ${agent.status}: start it before ${what}.`,
        machineDocId: agent._id,
      });
    }
  }

  /** Inserts a provisioning agent for `args` and waits until it runs (or fails). */
  async function beginProvisioning(args: ProvisionArgs, restoredFromSnapshotId: string | undefined) {
    const startedAt = Date.now();
    const _id = store.newId("agent");
    store.insert({
      _id,
      _creationTime: startedAt,
      tenantId: args.tenantId,
      userId: args.userId,
      agentKey: `${args.tenantId}-${args.userId}-${_id}`,
      flyAppName: "acme-agents",
      status: "provisioning",
      statusChangedAt: startedAt,
      step: "queued",
      region: args.region ?? DEFAULT_REGION,
      memoryMB: args.memoryMB ?? DEFAULT_MEMORY_MB,
      image: args.image ?? DEFAULT_IMAGE,
      llmModel: args.llmModel,
      allowedSkills: args.allowedSkills ?? [],
      bridgeUrl: args.bridgeUrl,
      serviceId: args.serviceId,
      restoredFromSnapshotId,
    });
    return await store.waitUntilProvisioned(_id, startedAt);
  }

  const activeAgentOf = (userId: string) =>
    store.state.agents.find(
      (agent) => agent.userId === userId && agent.status !== "deleted" && agent.status !== "error",
    );

  const commands: FleetCommands = {
    async provision(args) {
      record({ command: "provision", args });
      await sleep(0);
      store.takeFailure("provision");
      const existing = activeAgentOf(args.userId);
      if (existing) {
        throw flyAgentsError({
          kind: "agent_exists",
          message: `User ${args.userId} already has agent ${existing._id} (${existing.status}): deprovision it first.`,
          machineDocId: existing._id,
        });
      }
      return await beginProvisioning(args, undefined);
    },
    async recreate(args) {
      record({ command: "recreate", args });
      await sleep(0);
      store.takeFailure("recreate");
      const withSnapshot = store.state.agents.find((agent) => agent.userId === args.userId && agent.latestSnapshotId);
      if (!withSnapshot?.latestSnapshotId) {
        throw flyAgentsError({
          kind: "snapshot_unavailable",
          message: `User ${args.userId} has no completed snapshot.`,
        });
      }
      return await beginProvisioning(args, withSnapshot.latestSnapshotId);
    },
    async approvePairing(args) {
      record({ command: "approvePairing", args });
      await machineCommand("approvePairing", args.machineDocId, (agent) => {
        requireRunning(agent, "pairing");
        if (agent.gatewayHealthy === false) {
          throw flyAgentsError({ kind: "gateway_unhealthy", message: "Restart the agent, then pair again." });
        }
      });
    },
    async snapshot(args) {
      record({ command: "snapshot", args });
      const snapshotId = store.newId("snap");
      await machineCommand("snapshot", args.machineDocId, (agent) => {
        if (agent.status !== "running" && agent.status !== "stopped") {
          throw flyAgentsError({
            kind: "invalid_state",
            message: `The agent is ${agent.status}: nothing to snapshot yet.`,
          });
        }
        store.update(agent._id, { latestSnapshotId: snapshotId });
      });
      return { snapshotId, flyVolumeSnapshotId: `vs_${snapshotId}`, status: "created" };
    },
    async start(args) {
      record({ command: "start", args });
      await machineCommand("start", args.machineDocId, (agent) =>
        store.update(agent._id, { status: "running", statusReason: undefined, gatewayHealthy: true }),
      );
    },
    async stop(args) {
      record({ command: "stop", args });
      await machineCommand("stop", args.machineDocId, (agent) => {
        requireRunning(agent, "stopping");
        store.update(agent._id, { status: "stopped", statusReason: "Stopped from the dashboard." });
      });
    },
    async restart(args) {
      record({ command: "restart", args });
      await machineCommand("restart", args.machineDocId, (agent) => {
        requireRunning(agent, "restarting");
        store.update(agent._id, { gatewayHealthy: true });
      });
    },
    async deprovision(args) {
      record({ command: "deprovision", args });
      await machineCommand("deprovision", args.machineDocId, (agent) =>
        store.update(agent._id, { status: "deleted", statusReason: "Deprovisioned from the dashboard." }),
      );
    },
  };
  return commands;
}

/**
 * The in-memory data layer, with its controls on `window.__fleet`.
 * @param options Who is signed in, and how long commands take.
 */
export function createTestFleet(options: TestFleetOptions = {}): FleetData {
  const session = options.session ?? DEFAULT_SESSION;
  const store = new FleetStore(session.tenantId);
  const commands = commandsOf(store, {
    commandDelayMs: options.commandDelayMs ?? DEFAULT_COMMAND_DELAY_MS,
  });
  const useState = () => useSyncExternalStore(store.subscribe, () => store.state);

  window.__fleet = {
    calls: () => structuredClone(store.calls),
    agents: () => structuredClone(store.state.agents),
    auditEvents: () => structuredClone(store.state.audit),
    update: (machineDocId, patch) => store.update(machineDocId, patch),
    failNext: (command, error) => store.failNext(command, error),
  };

  return {
    source: "Test data",
    session,
    Provider: (props: { children: ReactNode }) => createElement(Fragment, null, props.children),
    useAgents(tenantId) {
      const { agents } = useState();
      return page(agents.filter((agent) => agent.tenantId === tenantId));
    },
    useAgent(machineDocId) {
      return useState().agents.find((agent) => agent._id === machineDocId) ?? null;
    },
    useAuditEvents(tenantId, machineDocId) {
      const { audit } = useState();
      return page(
        audit.filter(
          (event) => event.tenantId === tenantId && (machineDocId === undefined || event.machineDocId === machineDocId),
        ),
      );
    },
    useVersions() {
      const { agents } = useState();
      return { images: imageGroups(agents.filter((agent) => agent.tenantId === session.tenantId)), rollout: null };
    },
    useCommands: () => commands,
  };
}
