/**
 * Fly Machines API client: one method per Fly call the component makes, named after the
 * operation ids of fly-machines-openapi.json. Nothing outside this folder builds a Fly URL.
 */
import { z } from "zod";
import { FlyApiError } from "./errors.js";
import { FlyHttp, type FlyHttpOptions, type FlyRequest } from "./http.js";
import {
  execResponseSchema,
  type FlyMachineEvent,
  leaseResponseSchema,
  machineSchema,
  volumeSchema,
  volumeSnapshotSchema,
  waitResponseSchema,
  type FlyExecResult,
  type FlyMachine,
  type FlyVolume,
  type FlyVolumeSnapshot,
  type MachineConfig,
} from "./schemas.js";

/** Fly rejects a wait timeout above 60 s (`invalid_argument`). */
export const MAX_WAIT_TIMEOUT_S = 60;
/** Fly's exec calls run into 408 `deadline_exceeded` past about 30 s. */
export const EXEC_TIMEOUT_S = 25;
/** Grace on top of a server-side timeout before we give up on the socket. */
const SERVER_TIMEOUT_GRACE_MS = 10_000;
/**
 * After our own successful create, a 404 on that resource is Fly's read lag, not its absence, for
 * this long (FLY_API_NOTES.md, "Read-after-create can briefly 404"; superfly/flyctl#5174).
 */
export const READ_AFTER_CREATE_WINDOW_MS = 10_000;
/** Pause before reading a just-created resource again. */
const READ_LAG_RETRY_MS = 250;

export type FlyMachineState = "created" | "started" | "stopped" | "suspended" | "failed" | "destroyed" | "settled";

export type CreateVolumeInput = {
  name: string;
  region: string;
  sizeGb: number;
  snapshotId?: string;
};

export type CreateMachineInput = {
  name: string;
  region: string;
  config: MachineConfig;
};

export type FlyClientOptions = FlyHttpOptions & { appName: string };

/** A request as a method of this client states it: its path and rate-limit scope come from the resource. */
type FlyCall<T> = Omit<FlyRequest<T>, "path" | "scope">;

/** The operation id of each action POSTed to `/machines/{id}/{action}`. */
const MACHINE_ACTIONS = { start: "Machines_start", stop: "Machines_stop", restart: "Machines_restart" } as const;

