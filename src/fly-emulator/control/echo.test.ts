/**
 * Tests of the `echoInErrors` knob: what error replies and failing commands quote when it is on, and that they quote
 * nothing when off.
 */
import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../cli/args.js";
import type { ExecResponseJson } from "../fly/jsonTypes.js";
import { APP, type TestEmulator, useEmulatorHarness } from "../testing/testHarness.js";

const harness = useEmulatorHarness();
const ENV = { OPENCLAW_GATEWAY_TOKEN: "gw-echo-secret", LLM_API_KEY: "sk-echo-secret" };
const command = [
  "sh",
  "-c",
  'cd /app && exec node ./openclaw.mjs "$@"',
  "openclaw",
  "pairing",
  "approve",
  "telegram",
  "NOPE99",
];

async function startedMachine(emu: TestEmulator) {
  const machine = await emu.createMachine(APP, { config: { env: ENV } });
  await emu.waitFor(APP, machine.id, "started");
  await emu.until(
    () => emu.state.gateway(APP, machine.id)?.ready,
    (ready) => ready === true,
  );
  return machine;
}

describe("the echoInErrors knob", () => {
  it("is off by default: errors and failing commands quote nothing they were not asked", async () => {
    const emu = await harness.start();
    const machine = await startedMachine(emu);
    emu.faults.add({ operationId: "Machines_stop", action: { status: 400, body: { error: "refused" } } });
    const stop = await emu.api.post(`/apps/${APP}/machines/${machine.id}/stop`, {});
    expect(stop.body).toEqual({ error: "refused" });
    const exec = await emu.api.post<ExecResponseJson>(`/apps/${APP}/machines/${machine.id}/exec`, { command });
    expect(exec.body.exit_code).toBe(1);
    expect(exec.text).not.toContain("sk-echo-secret");
  });

  it("when on, an error quotes the token, the body and the named Machine's env; a failing command prints the env", async () => {
    const emu = await harness.start({ echoInErrors: true });
    const machine = await startedMachine(emu);
    emu.faults.add({ operationId: "Machines_stop", action: { status: 400, body: { error: "refused" } } });
    const stop = await emu.api.post<{ error: string }>(`/apps/${APP}/machines/${machine.id}/stop`, { signal: "x" });
    expect(stop.status).toBe(400);
    expect(stop.body.error).toMatch(/^refused \(echo: Bearer \S+; body \{"signal":"x"\}; env .*\)$/);
    for (const value of [emu.token, ...Object.values(ENV)]) expect(stop.body.error).toContain(value);

    // An unknown Machine has no env to quote.
    const missing = await emu.api.get<{ error: string }>(`/apps/${APP}/machines/m_nope`);
    expect(missing.body.error).toMatch(/machine not found \(echo: .*env none\)/);

    const exec = await emu.api.post<ExecResponseJson>(`/apps/${APP}/machines/${machine.id}/exec`, { command });
    expect(exec.body.exit_code).toBe(1);
    expect(exec.body.stderr).toContain("LLM_API_KEY=sk-echo-secret");
    const ok = await emu.api.get(`/apps/${APP}/machines/${machine.id}`);
    expect(ok.status).toBe(200);
  });

  it("is set from the CLI with --echo-in-errors", () => {
    expect(parseCliArgs(["--echo-in-errors"])).toEqual({ help: false, options: { echoInErrors: true } });
  });
});
