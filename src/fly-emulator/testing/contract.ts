/**
 * The Fly Machines API as this project uses it, in our own schemas: for each endpoint the emulator serves
 * and the component calls, its method, path, the query parameters we send, and the replies Fly gives.
 * Written here from Fly's OpenAPI document and FLY_API_NOTES.md; nothing under `npm test` reads either.
 *
 * - The emulator's tests check every reply they receive against these schemas (`testHarness.ts`), which
 *   are strict: a field the emulator sends must be described here.
 * - `npm run contract:fly` compares these schemas with Fly's published OpenAPI document (FLY_OPENAPI_PATH):
 *   every field described here must exist there with a compatible type, every path and query parameter
 *   too. So the emulator sends nothing Fly does not.
 *
 * Test-only: not part of the build or the package.
 */
import { z } from "zod";
import type { RequestLogEntry } from "../control/requestLog.js";

// ---- shapes (names as in Fly's OpenAPI document) ---------------------------------------------------------

const stringMap = z.record(z.string(), z.string());
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T/, "an ISO 8601 time");

/** fly.MachineCheck: a health check of the Machine's config. Durations are Go duration strings. */
const machineCheck = z.looseObject({
  type: z.string().optional(),
  port: z.int().optional(),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  grace_period: z.string().optional(),
  method: z.string().optional(),
  path: z.string().optional(),
  kind: z.enum(["informational", "readiness"]).optional(),
});

/**
 * fly.MachineConfig, echoed as the caller sent it: the fields the component sets are typed, others pass
 * (Fly accepts many more, and the emulator keeps them).
 */
const machineConfig = z.looseObject({
  image: z.string(),
  env: stringMap.optional(),
  metadata: stringMap.optional(),
  guest: z.looseObject({ cpu_kind: z.string(), cpus: z.int(), memory_mb: z.int() }).optional(),
  mounts: z.array(z.looseObject({ volume: z.string(), path: z.string() })).optional(),
  restart: z
    .looseObject({ policy: z.enum(["no", "always", "on-failure", "spot-price"]), max_retries: z.int().optional() })
    .optional(),
  checks: z.record(z.string(), machineCheck).optional(),
  services: z.array(z.looseObject({})).optional(),
  auto_destroy: z.boolean().optional(),
});

/** CheckStatus: one check's latest result. */
const checkStatus = z.strictObject({
  name: z.string(),
  status: z.enum(["passing", "warning", "critical"]),
  output: z.string(),
  updated_at: isoTime,
});

/** MachineEvent; `timestamp` is in milliseconds. An exit carries `request.exit_event` (its exit code). */
const machineEvent = z.strictObject({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  source: z.string(),
  timestamp: z.int(),
  request: z.record(z.string(), z.unknown()).optional(),
});

/** ImageRef: the image split into registry, repository, tag and the digest the Machine runs. */
const imageRef = z.strictObject({
  registry: z.string(),
  repository: z.string(),
  tag: z.string(),
  digest: z.string().startsWith("sha256:"),
  labels: stringMap,
});

/** StrippedLease, on a Machine read with `include_leases`; `expires_at` in Unix seconds. */
const strippedLease = z.strictObject({ owner: z.string(), expires_at: z.int(), description: z.string() });

/** Machine. A list with `summary=true` leaves out config, image_ref, events, checks and host_status. */
export const machine = z.strictObject({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  region: z.string(),
  instance_id: z.string(),
  private_ip: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
  config: machineConfig.optional(),
  image_ref: imageRef.optional(),
  events: z.array(machineEvent).optional(),
  checks: z.array(checkStatus).optional(),
  host_status: z.enum(["ok", "unknown", "unreachable"]).optional(),
  /** The lease nonce, on a create with `lease_ttl`. */
  nonce: z.string().optional(),
  lease: strippedLease.optional(),
});

