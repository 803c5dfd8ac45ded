/**
 * What an agent is made of, checked before any Fly call: the seed's runtime values and rules,
 * and the Fly machine config they become.
 */
import type { ObjectType } from "convex/values";
import { flyAgentsError } from "./errors.js";
import type { MachineConfig } from "./fly/schemas.js";
import { checkBridgeUrl, checkId, checkImage, checkMemory, checkSecret, checkSkills, GUEST } from "./limits.js";
import type { agentSpecArgs, flyTargetArgs, secretArgs } from "./validators.js";

/**
 * 0.1.x's default: the hardened OpenClaw image the seed describes (clean /tmp at boot, readiness
 * watchdog, no forced --dev). A fixed tag, not `:latest`, so restarts keep one OpenClaw version.
 */
export const DEFAULT_IMAGE = "registry.fly.io/linkhub-agents:openclaw-okr-v1";
export const DEFAULT_REGION = "iad";
/** OpenClaw's gateway and model runtime want 2 GB. */
export const DEFAULT_MEMORY_MB = 2048;
/** Seconds OpenClaw may take to bind its gateway before it fails fast and Fly restarts it. */
export const DEFAULT_STARTUP_TIMEOUT_SEC = 240;
/** The longest startupTimeoutSec accepted (the gateway wait budget in lifetime.ts follows it). */
export const MAX_STARTUP_TIMEOUT_SEC = 600;
/** The volume holding OpenClaw's state (model, pairings, sessions). */
export const DEFAULT_VOLUME_SIZE_GB = 1;
export const STATE_MOUNT_PATH = "/data";
/** The port OpenClaw's gateway listens on inside the machine. */
export const GATEWAY_PORT = 3000;
/** Fly restarts a crashed machine this many times (its default policy, made explicit). */
export const RESTART_MAX_RETRIES = 10;
/** Machine metadata key that tags every machine with its agent. */
export const AGENT_KEY_METADATA = "fly_agents_key";

/** Models the seed forbids (with or without a provider prefix, with or without a date suffix). */
const FORBIDDEN_MODEL = /^gpt-5-mini(-\d{4}-\d{2}-\d{2})?$/i;
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$/;
const PAIRING_CODE = /^[A-Z0-9]{6,12}$/;
const FLY_APP_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const FLY_REGION = /^[a-z]{3}$/;

/** Everything provisioning needs, resolved and checked. Secrets live only here and on Fly. */
export type AgentSpec = {
  tenantId: string;
  userId: string;
  flyAppName: string;
  image: string;
  region: string;
  memoryMB: number;
  llmModel: string;
  allowedSkills: string[];
  bridgeUrl: string;
  serviceId: string;
  startupTimeoutSec: number;
  gatewayDevMode: boolean;
  secrets: {
    llmApiKey: string;
    openaiApiKey?: string;
    telegramBotToken: string;
    appKey: string;
    serviceKey: string;
    openclawGatewayToken: string;
  };
};

/** Everything an agent is made from, before defaults and checks: the provisioning arguments that shape it. */
export type AgentSpecInput = ObjectType<
  typeof agentSpecArgs & Pick<typeof flyTargetArgs, "flyAppName"> & Pick<typeof secretArgs, "openclawGatewayToken">
>;

function invalid(message: string): never {
  throw flyAgentsError("invalid_argument", message);
}

export function checkFlyAppName(flyAppName: string): void {
  if (!FLY_APP_NAME.test(flyAppName)) {
    invalid(
      `flyAppName ${JSON.stringify(flyAppName.slice(0, 80))} is not a Fly app name: use lowercase letters, digits and dashes (as in \`fly apps create my-agents\`).`,
    );
  }
}

/** Rejects the model the seed forbids and anything that is not a model id. Returns it trimmed. */
export function checkModel(llmModel: string): string {
  const model = llmModel.trim();
  if (!MODEL_ID.test(model)) {
    invalid(
      `llmModel ${JSON.stringify(model.slice(0, 80))} is not a model id: use letters, digits and . _ : @ / + -, with a provider prefix, e.g. "moonshotai/kimi-k2.5".`,
    );
  }
  const name = model.split("/").pop() ?? model;
  if (FORBIDDEN_MODEL.test(name)) {
    invalid(
      `llmModel "${model}" is not supported: OpenClaw agents must not run on gpt-5-mini. Pick another model, e.g. "moonshotai/kimi-k2.5".`,
    );
  }
  return model;
}

