/**
 * The Fly Machines API the emulator serves under `/v1`: one route per endpoint, each named by its operationId in
 * Fly's OpenAPI document (the name faults, holds, rate limits and the request log use). A route reads the
 * request and hands it to the service of `fly/` that owns the resource; it holds no rule of its own.
 */
import { z } from "zod";
import { leaseError } from "../fly/errorReplies.js";
import { execInMachine } from "../fly/exec.js";
import { parseInput, queryFlag } from "../fly/input.js";
import {
  acquireLease,
  activeLease,
  DEFAULT_LEASE_TTL_S,
  LEASE_NONCE_HEADER,
  leaseEnvelope,
  releaseLease,
} from "../fly/leases.js";
import type { MachineService } from "../fly/machines.js";
import { machineJson } from "../fly/machineView.js";
import type { MetadataStore } from "../fly/metadata.js";
import { snapshotJson, volumeJson, type VolumeService } from "../fly/volumes.js";
import { waitForMachine } from "../fly/wait.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../world/clock.js";
import type { Ids } from "../world/ids.js";
import type { World } from "../world/world.js";
import { empty, headerValue, json, type Reply, type RequestContext, type Route } from "./router.js";

/** What the API routes act on. */
export interface ApiDeps {
  world: World;
  clock: Clock;
  ids: Ids;
  options: ResolvedOptions;
  machines: MachineService;
  volumes: VolumeService;
  metadata: MetadataStore;
}

const APP = "/v1/apps/{app_name}";
const MACHINE = `${APP}/machines/{machine_id}`;
const VOLUME = `${APP}/volumes/{volume_id}`;
const leaseBodySchema = z
  .looseObject({ ttl: z.int().min(1).optional(), description: z.string().optional() })
  .optional();

