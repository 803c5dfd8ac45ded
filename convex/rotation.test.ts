// README: rotation
import { FlyAgents } from "@okrlinkhub/fly-agents";
import { expect, test } from "vitest";
import { api, components } from "./_generated/api.js";
import { acmeWithAlice, TEST_ENCRYPTION_KEY } from "./scenario.setup.js";

test("the encryption key is rotated without losing a secret", async () => {
  const { t, alice } = await acmeWithAlice(); // her secrets and the tenant's, sealed with TEST_ENCRYPTION_KEY
  const flyAgents = new FlyAgents(components.flyAgents);
  const newKey = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4="; // `openssl rand -base64 32`
  // Here process.env plays the deployment's env vars (`npx convex env set` on a deployment).
  // 1. Deploy with the new key first and the old one after it: "new,old".
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = `${newKey},${TEST_ENCRYPTION_KEY}`;
  // 2. Re-seal every stored secret under the new key.
  const rotation = await t.action(async (ctx) => await flyAgents.rotateSecretsEncryptionKey(ctx));
  expect(rotation.rotated).toBe(2);
  // 3. Drop the old key.
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = newKey;

  const { effectiveModel } = await alice.action(api.agents.provisionMyAgent, {}); // opens them under the new key
  expect(effectiveModel).toBe("moonshotai/kimi-k2.5");
});
// README: end