/** The skill whitelist from `allowedSkills` or `allowedSkillsJson` (a JSON array of strings). */
export function parseAllowedSkills(allowedSkills?: string[], allowedSkillsJson?: string): string[] {
  let fromJson: string[] | undefined;
  if (allowedSkillsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(allowedSkillsJson);
    } catch {
      invalid(
        `allowedSkillsJson is not valid JSON. Pass a JSON array of skill names, e.g. '["calendar","email"]', or pass allowedSkills as an array.`,
      );
    }
    if (!Array.isArray(parsed) || !parsed.every((skill) => typeof skill === "string")) {
      invalid(
        `allowedSkillsJson must be a JSON array of strings, e.g. '["calendar","email"]'; got ${JSON.stringify(allowedSkillsJson.slice(0, 80))}.`,
      );
    }
    fromJson = parsed as string[];
  }
  const skills = allowedSkills ?? fromJson ?? [];
  if (allowedSkills && fromJson && JSON.stringify(allowedSkills) !== JSON.stringify(fromJson)) {
    invalid("allowedSkills and allowedSkillsJson disagree. Pass only one of them.");
  }
  checkSkills(skills);
  return skills;
}

/** A pairing code as OpenClaw issues them (upper-case letters and digits). Returns it normalized. */
export function checkPairingCode(code: string): string {
  const normalized = code.trim().toUpperCase();
  if (!PAIRING_CODE.test(normalized)) {
    invalid(
      `telegramPairingCode ${JSON.stringify(code.slice(0, 40))} does not look like an OpenClaw pairing code: ` +
        "6 to 12 letters and digits, exactly as the bot sent it to the user.",
    );
  }
  return normalized;
}

/**
 * Checks every input and resolves defaults. `secretsHint` tells the caller where missing
 * secrets can come from. Throws before anything is written or called.
 */
export function resolveAgentSpec(input: AgentSpecInput, secretsHint: string): AgentSpec {
  checkId("tenantId", input.tenantId);
  checkId("userId", input.userId);
  checkFlyAppName(input.flyAppName);
  const regions = regionList(input.region ?? DEFAULT_REGION);
  if (regions.length === 0 || !regions.every((code) => FLY_REGION.test(code)))
    invalid(
      `region ${JSON.stringify((input.region ?? "").slice(0, 80))} is not a Fly region code such as "iad", ` +
        'or an ordered list of them such as "iad,dfw" (the next is tried when Fly has no room in one).',
    );
  const region = regions.join(",");
  const memoryMB = input.memoryMB ?? DEFAULT_MEMORY_MB;
  checkMemory(memoryMB);
  const startupTimeoutSec = input.startupTimeoutSec ?? DEFAULT_STARTUP_TIMEOUT_SEC;
  if (!Number.isInteger(startupTimeoutSec) || startupTimeoutSec < 1 || startupTimeoutSec > MAX_STARTUP_TIMEOUT_SEC) {
    invalid(
      `startupTimeoutSec must be a whole number of seconds from 1 to ${MAX_STARTUP_TIMEOUT_SEC}; got ${startupTimeoutSec}.`,
    );
  }
  const image = input.image ?? DEFAULT_IMAGE;
  checkImage(image);
  if (input.bridgeUrl !== undefined && input.bridgeUrl.trim() !== "") checkBridgeUrl(input.bridgeUrl);
  if (input.serviceId !== undefined && input.serviceId.trim() !== "") checkId("serviceId", input.serviceId);
  if (input.openclawGatewayToken !== undefined && input.openclawGatewayToken.trim() === "") {
    invalid(
      "openclawGatewayToken is empty. OpenClaw refuses to bind its gateway without it, and the machine would look healthy while serving nothing. Pass a random token (e.g. `openssl rand -hex 32`).",
    );
  }
  const allowedSkills = parseAllowedSkills(input.allowedSkills, input.allowedSkillsJson);
  const llmModel = input.llmModel === undefined ? undefined : checkModel(input.llmModel);

  const required: Array<[string, string, string | undefined]> = [
    ["llmModel", "LLM_MODEL", llmModel],
    ["llmApiKey", "LLM_API_KEY", input.llmApiKey],
    ["telegramBotToken", "TELEGRAM_BOT_TOKEN", input.telegramBotToken],
    ["bridgeUrl", "AGENT_BRIDGE_URL", input.bridgeUrl],
    ["appKey", "OPENCLAW_APP_KEY", input.appKey],
    ["serviceId", "OPENCLAW_SERVICE_ID", input.serviceId],
    ["serviceKey", "OPENCLAW_SERVICE_KEY", input.serviceKey],
    ["openclawGatewayToken", "OPENCLAW_GATEWAY_TOKEN", input.openclawGatewayToken],
  ];
  for (const field of [
    "llmApiKey",
    "openaiApiKey",
    "telegramBotToken",
    "appKey",
    "serviceKey",
    "openclawGatewayToken",
  ] as const) {
    const value = input[field];
    if (value !== undefined && value !== "") checkSecret(field, value);
  }
  const missing = required.filter(([, , value]) => value === undefined || value.trim() === "");
  if (missing.length > 0) {
    invalid(
      `Missing ${missing.map(([arg, envName]) => `${arg} (${envName})`).join(", ")}. ` +
        `OpenClaw needs every one of them to start. ${secretsHint}`,
    );
  }
  return {
    tenantId: input.tenantId,
    userId: input.userId,
    flyAppName: input.flyAppName,
    image,
    region,
    memoryMB,
    llmModel: llmModel as string,
    allowedSkills,
    bridgeUrl: input.bridgeUrl as string,
    serviceId: input.serviceId as string,
    startupTimeoutSec,
    gatewayDevMode: input.gatewayDevMode ?? false,
    secrets: {
      llmApiKey: input.llmApiKey as string,
      openaiApiKey: input.openaiApiKey,
      telegramBotToken: input.telegramBotToken as string,
      appKey: input.appKey as string,
      serviceKey: input.serviceKey as string,
      openclawGatewayToken: input.openclawGatewayToken as string,
    },
  };
}

