/**
 * Sealing secrets at rest with tweetnacl's secretbox (XSalsa20-Poly1305).
 *
 * A key is best 32 random bytes, given base64- or hex-encoded. Any other string is taken as a
 * passphrase, as 0.1.x took it: the key is the SHA-256 of its UTF-8 bytes (`KEY_DERIVATION`).
 * A key's id is a prefix of its SHA-512 hash: it names the key in stored rows and errors without
 * revealing it. A key ring is the current key first, then previous keys that may still open
 * older rows during a rotation.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import nacl from "tweetnacl";
import { flyAgentsError } from "../errors.js";
import type { SecretField, SecretValues } from "../validators.js";
import { SECRET_FIELDS } from "../validators.js";

// tweetnacl looks for `self.crypto` or Node's `require("crypto")`; neither is promised inside
// Convex's runtime, which has the Web Crypto global. Give it that source explicitly.
nacl.setPRNG((target: Uint8Array, length: number) => {
  const random = crypto.getRandomValues(new Uint8Array(length));
  for (let i = 0; i < length; i++) target[i] = random[i];
});

export type EncryptionKey = {
  id: string;
  bytes: Uint8Array;
  /** True when the key was derived from a passphrase rather than given as 32 random bytes. */
  derived: boolean;
  /** The key 0.1.x made from the same text (SHA-256 of its UTF-8 bytes), to open its rows. */
  legacyBytes: Uint8Array;
};
export type KeyRing = { current: EncryptionKey; all: EncryptionKey[] };

const SEALED_VERSION = "v1";
const KEY_BYTES = nacl.secretbox.keyLength; // 32
const KEY_ID_HEX_CHARS = 16;

/** How a key that is not 32 random bytes becomes one: 0.1.x's derivation, kept so its keys work. */
export const KEY_DERIVATION = "SHA-256 of the key's UTF-8 bytes";

export const KEY_HOW_TO =
  "Generate one with `openssl rand -base64 32` and bind it with " +
  "app.use(flyAgents, { env: { AGENT_SECRETS_ENCRYPTION_KEY: ... } }), or pass secretsEncryptionKey";

/** Said wherever a passphrase key works: it is only as strong as the passphrase. */
export const PASSPHRASE_ADVICE =
  `The secrets encryption key is a passphrase (its key is the ${KEY_DERIVATION}, as in 0.1.x), ` +
  "so it is only as strong as the passphrase. Move to 32 random bytes (`openssl rand -base64 32`) " +
  "with rotateSecretsEncryptionKey({ secretsEncryptionKey: <new>, previousSecretsEncryptionKeys: [<passphrase>] }).";

/**
 * Parses one key: 32 bytes base64- or hex-encoded are the key itself; any other non-empty
 * string is a passphrase whose key is derived with `KEY_DERIVATION`. Errors never repeat it.
 */
export function parseEncryptionKey(raw: string): EncryptionKey {
  const text = raw.trim();
  if (text === "") {
    throw flyAgentsError("invalid_argument", `The secrets encryption key is empty. ${KEY_HOW_TO}.`);
  }
  const legacyBytes = sha256(new TextEncoder().encode(raw));
  const random = randomKeyBytes(text);
  if (random) return { id: keyIdOf(random), bytes: random, derived: false, legacyBytes };
  return { id: keyIdOf(legacyBytes), bytes: legacyBytes, derived: true, legacyBytes };
}

/** The key when `text` is 32 bytes, base64- or hex-encoded; null for a passphrase. */
function randomKeyBytes(text: string): Uint8Array | null {
  const trimmed = text.trim();
  const decoded = /^[0-9a-fA-F]{64}$/.test(trimmed) ? hexToBytes(trimmed) : base64ToBytes(trimmed);
  return decoded !== null && decoded.length === KEY_BYTES ? decoded : null;
}

/**
 * The keys one source holds. "new,old" (newest first) is a list when its first part is 32
 * random bytes; otherwise the whole text is one key, so a 0.1.x passphrase with a comma in
 * it keeps working. (A passphrase with a comma cannot follow a random key in such a list:
 * pass it in previousSecretsEncryptionKeys instead.)
 */
function keysOf(source: string): string[] {
  const parts = source.split(",");
  if (parts.length > 1 && randomKeyBytes(parts[0])) return parts.filter((part) => part.trim() !== "");
  return source.trim() === "" ? [] : [source];
}

/**
 * Builds the key ring from an explicit key (first) and/or a comma-separated list (as the
 * AGENT_SECRETS_ENCRYPTION_KEY env var may hold during a rotation: newest first).
 */
export function keyRingFrom(sources: Array<string | undefined>): KeyRing | null {
  const all: EncryptionKey[] = [];
  for (const source of sources) {
    if (!source) continue;
    for (const part of keysOf(source)) {
      const key = parseEncryptionKey(part);
      if (!all.some((known) => known.id === key.id)) all.push(key);
    }
  }
  return all.length > 0 ? { current: all[0], all } : null;
}

export function keyIdOf(bytes: Uint8Array): string {
  return bytesToHex(nacl.hash(bytes)).slice(0, KEY_ID_HEX_CHARS);
}

/** Seals `values` (only the secret fields, only non-empty ones) under `key`. */
export function seal(values: SecretValues, key: EncryptionKey): string {
  const plain: SecretValues = {};
  for (const field of SECRET_FIELDS) {
    const value = values[field];
    if (value) plain[field] = value;
  }
  const nonce = nacl.randomBytes(nacl.secretbox.nonceLength);
  const box = nacl.secretbox(new TextEncoder().encode(JSON.stringify(plain)), nonce, key.bytes);
  return [SEALED_VERSION, key.id, bytesToBase64(nonce), bytesToBase64(box)].join(":");
}

/** The key id a sealed value names. */
export function sealedKeyId(ciphertext: string): string {
  return ciphertext.split(":")[1] ?? "";
}

/** Opens a sealed value with whichever key of the ring sealed it. */
export function open(ciphertext: string, ring: KeyRing): SecretValues {
  const [version, keyId, nonceText, boxText] = ciphertext.split(":");
  if (version !== SEALED_VERSION || !keyId || !nonceText || !boxText) {
    throw flyAgentsError("invalid_state", "A stored secrets row is malformed -- invariant");
  }
  const key = ring.all.find((candidate) => candidate.id === keyId);
  if (!key) {
    throw flyAgentsError(
      "wrong_encryption_key",
      `Stored secrets were sealed with key ${keyId}, but the key given is ${ring.current.id}. ` +
        "Pass the key that sealed them, or list it after the new one (comma-separated) and run " +
        "rotateSecretsEncryptionKey.",
    );
  }
  const nonce = base64ToBytes(nonceText);
  const box = base64ToBytes(boxText);
  const plain = nonce && box ? nacl.secretbox.open(box, nonce, key.bytes) : null;
  if (!plain) {
    throw flyAgentsError(
      "wrong_encryption_key",
      `Stored secrets could not be opened with key ${keyId}: the row was tampered with or the key is wrong.`,
    );
  }
  const parsed: unknown = JSON.parse(new TextDecoder().decode(plain));
  const values: SecretValues = {};
  if (typeof parsed === "object" && parsed !== null) {
    for (const field of SECRET_FIELDS) {
      const value = (parsed as Partial<Record<SecretField, unknown>>)[field];
      if (typeof value === "string" && value !== "") values[field] = value;
    }
  }
  return values;
}

function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array | null {
  const normalized = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized)) return null;
  try {
    const binary = atob(normalized);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}
