import { z } from "zod";
import { behavioursChangeSchema, type BehavioursHandle } from "../control/behaviours.js";
import { messageOf, ErrorReply, errorReply } from "../fly/errorReplies.js";
import { faultRuleFromJson, faultRuleJsonSchema, faultRuleToJson } from "../control/faultJson.js";
import type { FaultsHandle } from "../control/faultRules.js";
import { openClawImageSchema } from "../image/imageJson.js";
import { empty, json, type Reply, type RequestContext, type Route } from "./router.js";
import type { FlyEmulatorState } from "../control/state.js";
import { parseInput } from "../fly/input.js";

const ADMIN = "/__emulator";
const MACHINE = `${ADMIN}/apps/{app_name}/machines/{machine_id}`;
const createAppSchema = z.object({ name: z.string() });

/**
 * The driving API over HTTP, for tests in another process (see `connectFlyEmulator`). Same token as the API.
 * Mistakes in a request answer 400 with `{error}`; unknown apps, Machines and fault ids answer 404.
 */
export function adminRoutes(state: FlyEmulatorState, faults: FaultsHandle, behaviours: BehavioursHandle): Route[] {
  const route = (method: string, pattern: string, handle: (ctx: RequestContext) => Reply): Route => ({
    method,
    pattern,
    operationId: `Emulator_${method.toLowerCase()}_${pattern.slice(ADMIN.length + 1).replace(/[^a-z]+/gi, "_")}`,
    handle: (ctx) => guard(() => handle(ctx)),
  });
  const app = (ctx: RequestContext) => ctx.params.app_name;
  const machineId = (ctx: RequestContext) => ctx.params.machine_id;
  return [
    route("GET", `${ADMIN}/state`, () => json(200, state.dump())),
    route("POST", `${ADMIN}/apps`, (ctx) => {
      const { name } = parseInput(createAppSchema, ctx.body, "body");
      state.createApp(name);
      return json(201, { name });
    }),
    route("GET", `${ADMIN}/live-resources`, (ctx) => json(200, state.liveResources(ctx.query.get("app") ?? undefined))),
    route("GET", `${ADMIN}/volumes/{volume_id}/agent-state`, (ctx) => {
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
    route("PUT", `${ADMIN}/images`, (ctx) => {
      const { ref, ...image } = parseInput(openClawImageSchema, ctx.body, "body");
      state.defineImage(ref, image);
      return empty(204);
    }),
    route("GET", `${ADMIN}/requests`, () => json(200, { requests: state.requests() })),
    route("DELETE", `${ADMIN}/requests`, () => {
      state.resetRequests();
      return empty(204);
    }),
    route("GET", `${ADMIN}/call-counts`, () => json(200, { counts: state.callCounts() })),
    route("GET", `${ADMIN}/faults`, () =>
      json(200, { rules: faults.list().map(({ id, ...rule }) => ({ id, ...faultRuleToJson(rule) })) }),
    ),
    route("POST", `${ADMIN}/faults`, (ctx) =>
      json(201, { id: faults.add(faultRuleFromJson(parseInput(faultRuleJsonSchema, ctx.body, "body"))) }),
    ),
    route("DELETE", `${ADMIN}/faults`, () => {
      faults.clear();
      return empty(204);
    }),
    route("DELETE", `${ADMIN}/faults/{fault_id}`, (ctx) => {
      if (!faults.remove(ctx.params.fault_id)) throw errorReply(404, "fault rule not found");
      return empty(204);
    }),
    route("GET", `${ADMIN}/faults/fired`, () => json(200, { fired: faults.fired() })),
    route("GET", `${ADMIN}/behaviours`, () => json(200, behaviours.get())),
    route("PATCH", `${ADMIN}/behaviours`, (ctx) =>
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
