/** Tests of the `fly-emulator` command line: parsing every flag, `--help`, and a run that prints its env lines. */
import { afterEach, describe, expect, it } from "vitest";
import type { FlyEmulator } from "../emulator.js";
import { assertRepliesKeepContract } from "../testing/contract.js";
import { CLI_USAGE, parseCliArgs } from "./args.js";
import { CLI_FLAGS, OPTION_KNOBS } from "./flags.js";
import { runCli } from "./run.js";
import { CliUsageError } from "./values.js";

const started: FlyEmulator[] = [];
afterEach(async () => {
  for (const emulator of started.splice(0)) {
    await emulator.close();
    assertRepliesKeepContract(emulator.state.requests());
  }
});

describe("parseCliArgs", () => {
  it("defaults to no options", () => {
    expect(parseCliArgs([])).toEqual({ help: false, options: {} });
  });

  it("reads every flag, in --flag value and --flag=value forms", () => {
    const parsed = parseCliArgs([
      "--port",
      "4280",
      "--token=tok",
      "--app",
      "a1",
      "--app=a2",
      "--region",
      "ams",
      "--time-scale",
      "0.5",
      "--boot-ms",
      "10",
      "--gateway-ms=20",
      "--snapshot-ms",
      "30",
      "--restore-ms",
      "40",
      "--volume-create-ms",
      "50",
      "--stop-ms",
      "60",
      "--detach-lag-ms",
      "70",
      "--pairing-ms",
      "80",
      "--destroyed-retention-ms",
      "90",
      "--visibility-lag-ms",
      "5",
      "--exec-deadline-ms",
      "1000",
      "--rate-limits",
      "--seed",
      "42",
      "--fault-rate",
      "0.1",
      "--fault-kinds",
      "500,drop",
      "--record-bodies",
      "--fault-operations",
      "Machines_create,Volumes_create",
      "--lease-owner",
      "ops@acme.example",
      "--image",
      'ghcr.io/openclaw/openclaw:2026.2.0={"stateFormat":2,"neverHealthy":true}',
    ]);
    expect(parsed).toEqual({
      help: false,
      options: {
        port: 4280,
        token: "tok",
        apps: ["a1", "a2"],
        defaultRegion: "ams",
        timeScale: 0.5,
        bootTimeMs: 10,
        gatewayStartupMs: 20,
        snapshotTimeMs: 30,
        restoreTimeMs: 40,
        volumeCreateMs: 50,
        stopTimeMs: 60,
        detachLagMs: 70,
        pairingTimeMs: 80,
        destroyedRetentionMs: 90,
        visibilityLagMs: 5,
        execDeadlineMs: 1000,
        rateLimits: true,
        seed: 42,
        randomFaults: {
          seed: 42,
          rate: 0.1,
          kinds: ["500", "drop"],
          operationIds: ["Machines_create", "Volumes_create"],
        },
        recordBodies: true,
        leaseOwner: "ops@acme.example",
        images: { "ghcr.io/openclaw/openclaw:2026.2.0": { stateFormat: 2, neverHealthy: true } },
      },
    });
    expect(() => parseCliArgs(["--image", "ghcr.io/openclaw/openclaw:2026.2.0"])).toThrow(/--image takes REF=JSON/);
  });

  it("handles --no-rate-limits, --retry-after and --help", () => {
    expect(parseCliArgs(["--rate-limits", "--no-rate-limits"])).toEqual({
      help: false,
      options: { rateLimits: false },
    });
    expect(parseCliArgs(["--retry-after"])).toEqual({
      help: false,
      options: { rateLimits: { retryAfterHeader: true } },
    });
    expect(parseCliArgs(["--port", "1", "-h"])).toEqual({ help: true });
  });

  it("sets custom rate-limit rules, which imply rate limits", () => {
    expect(parseCliArgs(["--rate-limit-default", "2,4", "--rate-limit=Machines_show=10,20"])).toEqual({
      help: false,
      options: {
        rateLimits: {
          default: { perSecond: 2, burst: 4 },
          perOperation: { Machines_show: { perSecond: 10, burst: 20 } },
        },
      },
    });
  });

  it("rejects mistakes with a usage error", () => {
    for (const argv of [
      ["--port"],
      ["--port", "x"],
      ["--port", "70000"],
      ["--time-scale", "0"],
      ["--boot-ms", "-1"],
      ["--fault-rate", "2"],
      ["--fault-kinds", "500"],
      ["--fault-rate", "0.1", "--fault-kinds", "404"],
      ["--bogus"],
      ["--token", ""],
      ["--retry-after", "--no-rate-limits"],
      ["--rate-limit-default", "1", "--rate-limits"],
      ["--rate-limit", "Machines_show"],
      ["--rate-limit-default", "1,3", "--no-rate-limits"],
      ["--fault-operations", "Machines_create"],
      ["--record-bodies=yes"],
    ]) {
      expect(() => parseCliArgs(argv), argv.join(" ")).toThrow(CliUsageError);
    }
  });
});

