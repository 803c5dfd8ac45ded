/** Tests of the simulated OpenClaw image: its gateway, exec, and the CLI commands the component runs. */
import { describe, expect, it } from "vitest";
import type { ExecResponseJson, MachineJson } from "../fly/jsonTypes.js";
import { APP, type TestEmulator, useEmulatorHarness } from "../testing/testHarness.js";
import { OPENCLAW_BUILTIN_MODEL } from "./openClawRuntime.js";

const harness = useEmulatorHarness();
const GATEWAY_ENV = { OPENCLAW_GATEWAY_TOKEN: "gw-secret", LLM_MODEL: "moonshotai/kimi-k2.5" };
// The safe form the component sends: user values travel as positional arguments.
const safe = (...args: string[]) => ["sh", "-lc", 'cd /app && node ./openclaw.mjs "$@"', "openclaw", ...args];

async function exec(emu: TestEmulator, machineId: string, command: string[] | { cmd: string }) {
  const body = Array.isArray(command) ? { command } : command;
  return emu.api.post<ExecResponseJson>(`/apps/${APP}/machines/${machineId}/exec`, body);
}

async function readyAgent(emu: TestEmulator, extra: Record<string, unknown> = {}): Promise<MachineJson> {
  const machine = await emu.createMachine(APP, { config: { env: GATEWAY_ENV }, ...extra });
  await emu.waitFor(APP, machine.id, "started");
  await emu.until(
    () => emu.state.gateway(APP, machine.id)?.ready,
    (ready) => ready === true,
  );
  return machine;
}

/** Restarts the Machine and waits until its new gateway listens. */
async function restartUntilListening(emu: TestEmulator, machineId: string) {
  await emu.api.post(`/apps/${APP}/machines/${machineId}/restart`);
  await emu.waitFor(APP, machineId, "started");
  await emu.until(
    () => emu.state.gateway(APP, machineId)?.ready,
    (ready) => ready === true,
  );
}

describe("the simulated OpenClaw gateway", () => {
  it("listens only after the start-up time, and logs it", async () => {
    const emu = await harness.start({ gatewayStartupMs: 3000 });
    const machine = await emu.createMachine(APP, { config: { env: GATEWAY_ENV } });
    await emu.waitFor(APP, machine.id, "started");
    expect(emu.state.gateway(APP, machine.id)?.ready).toBe(false);
    const early = await exec(emu, machine.id, safe("models", "status", "--plain"));
    expect(early.status).toBe(200);
    expect(early.body.exit_code).toBe(1);
    expect(early.body.stderr).toContain("gateway not reachable");
    await emu.until(
      () => emu.state.gateway(APP, machine.id)?.ready,
      (ready) => ready === true,
    );
    expect(emu.state.machineLogs(APP, machine.id)).toContain("[gateway] listening on ws://0.0.0.0:3000");
  });

  it("refuses to bind without OPENCLAW_GATEWAY_TOKEN while the Machine still shows started", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, {
      config: { env: { OPENCLAW_GATEWAY_TOKEN: "" }, checks: { gateway: { type: "tcp", port: 3000 } } },
    });
    await emu.waitFor(APP, machine.id, "started");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logs = emu.state.machineLogs(APP, machine.id);
    expect(logs).toContain("Refusing to bind gateway to lan without auth.");
    expect(logs).toContain("Set gateway.auth.token/password (or OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD) ...");
    expect(logs.some((line) => line.includes("[gateway] listening"))).toBe(false);
    const got = await emu.api.get<MachineJson>(`/apps/${APP}/machines/${machine.id}`);
    expect(got.body.state).toBe("started");
    expect(got.body.checks?.[0]).toMatchObject({ name: "gateway", status: "critical" });
    expect((await exec(emu, machine.id, safe("models", "status", "--plain"))).body.exit_code).toBe(1);
  });

  it("logs --dev when OPENCLAW_GATEWAY_DEV_MODE is true", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, {
      config: { env: { ...GATEWAY_ENV, OPENCLAW_GATEWAY_DEV_MODE: "true" } },
    });
    await emu.waitFor(APP, machine.id, "started");
    expect(emu.state.machineLogs(APP, machine.id).some((line) => line.includes("--dev"))).toBe(true);
  });
});