/** Volume. `attached_machine_id` is absent, never null, when unattached: Fly types it as a plain string. */
export const volume = z.strictObject({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  size_gb: z.int(),
  region: z.string(),
  zone: z.string(),
  encrypted: z.boolean(),
  attached_machine_id: z.string().optional(),
  attached_alloc_id: z.string().optional(),
  created_at: isoTime,
  fstype: z.string(),
  snapshot_retention: z.int(),
  auto_backup_enabled: z.boolean(),
  host_status: z.enum(["ok", "unknown", "unreachable"]),
  type: z.enum(["local", "cache"]),
  block_size: z.int().optional(),
  blocks: z.int().optional(),
  blocks_avail: z.int().optional(),
  blocks_free: z.int().optional(),
  bytes_total: z.int().optional(),
  bytes_used: z.int().optional(),
});

/** VolumeSnapshot: `size` in bytes, `volume_size` in GB; status goes waiting → running → created. */
export const volumeSnapshot = z.strictObject({
  id: z.string(),
  size: z.int(),
  volume_size: z.int(),
  digest: z.string(),
  created_at: isoTime,
  status: z.enum(["waiting", "running", "created"]),
  retention_days: z.int(),
});

/** Lease: `expires_at` in Unix seconds. */
const lease = z.strictObject({
  nonce: z.string(),
  expires_at: z.int(),
  owner: z.string(),
  version: z.string(),
  description: z.string(),
});

/** What the lease endpoints really return: the Lease wrapped in `{status, data}` (notes, pitfall 9). */
const leaseEnvelope = z.strictObject({ status: z.literal("success"), data: lease });

/** ErrorResponse; `status` is Fly's main.statusCode, `error` often starts with a gRPC-style code. */
export const errorResponse = z.strictObject({
  error: z.string(),
  status: z.enum(["unknown", "insufficient_capacity", "volume_placement_capacity", "name_taken"]).optional(),
  details: z.looseObject({}).optional(),
});

/** The lease endpoints' own error body (fly-go reads `message`). */
export const leaseError = z.strictObject({ status: z.literal("error"), message: z.string(), code: z.string() });

/** `{"ok":true}`, what the docs show for stop, restart, suspend and destroy. */
const okReply = z.strictObject({ ok: z.literal(true) });

// ---- endpoints --------------------------------------------------------------------------------------------

type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One endpoint: how it is called and what a successful call returns. */
export interface FlyOperation {
  /** The HTTP method, or methods when Fly serves the operation on several. */
  method: HttpMethod | readonly HttpMethod[];
  /** The path template, as in Fly's document. */
  path: string;
  /** Query parameters the component or the emulator's tests send. */
  query?: readonly string[];
  /** The success status and its body; `null` for no body. */
  success: { status: number; body: z.ZodType | null };
  /** Errors use the lease endpoints' `{status, message, code}` body (besides ErrorResponse). */
  leaseErrors?: true;
  /**
   * Where our body and Fly's document part ways on purpose: the document's schema describes the field at
   * `path` of our body, for the reason given.
   */
  documented?: { path: string; reason: string };
}

const APP = "/v1/apps/{app_name}";
const MACHINE = `${APP}/machines/{machine_id}`;
const VOLUME = `${APP}/volumes/{volume_id}`;
const LEASE_ENVELOPE = {
  path: "data",
  reason:
    "Fly returns the Lease wrapped in {status, data}; its document shows the bare Lease (FLY_API_NOTES.md, pitfall 9)",
};

/** A lease endpoint: errors come in the lease body, and the Lease wrapped in `{status, data}` is documented bare. */
function leaseOperation(method: HttpMethod, status: number, body: z.ZodType) {
  return {
    method,
    path: `${MACHINE}/lease`,
    success: { status, body },
    leaseErrors: true,
    ...(body === leaseEnvelope ? { documented: LEASE_ENVELOPE } : {}),
  } as const satisfies FlyOperation;
}

