/**
 * Fly's Machines resource: create, read, list, update, start, stop, restart, suspend and destroy, each checked
 * as Fly checks it (the lease, the state it starts from, capacity, the mounted volume) before it hands the
 * state change to `transitions.ts`, which carries it out on the emulator's clock.
 */
import { z } from "zod";
import type { Behaviours } from "../control/behaviours.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../world/clock.js";
import type { Ids } from "../world/ids.js";
import { emptyAgentState, type MachineRecord, type MachineState } from "../world/model.js";
import { requireVisible, type World } from "../world/world.js";
import { errorReply, failedPrecondition, notFound } from "./errorReplies.js";
import { mountedVolumeId, parseGoDuration, parseInput, parseMachineConfig, queryFlag, SIGNALS } from "./input.js";
import { acquireLease, requireLeaseHolder } from "./leases.js";
import { DESTROYABLE_WITHOUT_FORCE, MachineTransitions, RUNNING } from "./transitions.js";
import type { VolumeService } from "./volumes.js";

const createSchema = z.looseObject({
  name: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  config: z.unknown(),
  lease_ttl: z.int().min(1).optional(),
  skip_launch: z.boolean().optional(),
});
const updateSchema = z.looseObject({
  config: z.unknown(),
  current_version: z.string().optional(),
  skip_launch: z.boolean().optional(),
});
const stopSchema = z.looseObject({ signal: z.enum(SIGNALS).optional(), timeout: z.string().optional() }).optional();

/** Who asks for a change: the lease nonce the request carried. */
export interface Caller {
  nonce: string | undefined;
}

/** Machines: the API's operations on them; `transitions` carries out the state changes they ask for. */
export class MachineService {
  private readonly transitions: MachineTransitions;

  constructor(
    private readonly world: World,
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly options: ResolvedOptions,
    private readonly volumes: VolumeService,
    private readonly behaviours: Behaviours,
  ) {
    this.transitions = new MachineTransitions({ world, clock, ids, options, volumes, behaviours });
  }

  /**
   * POST /apps/{app}/machines. Returns the Machine (state "created") and the lease nonce when `lease_ttl` was set.
   * A Machine that cannot be placed answers 412: `volume_placement_capacity` when its volume's host is full or its
   * region has no capacity, `insufficient_capacity` for a Machine without a volume in such a region.
   */
  create(app: string, body: unknown): { machine: MachineRecord; nonce?: string } {
    const request = parseInput(createSchema, body, "body");
    const config = parseMachineConfig(request.config);
    const name = request.name ?? this.ids.machineName();
    if (this.world.machinesOf(app).some((other) => other.name === name && other.state !== "destroyed")) {
      throw errorReply(409, `name_taken: a machine named ${name} already exists`, "name_taken");
    }
    const volumeId = mountedVolumeId(config);
    const volume = volumeId ? this.volumes.mountable(app, volumeId, request.region, null) : null;
    const region = request.region ?? volume?.region ?? this.options.defaultRegion;
    if (volume && (volume.hostFull || this.behaviours.outOfCapacity(region))) {
      throw errorReply(
        412,
        `insufficient resources to create new machine with existing volume '${volume.id}'`,
        "volume_placement_capacity",
      );
    }
    if (!volume && this.behaviours.outOfCapacity(region)) {
      throw errorReply(
        412,
        `insufficient resources to create new machine in region ${region}`,
        "insufficient_capacity",
      );
    }
    const now = this.clock.now();
    const instanceId = this.ids.ulid(now);
    const machine: MachineRecord = {
      id: this.ids.machineId(),
      app,
      name,
      region,
      state: "created",
      instanceId,
      versions: [instanceId],
      privateIp: this.ids.privateIp(),
      config,
      imageDigest: this.world.images.digestOf(config.image),
      createdAt: now,
      updatedAt: now,
      visibleAt: now + this.clock.scaled(this.behaviours.value("visibilityLagMs")),
      events: [],
      lease: null,
      volumeId: volume?.id ?? null,
      transitioning: false,
      cancelTransition: null,
      runtime: null,
      rootfsAgent: emptyAgentState(),
      logs: [],
    };
    this.world.machines.set(machine.id, machine);
    if (volume) volume.attachedMachineId = machine.id;
    this.transitions.setState(machine, "created", "launch");
    const lease = request.lease_ttl
      ? acquireLease(machine, { ttlSeconds: request.lease_ttl, description: "", nonce: undefined }, this.leaseDeps())
      : null;
    if (!request.skip_launch) this.transitions.schedule(machine, 0, () => this.transitions.boot(machine));
    return lease ? { machine, nonce: lease.nonce } : { machine };
  }

