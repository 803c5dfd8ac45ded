/**
 * What the `auth` callback of `exposeApi` is asked about: a request, typed per kind, carrying
 * every argument that changes what runs on the agent's Machine or where secrets go, so that a
 * host can refuse on any of them. (A request is what a caller asks for; the operation that may
 * follow, and its audit event, are the component's.)
 */
import type {
  AgentId,
  AgentMachine,
  AgentSettings,
  AgentStatus,
  SecretField,
  SecretsSource as ComponentSecretsSource,
} from "../component/validators.js";

/**
 * Where an agent's secrets come from, field by field, as stored now: the user's own secrets win,
 * then the tenant's defaults; `host` lists what the host's own configuration supplies (the Fly
 * token `exposeApi`'s options or the host's FLY_API_TOKEN give, else the FLY_API_TOKEN bound to
 * the component when no Fly token is stored). The component checks, in the same action and
 * before any Fly call, that what it uses comes from where this says (`secrets_changed`).
 */
export type SecretsSource = ComponentSecretsSource;

/** An agent a request concerns: its tenant, its user and its id. */
export type AgentRef = Pick<AgentMachine, "tenantId" | "userId"> & { machineDocId: AgentId };

/** What an exposed function is about to do, to whom, and with which arguments. */
export type FlyAgentsRequest =
  | { kind: "listAgents"; tenantId: string; status?: AgentStatus }
  | ({ kind: "readAudit"; tenantId: string } & Partial<AgentRef>)
  | {
      kind: "provision" | "recreate";
      tenantId: string;
      userId: string;
      /** The settings the caller chose; the rest come from the component's defaults. */
      settings: AgentSettings;
      /** Whose secrets the new Machine will hold. */
      secretsFrom: SecretsSource;
    }
  | ({ kind: "readAgent" | "start" | "stop" | "restart" | "deprovision" | "snapshot" | "sync" } & AgentRef)
  | ({ kind: "pairing"; telegramPairingCode: string } & AgentRef)
  | ({
      /** The kind the audit trail records when the whitelist is applied to the Machine. */
      kind: "update_skills";
      allowedSkills: string[];
      /** Whether the new whitelist is written to the Machine now (a restart with its secrets). */
      applyToMachine: boolean;
      /**
       * Whose secrets the agent's Machine holds, as its record says (`secretsFrom`, written at
       * provisioning); for an agent without one, where its secrets would come from now.
       */
      secretsFrom: SecretsSource;
    } & AgentRef)
  | { kind: "readSecrets"; tenantId: string; userId?: string }
  | {
      kind: "writeSecrets";
      tenantId: string;
      /** Absent: the tenant's default secrets. */
      userId?: string;
      /** The secrets the call sets or removes (every field for a clear). */
      keys: SecretField[];
      /** True when every stored secret of the owner is deleted. */
      clear: boolean;
    };

/** The request kinds that name an agent by id. */
export type AgentRequestKind = Extract<FlyAgentsRequest, AgentRef>["kind"];
