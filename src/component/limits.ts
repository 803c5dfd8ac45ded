/**
 * Bounds on every input that is written to a record or sent to Fly, checked before either
 * happens. Each check throws `invalid_argument` with a message that names the limit. The
 * README's "Input limits" table is rendered from `LIMIT_ROWS` (a test keeps them equal).
 */
import { flyAgentsError } from "./errors.js";

/** Ids and names (tenantId, userId, serviceId, machineDocId): enough for any UUID, email or Convex id. */
export const MAX_ID_CHARS = 128;
/** Skills in one whitelist: far more than any agent is given, and small enough to review. */
export const MAX_SKILLS = 100;
/** One skill name. */
export const MAX_SKILL_CHARS = 64;
/**
 * ALLOWED_SKILLS_JSON as sent to the Machine, in bytes. Linux refuses one environment string
 * over 128 KiB (MAX_ARG_STRLEN) and a Convex document is at most 1 MiB; this stays far inside both.
 */
export const MAX_SKILLS_JSON_BYTES = 8 * 1024;
/**
 * Memory of the agent's guest (shared CPU, 1 vCPU). Fly sets memory in multiples of 256 MB,
 * from 256 MB per shared vCPU up to 2 GB per shared vCPU (fly.io/docs/machines/guides-examples/machine-sizing).
 */
export const GUEST = { cpuKind: "shared", cpus: 1, memoryStepMB: 256, minMemoryMB: 256, maxMemoryMB: 2048 } as const;
/** A bridge URL, as browsers and most servers accept them. */
export const MAX_URL_CHARS = 2048;
/** An image reference, as Docker's reference grammar bounds a repository name. */
export const MAX_IMAGE_CHARS = 255;

/**
 * One secret value (a Fly token, an API key, a bot or gateway token), in characters. Each goes to
 * the Machine as one environment string, or to Fly as one HTTP header: real ones are a few
 * hundred to a few thousand characters, and Linux refuses one env string over 128 KiB.
 */
export const MAX_SECRET_CHARS = 16 * 1024;

/**
 * The longest `staleAfterMs` accepted: 30 days. An agent's operation lasts one action (minutes), so
 * anything longer can only be a unit mistake (seconds or microseconds passed as milliseconds).
 */
export const MAX_STALE_AFTER_MS = 30 * 24 * 3600_000;

/** The README table: one row per input. */
export const LIMIT_ROWS: ReadonlyArray<readonly [input: string, limit: string]> = [
  ["`tenantId`, `userId`, `serviceId`, `machineDocId`", `1 to ${MAX_ID_CHARS} characters, no control characters`],
  [
    "`allowedSkills` (or `allowedSkillsJson`)",
    `at most ${MAX_SKILLS} names, each 1 to ${MAX_SKILL_CHARS} letters, digits and \`. _ : @ / + -\`, ` +
      `at most ${MAX_SKILLS_JSON_BYTES / 1024} KiB as JSON`,
  ],
  [
    "`memoryMB`",
    `${GUEST.minMemoryMB} to ${GUEST.maxMemoryMB}, a multiple of ${GUEST.memoryStepMB} ` +
      `(Fly's sizes for ${GUEST.cpus} ${GUEST.cpuKind} vCPU)`,
  ],
  [
    "`bridgeUrl`",
    `an absolute \`https://\` URL (\`http://\` only for localhost), no user or password, at most ${MAX_URL_CHARS} characters`,
  ],
  ["`image`", `\`[registry/]name[:tag][@sha256:digest]\`, at most ${MAX_IMAGE_CHARS} characters`],
  ["`llmModel`", "1 to 200 letters, digits and `. _ : @ / + -`; not gpt-5-mini"],
  ["`region`", "a Fly region code: three lowercase letters"],
  ["`flyAppName`", "1 to 63 lowercase letters, digits and dashes"],
  ["`startupTimeoutSec`", "a whole number from 1 to 600"],
  ["`telegramPairingCode`", "6 to 12 letters and digits"],
  ["`staleAfterMs`", `a whole number of milliseconds from 0 to ${MAX_STALE_AFTER_MS} (30 days)`],
  [
    "secrets (`flyApiToken`, `llmApiKey`, `openaiApiKey`, `telegramBotToken`, `openclawGatewayToken`, `appKey`, `serviceKey`)",
    `at most ${MAX_SECRET_CHARS} characters of printable ASCII (spaces allowed)`,
  ],
];

function invalid(message: string): never {
  throw flyAgentsError("invalid_argument", message);
}

