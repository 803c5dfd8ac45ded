/**
 * `startFlyEmulator`: builds the emulator's rooms around one clock, one id source and one World, and serves them
 * on 127.0.0.1. The handle it returns is how a test reaches everything else.
 */
import type { AddressInfo } from "node:net";
import { Behaviours, type BehavioursHandle } from "./control/behaviours.js";
import { FaultInjector, type FaultsHandle } from "./control/faultRules.js";
import { HoldRegistry, type HoldsHandle } from "./control/holds.js";
import { TokenBuckets } from "./control/rateLimits.js";
import { RequestLog } from "./control/requestLog.js";
import { createStateHandle, type FlyEmulatorState } from "./control/state.js";
import { MachineService } from "./fly/machines.js";
import { MetadataStore } from "./fly/metadata.js";
import { VolumeService } from "./fly/volumes.js";
import { adminRoutes } from "./http/admin.js";
import { Router } from "./http/router.js";
import { apiRoutes } from "./http/routes.js";
import { createEmulatorServer } from "./http/server.js";
import { type FlyEmulatorOptions, resolveOptions } from "./options.js";
import { Clock } from "./world/clock.js";
import { Ids } from "./world/ids.js";
import { World } from "./world/world.js";

const HOST = "127.0.0.1"; // never reachable from outside the machine

/** A running emulator. */
export interface FlyEmulator {
  /** The API base, e.g. "http://127.0.0.1:PORT/v1". */
  url: string;
  /** "http://127.0.0.1:PORT". */
  origin: string;
  port: number;
  /** The token every request must carry (`Authorization: Bearer <token>`). */
  token: string;
  /** Reads and drives the emulator in-process. */
  state: FlyEmulatorState;
  /** Fault injection. */
  faults: FaultsHandle;
  /** Holding a chosen request, or its answer, until the test releases it (interleaving tests). */
  holds: HoldsHandle;
  /** Fly's and the image's unkind behaviours, all off until turned on (also at start, through the options). */
  behaviours: BehavioursHandle;
  /** Stops every timer, closes every connection and the server. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a Fly Machines API emulator on 127.0.0.1 (an ephemeral port unless `port` is given).
 * @param options timing knobs, apps, rate limits, faults; every field has a test-friendly default.
 */
export async function startFlyEmulator(options: FlyEmulatorOptions = {}): Promise<FlyEmulator> {
  const resolved = resolveOptions(options);
  const clock = new Clock(resolved.timeScale);
  const ids = new Ids(resolved.seed);
  const token = resolved.token ?? ids.token();
  const world = new World();
  for (const [ref, image] of Object.entries(resolved.images)) world.images.define(ref, image);
  const behaviours = new Behaviours(clock, resolved.behaviours);
  const volumes = new VolumeService(world, clock, ids, resolved, behaviours);
  const machines = new MachineService(world, clock, ids, resolved, volumes, behaviours);
  const metadata = new MetadataStore(clock);
  const requestLog = new RequestLog();
  const faults = new FaultInjector(resolved.randomFaults);
  const holds = new HoldRegistry();
  const state = createStateHandle({ world, clock, machines, requestLog });
  for (const app of resolved.apps) state.createApp(app);

  const server = createEmulatorServer({
    token,
    region: resolved.defaultRegion,
    recordBodies: resolved.recordBodies,
    echoInErrors: resolved.echoInErrors,
    api: new Router(apiRoutes({ world, clock, ids, options: resolved, machines, volumes, metadata })),
    admin: new Router(adminRoutes(state, faults, behaviours)),
    world,
    clock,
    ids,
    faults,
    holds,
    rateLimits: resolved.rateLimits ? new TokenBuckets(resolved.rateLimits, clock) : null,
    behaviours,
    requestLog,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(resolved.port, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${HOST}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    token,
    state,
    faults,
    holds,
    behaviours,
    close() {
      closing ??= new Promise<void>((resolve) => {
        holds.releaseAll();
        clock.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
