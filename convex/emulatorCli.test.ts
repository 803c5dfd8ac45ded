/**
 * The `fly-emulator` command's env lines, pasted: the example app, given only what the command printed (and
 * its own encryption key), provisions an agent on the emulator the command started.
 */
import { convexTest } from "convex-test";
import { afterEach, expect, test } from "vitest";
import flyAgentsTest from "@okrlinkhub/fly-agents/test";
import { runCli } from "../src/fly-emulator/cli/run.js";
import type { FlyEmulator } from "../src/fly-emulator/emulator.js";
import { api } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import { ACME_DEFAULTS, ADA, ALICE, ALICE_BOT_TOKEN, modules, TEST_ENCRYPTION_KEY } from "./app.setup.js";
import schema from "./schema.js";
import { HOST_ENV_BINDINGS } from "../src/testing/bindings.js";
import { underDeploymentRules } from "../src/testing/deployment.js";

const PASTED = ["FLY_API_BASE_URL", "FLY_API_TOKEN", "FLY_APP_NAME", "AGENT_SECRETS_ENCRYPTION_KEY"] as const;
const saved = PASTED.map((name) => [name, process.env[name]] as const);
let emulator: FlyEmulator | undefined;

afterEach(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await emulator?.close();
});

/** `NAME=value` lines, as a .env file reads them; comments and other lines are not env lines. */
function envFileLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)) env[match[1]] = match[2];
  return env;
}

test("the env lines fly-emulator prints point the example app at it", async () => {
  const printed: string[] = [];
  const started = await runCli(["--app", FLY_APP_NAME, "--time-scale", "0.05"], {
    stdout: (text) => printed.push(text),
    stderr: (text) => printed.push(text),
    onShutdownSignal: () => {},
  });
  if (!("emulator" in started)) throw new Error(`fly-emulator did not start: ${printed.join("")}`);
  emulator = started.emulator;

  const pasted = envFileLines(printed.join(""));
  expect(Object.keys(pasted).sort()).toEqual(["FLY_API_BASE_URL", "FLY_API_TOKEN", "FLY_APP_NAME"]);
  for (const name of PASTED) delete process.env[name];
  Object.assign(process.env, pasted, { AGENT_SECRETS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });

  const t = convexTest(schema, modules);
  flyAgentsTest.register(underDeploymentRules(t, HOST_ENV_BINDINGS));
  await t.withIdentity(ADA).mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS);
  const alice = t.withIdentity(ALICE);
  await alice.mutation(api.agents.setAgentSecrets, {
    tenantId: "acme",
    userId: "alice",
    telegramBotToken: ALICE_BOT_TOKEN,
  });
  const agent = await alice.action(api.agents.provisionMyAgent, {});
  expect(await alice.query(api.agents.getAgent, { machineDocId: agent.machineDocId })).toMatchObject({
    status: "running",
  });
  expect(emulator.state.liveResources(FLY_APP_NAME).machines).toHaveLength(1);
});
