/**
 * Drop-in for 0.1.x callers: every function of @okrlinkhub/fly-agents 0.1.x, written here as
 * data (kind, arguments with `!` for required, return fields), compared with the validators
 * our functions export. Nothing may be missing, no argument newly required, and no return
 * field dropped, except the two 0.1.x returned in clear from agent records (`appKey`,
 * `serviceKey`), and getCompanySecrets' secret values, each replaced by whether it is set.
 *
 * The data comes from 0.1.x's generated component API (its `_generated/component.ts`) and,
 * for what 0.1.3 added (tenant defaults, deprovision's summary), from issue 14's measurement.
 */
import { describe, expect, it } from "vitest";
import * as lib from "../lib.js";

type Kind = "query" | "mutation" | "action";
type Returns = "null" | { shape: "object" | "object|null" | "array"; fields: string };
type V01Function = { kind: Kind; args: string; returns: Returns };

const MACHINE = "machineDocId! flyAppName! flyApiToken!";
const MACHINE_STORED = "machineDocId! flyAppName! flyApiToken secretsEncryptionKey!";
const SPEC_ARGS =
  "tenantId! userId! flyAppName! image region memoryMB llmModel llmApiKey openaiApiKey telegramBotToken " +
  "bridgeUrl allowedSkills allowedSkillsJson appKey serviceId serviceKey";
const PROVISION = `${SPEC_ARGS} flyApiToken! openclawGatewayToken!`;
const PROVISION_STORED = `${SPEC_ARGS} flyApiToken openclawGatewayToken secretsEncryptionKey!`;
const PROVISIONED: Returns = { shape: "object", fields: "machineDocId machineId volumeId" };
const SNAPSHOT: Returns = { shape: "object", fields: "snapshotId flyVolumeSnapshotId" };
const DEPROVISIONED: Returns = {
  shape: "object",
  fields: "alreadyDeleted machineFound machineRemovedFromFly volumeRemovedFromFly recordMarkedDeleted",
};
const RECORD =
  "_id _creationTime tenantId userId machineId flyVolumeId status allowedSkills memoryMB appKey bridgeUrl " +
  "serviceId serviceKey region lastWakeAt lastActivityAt lifecycleMode latestSnapshotId lastError";
const AGENT_SECRETS =
  "tenantId! userId! secretsEncryptionKey! flyApiToken llmApiKey openaiApiKey openclawGatewayToken telegramBotToken";
const AGENT_META =
  "tenantId userId updatedAt hasFlyApiToken hasLlmApiKey hasOpenaiApiKey hasOpenclawGatewayToken hasTelegramBotToken";
const TENANT_VALUES =
  "flyAppName image llmModel openclawAppKey allowedSkillsJson flyApiToken llmApiKey openaiApiKey openclawGatewayToken";
const COMPANY_META =
  "tenantId updatedAt hasFlyAppName hasImage hasLlmModel hasOpenclawAppKey hasAllowedSkillsJson " +
  "hasFlyApiToken hasLlmApiKey hasOpenaiApiKey hasOpenclawGatewayToken";

const V01: Record<string, V01Function> = {
  provisionAgentMachine: { kind: "action", args: `${PROVISION} restoreFromLatestSnapshot`, returns: PROVISIONED },
  provisionAgentMachineWithStoredSecrets: {
    kind: "action",
    args: `${PROVISION_STORED} restoreFromLatestSnapshot`,
    returns: PROVISIONED,
  },
  recreateAgentFromLatestSnapshot: { kind: "action", args: PROVISION, returns: PROVISIONED },
  recreateAgentFromLatestSnapshotWithStoredSecrets: { kind: "action", args: PROVISION_STORED, returns: PROVISIONED },
  startAgentMachine: { kind: "action", args: MACHINE, returns: "null" },
  startAgentMachineWithStoredSecrets: { kind: "action", args: MACHINE_STORED, returns: "null" },
  stopAgentMachine: { kind: "action", args: MACHINE, returns: "null" },
  stopAgentMachineWithStoredSecrets: { kind: "action", args: MACHINE_STORED, returns: "null" },
  deprovisionAgentMachine: { kind: "action", args: MACHINE, returns: DEPROVISIONED },
  deprovisionAgentMachineWithStoredSecrets: { kind: "action", args: MACHINE_STORED, returns: DEPROVISIONED },
  createAgentSnapshot: { kind: "action", args: MACHINE, returns: SNAPSHOT },
  createAgentSnapshotWithStoredSecrets: { kind: "action", args: MACHINE_STORED, returns: SNAPSHOT },
  approveTelegramPairing: { kind: "action", args: `${MACHINE} telegramPairingCode!`, returns: "null" },
  approveTelegramPairingWithStoredSecrets: {
    kind: "action",
    args: `${MACHINE_STORED} telegramPairingCode!`,
    returns: "null",
  },
  touchAgentActivity: { kind: "mutation", args: "machineDocId!", returns: "null" },
  updateAllowedSkills: { kind: "mutation", args: "machineDocId! allowedSkills!", returns: "null" },
  getAgentMachine: { kind: "query", args: "machineDocId!", returns: { shape: "object|null", fields: RECORD } },
  listAgentMachinesByTenant: { kind: "query", args: "tenantId!", returns: { shape: "array", fields: RECORD } },
  upsertAgentSecrets: { kind: "mutation", args: AGENT_SECRETS, returns: { shape: "object", fields: AGENT_META } },
  getAgentSecretsMeta: {
    kind: "query",
    args: "tenantId! userId!",
    returns: { shape: "object|null", fields: AGENT_META },
  },
  clearAgentSecrets: { kind: "mutation", args: "tenantId! userId!", returns: "null" },
  upsertCompanySecrets: {
    kind: "mutation",
    args: `tenantId! secretsEncryptionKey! ${TENANT_VALUES}`,
    returns: { shape: "object", fields: COMPANY_META },
  },
  getCompanySecretsMeta: { kind: "query", args: "tenantId!", returns: { shape: "object|null", fields: COMPANY_META } },
  getCompanySecrets: {
    kind: "query",
    args: "tenantId! secretsEncryptionKey!",
    returns: { shape: "object|null", fields: `tenantId updatedAt ${TENANT_VALUES}` },
  },
  clearCompanySecrets: { kind: "mutation", args: "tenantId!", returns: "null" },
};