  /** A Machine of `app` (destroyed ones within retention included), unless inside its visibility lag: 404 (get, wait). */
  visible(app: string, machineId: string): MachineRecord {
    return requireVisible(this.world.machineOf(app, machineId), this.clock.now(), "machine");
  }

  /** A Machine that can still be acted on: destroyed or destroying Machines 404. */
  alive(app: string, machineId: string): MachineRecord {
    const machine = this.world.machineOf(app, machineId);
    if (machine.state === "destroyed" || machine.state === "destroying") throw notFound("machine");
    return machine;
  }

  /** GET /apps/{app}/machines with `include_deleted`, `region`, `state=a,b` and `metadata.<key>=value` filters. */
  list(app: string, query: URLSearchParams): MachineRecord[] {
    const includeDeleted = queryFlag(query, "include_deleted");
    const region = query.get("region");
    const states = (query.get("state") ?? "")
      .split(",")
      .map((state) => state.trim())
      .filter(Boolean);
    const metadata = [...query.entries()]
      .filter(([key]) => key.startsWith("metadata."))
      .map(([key, value]) => [key.slice("metadata.".length), value] as const);
    return this.world
      .machinesOf(app)
      .filter(
        (machine) =>
          (includeDeleted || machine.state !== "destroyed") &&
          (!region || machine.region === region) &&
          (states.length === 0 || states.includes(machine.state)) &&
          metadata.every(([key, value]) => machine.config.metadata?.[key] === value),
      );
  }

  /**
   * POST /apps/{app}/machines/{id}: the new config replaces the old one whole and the instance id changes.
   * A running Machine restarts on the new version; a stopped one stays stopped (as flyd leaves it).
   */
  update(app: string, machineId: string, body: unknown, caller: Caller): MachineRecord {
    const machine = this.leased(app, machineId, caller);
    const request = parseInput(updateSchema, body, "body");
    const config = parseMachineConfig(request.config);
    if (request.current_version && request.current_version !== machine.instanceId) {
      throw failedPrecondition(
        `current_version ${request.current_version} does not match the machine's version ${machine.instanceId}`,
      );
    }
    const volumeId = mountedVolumeId(config);
    if (volumeId !== machine.volumeId) {
      throw failedPrecondition(
        `an update cannot change the mounted volume (machine has ${machine.volumeId ?? "none"}); destroy the machine and create a new one`,
      );
    }
    machine.imageDigest = this.world.images.digestOf(config.image);
    machine.config = config;
    machine.instanceId = this.ids.ulid();
    machine.versions.push(machine.instanceId);
    if (RUNNING.has(machine.state)) {
      this.transitions.cancel(machine);
      this.transitions.stopRuntime(machine);
      this.transitions.setState(machine, "replacing", "update");
      this.transitions.schedule(machine, this.options.stopTimeMs, () =>
        request.skip_launch
          ? this.transitions.setState(machine, "stopped", "exit", "flyd")
          : this.transitions.boot(machine),
      );
    } else {
      this.transitions.setState(machine, machine.state === "suspended" ? "stopped" : machine.state, "update");
    }
    return machine;
  }

  /** POST …/start; returns the previous state. Starting a started (or starting) Machine changes nothing. */
  start(app: string, machineId: string, caller: Caller): MachineState {
    const machine = this.leased(app, machineId, caller);
    const previous = machine.state;
    if (previous === "started" || previous === "starting" || (previous === "created" && machine.transitioning))
      return previous;
    if (previous !== "stopped" && previous !== "suspended" && previous !== "created" && previous !== "failed") {
      throw errorReply(412, `failed_precondition: unable to start machine from current state: '${previous}'`);
    }
    this.transitions.cancel(machine);
    this.transitions.boot(machine);
    return previous;
  }

