/**
 * Inputs a hostile or careless caller sends that no earlier check bounded: secret values (any
 * size, any character) and page sizes (NaN, zero, negative, fractions) and cursors that are
 * not cursors. Each is refused with a clear invalid_argument, before any Fly call, with nothing
 * written.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { allRows, setupHarness, TEST_KEY, type Harness } from "../testing/harness.js";
import { isFlyAgentsError } from "./errors.js";
import { MAX_LIST_LIMIT } from "./listing.js";
import { MAX_SECRET_CHARS } from "./limits.js";
import { Redactor } from "./redaction.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness();
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
  process.env.FLY_API_TOKEN = h.fly.token;
});
afterEach(async () => {
  delete process.env.AGENT_SECRETS_ENCRYPTION_KEY;
  delete process.env.FLY_API_TOKEN;
  await h.close();
});

/** The error `call` fails with, which must be invalid_argument; returns its message. */
async function refusal(call: () => Promise<unknown>): Promise<string> {
  const error = await call().then(
    (result) => new Error(`expected a refusal, got ${JSON.stringify(result)}`),
    (caught: unknown) => caught,
  );
  expect(isFlyAgentsError(error) && error.data.kind, String(error).slice(0, 300)).toBe("invalid_argument");
  return isFlyAgentsError(error) ? error.data.message : "";
}

/** Secret values that cannot work: too long for one env string, or with characters no header or env var takes. */
const BAD_SECRETS: Array<[what: string, value: string]> = [
  ["over the limit", "k".repeat(MAX_SECRET_CHARS + 1)],
  ["300 KiB (over Linux's 128 KiB for one env string)", "k".repeat(300 * 1024)],
  ["a newline", "fm2_secret-part-one\nsecret-part-two"],
  ["a NUL", "sk-secret-part\u0000tail"],
  ["non-ASCII", "sk-secret-part-€-tail"],
];

describe("secret values", () => {
  it("are refused when too long or not printable ASCII, on store and on every argument path, without echoing them", async () => {
    const owner = { tenantId: "tenant-a", userId: "user-1" };
    for (const field of ["flyApiToken", "llmApiKey", "telegramBotToken", "openclawGatewayToken"] as const) {
      for (const [what, value] of BAD_SECRETS) {
        const shown = `${field} with ${what}`;
        const messages = [
          await refusal(() => h.t.mutation(api.lib.upsertAgentSecrets, { ...owner, [field]: value })),
          await refusal(() => h.t.mutation(api.lib.upsertCompanySecrets, { tenantId: owner.tenantId, [field]: value })),
          await refusal(() => h.t.action(api.lib.provisionAgentMachine, h.provisionArgs({ [field]: value }))),
        ];
        for (const message of messages) {
          expect(message.length, shown).toBeLessThan(1000);
          expect(message, shown).not.toContain(TEST_KEY);
          expect(message, shown).not.toContain(h.fly.token);
          expect(message, shown).toContain(field);
          expect(message, shown).not.toContain("secret-part");
          expect(message, shown).not.toContain("kkkk");
        }
      }
    }
    expect(await allRows(h.t), "nothing written").toEqual([]);
    expect(h.fly.state.requests(), "no Fly call").toEqual([]);
  });

  it("take what real keys and tokens look like, a Fly token's space included", async () => {
    const owner = { tenantId: "tenant-a", userId: "user-1" };
    const meta = await h.t.mutation(api.lib.upsertAgentSecrets, {
      ...owner,
      flyApiToken: `FlyV1 fm2_${"lJPECAAAAAAAB".repeat(60)},fm2_lJPE=`,
      llmApiKey: `sk-or-v1-${"0123456789abcdef".repeat(4)}`,
      telegramBotToken: "123456789:AAH-abc_DEF",
      openclawGatewayToken: "k".repeat(MAX_SECRET_CHARS),
    });
    expect(meta).toMatchObject({ hasFlyApiToken: true, hasLlmApiKey: true, hasOpenclawGatewayToken: true });
  });
});

it("a redactor holding a secret too large for one regular expression still redacts, and never quotes its pattern", () => {
  const huge = `${"k".repeat(300 * 1024)}-tail`;
  const redactor = new Redactor().add(huge, TEST_KEY, "Qz7");
  const text = `Fly said: ${huge} / key ${TEST_KEY} / short Qz7.`;
  expect(redactor.redact(text)).toBe("Fly said: [redacted] / key [redacted] / short [redacted].");
});

describe("page options", () => {
  const page = (numItems: number, cursor: string | null = null) => ({ numItems, cursor });

  it("refuse a page size that is not a number from 1, and a cursor no list returned", async () => {
    const pages = {
      agents: (opts: { numItems: number; cursor: string | null }) =>
        h.t.query(api.lib.listAgentMachinesByTenantPage, { tenantId: "tenant-a", paginationOpts: opts }),
      audit: (opts: { numItems: number; cursor: string | null }) =>
        h.t.query(api.lib.listAuditEventsByTenant, { tenantId: "tenant-a", paginationOpts: opts }),
    };
    for (const [name, list] of Object.entries(pages)) {
      for (const numItems of [NaN, 0, -1, 0.5, -Infinity]) {
        expect(await refusal(() => list(page(numItems))), `${name} ${numItems}`).toMatch(
          new RegExp(`numItems must be a number from 1; got ${numItems}`),
        );
      }
      expect(await refusal(() => list(page(5, "garbage"))), name).toMatch(/cursor .* is not a cursor/);
    }
    for (const list of [
      () => h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a", limit: NaN }),
      () => h.t.query(api.lib.listAgentSnapshots, { machineDocId: "anything", limit: NaN }),
    ]) {
      expect(await refusal(list)).toMatch(/limit must be a number; got NaN/);
    }
  });

  it("clamp a huge or infinite page size to the most one call returns", async () => {
    await h.t.run(async (ctx) => {
      for (let i = 0; i < MAX_LIST_LIMIT + 5; i++) {
        await ctx.db.insert("auditEvents", {
          tenantId: "tenant-a",
          operation: "sync",
          outcome: "succeeded",
          startedAt: i,
          durationMs: 1,
          flyCalls: 0,
          flyRequestIds: [],
        });
      }
    });
    for (const numItems of [1e12, Infinity, MAX_LIST_LIMIT + 1]) {
      const result = await h.t.query(api.lib.listAuditEventsByTenant, {
        tenantId: "tenant-a",
        paginationOpts: page(numItems),
      });
      expect(result.page).toHaveLength(MAX_LIST_LIMIT);
    }
  });
});