/**
 * The regions of an agent's `region`, in order: one code ("iad") or an ordered list ("iad,dfw"),
 * where the next is tried when Fly has no capacity in one.
 */
export function regionList(region: string): string[] {
  return region
    .split(",")
    .map((code) => code.trim())
    .filter((code) => code !== "");
}

/** Fly names for an agent's resources (volume names allow only lowercase, digits, underscores). */
export function volumeNameFor(agentKey: string): string {
  return `fa_${agentKey}`;
}
export function machineNameFor(agentKey: string): string {
  return `fa-${agentKey}`;
}

/** The env vars of `agentEnv` that carry secrets: what a redactor learns from a Machine's config. */
export const SECRET_ENV_NAMES = [
  "LLM_API_KEY",
  "OPENAI_API_KEY",
  "TELEGRAM_BOT_TOKEN",
  "OPENCLAW_APP_KEY",
  "OPENCLAW_SERVICE_KEY",
  "OPENCLAW_GATEWAY_TOKEN",
] as const;

/** The machine's environment: the seed's runtime values. */
export function agentEnv(spec: AgentSpec): Record<string, string> {
  return {
    LLM_MODEL: spec.llmModel,
    LLM_API_KEY: spec.secrets.llmApiKey,
    ...(spec.secrets.openaiApiKey ? { OPENAI_API_KEY: spec.secrets.openaiApiKey } : {}),
    TELEGRAM_BOT_TOKEN: spec.secrets.telegramBotToken,
    AGENT_BRIDGE_URL: spec.bridgeUrl,
    ALLOWED_SKILLS_JSON: JSON.stringify(spec.allowedSkills),
    OPENCLAW_APP_KEY: spec.secrets.appKey,
    TENANT_ID: spec.tenantId,
    USER_ID: spec.userId,
    OPENCLAW_SERVICE_ID: spec.serviceId,
    OPENCLAW_SERVICE_KEY: spec.secrets.serviceKey,
    OPENCLAW_GATEWAY_TOKEN: spec.secrets.openclawGatewayToken,
    OPENCLAW_STARTUP_TIMEOUT_SEC: String(spec.startupTimeoutSec),
    OPENCLAW_GATEWAY_DEV_MODE: spec.gatewayDevMode ? "true" : "false",
    OPENCLAW_STATE_DIR: `${STATE_MOUNT_PATH}/.openclaw`,
  };
}

/** The whole Fly machine config for an agent (Fly replaces configs whole, never merges). */
export function agentMachineConfig(
  spec: AgentSpec,
  tags: { agentKey: string; machineDocId: string },
  volumeId: string,
): MachineConfig {
  return {
    image: spec.image,
    env: agentEnv(spec),
    guest: { cpu_kind: GUEST.cpuKind, cpus: GUEST.cpus, memory_mb: spec.memoryMB },
    mounts: [{ volume: volumeId, path: STATE_MOUNT_PATH }],
    restart: { policy: "on-failure", max_retries: RESTART_MAX_RETRIES },
    checks: {
      gateway: {
        type: "tcp",
        port: GATEWAY_PORT,
        interval: "15s",
        timeout: "10s",
        // The gateway may take the whole start-up timeout to bind: no false alarms before.
        grace_period: `${spec.startupTimeoutSec}s`,
      },
    },
    metadata: {
      [AGENT_KEY_METADATA]: tags.agentKey,
      fly_agents_doc: tags.machineDocId,
      fly_agents_tenant: spec.tenantId,
      fly_agents_user: spec.userId,
    },
    auto_destroy: false,
  };
}
