// @vitest-environment node
/**
 * The fleet dashboard in a real headless Chromium, over the in-memory data layer the test
 * drives through `window.__fleet`: the dashboard is built with Vite (`--mode test`), served
 * from 127.0.0.1, and clicked through as a user would. The tests below are one walkthrough,
 * in order: each starts where the previous one left the page.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FlyAgentsErrorData } from "@okrlinkhub/fly-agents";
import type { Agent, CommandName } from "./src/data.js";
import type { AgentPatch } from "./src/testData.js";
import { FIND_CHROMIUM_MS, openBrowser, testChromiumIsFound, type BrowserSession } from "./browserSession.js";
import { buildDashboard, staticFiles } from "./serve.js";

const WAIT_MS = 5_000; // longest the page may take to show a change; the fake answers in ~150 ms

let workDir: string;
let server: Server | undefined;
let session: BrowserSession | undefined;
let page: Page;

// ---- the data layer, as the test sees it through window.__fleet ---------------------------

const fleet = {
  calls: () => page.evaluate(() => window.__fleet?.calls() ?? []),
  agents: () => page.evaluate(() => window.__fleet?.agents() ?? []),
  update: (machineDocId: string, patch: AgentPatch) =>
    page.evaluate(([id, change]) => window.__fleet?.update(id, change), [machineDocId, patch] as const),
  failNext: (command: CommandName, error: FlyAgentsErrorData) =>
    page.evaluate(([name, data]) => window.__fleet?.failNext(name, data), [command, error] as const),
};

async function lastCall() {
  const calls = await fleet.calls();
  return calls[calls.length - 1];
}

/** The first agent of the data layer that matches, once there is one (commands insert theirs a tick late). */
async function agentWhere(predicate: (agent: Agent) => boolean): Promise<Agent> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const agent = (await fleet.agents()).find(predicate);
    if (agent) return agent;
    if (Date.now() > deadline) throw new Error(`No agent in the data layer matched within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---- the page, as a user sees it ------------------------------------------------------------

const agentRow = (machineDocId: string): Locator => page.locator(`li[data-agent="${machineDocId}"]`);
const detail = (): Locator => page.locator("[data-agent-detail]");
const status = (text: string | RegExp): Locator => page.getByRole("status").filter({ hasText: text });
const alert = (text: string | RegExp): Locator => page.getByRole("alert").filter({ hasText: text });
const fact = (term: string): Locator =>
  detail()
    .locator(".facts > div")
    .filter({ has: page.getByText(term, { exact: true }) })
    .locator("dd");

const screenshot = (name: string) => session?.screenshot(name);

/** What the provisioning form is filled with, as the provision command receives it. */
const GRACE_SETTINGS = {
  tenantId: "acme",
  userId: "grace",
  llmModel: "moonshotai/kimi-k2.5",
  region: "fra",
  memoryMB: 4096,
  allowedSkills: ["calendar", "notes"],
};

const STEPS: Array<[NonNullable<Agent["step"]>, string]> = [
  ["creating_volume", "Step 2 of 7 · Creating volume"],
  ["creating_machine", "Step 3 of 7 · Creating machine"],
  ["booting", "Step 4 of 7 · Booting"],
  ["waiting_for_gateway", "Step 5 of 7 · Waiting for the gateway"],
  ["setting_model", "Step 6 of 7 · Setting the model"],
  ["verifying_model", "Step 7 of 7 · Verifying the model"],
];

testChromiumIsFound();

describe("the fleet dashboard in Chromium", () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "fleet-dashboard-"));
    const outDir = join(workDir, "dist");
    await buildDashboard("test", outDir);
    const files = staticFiles(outDir);
    server = createServer((request, response) => files(request, response));
    await new Promise<void>((listening) => server?.listen(0, "127.0.0.1", listening));
    const { port } = server.address() as AddressInfo;
    session = await openBrowser(`http://127.0.0.1:${port}/`, WAIT_MS);
    page = session.page;
    await page.waitForFunction(() => window.__fleet !== undefined);
  }, FIND_CHROMIUM_MS);

  afterAll(async () => {
    await session?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((closed) => server?.close(() => closed()));
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  let grace: Agent;
  let snapshotId: string;

  test("the provisioning form sends provision with what was typed, and the page follows the steps to running", async () => {
    await page.getByText("No agents yet").waitFor();
    await page.getByLabel("User", { exact: true }).fill("grace");
    await page.getByLabel("Model", { exact: true }).fill("moonshotai/kimi-k2.5");
    await page.getByLabel("Region", { exact: true }).fill("fra");
    await page.getByLabel("Memory (MB)", { exact: true }).fill("4096");
    await page.getByLabel("Allowed skills", { exact: true }).fill("calendar, notes");
    await page.getByRole("button", { name: "Provision agent", exact: true }).click();

    await status("Provisioning grace's agent").waitFor();
    expect(await fleet.calls()).toEqual([{ command: "provision", args: GRACE_SETTINGS }]);
    await expect(page.getByRole("button", { name: "Provisioning…", exact: true }).isDisabled()).resolves.toBe(true);

    grace = await agentWhere((agent) => agent.userId === "grace");
    const row = agentRow(grace._id);
    await row.getByText("provisioning", { exact: true }).waitFor();
    await row.getByText("Step 1 of 7 · Queued").waitFor();
    await row.getByRole("button").click();
    await detail()
      .getByRole("heading", { name: /Agent of grace/ })
      .waitFor();

    for (const [step, label] of STEPS) {
      await fleet.update(grace._id, { step });
      await row.getByText(label).waitFor();
      await detail().getByText(label).waitFor();
      if (step === "waiting_for_gateway") await screenshot("1-provisioning.png");
    }
    await expect(row.getByRole("progressbar").getAttribute("aria-valuenow")).resolves.toBe("7");

    await fleet.update(grace._id, {
      status: "running",
      machineId: "e784e0f1c2d3a8",
      flyVolumeId: "vol_4y5n8qw7",
      effectiveModel: "moonshotai/kimi-k2.5",
      gatewayHealthy: true,
    });
    await row.getByText("running", { exact: true }).waitFor();
    await expect(row.getByRole("progressbar").count()).resolves.toBe(0);
    await expect(row.innerText()).resolves.toContain("moonshotai/kimi-k2.5");
    await status("grace's agent is running with model moonshotai/kimi-k2.5.").waitFor();
    await expect(fact("Effective model").innerText()).resolves.toBe("moonshotai/kimi-k2.5");
    await expect(fact("Gateway").innerText()).resolves.toBe("healthy");
    await expect(fact("Machine").innerText()).resolves.toBe("e784e0f1c2d3a8");
  });

  test("a pairing code is sent to approvePairing and the page says it was approved", async () => {
    const code = detail().getByLabel("Pairing code", { exact: true });
    await code.fill("K7M2Q9XA");
    await detail().getByRole("button", { name: "Approve pairing", exact: true }).click();

    await status("Pairing approved").waitFor();
    expect(await lastCall()).toEqual({
      command: "approvePairing",
      args: { machineDocId: grace._id, telegramPairingCode: "K7M2Q9XA" },
    });
    await expect(code.inputValue()).resolves.toBe("");
  });

  test("a pairing refused with pairing_in_progress shows what happened in words", async () => {
    await fleet.failNext("approvePairing", {
      kind: "pairing_in_progress",
      message: "A pairing command is already running on this machine: wait for it to finish, then retry.",
      machineDocId: grace._id,
    });
    await detail().getByLabel("Pairing code", { exact: true }).fill("R4T8W2ZP");
    await detail().getByRole("button", { name: "Approve pairing", exact: true }).click();

    const error = alert("A pairing is already running on this agent");
    await error.waitFor();
    await expect(error.innerText()).resolves.toContain("wait for it to finish, then retry");
    await expect(error.innerText()).resolves.not.toContain("pairing_in_progress");
    await expect(status("Pairing approved").count()).resolves.toBe(0);
    // The code stays in the field, to retry.
    await expect(detail().getByLabel("Pairing code", { exact: true }).inputValue()).resolves.toBe("R4T8W2ZP");
    await screenshot("2-pairing-refused.png");
  });

  test("stop and start send their commands and the status follows", async () => {
    await detail().getByRole("button", { name: "Stop", exact: true }).click();
    await status("Agent stopped").waitFor();
    await agentRow(grace._id).getByText("stopped", { exact: true }).waitFor();
    expect(await lastCall()).toEqual({ command: "stop", args: { machineDocId: grace._id } });
    await expect(detail().getByLabel("Pairing code", { exact: true }).isDisabled()).resolves.toBe(true);

    await detail().getByRole("button", { name: "Start", exact: true }).click();
    await status("Agent started").waitFor();
    await agentRow(grace._id).getByText("running", { exact: true }).waitFor();
    expect(await lastCall()).toEqual({ command: "start", args: { machineDocId: grace._id } });
  });

  test("a snapshot is taken, then the agent is restored from it into a new agent", async () => {
    const restore = detail().getByRole("button", { name: "Restore from latest snapshot", exact: true });
    await expect(restore.isDisabled()).resolves.toBe(true);
    await detail().getByRole("button", { name: "Take snapshot", exact: true }).click();
    await status(/Snapshot snap\w+ created/).waitFor();
    expect(await lastCall()).toEqual({ command: "snapshot", args: { machineDocId: grace._id } });
    snapshotId = (await agentWhere((agent) => agent._id === grace._id)).latestSnapshotId ?? "";
    await detail().getByText(`Latest snapshot: ${snapshotId}`).waitFor();

    await restore.click();
    await page.getByRole("group", { name: "Confirm restore" }).getByText(snapshotId).waitFor();
    await page.getByRole("button", { name: "Confirm restore", exact: true }).click();
    await status("Restoring into a new agent").waitFor();
    expect(await lastCall()).toEqual({ command: "recreate", args: { ...GRACE_SETTINGS, image: grace.image } });

    const restored = await agentWhere((agent) => agent.restoredFromSnapshotId === snapshotId);
    await fleet.update(restored._id, { step: "restoring_volume" });
    await agentRow(restored._id).getByText("Step 2 of 7 · Restoring volume from snapshot").waitFor();
    await fleet.update(restored._id, {
      status: "running",
      machineId: "e784aa11bb22cc",
      effectiveModel: "moonshotai/kimi-k2.5",
      gatewayHealthy: true,
    });

    // The page switches to the new agent; the old one is deleted, replaced by it.
    await page.locator(`[data-agent-detail="${restored._id}"]`).waitFor();
    await expect(fact("Restored from").innerText()).resolves.toBe(snapshotId);
    await agentRow(restored._id).getByText("running", { exact: true }).waitFor();
    await agentRow(grace._id).getByText("deleted", { exact: true }).waitFor();
    await expect(agentRow(grace._id).innerText()).resolves.toContain("Replaced");
  });

  test("the audit timeline lists the agent's events, newest first, failures with their error", async () => {
    await agentRow(grace._id).getByRole("button").click();
    await page.getByRole("heading", { name: /Audit timeline · agent of grace/ }).waitFor();
    const events = page.locator(".timeline-event");
    await expect(events.count()).resolves.toBe(6);
    const headlines = await events.evaluateAll((items) =>
      items.map((item) => `${item.querySelector("strong")?.textContent} ${item.querySelector(".badge")?.textContent}`),
    );
    expect(headlines).toEqual([
      "Snapshot succeeded",
      "Started succeeded",
      "Stopped succeeded",
      "Telegram pairing failed",
      "Telegram pairing succeeded",
      "Provisioned succeeded",
    ]);
    const texts = await events.allInnerTexts();
    expect(texts[3]).toContain("A pairing command is already running on this machine");
    expect(texts[5]).toContain("model moonshotai/kimi-k2.5");
    await screenshot("3-timeline.png");
  });

  test("the page logged no errors", () => {
    expect(session?.errors).toEqual([]);
  });
});
