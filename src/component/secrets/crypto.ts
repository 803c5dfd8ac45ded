/**
 * Sealing secrets at rest with tweetnacl's secretbox (XSalsa20-Poly1305).
 *
 * A key is 32 random bytes, given base64- or hex-encoded. Its id is a prefix of its SHA-512
 * hash: it names the key in stored rows and errors without revealing it. A key ring is the
 * current key first, then previous keys that may still open older rows during a rotation.
 */
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

export type EncryptionKey = { id: string; bytes: Uint8Array };
export type KeyRing = { current: EncryptionKey; all: EncryptionKey[] };

const SEALED_VERSION = "v1";
const KEY_BYTES = nacl.secretbox.keyLength; // 32
const KEY_ID_HEX_CHARS = 16;

export const KEY_HOW_TO =
  "Generate one with `openssl rand -base64 32` and bind it with " +
  "app.use(flyAgents, { env: { AGENT_SECRETS_ENCRYPTION_KEY: ... } }), or pass secretsEncryptionKey";

/** Parses one key. The error never repeats the key. */
export function parseEncryptionKey(raw: string): EncryptionKey {
  const text = raw.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? hexToBytes(text) : base64ToBytes(text);
  if (bytes === null || bytes.length !== KEY_BYTES) {
    throw flyAgentsError(
      "invalid_argument",
      `The secrets encryption key must be ${KEY_BYTES} random bytes, base64- or hex-encoded` +
        `${bytes ? ` (this one decodes to ${bytes.length} bytes)` : ""}. ${KEY_HOW_TO}.`,
    );
  }
  return { id: keyIdOf(bytes), bytes };
}

/**
 * Builds the key ring from an explicit key (first) and/or a comma-separated list (as the
 * AGENT_SECRETS_ENCRYPTION_KEY env var may hold during a rotation: newest first).
 */
export function keyRingFrom(sources: Array<string | undefined>): KeyRing | null {
  const all: EncryptionKey[] = [];
  for (const source of sources) {
    if (!source) continue;
    for (const part of source.split(",")) {
      if (part.trim() === "") continue;
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

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array | null {
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