export class FlyClient {
  readonly appName: string;
  /** `/apps/{app_name}`, encoded: where every path of this client starts. */
  private readonly appPath: string;
  private readonly http: FlyHttp;
  /** When this client created (or found, after a lost create answer) each resource, by id. */
  private readonly createdAt = new Map<string, number>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: FlyClientOptions) {
    this.appName = options.appName;
    this.appPath = `/apps/${encodeURIComponent(options.appName)}`;
    this.http = new FlyHttp(options);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Marks a resource as this client's own fresh create (done by createVolume and createMachine;
   * call it for one found by tag after a lost create answer), so reads of it tolerate Fly's lag.
   */
  noteCreated(resourceId: string): void {
    this.createdAt.set(resourceId, Date.now());
  }

  /** Notes the resource `create` answers with as this client's fresh create, and returns it. */
  private async created<T extends { id: string }>(create: Promise<T>): Promise<T> {
    const resource = await create;
    this.noteCreated(resource.id);
    return resource;
  }

  /**
   * Runs `read`, retrying a 404 on `resourceId` while it is within its read-after-create window.
   * Once Fly has answered for the resource, its lag is over.
   */
  private async readFresh<T>(resourceId: string, read: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await read();
        this.createdAt.delete(resourceId);
        return result;
      } catch (error) {
        const createdAt = this.createdAt.get(resourceId);
        const lagging =
          error instanceof FlyApiError &&
          error.notFound &&
          createdAt !== undefined &&
          Date.now() + READ_LAG_RETRY_MS - createdAt <= READ_AFTER_CREATE_WINDOW_MS;
        if (!lagging) throw error;
        await this.sleep(READ_LAG_RETRY_MS);
      }
    }
  }

  /** A call on the app's own collections (volumes, machine lists): Fly paces it by the app's name. */
  private appCall<T>(suffix: string, call: FlyCall<T>): Promise<T> {
    return this.http.request({
      ...call,
      path: `${this.appPath}${suffix}`,
      scope: this.appName,
    });
  }

  /** A call on one volume: Fly paces volume calls by the app's name. */
  private volumeCall<T>(volumeId: string, suffix: string, call: FlyCall<T>): Promise<T> {
    return this.appCall(`/volumes/${encodeURIComponent(volumeId)}${suffix}`, call);
  }

  /** A call on one machine: Fly paces it by the machine's id. */
  private machineCall<T>(machineId: string, suffix: string, call: FlyCall<T>): Promise<T> {
    return this.http.request({
      ...call,
      path: `${this.appPath}/machines/${encodeURIComponent(machineId)}${suffix}`,
      scope: machineId,
    });
  }

  // ---- volumes -------------------------------------------------------------------------

  /** Not retried (but for 429s): a lost answer may hide a created volume; callers look it up by name. */
  createVolume(input: CreateVolumeInput): Promise<FlyVolume> {
    return this.created(
      this.appCall("/volumes", {
        operationId: "Volumes_create",
        method: "POST",
        idempotent: false,
        body: {
          name: input.name,
          region: input.region,
          size_gb: input.sizeGb,
          // Same-named volumes are expected; unique zones run out and fail creation.
          require_unique_zone: false,
          ...(input.snapshotId ? { snapshot_id: input.snapshotId } : {}),
        },
        schema: volumeSchema,
      }),
    );
  }

  /**
   * A 404 within the volume's read-after-create window is waited out. With `retryUntil` (ms since
   * the epoch, a wait's deadline), no retry starts after it.
   */
  getVolume(volumeId: string, retryUntil?: number): Promise<FlyVolume> {
    return this.readFresh(volumeId, () =>
      this.volumeCall(volumeId, "", {
        operationId: "Volumes_get_by_id",
        method: "GET",
        idempotent: true,
        retryUntil,
        schema: volumeSchema,
      }),
    );
  }

  /** Includes soft-deleted volumes, as Fly does; see `isLiveVolume`. */
  listVolumes(): Promise<FlyVolume[]> {
    return this.appCall("/volumes", {
      operationId: "Volumes_list",
      method: "GET",
      idempotent: true,
      schema: z.array(volumeSchema),
    });
  }

  /** Idempotent: deleting a volume twice ends the same way. */
  deleteVolume(volumeId: string): Promise<void> {
    return this.volumeCall(volumeId, "", { operationId: "Volume_delete", method: "DELETE", idempotent: true });
  }

  /** Fly answers with no snapshot id: find it with `listVolumeSnapshots`. Not retried. */
  createVolumeSnapshot(volumeId: string): Promise<void> {
    return this.volumeCall(volumeId, "/snapshots", {
      operationId: "createVolumeSnapshot",
      method: "POST",
      idempotent: false,
    });
  }

  listVolumeSnapshots(volumeId: string): Promise<FlyVolumeSnapshot[]> {
    return this.volumeCall(volumeId, "/snapshots", {
      operationId: "Volumes_list_snapshots",
      method: "GET",
      idempotent: true,
      schema: z.array(volumeSnapshotSchema),
    });
  }

  // ---- machines ------------------------------------------------------------------------

  /** Not retried (but for 429s): a lost answer may hide a created machine; callers look it up by tag. */
  createMachine(input: CreateMachineInput): Promise<FlyMachine> {
    return this.created(
      this.appCall("/machines", {
        operationId: "Machines_create",
        method: "POST",
        idempotent: false,
        body: { name: input.name, region: input.region, config: input.config },
        schema: machineSchema,
      }),
    );
  }

  /** A 404 within the machine's read-after-create window is waited out. */
  getMachine(machineId: string): Promise<FlyMachine> {
    return this.readFresh(machineId, () =>
      this.machineCall(machineId, "", {
        operationId: "Machines_show",
        method: "GET",
        idempotent: true,
        schema: machineSchema,
      }),
    );
  }

  /** Every machine of the app that is not destroyed. */
  listMachines(): Promise<FlyMachine[]> {
    return this.listMachinesWhere(undefined);
  }

  /** Machines whose metadata has `key=value` (Fly filters server-side). */
  listMachinesByMetadata(key: string, value: string): Promise<FlyMachine[]> {
    return this.listMachinesWhere({ [`metadata.${key}`]: value });
  }

  private listMachinesWhere(query: Record<string, string> | undefined): Promise<FlyMachine[]> {
    return this.appCall("/machines", {
      operationId: "Machines_list",
      method: "GET",
      idempotent: true,
      query,
      schema: z.array(machineSchema),
    });
  }

  /** Replaces the whole config (Fly does not merge). */
  updateMachine(machineId: string, config: MachineConfig, leaseNonce?: string): Promise<FlyMachine> {
    return this.machineCall(machineId, "", {
      operationId: "Machines_update",
      method: "POST",
      idempotent: true,
      body: { config },
      headers: leaseNonce ? { "fly-machine-lease-nonce": leaseNonce } : undefined,
      schema: machineSchema,
    });
  }

  startMachine(machineId: string): Promise<void> {
    return this.machineAction(machineId, "start");
  }

  /** Stopping a stopped machine succeeds. */
  stopMachine(machineId: string): Promise<void> {
    return this.machineAction(machineId, "stop");
  }

  restartMachine(machineId: string): Promise<void> {
    return this.machineAction(machineId, "restart");
  }

  /** POST `/machines/{id}/{action}`: idempotent, no body, no answer to read. */
  private machineAction(machineId: string, action: keyof typeof MACHINE_ACTIONS): Promise<void> {
    return this.machineCall(machineId, `/${action}`, {
      operationId: MACHINE_ACTIONS[action],
      method: "POST",
      idempotent: true,
    });
  }

  /**
   * `options.force` kills a running machine. Returns false when it was already gone (404; within the
   * machine's read-after-create window a 404 is waited out first).
   */
  async destroyMachine(machineId: string, options: { force: boolean }): Promise<boolean> {
    try {
      await this.readFresh(machineId, () =>
        this.machineCall(machineId, "", {
          operationId: "Machines_delete",
          method: "DELETE",
          idempotent: true,
          query: options.force ? { force: "true" } : undefined,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof FlyApiError && error.notFound) return false;
      throw error;
    }
  }

  /**
   * One wait call of at most 60 s for any of `states` (Fly takes them comma-separated). Returns the
   * state reached, or null when Fly's timeout ran out (408: wait again). A 404 within the machine's
   * read-after-create window is waited out; after it, a 404 while waiting for `destroyed` means
   * destroyed. With `retryUntil` (ms since the epoch, the wait's deadline), no retry of the call
   * starts after it.
   */
  async waitMachineOnce(
    machineId: string,
    states: readonly FlyMachineState[],
    timeoutS: number,
    retryUntil?: number,
  ): Promise<string | null> {
    const seconds = Math.max(1, Math.min(MAX_WAIT_TIMEOUT_S, Math.ceil(timeoutS)));
    const state = states.join(",");
    try {
      const result = await this.readFresh(machineId, () =>
        this.machineCall(machineId, "/wait", {
          operationId: "Machines_wait",
          method: "GET",
          idempotent: true,
          query: { state, timeout: String(seconds) },
          // A 408 means Fly's timeout ran out: the caller waits again, it is not a failure.
          answers: [408],
          retryUntil,
          timeoutMs: seconds * 1000 + SERVER_TIMEOUT_GRACE_MS,
          schema: waitResponseSchema,
        }),
      );
      return result.state ?? states[0];
    } catch (error) {
      if (!(error instanceof FlyApiError)) throw error;
      if (error.status === 408) return null;
      if (error.notFound && states.includes("destroyed")) return "destroyed";
      throw error;
    }
  }

  /**
   * Runs `command` (an argv array: no value is ever spliced into a shell string). Retried on
   * transient failures only when the command is `idempotent` (safe to run twice).
   */
  execMachine(
    machineId: string,
    command: string[],
    options: { idempotent: boolean; timeoutS?: number; retryUntil?: number },
  ): Promise<FlyExecResult> {
    const timeoutS = options.timeoutS ?? EXEC_TIMEOUT_S;
    return this.machineCall(machineId, "/exec", {
      operationId: "Machines_exec",
      method: "POST",
      idempotent: options.idempotent,
      retryUntil: options.retryUntil,
      body: { command, timeout: timeoutS },
      timeoutMs: timeoutS * 1000 + SERVER_TIMEOUT_GRACE_MS,
      schema: execResponseSchema,
    });
  }

  async acquireLease(machineId: string, ttlS: number, description: string): Promise<string> {
    const lease = await this.machineCall(machineId, "/lease", {
      operationId: "Machines_create_lease",
      method: "POST",
      idempotent: false,
      body: { ttl: ttlS, description },
      schema: leaseResponseSchema,
    });
    // The nonce sits under `data`, not at the top level the spec's flat schema suggests.
    return lease.data.nonce;
  }

  releaseLease(machineId: string, nonce: string): Promise<void> {
    return this.machineCall(machineId, "/lease", {
      operationId: "Machines_release_lease",
      method: "DELETE",
      idempotent: true,
      headers: { "fly-machine-lease-nonce": nonce },
    });
  }
}

/** Volume states after a delete: Fly keeps listing them for a day. */
const GONE_VOLUME_STATES = new Set([
  "destroyed",
  "scheduling_destroy",
  "fork_cleanup",
  "waiting_for_detach",
  "pending_destroy",
  "destroying",
]);

export function isLiveVolume(volume: FlyVolume): boolean {
  return !GONE_VOLUME_STATES.has(volume.state);
}

/** Volume states a machine can mount. */
export const MOUNTABLE_VOLUME_STATES = new Set(["created", "extending", "enabling_remote_export", "hydrating"]);

export type { FlyExecResult, FlyMachine, FlyMachineEvent, FlyVolume, FlyVolumeSnapshot, MachineConfig };
