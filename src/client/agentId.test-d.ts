/**
 * Type tests of typed agent ids: the client hands agent ids over as `AgentId`, still accepts plain
 * strings wherever it takes one, and leaves the types host code builds values of (the component's
 * validators and results) with plain strings; convex/agents.test-d.ts checks the functions
 * `exposeApi` makes. Run by `vitest run --typecheck`.
 */
import { describe, expectTypeOf, test } from "vitest";
import type { FunctionReturnType, GenericActionCtx, GenericDataModel } from "convex/server";
import type { Infer } from "convex/values";
import {
  vAgentId,
  vAgentMachine,
  vProvisionResult,
  type AgentId,
  type AgentRef,
  type ComponentApi,
  type FlyAgents,
} from "./index.js";

type Ctx = GenericActionCtx<GenericDataModel>;

describe("AgentId", () => {
  test("is a string, but a plain string is not an AgentId", () => {
    expectTypeOf<AgentId>().toExtend<string>();
    expectTypeOf<string>().not.toExtend<AgentId>();
    expectTypeOf<Infer<typeof vAgentId>>().toEqualTypeOf<AgentId>();
  });

  test("the client's results carry it: provisioning and agent reads", () => {
    expectTypeOf<Awaited<ReturnType<FlyAgents["provision"]>>["machineDocId"]>().toEqualTypeOf<AgentId>();
    expectTypeOf<
      Awaited<ReturnType<FlyAgents["recreateFromLatestSnapshot"]>>["machineDocId"]
    >().toEqualTypeOf<AgentId>();
    expectTypeOf<NonNullable<Awaited<ReturnType<FlyAgents["get"]>>>["_id"]>().toEqualTypeOf<AgentId>();
    expectTypeOf<Awaited<ReturnType<FlyAgents["listByTenant"]>>[number]["_id"]>().toEqualTypeOf<AgentId>();
    expectTypeOf<Awaited<ReturnType<FlyAgents["listByTenantPage"]>>["page"][number]["_id"]>().toEqualTypeOf<AgentId>();
    expectTypeOf<AgentRef["machineDocId"]>().toEqualTypeOf<AgentId>();
  });

  test("the client takes a plain string wherever it takes an agent id", () => {
    async function calls(agents: FlyAgents, ctx: Ctx, machineDocId: string) {
      await agents.get(ctx, { machineDocId });
      await agents.start(ctx, { machineDocId });
      await agents.approveTelegramPairing(ctx, { machineDocId, telegramPairingCode: "ABCD2345" });
      await agents.touchActivity(ctx, { machineDocId });
      const made = await agents.provision(ctx, { tenantId: "t", userId: "u" });
      // An AgentId goes wherever a string does.
      const id: string = made.machineDocId;
      await agents.stop(ctx, { machineDocId: made.machineDocId });
      return id;
    }
    expectTypeOf(calls).returns.resolves.toBeString();
  });

  test("host code still builds the component's results from plain strings", () => {
    expectTypeOf<Infer<typeof vAgentMachine>["_id"]>().toEqualTypeOf<string>();
    expectTypeOf<Infer<typeof vProvisionResult>["machineDocId"]>().toEqualTypeOf<string>();
    expectTypeOf<FunctionReturnType<ComponentApi["lib"]["getAgentMachine"]>>().toExtend<{ _id: string } | null>();
  });
});
