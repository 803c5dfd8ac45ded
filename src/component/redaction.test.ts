import { describe, expect, it } from "vitest";
import { SECRETS } from "../testing/harness.js";
import { agentEnv, resolveAgentSpec, SECRET_ENV_NAMES } from "./agentSpec.js";
import { clipAtWhitespace } from "./errors.js";
import { FlyApiError } from "./fly/errors.js";
import { REDACTED, Redactor } from "./redaction.js";

describe("a redactor", () => {
  it("redacts a short secret where it stands alone, never inside a common word", () => {
    const redactor = new Redactor().add("on", "Qz7", "a+b");
    expect(redactor.redact("Provisioning on machine x: key=Qz7, alt a+b; Qz7x stays, xQz7 stays")).toBe(
      `Provisioning ${REDACTED} machine x: key=${REDACTED}, alt ${REDACTED}; Qz7x stays, xQz7 stays`,
    );
  });

  it("redacts a long secret wherever it appears, the longest first, and its JSON and URL spellings", () => {
    const long = 'sk-live-"quoted"/and\\slashed-0123456789';
    const redactor = new Redactor().add(long, "sk-live");
    const text = `plain ${long}; glued x${long}y; json ${JSON.stringify({ key: long })}; url ${encodeURIComponent(long)}`;
    const clean = redactor.redact(text);
    expect(clean).not.toContain("0123456789");
    expect(clean).not.toContain("sk-live");
    expect(clean.split(REDACTED)).toHaveLength(5);
  });

  it("ignores empty values and leaves text alone when it knows no secret", () => {
    expect(new Redactor().add("", "   ", undefined, null).redact("nothing to hide")).toBe("nothing to hide");
  });

  it("learns the secrets of every Machine in a Fly answer, and only the secret env vars", () => {
    const redactor = new Redactor();
    redactor.learnFromAnswer([
      { id: "m1", config: { env: { LLM_API_KEY: "sk-from-fly-1", LLM_MODEL: "moonshotai/kimi-k2.5" } } },
      { id: "m2", config: { env: { OPENCLAW_GATEWAY_TOKEN: "gw" } } },
      { id: "v1", state: "created" },
    ]);
    expect(redactor.redact("sk-from-fly-1 gw moonshotai/kimi-k2.5")).toBe(
      `${REDACTED} ${REDACTED} moonshotai/kimi-k2.5`,
    );
  });

  it("knows every env var agentEnv puts a secret in", () => {
    const spec = resolveAgentSpec(
      {
        tenantId: "t",
        userId: "u",
        flyAppName: "app",
        llmModel: "moonshotai/kimi-k2.5",
        bridgeUrl: "https://bridge.example.com",
        serviceId: "svc",
        openaiApiKey: "sk-openai-1",
        ...SECRETS,
      },
      "",
    );
    const env = agentEnv(spec);
    const secretNames = Object.keys(env).filter((name) => Object.values(spec.secrets).includes(env[name]));
    expect(secretNames.sort()).toEqual([...SECRET_ENV_NAMES].sort());
  });

  it("withholds Fly's own text when a Machine's env could not be read", async () => {
    const redactor = new Redactor().expectMachine("m1");
    const unreadable = {
      getMachine: () => Promise.reject(new FlyApiError({ operationId: "Machines_show", status: 503 })),
    };
    await redactor.learnExpected(unreadable as never);
    const error = new FlyApiError({ operationId: "Machines_stop", status: 400, flyError: "env LLM_API_KEY=unknown" });
    expect(redactor.flyErrorMessage(error)).toMatch(/Machines_stop failed with HTTP 400; its error text is withheld/);
    expect(redactor.flyErrorMessage(error)).not.toContain("unknown");

    const gone = new Redactor().expectMachine("m2");
    await gone.learnExpected({
      getMachine: () => Promise.reject(new FlyApiError({ operationId: "x", status: 404 })),
    } as never);
    expect(gone.flyErrorMessage(error)).toContain("LLM_API_KEY=unknown");
  });

  it("quotes outside output only at whitespace, so a secret is never cut to a prefix", () => {
    expect(clipAtWhitespace("short", 10)).toBe("short");
    expect(clipAtWhitespace("aaaa bbbb-secret-value", 12)).toBe("aaaa …");
    expect(clipAtWhitespace("no-whitespace-at-all", 5)).toBe("…");
  });
});