/** Every Machines API endpoint the emulator serves, by Fly's operationId. */
export const FLY_OPERATIONS = {
  Machines_list: {
    method: "GET",
    path: `${APP}/machines`,
    query: ["include_deleted", "include_leases", "region", "state", "summary", "metadata.{key}"],
    success: { status: 200, body: z.array(machine) },
  },
  Machines_create: { method: "POST", path: `${APP}/machines`, success: { status: 200, body: machine } },
  Machines_show: {
    method: "GET",
    path: MACHINE,
    query: ["include_leases"],
    success: { status: 200, body: machine },
  },
  Machines_update: { method: "POST", path: MACHINE, success: { status: 200, body: machine } },
  Machines_delete: { method: "DELETE", path: MACHINE, query: ["force"], success: { status: 200, body: okReply } },
  Machines_start: {
    method: "POST",
    path: `${MACHINE}/start`,
    success: {
      status: 200,
      body: z.strictObject({ previous_state: z.string(), migrated: z.boolean(), new_host: z.string() }),
    },
  },
  Machines_stop: { method: "POST", path: `${MACHINE}/stop`, success: { status: 200, body: okReply } },
  Machines_restart: {
    method: "POST",
    path: `${MACHINE}/restart`,
    query: ["timeout", "signal"],
    success: { status: 200, body: okReply },
  },
  Machines_suspend: { method: "POST", path: `${MACHINE}/suspend`, success: { status: 200, body: okReply } },
  Machines_wait: {
    method: "GET",
    path: `${MACHINE}/wait`,
    query: ["state", "timeout", "version", "instance_id", "from_event_id"],
    success: {
      status: 200,
      body: z.strictObject({ ok: z.literal(true), state: z.string(), version: z.string(), event_id: z.string() }),
    },
  },
  Machines_exec: {
    method: "POST",
    path: `${MACHINE}/exec`,
    success: {
      status: 200,
      body: z.strictObject({
        exit_code: z.int(),
        exit_signal: z.int().optional(),
        stdout: z.string(),
        stderr: z.string(),
      }),
    },
  },
  Machines_create_lease: leaseOperation("POST", 201, leaseEnvelope),
  Machines_show_lease: leaseOperation("GET", 200, leaseEnvelope),
  Machines_release_lease: leaseOperation("DELETE", 200, z.strictObject({ status: z.literal("success") })),
  Machines_show_metadata: { method: "GET", path: `${MACHINE}/metadata`, success: { status: 200, body: stringMap } },
  Machines_update_metadata: {
    method: ["PUT", "PATCH"],
    path: `${MACHINE}/metadata`,
    success: { status: 204, body: null },
  },
  Machines_get_metadata_key: {
    method: "GET",
    path: `${MACHINE}/metadata/{key}`,
    success: { status: 200, body: z.strictObject({ value: z.string() }) },
  },
  Machines_upsert_metadata: {
    method: "POST",
    path: `${MACHINE}/metadata/{key}`,
    success: { status: 204, body: null },
  },
  Machines_delete_metadata: {
    method: "DELETE",
    path: `${MACHINE}/metadata/{key}`,
    success: { status: 204, body: null },
  },
  Volumes_list: {
    method: "GET",
    path: `${APP}/volumes`,
    query: ["summary"],
    success: { status: 200, body: z.array(volume) },
  },
  Volumes_create: { method: "POST", path: `${APP}/volumes`, success: { status: 200, body: volume } },
  Volumes_get_by_id: { method: "GET", path: VOLUME, success: { status: 200, body: volume } },
  Volume_delete: { method: "DELETE", path: VOLUME, success: { status: 200, body: volume } },
  Volumes_list_snapshots: {
    method: "GET",
    path: `${VOLUME}/snapshots`,
    success: { status: 200, body: z.array(volumeSnapshot) },
  },
  // Fly documents no body: clients list the snapshots to find the new one (notes, pitfall 1).
  createVolumeSnapshot: { method: "POST", path: `${VOLUME}/snapshots`, success: { status: 200, body: null } },
} as const satisfies Record<string, FlyOperation>;

