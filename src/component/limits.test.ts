import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { allRows, setupHarness, type Harness } from "../testing/harness.js";
import {
  checkBridgeUrl,
  checkId,
  checkImage,
  checkMemory,
  checkSkills,
  checkStaleAfterMs,
  LIMIT_ROWS,
  MAX_ID_CHARS,
  MAX_SKILLS,
  MAX_SKILLS_JSON_BYTES,
  MAX_STALE_AFTER_MS,
} from "./limits.js";

describe("each limit", () => {
  it("accepts what Fly and OpenClaw take, and refuses the rest with the limit in the message", () => {
    for (const memoryMB of [256, 512, 2048]) expect(() => checkMemory(memoryMB)).not.toThrow();
    for (const memoryMB of [0, 128, 1000, 2304, 4096, 1_000_000_000, 512.5]) {
      expect(() => checkMemory(memoryMB)).toThrow(/multiple of 256 from 256 to 2048 \(Fly's sizes for 1 shared vCPU\)/);
    }

    for (const url of [
      "https://bridge.example.com",
      "https://b.example.com:8443/x?y=1",
      "http://localhost:3000",
      "http://127.0.0.1/x",
    ]) {
      expect(() => checkBridgeUrl(url)).not.toThrow();
    }
    expect(() => checkBridgeUrl("not a url")).toThrow(/not an absolute URL/);
    expect(() => checkBridgeUrl("/relative")).toThrow(/not an absolute URL/);
    expect(() => checkBridgeUrl("http://bridge.example.com")).toThrow(
      /https:\/\/ \(http:\/\/ is allowed for localhost only\)/,
    );
    expect(() => checkBridgeUrl("ftp://bridge.example.com")).toThrow(/must use https/);
    expect(() => checkBridgeUrl("https://user:pw@bridge.example.com")).toThrow(/must not hold a user or password/);
    expect(() => checkBridgeUrl(`https://b.example.com/${"x".repeat(3000)}`)).toThrow(/the limit is 2048/);

    for (const image of [
      "ghcr.io/openclaw/openclaw:latest",
      "registry.fly.io/linkhub-agents:openclaw-okr-v1",
      "localhost:5000/agent",
      "ubuntu",
      `registry.fly.io/agent@sha256:${"a".repeat(64)}`,
    ]) {
      expect(() => checkImage(image)).not.toThrow();
    }
    for (const image of ["", "Upper/Case", "a b", "img:tag!", "x".repeat(300), "registry.fly.io/agent@sha256:short"]) {
      expect(() => checkImage(image)).toThrow(/is not an image reference/);
    }

    expect(() => checkSkills(["calendar", "email", "apple-notes", "owner/skill@1.2"])).not.toThrow();
    expect(() => checkSkills(Array.from({ length: MAX_SKILLS + 1 }, (_, i) => `s${i}`))).toThrow(
      /101 names; the limit is 100/,
    );
    expect(() => checkSkills(["has space"])).toThrow(/is not a skill name/);
    expect(() => checkSkills(["x".repeat(65)])).toThrow(/1 to 64 letters/);

    expect(() => checkId("tenantId", "t".repeat(MAX_ID_CHARS))).not.toThrow();
    expect(() => checkId("tenantId", "t".repeat(MAX_ID_CHARS + 1))).toThrow(/129 characters long; the limit is 128/);
    expect(() => checkId("userId", "  ")).toThrow(/non-empty/);
    expect(() => checkId("userId", "a\nb")).toThrow(/control character/);

    for (const ms of [undefined, 0, 60_000, MAX_STALE_AFTER_MS]) expect(() => checkStaleAfterMs(ms)).not.toThrow();
    for (const ms of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_STALE_AFTER_MS + 1]) {
      expect(() => checkStaleAfterMs(ms)).toThrow(/staleAfterMs must be a whole number of milliseconds from 0 to/);
    }
  });

  it("keeps the skills within one environment string, far under Linux's 128 KiB", () => {
    const largest = Array.from({ length: MAX_SKILLS }, (_, i) => `${i}`.padEnd(64, "x"));
    expect(new TextEncoder().encode(JSON.stringify(largest)).length).toBeLessThanOrEqual(MAX_SKILLS_JSON_BYTES);
    expect(MAX_SKILLS_JSON_BYTES).toBeLessThan(128 * 1024);
  });

  it("are the ones the README's table lists", () => {
    const readme = fs.readFileSync(path.join(process.cwd(), "README.md"), "utf8");
    const table = [
      "| input | limit |",
      "| --- | --- |",
      ...LIMIT_ROWS.map(([input, limit]) => `| ${input} | ${limit} |`),
    ];
    expect(readme).toContain(table.join("\n"));
  });
});

describe("provisioning refuses what is out of bounds, before any Fly call and with nothing written", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await setupHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      "8,000 skills",
      { allowedSkillsJson: JSON.stringify(Array.from({ length: 8_000 }, (_, i) => `skill-${i}`)) },
      /the limit is 100/,
    ],
    ["memory Fly cannot give", { memoryMB: 1_000_000_000 }, /from 256 to 2048/],
    ["a bridge URL that is not one", { bridgeUrl: "not a url" }, /not an absolute URL/],
    ["an image that is not a reference", { image: "not an image!" }, /not an image reference/],
    ["a tenantId of 1,000 characters", { tenantId: "t".repeat(1_000) }, /tenantId is 1000 characters long/],
  ];
  for (const [name, overrides, message] of cases) {
    it(`refuses ${name}`, async () => {
      await expect(h.t.action(api.lib.provisionAgentMachine, h.provisionArgs(overrides))).rejects.toThrow(message);
      expect(h.fly.state.requests()).toHaveLength(0);
      expect(await allRows(h.t)).toHaveLength(0);
    });
  }

  it("refuses a whitelist update of 8,000 skills and keeps the old one", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    h.fly.state.resetRequests();
    await expect(
      h.t.mutation(api.lib.updateAllowedSkills, {
        machineDocId: agent.machineDocId,
        allowedSkills: Array.from({ length: 8_000 }, (_, i) => `skill-${i}`),
      }),
    ).rejects.toThrow(/the limit is 100/);
    const after = await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId });
    expect(after?.allowedSkills).toEqual(["calendar", "email"]);
    expect(h.fly.state.requests()).toHaveLength(0);
  });
});

describe("sync and the sweep refuse a staleAfterMs that is not a duration, before any Fly call", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await setupHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("refuses a negative, fractional or endless staleAfterMs, and says the sweep reads no stored token", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    h.fly.state.resetRequests();
    const before = await allRows(h.t);
    for (const staleAfterMs of [-1, 0.5, Number.POSITIVE_INFINITY]) {
      await expect(h.t.action(api.lib.sweepAgentMachines, { ...h.target, staleAfterMs })).rejects.toThrow(
        /staleAfterMs must be a whole number of milliseconds/,
      );
      await expect(
        h.t.action(api.lib.syncAgentMachine, { ...h.target, machineDocId: agent.machineDocId, staleAfterMs }),
      ).rejects.toThrow(/staleAfterMs must be a whole number of milliseconds/);
    }
    expect(h.fly.state.requests()).toHaveLength(0);
    expect(await allRows(h.t)).toEqual(before);

    const { flyApiToken: _token, ...noToken } = h.target;
    await expect(h.t.action(api.lib.sweepAgentMachines, noToken)).rejects.toThrow(
      /No Fly API token: pass flyApiToken, or bind FLY_API_TOKEN .* \(stored secrets are not read here\)/,
    );
  });
});
