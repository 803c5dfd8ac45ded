// @vitest-environment node
/**
 * `npm run demo -- --dashboard` in a real headless Chromium: the dashboard, built in "bridge" mode, on the
 * example app running with the real component in convex-test against the Fly emulator. First the demo's own
 * fleet plays while the page watches; then the test works the page as a person would, and checks each
 * outcome on Fly's side too. One walkthrough, in order.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api.js";
import { ACME_DEFAULTS, ADA } from "../../convex/app.setup.js";
import { FLEET_USERS, FORM_USERS, playFleet, prepareTenant, serveDashboard } from "../demo/dashboard.js";
import { startWorld, type World } from "../demo/world.js";
import { FIND_CHROMIUM_MS, openBrowser, testChromiumIsFound, type BrowserSession } from "./browserSession.js";

const WAIT_MS = 60_000; // the real component waits on the emulator's boot and gateway, under Fly's rate limits
const STEP_MS = 120_000; // one step of the walkthrough, on a machine other test files load too
/** Slow enough that the page, reading every 250 ms, sees provisioning steps go by; fast enough for a test. */
const TIMINGS = {
  bootTimeMs: 800,
  gatewayStartupMs: 800,
  snapshotTimeMs: 300,
  restoreTimeMs: 200,
  volumeCreateMs: 100,
  stopTimeMs: 100,
  detachLagMs: 100,
  pairingTimeMs: 100,
};

let world: World;
let served: Awaited<ReturnType<typeof serveDashboard>> | undefined;
let session: BrowserSession | undefined;
let page: Page;

const row = (userId: string): Locator =>
  page.locator("li[data-agent]").filter({ has: page.getByText(userId, { exact: true }) });
const detail = (): Locator => page.locator("[data-agent-detail]");
const status = (text: string | RegExp): Locator => page.getByRole("status").filter({ hasText: text });
const alert = (text: string | RegExp): Locator => page.getByRole("alert").filter({ hasText: text });

/** The tenant's agents, newest first, as the example app reports them. */
async function acmeAgents() {
  const agents = await world.t.withIdentity(ADA).query(api.agents.listAgents, {
    tenantId: ADA.tenantId,
    paginationOpts: { numItems: 50, cursor: null },
  });
  return agents.page;
}

/** The user's newest agent, with its machine. */
async function agentOf(userId: string) {
  const agent = (await acmeAgents()).find((candidate) => candidate.userId === userId);
  if (!agent?.machineId) throw new Error(`${userId} has no agent with a machine -- invariant of the walkthrough`);
  return { ...agent, machineId: agent.machineId };
}

testChromiumIsFound();

