/**
 * Type tests of the component's API as the example app sees it (`components.flyAgents.lib.*`
 * from its `_generated/api`): every function of the original @okrlinkhub/fly-agents API keeps
 * its kind and its argument names, return types say what they return and hold no secret, and
 * misuses fail to compile. Run by `vitest run --typecheck`.
 */
import { describe, expectTypeOf, test } from "vitest";
import type { FunctionArgs, FunctionReturnType, GenericActionCtx, GenericDataModel } from "convex/server";
import { v } from "convex/values";
import { api, components } from "./_generated/api.js";
import { action } from "./_generated/server.js";

type Lib = typeof components.flyAgents.lib;
type Args<N extends keyof Lib> = FunctionArgs<Lib[N]>;
type Returns<N extends keyof Lib> = FunctionReturnType<Lib[N]>;
/** The keys a caller must pass. */
type RequiredKeys<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? never : K }[keyof T];

// Argument names of the original API, from its README's example.
type ProvisionNames =
  | "userId"
  | "tenantId"
  | "flyApiToken"
  | "flyAppName"
  | "llmModel"
  | "llmApiKey"
  | "telegramBotToken"
  | "bridgeUrl"
  | "allowedSkillsJson"
  | "appKey"
  | "serviceId"
  | "serviceKey"
  | "openclawGatewayToken";
type ProvisionStoredNames = Exclude<ProvisionNames, "flyApiToken" | "openclawGatewayToken"> | "secretsEncryptionKey";
type MachineNames = "machineDocId" | "flyAppName" | "flyApiToken";
type MachineStoredNames = "machineDocId" | "flyAppName" | "secretsEncryptionKey";
type SecretNames = "flyApiToken" | "llmApiKey" | "telegramBotToken" | "appKey" | "serviceKey" | "openclawGatewayToken";

type Spec<Kind extends "query" | "mutation" | "action", Required extends string, Names extends string> = {
  kind: Kind;
  required: Required;
  names: Names;
};
type ProvisionRequired = "tenantId" | "userId" | "flyAppName" | "flyApiToken" | "openclawGatewayToken";
type MachineRequired = "machineDocId" | "flyAppName" | "flyApiToken";

/** Every function of the original API (and the four secrets functions added since), as callers use it. */
type Expected = {
  provisionAgentMachine: Spec<"action", ProvisionRequired, ProvisionNames>;
  recreateAgentFromLatestSnapshot: Spec<"action", ProvisionRequired, ProvisionNames>;
  startAgentMachine: Spec<"action", MachineRequired, MachineNames>;
  stopAgentMachine: Spec<"action", MachineRequired, MachineNames>;
  deprovisionAgentMachine: Spec<"action", MachineRequired, MachineNames>;
  touchAgentActivity: Spec<"mutation", "machineDocId", "machineDocId">;
  createAgentSnapshot: Spec<"action", MachineRequired, MachineNames>;
  listAgentMachinesByTenant: Spec<"query", "tenantId", "tenantId">;
  getAgentMachine: Spec<"query", "machineDocId", "machineDocId">;
  updateAllowedSkills: Spec<"mutation", "machineDocId" | "allowedSkills", "machineDocId" | "allowedSkills">;
  upsertAgentSecrets: Spec<
    "mutation",
    "tenantId" | "userId",
    "tenantId" | "userId" | "secretsEncryptionKey" | SecretNames
  >;
  getAgentSecretsMeta: Spec<"query", "tenantId" | "userId", "tenantId" | "userId">;
  clearAgentSecrets: Spec<"mutation", "tenantId" | "userId", "tenantId" | "userId">;
  provisionAgentMachineWithStoredSecrets: Spec<"action", "tenantId" | "userId" | "flyAppName", ProvisionStoredNames>;
  recreateAgentFromLatestSnapshotWithStoredSecrets: Spec<
    "action",
    "tenantId" | "userId" | "flyAppName",
    ProvisionStoredNames
  >;
  startAgentMachineWithStoredSecrets: Spec<"action", "machineDocId" | "flyAppName", MachineStoredNames>;
  stopAgentMachineWithStoredSecrets: Spec<"action", "machineDocId" | "flyAppName", MachineStoredNames>;
  deprovisionAgentMachineWithStoredSecrets: Spec<"action", "machineDocId" | "flyAppName", MachineStoredNames>;
  createAgentSnapshotWithStoredSecrets: Spec<"action", "machineDocId" | "flyAppName", MachineStoredNames>;
  approveTelegramPairing: Spec<"action", MachineRequired | "telegramPairingCode", MachineNames | "telegramPairingCode">;
  approveTelegramPairingWithStoredSecrets: Spec<
    "action",
    "machineDocId" | "flyAppName" | "telegramPairingCode",
    MachineStoredNames | "telegramPairingCode"
  >;
  upsertCompanySecrets: Spec<"mutation", "tenantId", "tenantId" | "secretsEncryptionKey" | SecretNames>;
  getCompanySecretsMeta: Spec<"query", "tenantId", "tenantId">;
  clearCompanySecrets: Spec<"mutation", "tenantId", "tenantId">;
  rotateSecretsEncryptionKey: Spec<"action", never, "secretsEncryptionKey">;
};
type Name = keyof Expected & keyof Lib;

