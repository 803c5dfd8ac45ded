/**
 * Opening values @okrlinkhub/fly-agents 0.1.x sealed, for upgradeFromV01.
 *
 * 0.1.x sealed each value on its own as `base64(iv) + "." + base64(ciphertext)`: AES-256-GCM
 * with a random 12-byte iv, the 16-byte tag appended to the ciphertext, no additional data,
 * under the SHA-256 of the UTF-8 bytes of AGENT_SECRETS_ENCRYPTION_KEY (any string). AES-GCM
 * comes from Web Crypto (`crypto.subtle`), which Convex's runtime provides.
 */
import { flyAgentsError } from "../errors.js";
import { base64ToBytes, type KeyRing } from "./crypto.js";

const IV_BYTES = 12;
const TAG_BITS = 128;

async function decrypt(key: Uint8Array, iv: Uint8Array, box: Uint8Array): Promise<string | null> {
  const cryptoKey = await crypto.subtle.importKey("raw", key as BufferSource, { name: "AES-GCM" }, false, ["decrypt"]);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: iv as BufferSource, tagLength: TAG_BITS },
      cryptoKey,
      box as BufferSource,
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null; // the tag did not verify: not this key
  }
}

/**
 * Opens one 0.1.x value with whichever key of the ring 0.1.x used. `field` names the value in
 * errors (never the value or the key).
 */
export async function openLegacyValue(sealed: string, ring: KeyRing, field: string): Promise<string> {
  const [ivText, boxText] = sealed.split(".");
  const iv = ivText === undefined ? null : base64ToBytes(ivText);
  const box = boxText === undefined ? null : base64ToBytes(boxText);
  if (!iv || iv.length !== IV_BYTES || !box || box.length < TAG_BITS / 8) {
    throw flyAgentsError(
      "invalid_state",
      `The 0.1.x value of ${field} is not base64(iv).base64(ciphertext) with a 12-byte iv; it cannot be opened.`,
    );
  }
  for (const key of ring.all) {
    const plain = await decrypt(key.legacyBytes, iv, box);
    if (plain !== null) return plain;
  }
  throw flyAgentsError(
    "wrong_encryption_key",
    `The 0.1.x value of ${field} could not be opened with the key${ring.all.length > 1 ? "s" : ""} given ` +
      `(${ring.all.map((key) => key.id).join(", ")}). Pass the AGENT_SECRETS_ENCRYPTION_KEY 0.1.x used, ` +
      "as secretsEncryptionKey or after the new key in the env var (comma-separated).",
  );
}