describe("npm run demo -- --dashboard, in Chromium", { timeout: STEP_MS }, () => {
  beforeAll(async () => {
    world = await startWorld({ timings: TIMINGS, faults: false, rateLimits: true });
    await prepareTenant(world, [...Object.values(FLEET_USERS), ...FORM_USERS]);
    served = await serveDashboard(world);
    session = await openBrowser(served.url, WAIT_MS);
    page = session.page;
  }, FIND_CHROMIUM_MS);

  afterAll(async () => {
    await session?.close();
    await served?.close();
    await world?.close();
  });

  test("the page reads the example app through the bridge, signed in as acme's admin", async () => {
    await page.getByText("No agents yet").waitFor();
    await expect(page.locator(".app-header").innerText()).resolves.toContain("the example app in convex-test");
    await expect(page.locator(".app-header").innerText()).resolves.toContain("signed in as ada (admin)");
  });

  test("while the demo's fleet plays, the page follows each agent through its real steps", async () => {
    const lines: string[] = [];
    const played = playFleet(world, (line) => lines.push(line));
    await row(FLEET_USERS.paired)
      .getByText(/Step [2-7] of 7/)
      .waitFor();
    await session?.screenshot("bridge-1-provisioning.png");
    await expect(played, lines.join("\n")).resolves.toBe(true);

    await row(FLEET_USERS.paired).getByText("running", { exact: true }).waitFor();
    await row(FLEET_USERS.stopped).getByText("stopped", { exact: true }).waitFor();
    await row(FLEET_USERS.failed).getByText("error", { exact: true }).waitFor();
    const carol = (await acmeAgents()).find((agent) => agent.userId === FLEET_USERS.failed);
    expect(`${carol?.statusReason} ${carol?.lastError}`).toContain("403");
    await expect(row(FLEET_USERS.failed).innerText()).resolves.toContain(carol?.statusReason ?? "?");
    await session?.screenshot("bridge-2-fleet.png");
  });

  const dave = FORM_USERS[0];

  test("a person provisions an agent from the form, and the component's steps show as they happen", async () => {
    await page.getByLabel("User", { exact: true }).fill(dave);
    await page.getByLabel("Model", { exact: true }).fill(ACME_DEFAULTS.llmModel);
    await page.getByLabel("Bridge URL", { exact: true }).fill(ACME_DEFAULTS.bridgeUrl);
    await page.getByLabel("Service ID", { exact: true }).fill(ACME_DEFAULTS.serviceId);
    await page.getByRole("button", { name: "Provision agent", exact: true }).click();
    await status(`Provisioning ${dave}'s agent`).waitFor();
    await row(dave)
      .getByText(/Step [2-7] of 7/)
      .waitFor();
    await status(`${dave}'s agent is running with model ${ACME_DEFAULTS.llmModel}.`).waitFor();
    await row(dave).getByText("running", { exact: true }).waitFor();

    const agent = await agentOf(dave);
    expect(world.fly.state.machine(world.app, agent.machineId)?.state).toBe("started");
  });

  test("it pairs with the code OpenClaw gave, and OpenClaw holds the pairing", async () => {
    const agent = await agentOf(dave);
    const code = world.fly.state.issuePairingCode(world.app, agent.machineId);
    await detail().getByLabel("Pairing code", { exact: true }).fill(code);
    await detail().getByRole("button", { name: "Approve pairing", exact: true }).click();
    await status("Pairing approved").waitFor();

    const volume = world.fly.state.machine(world.app, agent.machineId)?.config?.mounts?.[0]?.volume ?? "";
    expect(world.fly.state.agentState(volume)?.approvedPairings.map((pairing) => pairing.code)).toContain(code);
  });

  test("a code OpenClaw does not know is refused, in words", async () => {
    await detail().getByLabel("Pairing code", { exact: true }).fill("NOPE2345");
    await detail().getByRole("button", { name: "Approve pairing", exact: true }).click();
    await alert("OpenClaw refused this pairing code").waitFor();
  });

  test("a snapshot is taken on Fly", async () => {
    await detail().getByRole("button", { name: "Take snapshot", exact: true }).click();
    await status(/Snapshot \S+ created/).waitFor();
  });

  test("Fly refusing a call shows as an error in words", async () => {
    world.fly.faults.add({
      operationId: "Machines_stop",
      action: { status: 403, body: { error: "not authorized to stop this machine" } },
    });
    await detail().getByRole("button", { name: "Stop", exact: true }).click();
    const refused = alert("Fly.io refused the request or could not be reached");
    await refused.waitFor();
    await expect(refused.innerText()).resolves.toContain("not authorized to stop this machine");
  });

  test("the timeline lists the audit events the component recorded, newest first", async () => {
    await page.getByRole("heading", { name: new RegExp(`Audit timeline · agent of ${dave}`) }).waitFor();
    const headlines = page.locator(".timeline-event strong");
    await expect
      .poll(() => headlines.allInnerTexts(), { timeout: WAIT_MS })
      .toEqual(expect.arrayContaining(["Provisioned", "Telegram pairing", "Snapshot"]));
    await session?.screenshot("bridge-3-timeline.png");
  });

  test("the page logged no errors", () => {
    expect(session?.errors).toEqual([]);
  });
});