describe("components.flyAgents.lib keeps the original API", () => {
  test("every original function exists", () => {
    expectTypeOf<Exclude<keyof Expected, keyof Lib>>().toEqualTypeOf<never>();
  });

  test("each is the same kind of function", () => {
    expectTypeOf<{ [N in Name]: Lib[N]["_type"] }>().toEqualTypeOf<{ [N in Name]: Expected[N]["kind"] }>();
  });

  test("each requires exactly its required arguments", () => {
    expectTypeOf<{ [N in Name]: RequiredKeys<Args<N>> }>().toEqualTypeOf<{ [N in Name]: Expected[N]["required"] }>();
  });

  test("each accepts every original argument name", () => {
    expectTypeOf<{ [N in Name]: Exclude<Expected[N]["names"], keyof Args<N>> }>().toEqualTypeOf<{
      [N in Name]: never;
    }>();
  });

  test("the original README's example compiles unchanged", () => {
    const provision = action({
      args: {
        userId: v.string(),
        tenantId: v.string(),
        flyApiToken: v.string(),
        flyAppName: v.string(),
        llmModel: v.string(),
        llmApiKey: v.string(),
        telegramBotToken: v.string(),
        bridgeUrl: v.string(),
        allowedSkillsJson: v.string(),
        appKey: v.string(),
        serviceId: v.string(),
        serviceKey: v.string(),
        openclawGatewayToken: v.string(),
      },
      handler: async (ctx, args) => {
        return await ctx.runAction(components.flyAgents.lib.provisionAgentMachine, args);
      },
    });
    expectTypeOf(provision).not.toBeAny();

    async function approve(ctx: GenericActionCtx<GenericDataModel>, machineDocId: string) {
      await ctx.runAction(components.flyAgents.lib.approveTelegramPairingWithStoredSecrets, {
        machineDocId,
        flyAppName: "your-fly-app",
        telegramPairingCode: "<PAIRING_CODE>",
      });
    }
    expectTypeOf(approve).returns.resolves.toBeVoid();
  });
});