/** Return fields 0.1.x gave in clear that we withhold, and what (if anything) stands in for each. */
const WITHHELD: Record<string, Record<string, string | null>> = {
  getAgentMachine: { appKey: null, serviceKey: null },
  listAgentMachinesByTenant: { appKey: null, serviceKey: null },
  getCompanySecrets: {
    openclawAppKey: "hasOpenclawAppKey",
    flyApiToken: "hasFlyApiToken",
    llmApiKey: "hasLlmApiKey",
    openaiApiKey: "hasOpenaiApiKey",
    openclawGatewayToken: "hasOpenclawGatewayToken",
  },
};

type ValidatorJson =
  | { type: "object"; value: Record<string, { fieldType: ValidatorJson; optional: boolean }> }
  | { type: "union"; value: ValidatorJson[] }
  | { type: "array"; value: ValidatorJson }
  | { type: string; value?: unknown };
type Registered = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  exportArgs(): string;
  exportReturns(): string;
};

function ours(name: string): Registered | undefined {
  return (lib as unknown as Record<string, Registered | undefined>)[name];
}

function kindOf(fn: Registered): Kind {
  return fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
}

/** The object inside a return validator, and the shape around it. */
function returnShape(json: ValidatorJson): { shape: string; fields?: Record<string, unknown> } {
  if (json.type === "null") return { shape: "null" };
  if (json.type === "object") return { shape: "object", fields: (json as { value: Record<string, unknown> }).value };
  if (json.type === "array") {
    const inner = returnShape((json as { value: ValidatorJson }).value);
    return { shape: "array", fields: inner.fields };
  }
  if (json.type === "union") {
    const members = (json as { value: ValidatorJson[] }).value;
    const objects = members.filter((member) => member.type === "object");
    if (objects.length === 1 && members.length === 2 && members.some((member) => member.type === "null")) {
      return { shape: "object|null", fields: (objects[0] as { value: Record<string, unknown> }).value };
    }
  }
  return { shape: json.type };
}

/** Everything a 0.1.x caller relies on that `name` no longer gives. */
function differences(name: string, v01: V01Function): string[] {
  const fn = ours(name);
  if (!fn) return [`${name}: missing`];
  const found: string[] = [];
  if (kindOf(fn) !== v01.kind) found.push(`${name}: is a ${kindOf(fn)}, 0.1.x had a ${v01.kind}`);
  const args = (JSON.parse(fn.exportArgs()) as { value: Record<string, { optional: boolean }> }).value;
  const v01Args = new Map(v01.args.split(/\s+/).map((arg) => [arg.replace(/!$/, ""), arg.endsWith("!")]));
  for (const arg of v01Args.keys()) if (!(arg in args)) found.push(`${name}: argument ${arg} missing`);
  for (const [arg, { optional }] of Object.entries(args)) {
    if (!optional && v01Args.get(arg) !== true) found.push(`${name}: argument ${arg} newly required`);
  }
  const returned = returnShape(JSON.parse(fn.exportReturns()) as ValidatorJson);
  if (v01.returns === "null") {
    if (returned.shape !== "null") found.push(`${name}: returns ${returned.shape}, 0.1.x returned null`);
    return found;
  }
  if (returned.shape !== v01.returns.shape) {
    found.push(`${name}: returns ${returned.shape}, 0.1.x returned ${v01.returns.shape}`);
  }
  for (const field of v01.returns.fields.split(/\s+/)) {
    const withheld = WITHHELD[name]?.[field];
    if (withheld !== undefined) {
      if (returned.fields && field in returned.fields) found.push(`${name}: returns secret ${field}`);
      if (withheld !== null && !(returned.fields && withheld in returned.fields)) {
        found.push(`${name}: withholds ${field} without ${withheld}`);
      }
    } else if (!returned.fields || !(field in returned.fields)) {
      found.push(`${name}: return field ${field} missing`);
    }
  }
  return found;
}

describe("the 0.1.x API", () => {
  it("is all here: nothing missing, nothing newly required, no secret returned", () => {
    const found = Object.entries(V01).flatMap(([name, v01]) => differences(name, v01));
    expect(found).toEqual([]);
  });

  it("the comparison catches a dropped argument, a new requirement and a dropped return field", () => {
    const changed: V01Function = {
      ...V01.startAgentMachine,
      args: "machineDocId flyAppName! flyApiToken! region!",
      returns: { shape: "object", fields: "machineId" },
    };
    expect(differences("startAgentMachine", changed)).toEqual([
      "startAgentMachine: argument region missing",
      "startAgentMachine: argument machineDocId newly required",
      "startAgentMachine: returns null, 0.1.x returned object",
      "startAgentMachine: return field machineId missing",
    ]);
    expect(
      differences("getAgentMachine", { ...V01.getAgentMachine, returns: { shape: "object|null", fields: "appKey" } }),
    ).toEqual([]);
    expect(differences("noSuchFunction", V01.startAgentMachine)).toEqual(["noSuchFunction: missing"]);
  });
});
