/**
 * The driving API under `/__emulator`: the state handle, faults and behaviours over HTTP, for tests in another
 * process (`control/remote.ts` is its client). Same token as the Fly API; never faulted, rate-limited or logged.
 */
import { z } from "zod";
import { behavioursChangeSchema, type BehavioursHandle } from "../control/behaviours.js";
import { faultRuleFromJson, faultRuleJsonSchema, faultRuleToJson } from "../control/faultRules.js";
import type { FaultsHandle } from "../control/faultRules.js";
import type { FlyEmulatorState } from "../control/state.js";
import { messageOf, ErrorReply, errorReply } from "../fly/errorReplies.js";
import { parseInput } from "../fly/input.js";
import { openClawImageSchema } from "../image/catalog.js";
import { empty, json, type Reply, type RequestContext, type Route } from "./router.js";

/** Where the driving API lives, beside Fly's `/v1`. */
export const ADMIN_PREFIX = "/__emulator";
const MACHINE = `${ADMIN_PREFIX}/apps/{app_name}/machines/{machine_id}`;
const createAppSchema = z.object({ name: z.string() });

/**
 * The driving API over HTTP, for tests in another process (see `connectFlyEmulator`). Same token as the API.
 * Mistakes in a request answer 400 with `{error}`; unknown apps, Machines and fault ids answer 404.
 */
export function adminRoutes(state: FlyEmulatorState, faults: FaultsHandle, behaviours: BehavioursHandle): Route[] {
  const route = (method: string, pattern: string, handle: (ctx: RequestContext) => Reply): Route => ({
    method,
    pattern,
    operationId: `Emulator_${method.toLowerCase()}_${pattern.slice(ADMIN_PREFIX.length + 1).replace(/[^a-z]+/gi, "_")}`,
    handle: (ctx) => guard(() => handle(ctx)),
  });
  const app = (ctx: RequestContext) => ctx.params.app_name;
  const machineId = (ctx: RequestContext) => ctx.params.machine_id;
  return [
    route("GET", `${ADMIN_PREFIX}/state`, () => json(200, state.dump())),
    route("POST", `${ADMIN_PREFIX}/apps`, (ctx) => {
      const { name } = parseInput(createAppSchema, ctx.body, "body");
      state.createApp(name);
      return json(201, { name });
    }),
    route("GET", `${ADMIN_PREFIX}/live-resources`, (ctx) =>
      json(200, state.liveResources(ctx.query.get("app") ?? undefined)),
    ),
    route("GET", `${ADMIN_PREFIX}/volumes/{volume_id}/agent-state`, (ctx) => {
      const agent = state.agentState(ctx.params.volume_id);
      if (!agent) throw errorReply(404, "volume not found");
      return json(200, agent);
    }),
    route("GET", `${MACHINE}/gateway`, (ctx) => json(200, { gateway: state.gateway(app(ctx), machineId(ctx)) })),
    route("POST", `${MACHINE}/pairing-codes`, (ctx) =>
      json(201, { code: state.issuePairingCode(app(ctx), machineId(ctx)) }),
    ),
    route("GET", `${MACHINE}/logs`, (ctx) => json(200, { logs: state.machineLogs(app(ctx), machineId(ctx)) })),
    route("POST", `${MACHINE}/destroy`, (ctx) => {
      state.destroyMachineOutOfBand(app(ctx), machineId(ctx));
      return json(200, { ok: true });
    }),
    route("PUT", `${ADMIN_PREFIX}/images`, (ctx) => {
      const { ref, ...image } = parseInput(openClawImageSchema, ctx.body, "body");
      state.defineImage(ref, image);
      return empty(204);
    }),
    route("GET", `${ADMIN_PREFIX}/requests`, () => json(200, { requests: state.requests() })),
    route("DELETE", `${ADMIN_PREFIX}/requests`, () => {
      state.resetRequests();
      return empty(204);
    }),
    route("GET", `${ADMIN_PREFIX}/call-counts`, () => json(200, { counts: state.callCounts() })),
    route("GET", `${ADMIN_PREFIX}/faults`, () =>
      json(200, { rules: faults.list().map(({ id, ...rule }) => ({ id, ...faultRuleToJson(rule) })) }),
    ),
    route("POST", `${ADMIN_PREFIX}/faults`, (ctx) =>
      json(201, { id: faults.add(faultRuleFromJson(parseInput(faultRuleJsonSchema, ctx.body, "body"))) }),
    ),
    route("DELETE", `${ADMIN_PREFIX}/faults`, () => {
      faults.clear();
      return empty(204);
    }),
    route("DELETE", `${ADMIN_PREFIX}/faults/{fault_id}`, (ctx) => {
      if (!faults.remove(ctx.params.fault_id)) throw errorReply(404, "fault rule not found");
      return empty(204);
    }),
    route("GET", `${ADMIN_PREFIX}/faults/fired`, () => json(200, { fired: faults.fired() })),
    route("GET", `${ADMIN_PREFIX}/behaviours`, () => json(200, behaviours.get())),
    route("PATCH", `${ADMIN_PREFIX}/behaviours`, (ctx) =>
      json(200, behaviours.set(parseInput(behavioursChangeSchema, ctx.body, "body"))),
    ),
  ];
}

function guard(handle: () => Reply): Reply {
  try {
    return handle();
  } catch (error) {
    if (error instanceof ErrorReply) throw error;
    throw errorReply(400, messageOf(error));
  }
}
