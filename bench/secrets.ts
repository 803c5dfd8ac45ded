/** B5: sealing and opening one secret set; rotating the key over 10,000 stored rows. */
import { api } from "../src/component/_generated/api.js";
import { keyRingFrom, open, parseEncryptionKey, seal } from "../src/component/secrets/crypto.js";
import { presenceOf } from "../src/component/secrets/store.js";
import { DEFAULT_ROTATION_BATCH } from "../src/component/secrets/rotation.js";
import { OTHER_KEY, SECRETS, seedRows, setupLimitedComponent, TEST_KEY } from "../src/testing/harness.js";
import type { Section } from "./report.js";

const ROWS = 10_000;
const CRYPTO_ROUNDS = 5_000;

export async function secretsCost(): Promise<Section> {
  const key = parseEncryptionKey(TEST_KEY);
  const ring = keyRingFrom([TEST_KEY])!;
  let sealed = "";
  let started = performance.now();
  for (let i = 0; i < CRYPTO_ROUNDS; i++) sealed = seal(SECRETS, key);
  const sealUs = ((performance.now() - started) * 1000) / CRYPTO_ROUNDS;
  started = performance.now();
  for (let i = 0; i < CRYPTO_ROUNDS; i++) open(sealed, ring);
  const openUs = ((performance.now() - started) * 1000) / CRYPTO_ROUNDS;

  // Rotation runs with Convex's per-transaction limits enforced: a batch over them would throw.
  const t = setupLimitedComponent();
  await seedRows(t, "agentVmSecrets")(ROWS, (i) => ({
    tenantId: "t",
    userId: `u${i}`,
    keyId: key.id,
    ciphertext: seal(SECRETS, key),
    present: presenceOf(SECRETS),
    updatedAt: 0,
  }));
  started = performance.now();
  const rotation = await t.action(api.lib.rotateSecretsEncryptionKey, {
    secretsEncryptionKey: OTHER_KEY,
    previousSecretsEncryptionKeys: [TEST_KEY],
  });
  const rotationMs = performance.now() - started;
  const rowBytes = JSON.stringify({ ciphertext: sealed, present: presenceOf(SECRETS) }).length + 100;
  return {
    id: "B5",
    title: `secrets: one secret set (${Object.keys(SECRETS).length} values) sealed and opened; key rotation over ${ROWS} rows`,
    figures: [
      { name: "seal", value: `${sealUs.toFixed(1)} µs` },
      { name: "open", value: `${openUs.toFixed(1)} µs` },
      {
        name: "rows rotated",
        value: `${rotation.rotated}/${ROWS}`,
        target: `${ROWS}/${ROWS}`,
        ok: rotation.rotated === ROWS,
      },
      {
        name: "rotation time",
        value: `${(rotationMs / 1000).toFixed(1)} s`,
        note: `${Math.round(rotationMs / rotation.batches)} ms per batch`,
      },
      {
        name: "batches",
        value: String(rotation.batches),
        note: `${DEFAULT_ROTATION_BATCH} rows each, ~${Math.round((DEFAULT_ROTATION_BATCH * rowBytes) / 1024)} KiB read and written per batch`,
      },
      {
        name: "within Convex limits",
        value: "yes",
        ok: true,
        note: "every batch ran under convex-test's enforced transaction limits",
      },
    ],
    details: { sealUs, openUs, rotation, rotationMs },
  };
}
