/**
 * One redactor per agent: it knows every secret the agent's Machine may hold (the user's and
 * the tenant's stored secrets, the call's arguments, the Fly token, and whatever Fly shows in
 * the Machine's env) and removes each of them from any text before that text is thrown,
 * stored or audited.
 *
 * Values are redacted whole: a secret shorter than ANYWHERE_MIN_CHARS is replaced only where
 * it stands alone (not inside a longer word), so a short secret never blanks common words;
 * longer ones are replaced wherever they appear. JSON- and URL-escaped spellings of a secret
 * are redacted too, since Fly quotes request bodies as JSON.
 */
import { internal } from "./_generated/api.js";
import { env, type ActionCtx } from "./_generated/server.js";
import { SECRET_ENV_NAMES } from "./agentSpec.js";
import type { FlyClient, FlyMachine } from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import { open } from "./secrets/crypto.js";
import { encryptionKeyRing } from "./settings.js";
import { SECRET_FIELDS, type SecretValues } from "./validators.js";

export const REDACTED = "[redacted]";
/** Secrets at least this long are replaced even inside a longer word; shorter ones only standing alone. */
export const ANYWHERE_MIN_CHARS = 16;
const WORD_CHAR = /[\p{L}\p{N}]/u;

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** The spellings a secret may take in a text: as is, trimmed, JSON-escaped, URL-encoded. */
function spellings(value: string): string[] {
  const forms = new Set([value, value.trim(), JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...forms].filter((form) => form.trim() !== "");
}

function alternative(secret: string): string {
  const body = escapeRegExp(secret);
  if (secret.length >= ANYWHERE_MIN_CHARS) return body;
  const before = WORD_CHAR.test(secret[0]) ? "(?<![\\p{L}\\p{N}])" : "";
  const after = WORD_CHAR.test(secret[secret.length - 1]) ? "(?![\\p{L}\\p{N}])" : "";
  return `${before}${body}${after}`;
}

/** A parsed Fly answer that is a Machine with its config (an answer's other shapes have no `config.env`). */
function isMachine(item: unknown): item is Pick<FlyMachine, "id" | "config"> {
  if (typeof item !== "object" || item === null) return false;
  const { id, config } = item as { id?: unknown; config?: { env?: unknown } };
  return typeof id === "string" && typeof config?.env === "object" && config.env !== null;
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;
  /** Machines whose env this redactor has seen (or that Fly no longer has). */
  private readonly machinesSeen = new Set<string>();
  /** Machines the operation acts on: their env is read before any failure text is written. */
  private readonly machinesExpected = new Set<string>();
  private blind = false;

  /** Registers secret values; empty and missing ones are ignored. */
  add(...values: Array<string | null | undefined>): this {
    for (const value of values) {
      if (typeof value !== "string") continue;
      for (const form of spellings(value)) {
        if (this.secrets.has(form)) continue;
        this.secrets.add(form);
        this.pattern = null;
      }
    }
    return this;
  }

  /** Registers every secret field of `values` (arguments or opened stored secrets). */
  addSecretValues(values: SecretValues): this {
    return this.add(...SECRET_FIELDS.map((field) => values[field]));
  }

  /** Registers the secrets in a Machine's env, as Fly returns its config. */
  learnMachine(machine: Pick<FlyMachine, "id" | "config">): void {
    this.machinesSeen.add(machine.id);
    const machineEnv = machine.config?.env ?? {};
    this.add(...SECRET_ENV_NAMES.map((name) => machineEnv[name]));
  }

  /** Learns from any answer Fly gave: each Machine in it (one, or a list) shows its env. */
  learnFromAnswer(answer: unknown): void {
    for (const item of Array.isArray(answer) ? answer : [answer]) {
      if (isMachine(item)) this.learnMachine(item);
    }
  }

  /** Marks a Machine the operation acts on, so its env is read before a failure is recorded. */
  expectMachine(machineId: string | undefined): this {
    if (machineId) this.machinesExpected.add(machineId);
    return this;
  }

  /**
   * Reads the env of every expected Machine not seen yet. A Machine Fly no longer has holds
   * nothing; one that cannot be read leaves the redactor blind (see `flyErrorMessage`).
   */
  async learnExpected(fly: FlyClient): Promise<void> {
    for (const machineId of this.machinesExpected) {
      if (this.machinesSeen.has(machineId)) continue;
      this.machinesSeen.add(machineId);
      try {
        this.learnMachine(await fly.getMachine(machineId));
      } catch (error) {
        if (!(error instanceof FlyApiError && error.notFound)) this.blind = true;
      }
    }
  }

  /**
   * A failed Fly call's message, redacted. When a Machine's env could not be read, the
   * secrets Fly's own text may quote are unknown, so that text is withheld.
   */
  flyErrorMessage(error: FlyApiError): string {
    if (!this.blind) return this.redact(error.message);
    const what = error.status === 0 ? "no response" : `HTTP ${error.status}`;
    const id = error.requestId ? ` (fly-request-id ${error.requestId})` : "";
    return `Fly ${error.operationId} failed with ${what}${id}; its error text is withheld because the Machine's secrets could not be read to redact it.`;
  }

  /**
   * `text` with every registered secret replaced by "[redacted]". Secrets too large for one
   * regular expression (V8 refuses one of a few hundred KiB, and its SyntaxError quotes the whole
   * pattern, every secret in it) are replaced literally instead, longest first, anywhere they occur.
   */
  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    const secrets = [...this.secrets].sort((a, b) => b.length - a.length);
    try {
      // V8 compiles the pattern on first use, so both steps can throw.
      this.pattern ??= new RegExp(secrets.map(alternative).join("|"), "gu");
      return text.replace(this.pattern, REDACTED);
    } catch {
      return secrets.reduce((redacted, secret) => redacted.split(secret).join(REDACTED), text);
    }
  }
}