describe("exec", () => {
  it("accepts node ./openclaw.mjs, the positional sh form, a plain sh script and the deprecated cmd", async () => {
    const emu = await harness.start();
    const machine = await readyAgent(emu);
    const forms: Array<string[] | { cmd: string }> = [
      ["node", "./openclaw.mjs", "models", "status", "--plain"],
      safe("models", "status", "--plain"),
      ["sh", "-c", 'node ./openclaw.mjs "$@"', "x", "models", "status", "--plain"],
      ["sh", "-lc", "cd /app && node ./openclaw.mjs models status --plain"],
      { cmd: "sh -lc 'cd /app && node ./openclaw.mjs models status --plain'" },
      { cmd: "node ./openclaw.mjs models status --plain" },
    ];
    for (const form of forms) {
      const reply = await exec(emu, machine.id, form);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ exit_code: 0, stdout: "moonshotai/kimi-k2.5\n", stderr: "" });
    }
  });

  it("runs a port probe that waits inside the Machine, then OpenClaw, in one exec", async () => {
    const emu = await harness.start({ gatewayStartupMs: 2000 });
    const machine = await emu.createMachine(APP, { config: { env: GATEWAY_ENV } });
    await emu.waitFor(APP, machine.id, "started");
    expect(emu.state.gateway(APP, machine.id)?.ready).toBe(false);
    const probe = `node -e 'const net = require("net"); net.connect(+process.argv[2])' "$1" "$2" || exit $?; shift 2; cd /app && exec node ./openclaw.mjs "$@"`;
    const waited = await exec(emu, machine.id, ["sh", "-c", probe, "ready", "20", "3000", "health", "--json"]);
    expect(waited.body.exit_code).toBe(0);
    const listeningAt = emu.state.gateway(APP, machine.id)?.listeningAt ?? 0;
    expect(listeningAt).toBeGreaterThan(0);
    expect(emu.state.requests().filter((request) => request.operationId === "Machines_exec")).toHaveLength(1);
    const elsewhere = await exec(emu, machine.id, ["sh", "-c", probe, "ready", "1", "8080", "health"]);
    expect(elsewhere.body).toMatchObject({ exit_code: 75, stderr: "nothing listens on port 8080\n" });
    const notAProbe = ["sh", "-c", `node -e 'x' "$1" "$2" || exit $?; shift 2; rm -rf /`, "x", "1", "3000"];
    expect((await exec(emu, machine.id, notAProbe)).body.exit_code).toBe(127);
  });

  it("answers 127 sh: command not found for anything else, still with 200", async () => {
    const emu = await harness.start();
    const machine = await readyAgent(emu);
    for (const command of [
      ["ls", "/"],
      ["sh", "-c", "rm -rf /tmp; node ./openclaw.mjs models status"],
      ["sh", "-lc", "echo hi"],
      ["bash", "-c", "x"],
    ]) {
      const reply = await exec(emu, machine.id, command);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ exit_code: 127, stdout: "", stderr: "sh: command not found\n" });
    }
  });

  it("refuses with 400 failed_precondition unless the Machine is started, and 400 without a command", async () => {
    const emu = await harness.start();
    const machine = await emu.createMachine(APP, { skip_launch: true });
    const refused = await exec(emu, machine.id, safe("models", "status"));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: "failed_precondition: machine is not started" });
    const empty = await emu.api.post(`/apps/${APP}/machines/${machine.id}/exec`, {});
    expect(empty.status).toBe(400);
  });

  it("answers 408 deadline_exceeded when the command outlives the request timeout", async () => {
    const emu = await harness.start({ timeScale: 0.01, pairingTimeMs: 5000 });
    const machine = await readyAgent(emu);
    const code = emu.state.issuePairingCode(APP, machine.id);
    const reply = await emu.api.post(`/apps/${APP}/machines/${machine.id}/exec`, {
      command: safe("pairing", "approve", "telegram", code),
      timeout: 1,
    });
    expect(reply.status).toBe(408);
    expect(reply.body).toEqual({ error: expect.stringMatching(/^deadline_exceeded: /) });
  });
});

