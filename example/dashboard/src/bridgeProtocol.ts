/**
 * The wire between the dashboard's bridge data layer (`bridgeData.ts`, in the browser) and the bridge
 * (`../bridge.ts`, in the demo's Node process, where the example app runs in convex-test). Each name is a
 * function of the example app's `convex/agents.ts`; the bridge calls it as the signed-in user.
 *
 *   GET  /bridge/session          → BridgeReply with the Session
 *   POST /bridge/query/<name>     body: its args → BridgeReply
 *   POST /bridge/action/<name>    body: its args → BridgeReply
 */
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api.js";

type AgentsApi = typeof api.agents;

/** The example app's queries the dashboard reads. */
export const BRIDGE_QUERIES = ["listAgents", "getAgent", "listAuditEvents"] as const;
/** The example app's actions the dashboard sends. */
export const BRIDGE_ACTIONS = [
  "provision",
  "recreateFromLatestSnapshot",
  "approvePairing",
  "snapshot",
  "start",
  "stop",
  "restart",
  "deprovision",
] as const;

export type BridgeQuery = (typeof BRIDGE_QUERIES)[number];
export type BridgeAction = (typeof BRIDGE_ACTIONS)[number];
export type BridgeArgs<Name extends BridgeQuery | BridgeAction> = FunctionArgs<AgentsApi[Name]>;
export type BridgeResult<Name extends BridgeQuery | BridgeAction> = FunctionReturnType<AgentsApi[Name]>;

/**
 * A call's outcome: its value, or its error. A ConvexError keeps its `data` (as it does across a real
 * deployment's wire); any other error only its message.
 */
export type BridgeReply = { value: unknown } | { error: { data: unknown } | { message: string } };
