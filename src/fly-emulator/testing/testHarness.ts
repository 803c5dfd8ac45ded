/**
 * What the emulator's own tests share: an emulator started with fast timings and every body recorded, an API
 * caller with its token, helpers for common steps, and a teardown that checks every reply the emulator sent
 * against the contract (`contract.ts`). Test-only: not part of the build or the package.
 */
import { afterEach } from "vitest";
import { type FlyEmulator, startFlyEmulator } from "../emulator.js";
import type { MachineJson, VolumeJson, WaitResponseJson } from "../fly/jsonTypes.js";
import type { FlyEmulatorOptions } from "../options.js";
import { assertRepliesKeepContract } from "./contract.js";

/** The app every emulator has by default, spelled out so that tests check the default too. */
export const APP = "fly-agents-test";

/** A reply as a test sees it. */
export interface ApiReply<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  text: string;
}

/** Options of one API call. */
export interface CallOptions {
  headers?: Record<string, string>;
  /** Send no Authorization header. */
  noAuth?: boolean;
}

/** Calls the emulator's `/v1` API with its token. */
export interface ApiCaller {
  call<T = unknown>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<ApiReply<T>>;
  get<T = unknown>(path: string, options?: CallOptions): Promise<ApiReply<T>>;
  post<T = unknown>(path: string, body?: unknown, options?: CallOptions): Promise<ApiReply<T>>;
  delete<T = unknown>(path: string, options?: CallOptions): Promise<ApiReply<T>>;
}

/** An emulator started for a test, with an API caller and helpers for common steps. */
export interface TestEmulator extends FlyEmulator {
  api: ApiCaller;
  /** Creates a Machine in `app` from a config (image defaults to the OpenClaw image). */
  createMachine(app: string, body?: Record<string, unknown>): Promise<MachineJson>;
  /** Long-polls the wait endpoint until `state` and returns its reply (throws on anything but 200). */
  waitFor(app: string, machineId: string, state: string, timeoutS?: number): Promise<WaitResponseJson>;
  /** Creates a volume and polls it until `created`. */
  createVolume(app: string, body: Record<string, unknown>): Promise<VolumeJson>;
  /** Polls `read` every few ms until `done` holds (at most `timeoutMs` real ms). */
  until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs?: number): Promise<T>;
}

/** The image the tests run; the emulator simulates OpenClaw whatever the image is. */
export const OPENCLAW_IMAGE = "registry.fly.io/openclaw-agent:2026.1";
/** Fast timings for tests. */
export const FAST_TIMINGS: FlyEmulatorOptions = {
  timeScale: 0.1,
  bootTimeMs: 100,
  gatewayStartupMs: 100,
  snapshotTimeMs: 150,
  restoreTimeMs: 150,
  volumeCreateMs: 50,
  stopTimeMs: 50,
  detachLagMs: 100,
  pairingTimeMs: 200,
};

/**
 * Starts emulators for tests and, at teardown, checks every recorded reply against the project's schemas of
 * Fly's API (contract.ts) before closing them. Call `teardown` from `afterEach` (as {@link useEmulatorHarness} does); a contract violation fails the test.
 */
export function emulatorHarness(): {
  start(options?: FlyEmulatorOptions): Promise<TestEmulator>;
  teardown(): Promise<void>;
} {
  const running: TestEmulator[] = [];
  return {
    async start(options = {}) {
      const emulator = await startFlyEmulator({ ...FAST_TIMINGS, ...options, recordBodies: true });
      const testEmulator = withHelpers(emulator);
      running.push(testEmulator);
      return testEmulator;
    },
    async teardown() {
      const emulators = running.splice(0);
      const problems: string[] = [];
      for (const emulator of emulators) {
        await emulator.close();
        try {
          assertRepliesKeepContract(emulator.state.requests());
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  };
}

/**
 * An {@link emulatorHarness} whose teardown runs after each test of the file. Call it once, at the top level of a
 * test file.
 */
export function useEmulatorHarness(): ReturnType<typeof emulatorHarness> {
  const harness = emulatorHarness();
  afterEach(() => harness.teardown());
  return harness;
}

function withHelpers(emulator: FlyEmulator): TestEmulator {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<ApiReply<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (!options.noAuth) headers.authorization ??= `Bearer ${emulator.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
  const api: ApiCaller = {
    call,
    get: (path, options) => call("GET", path, undefined, options),
    post: (path, body, options) => call("POST", path, body, options),
    delete: (path, options) => call("DELETE", path, undefined, options),
  };
  const until = async <T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline)
        throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return Object.assign(emulator, {
    api,
    until,
    async createMachine(app: string, body: Record<string, unknown> = {}) {
      const config = { image: OPENCLAW_IMAGE, ...(body.config as Record<string, unknown> | undefined) };
      const reply = await api.post<MachineJson>(`/apps/${app}/machines`, { ...body, config });
      if (reply.status !== 200) throw new Error(`create machine answered ${reply.status}: ${reply.text}`);
      return reply.body;
    },
    async waitFor(app: string, machineId: string, state: string, timeoutS = 10) {
      const reply = await api.get<WaitResponseJson>(
        `/apps/${app}/machines/${machineId}/wait?state=${state}&timeout=${timeoutS}`,
      );
      if (reply.status !== 200) throw new Error(`wait for ${state} answered ${reply.status}: ${reply.text}`);
      return reply.body;
    },
    async createVolume(app: string, body: Record<string, unknown>) {
      const reply = await api.post<VolumeJson>(`/apps/${app}/volumes`, body);
      if (reply.status !== 200) throw new Error(`create volume answered ${reply.status}: ${reply.text}`);
      const ready = await until(
        () => api.get<VolumeJson>(`/apps/${app}/volumes/${reply.body.id}`),
        (current) => current.body.state === "created",
      );
      return ready.body;
    },
  });
}