/**
 * Registers the secrets the component holds for every agent (the bound FLY_API_TOKEN and
 * encryption key) and the stored secrets of the agent's owner: the user's and the tenant's,
 * each row opened on its own. A row the key ring cannot open adds nothing here; what such a
 * row once put on the Machine is learned from the Machine's env.
 */
export async function addStoredSecrets(
  ctx: ActionCtx,
  redactor: Redactor,
  owner: { tenantId: string; userId: string },
  secretsEncryptionKey?: string,
): Promise<Redactor> {
  for (const keys of [env.AGENT_SECRETS_ENCRYPTION_KEY, secretsEncryptionKey])
    redactor.add(keys, ...(keys ?? "").split(","));
  redactor.add(env.FLY_API_TOKEN);
  let ring: ReturnType<typeof encryptionKeyRing>;
  try {
    ring = encryptionKeyRing(secretsEncryptionKey);
  } catch {
    return redactor;
  }
  if (!ring) return redactor;
  let sealed: { user: { ciphertext: string } | null; tenant: { ciphertext: string } | null };
  try {
    sealed = await ctx.runQuery(internal.secrets.store.loadSealedSecrets, {
      tenantId: owner.tenantId,
      userId: owner.userId,
    });
  } catch {
    // A row not upgraded from 0.1.x yet: the Machine's env still shows what it holds.
    return redactor;
  }
  for (const row of [sealed.user, sealed.tenant]) {
    if (!row) continue;
    try {
      redactor.addSecretValues(open(row.ciphertext, ring));
    } catch {
      // Sealed under a key not in the ring: the Machine's env still shows what it holds.
    }
  }
  return redactor;
}

/**
 * The redactor of an operation on one agent: the owner's stored secrets, the call's own
 * secret arguments, and the agent's Machine, whose env is read before a failure is recorded.
 */
export async function agentRedactor(
  ctx: ActionCtx,
  owner: { tenantId: string; userId: string },
  given: { secretsEncryptionKey?: string; secrets?: SecretValues[]; machineId?: string } = {},
): Promise<Redactor> {
  const redactor = new Redactor().expectMachine(given.machineId);
  for (const values of given.secrets ?? []) redactor.addSecretValues(values);
  return await addStoredSecrets(ctx, redactor, owner, given.secretsEncryptionKey);
}