describe("return types", () => {
  test("provisioning says which machine and volume it made, and the model it verified", () => {
    type Provisioned = {
      machineDocId: string;
      machineId: string;
      volumeId: string;
      effectiveModel?: string;
      restoredFromSnapshotId?: string;
    };
    expectTypeOf<Returns<"provisionAgentMachine">>().toEqualTypeOf<Provisioned>();
    expectTypeOf<Returns<"provisionAgentMachineWithStoredSecrets">>().toEqualTypeOf<Provisioned>();
    expectTypeOf<Returns<"recreateAgentFromLatestSnapshot">>().toEqualTypeOf<Provisioned>();
    expectTypeOf<Returns<"recreateAgentFromLatestSnapshotWithStoredSecrets">>().toEqualTypeOf<Provisioned>();
  });

  test("lifecycle actions return nothing but deprovision's summary; snapshots return their status", () => {
    expectTypeOf<Returns<"startAgentMachine" | "stopAgentMachine" | "approveTelegramPairing">>().toBeNull();
    expectTypeOf<Returns<"deprovisionAgentMachine" | "deprovisionAgentMachineWithStoredSecrets">>().toEqualTypeOf<{
      alreadyDeleted: boolean;
      machineFound: boolean;
      machineRemovedFromFly: boolean;
      volumeRemovedFromFly: boolean;
      recordMarkedDeleted: boolean;
    }>();
    expectTypeOf<Returns<"createAgentSnapshot">>().toEqualTypeOf<{
      snapshotId: string;
      flyVolumeSnapshotId?: string;
      status: "pending" | "waiting" | "running" | "created" | "failed";
    }>();
    expectTypeOf<Returns<"rotateSecretsEncryptionKey">>().toEqualTypeOf<{
      keyId: string;
      rotated: number;
      batches: number;
    }>();
  });

  test("agent records and secrets meta hold no secret, only booleans", () => {
    type Agent = NonNullable<Returns<"getAgentMachine">>;
    expectTypeOf<Returns<"listAgentMachinesByTenant">>().toEqualTypeOf<Agent[]>();
    expectTypeOf<Agent["status"]>().toEqualTypeOf<"provisioning" | "running" | "stopped" | "error" | "deleted">();
    expectTypeOf<Extract<keyof Agent, SecretNames | "secretsEncryptionKey">>().toEqualTypeOf<never>();

    type Meta = NonNullable<Returns<"getAgentSecretsMeta">>;
    expectTypeOf<Extract<keyof Meta, SecretNames>>().toEqualTypeOf<never>();
    expectTypeOf<
      Meta["hasLlmApiKey"] | Meta["hasTelegramBotToken"] | Meta["hasOpenclawGatewayToken"]
    >().toEqualTypeOf<boolean>();
    expectTypeOf<Returns<"getCompanySecretsMeta">>().toExtend<{ tenantId: string; hasLlmApiKey: boolean } | null>();
  });
});

describe("misuse does not compile", () => {
  test("a wrong argument name, a missing argument, a wrong use of a result", () => {
    async function misuse(ctx: GenericActionCtx<GenericDataModel>) {
      await ctx.runAction(components.flyAgents.lib.approveTelegramPairingWithStoredSecrets, {
        machineDocId: "m",
        flyAppName: "your-fly-app",
        telegramPairingCode: "ABCD1234",
        // @ts-expect-error the argument is telegramPairingCode, not pairingCode
        pairingCode: "ABCD1234",
      });

      // @ts-expect-error provisionAgentMachine needs openclawGatewayToken: OpenClaw will not bind without it
      await ctx.runAction(components.flyAgents.lib.provisionAgentMachine, {
        userId: "u",
        tenantId: "t",
        flyApiToken: "fly",
        flyAppName: "your-fly-app",
      });

      // @ts-expect-error a query is not an action
      await ctx.runAction(components.flyAgents.lib.getAgentMachine, { machineDocId: "m" });

      const result = await ctx.runAction(components.flyAgents.lib.provisionAgentMachineWithStoredSecrets, {
        userId: "u",
        tenantId: "t",
        flyAppName: "your-fly-app",
      });
      // @ts-expect-error machineDocId is a string id, not a number
      const docNumber: number = result.machineDocId;

      const meta = await ctx.runQuery(components.flyAgents.lib.getAgentSecretsMeta, { tenantId: "t", userId: "u" });
      // @ts-expect-error secrets meta says whether a key is stored, never the key
      const leaked: string | undefined = meta?.llmApiKey;

      // @ts-expect-error the agent may not exist: the result can be null
      const status: string = (await ctx.runQuery(components.flyAgents.lib.getAgentMachine, { machineDocId: "m" }))
        .status;
      return [docNumber, leaked, status];
    }
    expectTypeOf(misuse).toBeFunction();
  });
});

describe("agent ids in the functions exposeApi made", () => {
  test("return plain strings, so host code that builds their results (test data, mocks) compiles", () => {
    type Exposed = typeof api.agents;
    expectTypeOf<NonNullable<FunctionReturnType<Exposed["getAgent"]>>["_id"]>().toEqualTypeOf<string>();
    expectTypeOf<FunctionReturnType<Exposed["listAgents"]>["page"][number]["_id"]>().toEqualTypeOf<string>();
    expectTypeOf<FunctionReturnType<Exposed["provision"]>["machineDocId"]>().toEqualTypeOf<string>();
    expectTypeOf<FunctionReturnType<Exposed["recreateFromLatestSnapshot"]>["machineDocId"]>().toEqualTypeOf<string>();
  });
});
