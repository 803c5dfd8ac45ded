import { z } from "zod";
import type { Clock } from "../world/clock.js";
import { leaseError } from "../fly/errorReplies.js";
import { execInMachine } from "../fly/exec.js";
import type { Ids } from "../world/ids.js";
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
import type { ResolvedOptions } from "../options.js";
import { empty, headerValue, json, type RequestContext, type Route } from "./router.js";
import { parseInput, queryFlag } from "../fly/input.js";
import { snapshotJson, volumeJson, type VolumeService } from "../fly/volumes.js";
import { waitForMachine } from "../fly/wait.js";
import type { World } from "../world/world.js";

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

/** Every Machines API endpoint the emulator serves, each with its OpenAPI operationId. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const { machines, volumes, metadata, clock } = deps;
  const app = (ctx: RequestContext) => ctx.params.app_name;
  const machineId = (ctx: RequestContext) => ctx.params.machine_id;
  const nonce = (ctx: RequestContext) => headerValue(ctx.headers, LEASE_NONCE_HEADER);
  const caller = (ctx: RequestContext) => ({ nonce: nonce(ctx) });
  const ok = () => json(200, { ok: true });

  return [
    {
      method: "GET",
      pattern: `${APP}/machines`,
      operationId: "Machines_list",
      handle: (ctx) => {
        const view = { summary: queryFlag(ctx.query, "summary"), includeLease: queryFlag(ctx.query, "include_leases") };
        return json(
          200,
          machines.list(app(ctx), ctx.query).map((machine) => machineJson(machine, clock, view)),
        );
      },
    },
    {
      method: "POST",
      pattern: `${APP}/machines`,
      operationId: "Machines_create",
      handle: (ctx) => {
        const { machine, nonce: leaseNonce } = machines.create(app(ctx), ctx.body);
        return json(200, machineJson(machine, clock, { nonce: leaseNonce }));
      },
    },
    {
      method: "GET",
      pattern: MACHINE,
      operationId: "Machines_show",
      handle: (ctx) =>
        json(
          200,
          machineJson(machines.visible(app(ctx), machineId(ctx)), clock, {
            includeLease: queryFlag(ctx.query, "include_leases"),
          }),
        ),
    },
    {
      method: "POST",
      pattern: MACHINE,
      operationId: "Machines_update",
      handle: (ctx) => json(200, machineJson(machines.update(app(ctx), machineId(ctx), ctx.body, caller(ctx)), clock)),
    },
    {
      method: "DELETE",
      pattern: MACHINE,
      operationId: "Machines_delete",
      handle: (ctx) => {
        // `kill=` (what fly-go sends) is deliberately not read: only `force` kills a running Machine.
        machines.destroy(app(ctx), machineId(ctx), { force: queryFlag(ctx.query, "force"), ...caller(ctx) });
        return ok();
      },
    },
    {
      method: "POST",
      pattern: `${MACHINE}/start`,
      operationId: "Machines_start",
      handle: (ctx) =>
        json(200, {
          previous_state: machines.start(app(ctx), machineId(ctx), caller(ctx)),
          migrated: false,
          new_host: "",
        }),
    },
    {
      method: "POST",
      pattern: `${MACHINE}/stop`,
      operationId: "Machines_stop",
      handle: (ctx) => {
        machines.stop(app(ctx), machineId(ctx), ctx.body, caller(ctx));
        return ok();
      },
    },
    {
      method: "POST",
      pattern: `${MACHINE}/restart`,
      operationId: "Machines_restart",
      handle: (ctx) => {
        machines.restart(app(ctx), machineId(ctx), ctx.query, caller(ctx));
        return ok();
      },
    },
    {
      method: "POST",
      pattern: `${MACHINE}/suspend`,
      operationId: "Machines_suspend",
      handle: (ctx) => {
        machines.suspend(app(ctx), machineId(ctx), caller(ctx));
        return ok();
      },
    },
    {
      method: "GET",
      pattern: `${MACHINE}/wait`,
      operationId: "Machines_wait",
      handle: async (ctx) => json(200, await waitForMachine(deps, app(ctx), machineId(ctx), ctx.query, ctx.signal)),
    },
    {
      method: "POST",
      pattern: `${MACHINE}/exec`,
      operationId: "Machines_exec",
      handle: async (ctx) => {
        const machine = machines.alive(app(ctx), machineId(ctx));
        return json(
          200,
          await execInMachine(machine, ctx.body, {
            clock,
            execDeadlineMs: deps.options.execDeadlineMs,
            nonce: nonce(ctx),
          }),
        );
      },
    },
    {
      method: "POST",
      pattern: `${MACHINE}/lease`,
      operationId: "Machines_create_lease",
      handle: (ctx) => {
        const machine = machines.alive(app(ctx), machineId(ctx));
        const body = parseInput(leaseBodySchema, ctx.body, "body");
        const queryTtl = Number(ctx.query.get("ttl"));
        const ttlSeconds = body?.ttl ?? (Number.isInteger(queryTtl) && queryTtl > 0 ? queryTtl : DEFAULT_LEASE_TTL_S);
        const lease = acquireLease(
          machine,
          { ttlSeconds, description: body?.description ?? "", nonce: nonce(ctx) },
          {
            clock,
            ids: deps.ids,
            owner: deps.options.leaseOwner,
          },
        );
        return json(201, leaseEnvelope(lease));
      },
    },
    {
      method: "GET",
      pattern: `${MACHINE}/lease`,
      operationId: "Machines_show_lease",
      handle: (ctx) => {
        const lease = activeLease(machines.alive(app(ctx), machineId(ctx)), clock.now());
        if (!lease) throw leaseError(404, "lease not found", "not_found");
        return json(200, leaseEnvelope(lease));
      },
    },
    {
      method: "DELETE",
      pattern: `${MACHINE}/lease`,
      operationId: "Machines_release_lease",
      handle: (ctx) => {
        releaseLease(machines.alive(app(ctx), machineId(ctx)), nonce(ctx), clock.now());
        return json(200, { status: "success" });
      },
    },
    {
      method: "GET",
      pattern: `${MACHINE}/metadata`,
      operationId: "Machines_show_metadata",
      handle: (ctx) => json(200, metadata.all(machines.find(app(ctx), machineId(ctx)))),
    },
    ...(["PUT", "PATCH"] as const).map((method): Route => ({
      method,
      pattern: `${MACHINE}/metadata`,
      operationId: "Machines_update_metadata",
      handle: (ctx) => {
        metadata.update(
          machines.alive(app(ctx), machineId(ctx)),
          ctx.body,
          method === "PUT" ? "replace" : "merge",
          nonce(ctx),
        );
        return empty(204);
      },
    })),
    {
      method: "GET",
      pattern: `${MACHINE}/metadata/{key}`,
      operationId: "Machines_get_metadata_key",
      handle: (ctx) => json(200, metadata.get(machines.find(app(ctx), machineId(ctx)), ctx.params.key)),
    },
    {
      method: "POST",
      pattern: `${MACHINE}/metadata/{key}`,
      operationId: "Machines_upsert_metadata",
      handle: (ctx) => {
        metadata.upsert(machines.alive(app(ctx), machineId(ctx)), ctx.params.key, ctx.body, nonce(ctx));
        return empty(204);
      },
    },
    {
      method: "DELETE",
      pattern: `${MACHINE}/metadata/{key}`,
      operationId: "Machines_delete_metadata",
      handle: (ctx) => {
        metadata.delete(machines.alive(app(ctx), machineId(ctx)), ctx.params.key, nonce(ctx));
        return empty(204);
      },
    },
    {
      method: "GET",
      pattern: `${APP}/volumes`,
      operationId: "Volumes_list",
      handle: (ctx) => {
        const summary = queryFlag(ctx.query, "summary");
        return json(
          200,
          deps.world.volumesOf(app(ctx)).map((volume) => volumeJson(volume, { summary })),
        );
      },
    },
    {
      method: "POST",
      pattern: `${APP}/volumes`,
      operationId: "Volumes_create",
      handle: (ctx) => json(200, volumeJson(volumes.create(app(ctx), ctx.body))),
    },
    {
      method: "GET",
      pattern: VOLUME,
      operationId: "Volumes_get_by_id",
      handle: (ctx) => json(200, volumeJson(volumes.visible(app(ctx), ctx.params.volume_id))),
    },
    {
      method: "DELETE",
      pattern: VOLUME,
      operationId: "Volume_delete",
      handle: (ctx) =>
        json(200, volumeJson(volumes.delete(app(ctx), ctx.params.volume_id), { stateOverride: "destroyed" })),
    },
    {
      method: "GET",
      pattern: `${VOLUME}/snapshots`,
      operationId: "Volumes_list_snapshots",
      handle: (ctx) => json(200, volumes.listSnapshots(app(ctx), ctx.params.volume_id).map(snapshotJson)),
    },
    {
      method: "POST",
      pattern: `${VOLUME}/snapshots`,
      operationId: "createVolumeSnapshot",
      handle: (ctx) => {
        volumes.createSnapshot(app(ctx), ctx.params.volume_id);
        return empty(200); // Fly documents no body; clients list the snapshots to find the new one
      },
    },
  ];
}
