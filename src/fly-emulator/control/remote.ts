/**
 * The test client of an emulator that runs in another process (the `fly-emulator` command, or
 * `startFlyEmulator` elsewhere): `connectFlyEmulator` drives it over the `/__emulator` API with its token.
 */
import type { OpenClawImage } from "../image/catalog.js";
import type { GatewayStatus } from "../image/openClawRuntime.js";
import type { FlyBehaviours } from "./behaviours.js";
import { type FaultRule, type FaultRuleJson, faultRuleToJson, type FiredFault } from "./faultRules.js";
import type { RequestLogEntry } from "./requestLog.js";
import type { AgentStateView, EmulatorStateDump, LiveResources } from "./state.js";

/** Drives an emulator running in another process, over its `/__emulator` API. */
export interface FlyEmulatorClient {
  /** The emulator's API base ("…/v1"). */
  url: string;
  state(): Promise<EmulatorStateDump>;
  createApp(name: string): Promise<void>;
  liveResources(app?: string): Promise<LiveResources>;
  /** Null for an unknown volume. */
  agentState(volumeId: string): Promise<AgentStateView | null>;
  gateway(app: string, machineId: string): Promise<GatewayStatus | null>;
  issuePairingCode(app: string, machineId: string): Promise<string>;
  machineLogs(app: string, machineId: string): Promise<string[]>;
  destroyMachineOutOfBand(app: string, machineId: string): Promise<void>;
  /** Sets how an OpenClaw image reference behaves at boot. */
  defineImage(ref: string, image: OpenClawImage): Promise<void>;
  requests(): Promise<RequestLogEntry[]>;
  callCounts(): Promise<Record<string, number>>;
  resetRequests(): Promise<void>;
  /** Adds a fault rule (a RegExp path is sent as its source); returns its id. */
  addFault(rule: FaultRule): Promise<string>;
  /** Returns whether the rule existed. */
  removeFault(id: string): Promise<boolean>;
  clearFaults(): Promise<void>;
  faults(): Promise<Array<FaultRuleJson & { id: string }>>;
  firedFaults(): Promise<FiredFault[]>;
  /** Fly's and the image's unkind behaviours in force. */
  behaviours(): Promise<FlyBehaviours>;
  /** Changes some behaviours (see `FlyBehaviours`); returns all of them. */
  setBehaviours(change: Partial<FlyBehaviours>): Promise<FlyBehaviours>;
}

/**
 * Connects to a running emulator (`fly-emulator` CLI, or `startFlyEmulator` in another process).
 * @param url the emulator's API base ("http://127.0.0.1:PORT/v1") or its origin.
 * @param token the emulator's token.
 */
export function connectFlyEmulator(url: string, token: string): FlyEmulatorClient {
  const origin = new URL(url).origin;
  const machinePath = (app: string, machineId: string) =>
    `/__emulator/apps/${encodeURIComponent(app)}/machines/${encodeURIComponent(machineId)}`;

  /** Sends a request; answers the status and parsed body. Statuses other than 2xx and `tolerated` throw. */
  async function request(
    method: string,
    path: string,
    body?: unknown,
    tolerated: number[] = [],
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok && !tolerated.includes(response.status)) {
      throw new Error(
        `Fly emulator ${method} ${path} answered ${response.status}: ${text || "(empty)"}; check the URL and token`,
      );
    }
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  }
  async function read<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await request(method, path, body)).body as T;
  }

  return {
    url: `${origin}/v1`,
    state: () => read<EmulatorStateDump>("GET", "/__emulator/state"),
    createApp: async (name) => {
      await request("POST", "/__emulator/apps", { name });
    },
    liveResources: (app) =>
      read<LiveResources>("GET", `/__emulator/live-resources${app ? `?app=${encodeURIComponent(app)}` : ""}`),
    agentState: async (volumeId) => {
      const reply = await request(
        "GET",
        `/__emulator/volumes/${encodeURIComponent(volumeId)}/agent-state`,
        undefined,
        [404],
      );
      return reply.status === 404 ? null : (reply.body as AgentStateView);
    },
    gateway: async (app, machineId) =>
      (await read<{ gateway: GatewayStatus | null }>("GET", `${machinePath(app, machineId)}/gateway`)).gateway,
    issuePairingCode: async (app, machineId) =>
      (await read<{ code: string }>("POST", `${machinePath(app, machineId)}/pairing-codes`)).code,
    machineLogs: async (app, machineId) =>
      (await read<{ logs: string[] }>("GET", `${machinePath(app, machineId)}/logs`)).logs,
    destroyMachineOutOfBand: async (app, machineId) => {
      await request("POST", `${machinePath(app, machineId)}/destroy`);
    },
    defineImage: async (ref, image) => {
      await request("PUT", "/__emulator/images", { ref, ...image });
    },
    requests: async () => (await read<{ requests: RequestLogEntry[] }>("GET", "/__emulator/requests")).requests,
    callCounts: async () => (await read<{ counts: Record<string, number> }>("GET", "/__emulator/call-counts")).counts,
    resetRequests: async () => {
      await request("DELETE", "/__emulator/requests");
    },
    addFault: async (rule) => (await read<{ id: string }>("POST", "/__emulator/faults", faultRuleToJson(rule))).id,
    removeFault: async (id) =>
      (await request("DELETE", `/__emulator/faults/${encodeURIComponent(id)}`, undefined, [404])).status !== 404,
    clearFaults: async () => {
      await request("DELETE", "/__emulator/faults");
    },
    faults: async () =>
      (await read<{ rules: Array<FaultRuleJson & { id: string }> }>("GET", "/__emulator/faults")).rules,
    firedFaults: async () => (await read<{ fired: FiredFault[] }>("GET", "/__emulator/faults/fired")).fired,
    behaviours: () => read<FlyBehaviours>("GET", "/__emulator/behaviours"),
    setBehaviours: (change) => read<FlyBehaviours>("PATCH", "/__emulator/behaviours", change),
  };
}