describe("--help", () => {
  it("has a flag for every option of the emulator", () => {
    const withFlag = new Set(CLI_FLAGS.map((flag) => flag.sets));
    expect(OPTION_KNOBS.filter((option) => !withFlag.has(option))).toEqual([]);
  });

  it("lists every flag, with its value and a description", () => {
    for (const flag of CLI_FLAGS) {
      const label = flag.value ? `${flag.name} ${flag.value}` : flag.name;
      expect(CLI_USAGE, label).toMatch(new RegExp(`^  ${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} +\\S`, "m"));
    }
    expect(new Set(CLI_FLAGS.map((flag) => flag.name)).size).toBe(CLI_FLAGS.length);
  });

  it("shows the defaults the emulator really uses", () => {
    expect(CLI_USAGE).toMatch(/--boot-ms MS +a Machine goes created → started in \(default 100\)/);
    expect(CLI_USAGE).toMatch(/--app NAME +.*\(default fly-agents-test\)/);
  });
});

describe("runCli", () => {
  it("starts the emulator, prints its URL and token, and stops on a shutdown signal", async () => {
    const out: string[] = [];
    const shutdownHandlers: Array<() => void> = [];
    const result = await runCli(
      ["--token", "cli-token", "--app", "cli-app", "--time-scale", "0.1", "--record-bodies"],
      {
        stdout: (text) => out.push(text),
        stderr: (text) => out.push(text),
        onShutdownSignal: (handler) => shutdownHandlers.push(handler),
      },
    );
    if (!("emulator" in result)) throw new Error("the CLI did not start");
    started.push(result.emulator);
    const printed = out.join("");
    expect(printed).toMatch(new RegExp(`^FLY_API_BASE_URL=${result.emulator.url}$`, "m"));
    expect(printed).toMatch(/^FLY_API_TOKEN=cli-token$/m);
    expect(printed).toMatch(/^FLY_APP_NAME=cli-app$/m);
    expect(printed).not.toContain("FLY_API_URL");
    expect(result.emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const reply = await fetch(`${result.emulator.url}/apps/cli-app/machines`, {
      headers: { authorization: "Bearer cli-token" },
    });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual([]);
    expect(shutdownHandlers).toHaveLength(1);
    shutdownHandlers[0]();
    await result.stopped;
    expect(out.join("")).toContain("stopped");
    await expect(fetch(`${result.emulator.url}/apps/cli-app/machines`)).rejects.toThrow();
  });

  it("prints usage for --help and for mistakes", async () => {
    const out: string[] = [];
    const io = {
      stdout: (text: string) => out.push(text),
      stderr: (text: string) => out.push(text),
      onShutdownSignal: () => {},
    };
    expect(await runCli(["--help"], io)).toEqual({ exitCode: 0 });
    expect(out.join("")).toContain("Usage: fly-emulator");
    expect(await runCli(["--nope"], io)).toEqual({ exitCode: 2 });
    expect(out.join("")).toContain("unknown option --nope");
  });
});