  /** POST …/stop with an optional `{signal, timeout}`. Stopping a stopped Machine succeeds. */
  stop(app: string, machineId: string, body: unknown, caller: Caller): void {
    const machine = this.leased(app, machineId, caller);
    const request = parseInput(stopSchema, body, "body");
    if (request?.timeout !== undefined && parseGoDuration(request.timeout) === null) {
      throw errorReply(400, `invalid_argument: timeout "${request.timeout}" is not a duration like "10s"`);
    }
    if (machine.state === "stopped" || machine.state === "stopping") return;
    if (machine.state === "created" && !machine.transitioning) return;
    const wasRunning = RUNNING.has(machine.state) || machine.state === "suspending";
    this.transitions.cancel(machine);
    this.transitions.stopRuntime(machine);
    if (!wasRunning) {
      this.transitions.setState(machine, "stopped", "stop");
      return;
    }
    this.transitions.setState(machine, "stopping", "stop");
    this.transitions.schedule(machine, this.options.stopTimeMs, () =>
      this.transitions.setState(machine, "stopped", "exit", "flyd"),
    );
  }

  /** POST …/restart: stops (if running) and boots again, which also heals an unhealthy gateway. */
  restart(app: string, machineId: string, query: URLSearchParams, caller: Caller): void {
    const machine = this.leased(app, machineId, caller);
    const signal = query.get("signal");
    if (signal !== null && !(SIGNALS as readonly string[]).includes(signal)) {
      throw errorReply(400, `invalid_argument: signal ${signal} is not one of ${SIGNALS.join(", ")}`);
    }
    const timeout = query.get("timeout");
    if (timeout !== null && parseGoDuration(timeout) === null) {
      throw errorReply(400, `invalid_argument: timeout "${timeout}" is not a duration or a number of seconds`);
    }
    const wasRunning = RUNNING.has(machine.state);
    this.transitions.cancel(machine);
    this.transitions.stopRuntime(machine);
    this.transitions.setState(machine, "restarting", "restart");
    this.transitions.schedule(machine, wasRunning ? this.options.stopTimeMs : 0, () => this.transitions.boot(machine));
  }

  /** POST …/suspend: only a started Machine suspends (its root filesystem is kept). */
  suspend(app: string, machineId: string, caller: Caller): void {
    const machine = this.leased(app, machineId, caller);
    if (machine.state === "suspended" || machine.state === "suspending") return;
    if (machine.state !== "started")
      throw failedPrecondition(`unable to suspend machine from current state: '${machine.state}'`);
    this.transitions.cancel(machine);
    this.transitions.stopRuntime(machine, { keepRootfs: true });
    this.transitions.setState(machine, "suspending", "suspend");
    this.transitions.schedule(machine, this.options.stopTimeMs, () =>
      this.transitions.setState(machine, "suspended", "suspend", "flyd"),
    );
  }

  /**
   * DELETE …/{id}?force=true. A running Machine needs `force` (400 failed_precondition otherwise); `kill` is not
   * force. An already destroyed Machine 404s.
   */
  destroy(app: string, machineId: string, options: { force: boolean } & Caller): void {
    const machine = this.leased(app, machineId, options);
    const stoppable = DESTROYABLE_WITHOUT_FORCE.has(machine.state) && !machine.transitioning;
    if (!options.force && !stoppable) {
      throw failedPrecondition(
        `unable to destroy machine, not currently stopped or suspended (state: ${machine.state}); pass force=true to kill it`,
      );
    }
    this.transitions.tearDown(machine, "user");
  }

  /** Destroys a Machine as someone in Fly's dashboard would: no lease, no force needed. */
  destroyOutOfBand(app: string, machineId: string): void {
    this.transitions.tearDown(this.alive(app, machineId), "flyd");
  }

  /** A Telegram user messages the bot: a new pending pairing code on this Machine's agent. */
  issuePairingCode(app: string, machineId: string): string {
    const machine = this.alive(app, machineId);
    const code = this.ids.pairingCode();
    this.world.agentOf(machine).pendingPairings.push({
      channel: "telegram",
      code,
      senderId: this.ids.telegramUserId(),
      requestedAt: new Date(this.clock.now()).toISOString(),
    });
    this.transitions.log(machine, `[telegram] pairing request received; code ${code}`);
    return code;
  }

  /** Like {@link alive}, for a change: a leased Machine answers 409 unless the caller sent the lease's nonce. */
  private leased(app: string, machineId: string, caller: Caller): MachineRecord {
    const machine = this.alive(app, machineId);
    requireLeaseHolder(machine, caller.nonce, this.clock.now());
    return machine;
  }

  private leaseDeps() {
    return { clock: this.clock, ids: this.ids, owner: this.options.leaseOwner };
  }
}
