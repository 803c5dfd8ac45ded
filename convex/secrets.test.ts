// README: secrets
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { startApp } from "./scenario.setup.js";

test("Alice stores her bot token sealed; reading tells only which secrets she stored", async () => {
  const { t } = await startApp();
  const alice = t.withIdentity({ subject: "alice", tenantId: "acme" });
  await alice.mutation(api.agents.setAgentSecrets, {
    tenantId: "acme",
    userId: "alice",
    telegramBotToken: "700100200:AAF-alice-bot-token",
  });
  const meta = await alice.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "alice" });
  expect(meta).toMatchObject({ hasTelegramBotToken: true, hasLlmApiKey: false });
  expect(JSON.stringify(meta)).not.toContain("AAF-alice-bot-token");
});
// README: end
