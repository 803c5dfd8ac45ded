import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { setupHarness, type Harness } from "../testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness({ pairingTimeMs: 300 });
});
afterEach(async () => {
  await h.close();
});

const machineTarget = (machineDocId: string) => ({ machineDocId, ...h.target });

describe("approveTelegramPairing", () => {
  it("approves a code the bot issued, sending it as an argument rather than shell text", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    await h.t.action(api.lib.approveTelegramPairing, {
      ...machineTarget(agent.machineDocId),
      telegramPairingCode: code.toLowerCase(),
    });
    expect(h.fly.state.agentState(agent.volumeId)?.approvedPairings.map((p) => p.code)).toEqual([code]);
    const exec = h.fly.state
      .requests()
      .filter((r) => r.operationId === "Machines_exec")
      .at(-1);
    expect(exec?.status).toBe(200);
  });

  it("refuses a code that is not pending (expired or unknown) with what to do, and frees the lock", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    await expect(
      h.t.action(api.lib.approveTelegramPairing, {
        ...machineTarget(agent.machineDocId),
        telegramPairingCode: "ZZZZ9999",
      }),
    ).rejects.toThrow(/pairing_rejected.*ZZZZ9999 is not pending.*expired.*send \/start to the bot again/);
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    await h.t.action(api.lib.approveTelegramPairing, {
      ...machineTarget(agent.machineDocId),
      telegramPairingCode: code,
    });
  });

  it("rejects something that is not a pairing code before calling Fly", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    h.fly.state.resetRequests();
    for (const bad of ["", "ab", "ABCD 1234", "ABCD1234; reboot", "$(id)", "ABCDEFGHIJKLMNOP"]) {
      await expect(
        h.t.action(api.lib.approveTelegramPairing, { ...machineTarget(agent.machineDocId), telegramPairingCode: bad }),
      ).rejects.toThrow(/does not look like an OpenClaw pairing code/);
    }
    expect(h.fly.state.requests()).toHaveLength(0);
  });

  it("lets exactly one of N simultaneous pairings reach Fly; the others are told a pairing is in progress", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    h.fly.state.resetRequests();
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        h.t.action(api.lib.approveTelegramPairing, { ...machineTarget(agent.machineDocId), telegramPairingCode: code }),
      ),
    );
    const fulfilled = attempts.filter((attempt) => attempt.status === "fulfilled");
    const rejected = attempts.filter((attempt): attempt is PromiseRejectedResult => attempt.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(4);
    for (const attempt of rejected) expect(String(attempt.reason)).toMatch(/pairing_in_progress/);
    // One `pairing list --json` (the gateway serves, the code is pending), one `pairing approve`.
    expect(h.fly.state.requests().filter((r) => r.operationId === "Machines_exec")).toHaveLength(2);
    expect(h.fly.state.gateway(h.app, agent.machineId)?.unhealthy).toBe(false);
  });

  it("refuses to pair on an unhealthy gateway until the machine is restarted", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    await h.t.action(api.lib.stopAgentMachine, machineTarget(agent.machineDocId));
    await expect(
      h.t.action(api.lib.approveTelegramPairing, {
        ...machineTarget(agent.machineDocId),
        telegramPairingCode: "ABCD2345",
      }),
    ).rejects.toThrow(/pairing needs a running agent/);
    await h.t.action(api.lib.startAgentMachine, machineTarget(agent.machineDocId));
    // Someone else's overlapping commands wedge the gateway (as the seed warns)...
    const codes = [
      h.fly.state.issuePairingCode(h.app, agent.machineId),
      h.fly.state.issuePairingCode(h.app, agent.machineId),
    ];
    await Promise.all(
      codes.map((code) =>
        fetch(`${h.fly.url}/apps/${h.app}/machines/${agent.machineId}/exec`, {
          method: "POST",
          headers: { Authorization: `Bearer ${h.fly.token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ command: ["node", "./openclaw.mjs", "pairing", "approve", "telegram", code] }),
        }),
      ),
    );
    expect(h.fly.state.gateway(h.app, agent.machineId)?.unhealthy).toBe(true);
    // ...so the component refuses and records it, until a restart heals it.
    const code = h.fly.state.issuePairingCode(h.app, agent.machineId);
    await expect(
      h.t.action(api.lib.approveTelegramPairing, { ...machineTarget(agent.machineDocId), telegramPairingCode: code }),
    ).rejects.toThrow(/gateway_unhealthy/);
    expect(await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId })).toMatchObject({
      gatewayHealthy: false,
    });
    await expect(
      h.t.action(api.lib.approveTelegramPairing, { ...machineTarget(agent.machineDocId), telegramPairingCode: code }),
    ).rejects.toThrow(/restartAgentMachine/);
    await h.t.action(api.lib.restartAgentMachine, machineTarget(agent.machineDocId));
    await h.t.action(api.lib.approveTelegramPairing, {
      ...machineTarget(agent.machineDocId),
      telegramPairingCode: code,
    });
  });
});
