/**
 * The component's configuration: explicit arguments first, then the env vars the host bound
 * with `app.use(flyAgents, { env })`.
 */
import { env } from "./_generated/server.js";
import { flyAgentsError } from "./errors.js";
import { DEFAULT_FLY_API_BASE_URL } from "./fly/http.js";
import { KEY_HOW_TO, keyRingFrom, type KeyRing } from "./secrets/crypto.js";

/** The key ring from `secretsEncryptionKey` (if given) and AGENT_SECRETS_ENCRYPTION_KEY. */
export function encryptionKeyRing(secretsEncryptionKey?: string): KeyRing | null {
  return keyRingFrom([secretsEncryptionKey, env.AGENT_SECRETS_ENCRYPTION_KEY]);
}

/** As `encryptionKeyRing`, but a missing key is an error that says how to provide one. */
export function requireKeyRing(secretsEncryptionKey?: string): KeyRing {
  const ring = encryptionKeyRing(secretsEncryptionKey);
  if (!ring) {
    throw flyAgentsError("missing_secret", `Missing AGENT_SECRETS_ENCRYPTION_KEY. ${KEY_HOW_TO}.`);
  }
  return ring;
}

/** Fly's API base URL: the argument, FLY_API_BASE_URL, or Fly's public endpoint. */
export function flyApiBaseUrl(explicit?: string): string {
  const url = explicit ?? env.FLY_API_BASE_URL ?? DEFAULT_FLY_API_BASE_URL;
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    throw flyAgentsError(
      "invalid_argument",
      `The Fly API base URL must be an http(s) URL such as ${DEFAULT_FLY_API_BASE_URL}; got ${JSON.stringify(url.slice(0, 80))}.`,
    );
  }
  return url;
}