type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** Every Machines API endpoint the emulator serves, each with its OpenAPI operationId. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const { machines, volumes, metadata, clock } = deps;
  const route = (method: string, pattern: string, operationId: string, handle: Handler): Route => ({
    method,
    pattern,
    operationId,
    handle,
  });
  const app = (ctx: RequestContext) => ctx.params.app_name;
  const machineId = (ctx: RequestContext) => ctx.params.machine_id;
  const nonce = (ctx: RequestContext) => headerValue(ctx.headers, LEASE_NONCE_HEADER);
  const caller = (ctx: RequestContext) => ({ nonce: nonce(ctx) });
  /** Acts, then answers `reply` (what the docs show: `{ok: true}` for Machine actions, 204 for metadata writes). */
  const then = (act: (ctx: RequestContext) => void, reply: () => Reply) => (ctx: RequestContext) => {
    act(ctx);
    return reply();
  };
  const ok = () => json(200, { ok: true });
  const noContent = () => empty(204);
  const alive = (ctx: RequestContext) => machines.alive(app(ctx), machineId(ctx));

  return [
    route("GET", `${APP}/machines`, "Machines_list", (ctx) => {
      const view = { summary: queryFlag(ctx.query, "summary"), includeLease: queryFlag(ctx.query, "include_leases") };
      return json(
        200,
        machines.list(app(ctx), ctx.query).map((machine) => machineJson(machine, clock, view)),
      );
    }),
    route("POST", `${APP}/machines`, "Machines_create", (ctx) => {
      const { machine, nonce: leaseNonce } = machines.create(app(ctx), ctx.body);
      return json(200, machineJson(machine, clock, { nonce: leaseNonce }));
    }),
    route("GET", MACHINE, "Machines_show", (ctx) =>
      json(
        200,
        machineJson(machines.visible(app(ctx), machineId(ctx)), clock, {
          includeLease: queryFlag(ctx.query, "include_leases"),
        }),
      ),
    ),
    route("POST", MACHINE, "Machines_update", (ctx) =>
      json(200, machineJson(machines.update(app(ctx), machineId(ctx), ctx.body, caller(ctx)), clock)),
    ),
    // `kill=` (what fly-go sends) is deliberately not read: only `force` kills a running Machine.
    route(
      "DELETE",
      MACHINE,
      "Machines_delete",
      then(
        (ctx) => machines.destroy(app(ctx), machineId(ctx), { force: queryFlag(ctx.query, "force"), ...caller(ctx) }),
        ok,
      ),
    ),
    route("POST", `${MACHINE}/start`, "Machines_start", (ctx) =>
      json(200, {
        previous_state: machines.start(app(ctx), machineId(ctx), caller(ctx)),
        migrated: false,
        new_host: "",
      }),
    ),
    route(
      "POST",
      `${MACHINE}/stop`,
      "Machines_stop",
      then((ctx) => machines.stop(app(ctx), machineId(ctx), ctx.body, caller(ctx)), ok),
    ),
    route(
      "POST",
      `${MACHINE}/restart`,
      "Machines_restart",
      then((ctx) => machines.restart(app(ctx), machineId(ctx), ctx.query, caller(ctx)), ok),
    ),
    route(
      "POST",
      `${MACHINE}/suspend`,
      "Machines_suspend",
      then((ctx) => machines.suspend(app(ctx), machineId(ctx), caller(ctx)), ok),
    ),
    route("GET", `${MACHINE}/wait`, "Machines_wait", async (ctx) =>
      json(200, await waitForMachine(deps, app(ctx), machineId(ctx), ctx.query, ctx.signal)),
    ),
    route("POST", `${MACHINE}/exec`, "Machines_exec", async (ctx) =>
      json(
        200,
        await execInMachine(alive(ctx), ctx.body, {
          clock,
          execDeadlineMs: deps.options.execDeadlineMs,
          nonce: nonce(ctx),
        }),
      ),
    ),
    route("POST", `${MACHINE}/lease`, "Machines_create_lease", (ctx) => {
      const machine = alive(ctx);
      const body = parseInput(leaseBodySchema, ctx.body, "body");
      const queryTtl = Number(ctx.query.get("ttl"));
      const ttlSeconds = body?.ttl ?? (Number.isInteger(queryTtl) && queryTtl > 0 ? queryTtl : DEFAULT_LEASE_TTL_S);
      const lease = acquireLease(
        machine,
        { ttlSeconds, description: body?.description ?? "", nonce: nonce(ctx) },
        { clock, ids: deps.ids, owner: deps.options.leaseOwner },
      );
      return json(201, leaseEnvelope(lease));
    }),
    route("GET", `${MACHINE}/lease`, "Machines_show_lease", (ctx) => {
      const lease = activeLease(alive(ctx), clock.now());
      if (!lease) throw leaseError(404, "lease not found", "not_found");
      return json(200, leaseEnvelope(lease));
    }),
    route("DELETE", `${MACHINE}/lease`, "Machines_release_lease", (ctx) => {
      releaseLease(alive(ctx), nonce(ctx), clock.now());
      return json(200, { status: "success" });
    }),
    route("GET", `${MACHINE}/metadata`, "Machines_show_metadata", (ctx) =>
      json(200, metadata.all(deps.world.machineOf(app(ctx), machineId(ctx)))),
    ),
    ...(["PUT", "PATCH"] as const).map((method) =>
      route(
        method,
        `${MACHINE}/metadata`,
        "Machines_update_metadata",
        then(
          (ctx) => metadata.update(alive(ctx), ctx.body, method === "PUT" ? "replace" : "merge", nonce(ctx)),
          noContent,
        ),
      ),
    ),
    route("GET", `${MACHINE}/metadata/{key}`, "Machines_get_metadata_key", (ctx) =>
      json(200, metadata.get(deps.world.machineOf(app(ctx), machineId(ctx)), ctx.params.key)),
    ),
    route(
      "POST",
      `${MACHINE}/metadata/{key}`,
      "Machines_upsert_metadata",
      then((ctx) => metadata.upsert(alive(ctx), ctx.params.key, ctx.body, nonce(ctx)), noContent),
    ),
    route(
      "DELETE",
      `${MACHINE}/metadata/{key}`,
      "Machines_delete_metadata",
      then((ctx) => metadata.delete(alive(ctx), ctx.params.key, nonce(ctx)), noContent),
    ),
    route("GET", `${APP}/volumes`, "Volumes_list", (ctx) => {
      const summary = queryFlag(ctx.query, "summary");
      return json(
        200,
        deps.world.volumesOf(app(ctx)).map((volume) => volumeJson(volume, { summary })),
      );
    }),
    route("POST", `${APP}/volumes`, "Volumes_create", (ctx) =>
      json(200, volumeJson(volumes.create(app(ctx), ctx.body))),
    ),
    route("GET", VOLUME, "Volumes_get_by_id", (ctx) =>
      json(200, volumeJson(volumes.visible(app(ctx), ctx.params.volume_id))),
    ),
    route("DELETE", VOLUME, "Volume_delete", (ctx) =>
      json(200, volumeJson(volumes.delete(app(ctx), ctx.params.volume_id), { stateOverride: "destroyed" })),
    ),
    route("GET", `${VOLUME}/snapshots`, "Volumes_list_snapshots", (ctx) =>
      json(200, volumes.listSnapshots(app(ctx), ctx.params.volume_id).map(snapshotJson)),
    ),
    // Fly documents no body: clients list the snapshots to find the new one.
    route(
      "POST",
      `${VOLUME}/snapshots`,
      "createVolumeSnapshot",
      then(
        (ctx) => void volumes.createSnapshot(app(ctx), ctx.params.volume_id),
        () => empty(200),
      ),
    ),
  ];
}