/** A value for an error message: quoted, and cut short so an oversized input is not echoed whole. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** An id or name: non-empty, at most MAX_ID_CHARS, no control characters. */
export function checkId(name: string, value: string): void {
  if (value.trim() === "") invalid(`${name} must be a non-empty string.`);
  if (value.length > MAX_ID_CHARS) {
    invalid(`${name} is ${value.length} characters long; the limit is ${MAX_ID_CHARS}.`);
  }
  if (CONTROL.test(value)) invalid(`${name} ${quoted(value)} holds a control character; use printable text.`);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A secret value as Fly (one HTTP header) and the Machine (one environment string) can take it:
 * at most MAX_SECRET_CHARS of printable ASCII. The message names the field and never the value.
 * "" is not checked here: callers give it their own meaning (remove, or missing).
 */
export function checkSecret(field: string, value: string): void {
  if (value.length > MAX_SECRET_CHARS) {
    invalid(
      `${field} is ${value.length} characters long; the limit is ${MAX_SECRET_CHARS}. Check that the right value was pasted.`,
    );
  }
  if (!PRINTABLE_ASCII.test(value)) {
    const at = [...value].findIndex((char) => !PRINTABLE_ASCII.test(char));
    invalid(
      `${field} holds a character that is not printable ASCII (at position ${at + 1}): keys and tokens are ` +
        "printable ASCII, so look for a stray newline, a NUL or a typographic quote pasted with it.",
    );
  }
}

const SKILL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/;

/** Checks a skill whitelist's count, names and size as JSON. */
export function checkSkills(skills: readonly string[]): void {
  if (skills.length > MAX_SKILLS) {
    invalid(`allowedSkills has ${skills.length} names; the limit is ${MAX_SKILLS}.`);
  }
  for (const skill of skills) {
    if (skill.length < 1 || skill.length > MAX_SKILL_CHARS || !SKILL_NAME.test(skill)) {
      invalid(
        `Allowed skill ${quoted(skill)} is not a skill name: use 1 to ${MAX_SKILL_CHARS} letters, digits and . _ : @ / + -, ` +
          "starting with a letter or digit.",
      );
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(skills)).length;
  if (bytes > MAX_SKILLS_JSON_BYTES) {
    invalid(`allowedSkills is ${bytes} bytes as JSON; the limit is ${MAX_SKILLS_JSON_BYTES}.`);
  }
}

/**
 * How long ago an operation must have started for sync or the sweep to take it over, in ms: a
 * whole number from 0 to MAX_STALE_AFTER_MS. NaN, a negative number or Infinity would take over
 * every operation, or none, without saying so. Throws `invalid_argument`.
 */
export function checkStaleAfterMs(staleAfterMs: number | undefined): void {
  if (staleAfterMs === undefined) return;
  if (!Number.isInteger(staleAfterMs) || staleAfterMs < 0 || staleAfterMs > MAX_STALE_AFTER_MS) {
    invalid(
      `staleAfterMs must be a whole number of milliseconds from 0 to ${MAX_STALE_AFTER_MS} (30 days); got ${staleAfterMs}. ` +
        "Leave it out for the default: the longest an action may run.",
    );
  }
}

/** Memory Fly can give the agent's guest. */
export function checkMemory(memoryMB: number): void {
  const { minMemoryMB, maxMemoryMB, memoryStepMB, cpus, cpuKind } = GUEST;
  if (!Number.isInteger(memoryMB) || memoryMB < minMemoryMB || memoryMB > maxMemoryMB || memoryMB % memoryStepMB) {
    invalid(
      `memoryMB must be a multiple of ${memoryStepMB} from ${minMemoryMB} to ${maxMemoryMB} ` +
        `(Fly's sizes for ${cpus} ${cpuKind} vCPU); got ${memoryMB}.`,
    );
  }
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** An absolute https URL (http only for localhost) with no credentials in it. */
export function checkBridgeUrl(bridgeUrl: string): void {
  if (bridgeUrl.length > MAX_URL_CHARS) {
    invalid(`bridgeUrl is ${bridgeUrl.length} characters long; the limit is ${MAX_URL_CHARS}.`);
  }
  let url: URL;
  try {
    url = new URL(bridgeUrl);
  } catch {
    invalid(`bridgeUrl ${quoted(bridgeUrl)} is not an absolute URL: use one such as https://bridge.example.com.`);
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    invalid(`bridgeUrl ${quoted(bridgeUrl)} must use https:// (http:// is allowed for localhost only).`);
  }
  if (url.username !== "" || url.password !== "") {
    invalid("bridgeUrl must not hold a user or password: pass credentials as secrets, never in the URL.");
  }
  if (/\s/.test(bridgeUrl)) invalid(`bridgeUrl ${quoted(bridgeUrl)} holds whitespace.`);
}

// Docker's reference grammar (distribution/reference): [domain[:port]/]path[:tag][@digest].
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

/** An image reference Fly can pull. */
export function checkImage(image: string): void {
  if (image.length > MAX_IMAGE_CHARS || !IMAGE_REFERENCE.test(image)) {
    invalid(
      `image ${quoted(image)} is not an image reference: use [registry/]name[:tag][@sha256:digest] ` +
        `in at most ${MAX_IMAGE_CHARS} characters, e.g. registry.fly.io/my-openclaw:v1.`,
    );
  }
}