describe("the OpenClaw CLI", () => {
  it("models set persists the default; models status --plain prints it", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "agent_data", region: "iad" });
    const machine = await readyAgent(emu, {
      config: { env: GATEWAY_ENV, mounts: [{ volume: volume.id, path: "/data" }] },
    });
    expect(emu.state.agentState(volume.id)?.model).toBe("moonshotai/kimi-k2.5");
    const set = await exec(emu, machine.id, safe("models", "set", "openai/gpt-5"));
    expect(set.body.exit_code).toBe(0);
    expect(emu.state.agentState(volume.id)?.model).toBe("openai/gpt-5");
    const status = await exec(emu, machine.id, safe("models", "status", "--plain"));
    expect(status.body.stdout).toBe("openai/gpt-5\n");
    const unknown = await exec(emu, machine.id, safe("frobnicate"));
    expect(unknown.body.exit_code).toBe(1);
  });

  it("keeps a previously persisted default: LLM_MODEL does not override it after an update", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "agent_data", region: "iad" });
    const mounts = [{ volume: volume.id, path: "/data" }];
    const machine = await readyAgent(emu, { config: { env: GATEWAY_ENV, mounts } });
    await emu.api.post(`/apps/${APP}/machines/${machine.id}`, {
      config: { image: machine.config?.image, env: { ...GATEWAY_ENV, LLM_MODEL: "anthropic/claude-sonnet-4" }, mounts },
    });
    await emu.waitFor(APP, machine.id, "started");
    await emu.until(
      () => emu.state.gateway(APP, machine.id)?.ready,
      (ready) => ready === true,
    );
    expect((await exec(emu, machine.id, safe("models", "status", "--plain"))).body.stdout).toBe(
      "moonshotai/kimi-k2.5\n",
    );
    await exec(emu, machine.id, safe("models", "set", "anthropic/claude-sonnet-4"));
    expect((await exec(emu, machine.id, safe("models", "status", "--plain"))).body.stdout).toBe(
      "anthropic/claude-sonnet-4\n",
    );
  });

  it("loses the persisted model of a Machine without a volume on restart (root filesystem)", async () => {
    const emu = await harness.start();
    const machine = await readyAgent(emu);
    await exec(emu, machine.id, safe("models", "set", "x/y"));
    expect((await exec(emu, machine.id, safe("models", "status", "--plain"))).body.stdout).toBe("x/y\n");
    await restartUntilListening(emu, machine.id);
    expect((await exec(emu, machine.id, safe("models", "status", "--plain"))).body.stdout).toBe(
      "moonshotai/kimi-k2.5\n",
    );
  });

  it("lists pending pairing requests as a table for people, and as JSON with --json", async () => {
    const emu = await harness.start();
    const machine = await readyAgent(emu);
    const none = await exec(emu, machine.id, safe("pairing", "list", "telegram"));
    expect(none.body).toEqual({ exit_code: 0, stdout: "No pending telegram pairing requests.\n", stderr: "" });
    expect(
      JSON.parse((await exec(emu, machine.id, safe("pairing", "list", "telegram", "--json"))).body.stdout),
    ).toEqual({ channel: "telegram", requests: [] });
    const code = emu.state.issuePairingCode(APP, machine.id);
    const table = (await exec(emu, machine.id, safe("pairing", "list", "telegram"))).body.stdout;
    expect(table).toMatch(/^Pending telegram pairing requests \(1\)\n┌─/);
    expect(table).toMatch(new RegExp(`│ ${code} │ \\d+ +│ \\d{4}-`));
    // The first word of no line is the code: a parser of this text finds nothing, which is why --json exists.
    expect(table.split("\n").map((line) => line.trim().split(/\s+/)[0])).not.toContain(code);
    const json = JSON.parse((await exec(emu, machine.id, safe("pairing", "list", "telegram", "--json"))).body.stdout);
    expect(json).toEqual({
      channel: "telegram",
      requests: [{ code, id: expect.stringMatching(/^\d{9,10}$/), createdAt: expect.any(String) }],
    });
    expect((await exec(emu, machine.id, safe("pairing", "list", "telegram", "--yaml"))).body.exit_code).toBe(1);
  });

  it("health fails at once while the gateway does not listen, and answers once it does", async () => {
    const emu = await harness.start({ gatewayStartupMs: 3000 });
    const machine = await emu.createMachine(APP, { config: { env: GATEWAY_ENV } });
    await emu.waitFor(APP, machine.id, "started");
    const early = await exec(emu, machine.id, safe("health", "--json", "--timeout", "10000"));
    expect(early.body.exit_code).toBe(1);
    expect(early.body.stderr).toContain("ECONNREFUSED");
    await emu.until(
      () => emu.state.gateway(APP, machine.id)?.ready,
      (ready) => ready === true,
    );
    const ready = await exec(emu, machine.id, safe("health", "--json", "--timeout", "10000"));
    expect(ready.body.exit_code).toBe(0);
    expect(JSON.parse(ready.body.stdout)).toMatchObject({ ok: true });
    expect((await exec(emu, machine.id, safe("health"))).body.stdout).toContain("Gateway: ok");
    expect((await exec(emu, machine.id, safe("health", "--verbose"))).body.exit_code).toBe(1);
  });

  it("resets the default model at every boot with the resetModelAtBoot behaviour", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "agent_data", region: "iad" });
    const machine = await readyAgent(emu, {
      config: { env: GATEWAY_ENV, mounts: [{ volume: volume.id, path: "/data" }] },
    });
    await exec(emu, machine.id, safe("models", "set", "moonshotai/kimi-k2.5"));
    emu.behaviours.set({ resetModelAtBoot: true });
    await restartUntilListening(emu, machine.id);
    expect((await exec(emu, machine.id, safe("models", "status", "--plain"))).body.stdout).toBe(
      `${OPENCLAW_BUILTIN_MODEL}\n`,
    );
    expect(emu.state.machineLogs(APP, machine.id).join("\n")).toContain("default model reset");
  });

  it("approves a pending Telegram pairing code once; unknown codes fail", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "agent_data", region: "iad" });
    const machine = await readyAgent(emu, {
      config: { env: GATEWAY_ENV, mounts: [{ volume: volume.id, path: "/data" }] },
    });
    const code = emu.state.issuePairingCode(APP, machine.id);
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    expect(emu.state.agentState(volume.id)?.pendingPairingCodes).toEqual([code]);
    const listed = await exec(emu, machine.id, safe("pairing", "list", "telegram", "--json"));
    const sender = (JSON.parse(listed.body.stdout) as { requests: Array<{ id: string }> }).requests[0].id;
    const approved = await exec(emu, machine.id, safe("pairing", "approve", "telegram", code));
    expect(approved.body).toMatchObject({ exit_code: 0, stdout: `Approved telegram sender ${sender}.\n` });
    expect(emu.state.agentState(volume.id)?.approvedPairings).toEqual([
      { channel: "telegram", code, senderId: sender, approvedAt: expect.any(String) },
    ]);
    const twice = await exec(emu, machine.id, safe("pairing", "approve", "telegram", code));
    expect(twice.body.exit_code).toBe(1);
    expect(twice.body.stderr).toContain(`No pending pairing request found for code: ${code}`);
    const bogus = await exec(emu, machine.id, safe("pairing", "approve", "telegram", "ZZZZ9999"));
    expect(bogus.body.stderr).toContain("No pending pairing request found for code: ZZZZ9999");
  });

  it.each(["restart", "stop+start"])(
    "breaks the gateway when two pairing commands overlap, until the Machine is healed by %s",
    async (heal) => {
      const emu = await harness.start({ pairingTimeMs: 1000, timeScale: 0.1 });
      const volume = await emu.createVolume(APP, { name: "agent_data", region: "iad" });
      const config = { env: GATEWAY_ENV, mounts: [{ volume: volume.id, path: "/data" }] };
      const machine = await readyAgent(emu, { config });
      const first = emu.state.issuePairingCode(APP, machine.id);
      const second = emu.state.issuePairingCode(APP, machine.id);
      const [a, b] = await Promise.all([
        exec(emu, machine.id, safe("pairing", "approve", "telegram", first)),
        exec(emu, machine.id, safe("pairing", "approve", "telegram", second)),
      ]);
      expect(a.body.exit_code).not.toBe(0);
      expect(b.body.exit_code).not.toBe(0);
      expect(emu.state.gateway(APP, machine.id)).toMatchObject({ ready: false, unhealthy: true });
      expect((await exec(emu, machine.id, safe("models", "status", "--plain"))).body.exit_code).toBe(1);

      if (heal === "restart") {
        expect((await emu.api.post(`/apps/${APP}/machines/${machine.id}/restart`)).status).toBe(200);
      } else {
        await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`);
        await emu.waitFor(APP, machine.id, "stopped");
        await emu.api.post(`/apps/${APP}/machines/${machine.id}/start`);
      }
      await emu.waitFor(APP, machine.id, "started");
      await emu.until(
        () => emu.state.gateway(APP, machine.id)?.ready,
        (ready) => ready === true,
      );
      // The pending codes live on the volume, so the first one can still be approved, alone this time.
      const retried = await exec(emu, machine.id, safe("pairing", "approve", "telegram", first));
      expect(retried.body.exit_code).toBe(0);
      expect(emu.state.agentState(volume.id)?.pendingPairingCodes).toEqual([second]);
    },
  );

  it("restores the agent state from a snapshot into a new volume", async () => {
    const emu = await harness.start();
    const volume = await emu.createVolume(APP, { name: "agent_data", region: "iad" });
    const mounts = (id: string) => [{ volume: id, path: "/data" }];
    const machine = await readyAgent(emu, { config: { env: GATEWAY_ENV, mounts: mounts(volume.id) } });
    await exec(emu, machine.id, safe("models", "set", "openai/gpt-5"));
    const code = emu.state.issuePairingCode(APP, machine.id);
    await exec(emu, machine.id, safe("pairing", "approve", "telegram", code));
    await emu.api.post(`/apps/${APP}/volumes/${volume.id}/snapshots`);
    await exec(emu, machine.id, safe("models", "set", "changed/after-snapshot"));
    const snapshot = await emu.until(
      () => emu.state.snapshots(volume.id)[0],
      (found) => found?.status === "created",
    );

    const restored = await emu.createVolume(APP, { name: "agent_data", region: "iad", snapshot_id: snapshot.id });
    const clone = await readyAgent(emu, {
      config: { env: { ...GATEWAY_ENV, LLM_MODEL: "ignored/model" }, mounts: mounts(restored.id) },
    });
    expect((await exec(emu, clone.id, safe("models", "status", "--plain"))).body.stdout).toBe("openai/gpt-5\n");
    expect(emu.state.agentState(restored.id)?.approvedPairings.map((pairing) => pairing.code)).toEqual([code]);
  });
});