export type FlyOperationId = keyof typeof FLY_OPERATIONS;

/** The HTTP methods an endpoint is served on. */
export function methodsOf(endpoint: FlyOperation): readonly HttpMethod[] {
  return typeof endpoint.method === "string" ? [endpoint.method] : endpoint.method;
}

// ---- checking replies -----------------------------------------------------------------------------------

/** The outcome of checking one reply. */
export interface ContractResult {
  ok: boolean;
  /** What the body was checked against, e.g. "Machines_show 200" or "Machines_show 404 as ErrorResponse". */
  checkedAgainst: string;
  errors: string[];
}

function operation(operationId: string): FlyOperation | undefined {
  return Object.hasOwn(FLY_OPERATIONS, operationId) ? FLY_OPERATIONS[operationId as FlyOperationId] : undefined;
}

function problems(schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map(
    (issue) => `${issue.path.length > 0 ? `/${issue.path.join("/")}` : "(root)"} ${issue.message}`,
  );
}

/**
 * Checks one reply against the contract. A success status must be the operation's, with its body (or none);
 * an error status (400 and up) must carry an ErrorResponse, or on the lease endpoints the lease error body.
 * @param operationId Fly's operationId of the route, or null when no route matched.
 * @param status the HTTP status sent.
 * @param body the parsed JSON body, or undefined for an empty one.
 */
export function checkReply(operationId: string | null, status: number, body: unknown): ContractResult {
  const endpoint = operationId === null ? undefined : operation(operationId);
  const label = `${operationId ?? "(no route)"} ${status}`;
  if (operationId !== null && !endpoint) {
    return { ok: false, checkedAgainst: label, errors: [`${operationId} is not an operation of the contract`] };
  }
  if (status < 400) {
    if (!endpoint || status !== endpoint.success.status) {
      return {
        ok: false,
        checkedAgainst: label,
        errors: [`status ${status} is not what ${label.split(" ")[0]} answers`],
      };
    }
    const schema = endpoint.success.body;
    if (schema === null) {
      const errors = body === undefined ? [] : ["expected no body"];
      return { ok: errors.length === 0, checkedAgainst: `${label} (no body)`, errors };
    }
    const errors = body === undefined ? ["expected a JSON body, got none"] : problems(schema, body);
    return { ok: errors.length === 0, checkedAgainst: label, errors };
  }
  const leaseShaped = endpoint?.leaseErrors === true && typeof body === "object" && body !== null && "message" in body;
  const [name, schema] = leaseShaped ? ["LeaseError", leaseError] : ["ErrorResponse", errorResponse];
  const errors = body === undefined ? ["expected a JSON error body, got none"] : problems(schema, body);
  return { ok: errors.length === 0, checkedAgainst: `${label} as ${name}`, errors };
}

/**
 * Checks every reply of a request log recorded with `recordBodies: true`; dropped connections are skipped.
 * @throws Error listing every reply that breaks the contract, or that has no recorded body.
 */
export function assertRepliesKeepContract(entries: readonly RequestLogEntry[]): void {
  const failures: string[] = [];
  for (const entry of entries) {
    if (entry.status === null) continue;
    if (!("responseBody" in entry)) {
      failures.push(
        `#${entry.seq} ${entry.method} ${entry.path}: no recorded body; start the emulator with recordBodies: true`,
      );
      continue;
    }
    const result = checkReply(entry.operationId, entry.status, entry.responseBody);
    if (!result.ok) {
      failures.push(
        `#${entry.seq} ${entry.method} ${entry.path} → ${result.checkedAgainst}: ${result.errors.join("; ")} (body: ${JSON.stringify(entry.responseBody)})`,
      );
    }
  }
  if (failures.length > 0)
    throw new Error(
      `Replies that break the Fly contract (src/fly-emulator/testing/contract.ts):\n${failures.join("\n")}`,
    );
}
