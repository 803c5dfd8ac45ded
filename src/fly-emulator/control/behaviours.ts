/**
 * Fly's and the OpenClaw image's unkind behaviours from public reports (failed boots, a reset model, read-after-
 * create lag, full hosts, regions out of capacity, refusal windows), all off by default: their options, the schema
 * a change is checked against, and the live values the services read on every request.
 */
import { z } from "zod";
import type { Clock } from "../world/clock.js";

/**
 * The unkind things Fly and the OpenClaw image do in public reports, each off until a test, the CLI
 * (`fly-emulator --help`) or the admin API (`PATCH /__emulator/behaviours`) turns it on. Every field can be
 * changed while the emulator runs; a change applies to what happens next (the next boot, the next create).
 */
export interface FlyBehaviours {
  /**
   * The image's process aborts at boot (exit code 1) and Fly's restart policy gives up: Machines that boot
   * from now on settle in `failed` instead of `started` (superfly/flyctl#1760, openclaw/openclaw#71823).
   */
  failBoots: boolean;
  /**
   * The image resets OpenClaw's default model to its built-in one at every boot, as its start-up or a
   * `doctor` run can (openclaw/openclaw#78295, #12857).
   */
  resetModelAtBoot: boolean;
  /**
   * Read-after-create lag, in emulated ms: a GET of a just-created Machine or volume, and a wait on the
   * Machine, answer 404 for this long after the create that returned it (superfly/flyctl#5174).
   */
  visibilityLagMs: number;
  /**
   * The next N volumes created land on a full host: creating a Machine that mounts one answers 412
   * `volume_placement_capacity` (Kilo-Org/cloud#388).
   */
  fullVolumeHosts: number;
  /**
   * Regions out of capacity: a volume create there answers 400 `insufficient_capacity`, and a Machine
   * create there 412 (`volume_placement_capacity` when it mounts a volume, else `insufficient_capacity`).
   */
  regionsOutOfCapacity: string[];
  /**
   * Refusal windows, in emulated ms by operationId: the first such request for an identifier (the Machine
   * id, else the app) opens a window during which every one answers 429 with `Retry-After` (whole seconds
   * left, at least 1). One window per identifier; setting this field again re-arms them.
   */
  refusalWindows: Record<string, number>;
}

/** Reads and changes the behaviours of a running emulator. */
export interface BehavioursHandle {
  /** The behaviours in force. */
  get(): FlyBehaviours;
  /** Changes some behaviours; returns all of them. Throws on a value that makes no sense, saying which. */
  set(change: Partial<FlyBehaviours>): FlyBehaviours;
}

const millis = z.number().finite().min(0);
/** The JSON a test or the admin API sends to change behaviours. */
export const behavioursChangeSchema = z.strictObject({
  failBoots: z.boolean().optional(),
  resetModelAtBoot: z.boolean().optional(),
  visibilityLagMs: millis.optional(),
  fullVolumeHosts: z.int().min(0).optional(),
  regionsOutOfCapacity: z.array(z.string().min(1)).optional(),
  refusalWindows: z.record(z.string().min(1), millis).optional(),
});

/** Everything off: the emulator's default. */
export function defaultBehaviours(): FlyBehaviours {
  return {
    failBoots: false,
    resetModelAtBoot: false,
    visibilityLagMs: 0,
    fullVolumeHosts: 0,
    regionsOutOfCapacity: [],
    refusalWindows: {},
  };
}

/** A refusal decision for one request. */
export type RefusalDecision = { refused: false } | { refused: true; retryAfterSeconds: number };

/** The live behaviours, read by the services on every request, plus the state of open refusal windows. */
export class Behaviours implements BehavioursHandle {
  private current: FlyBehaviours;
  /** Real time each refusal window closes, by operationId and identifier. */
  private readonly windows = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    initial: Partial<FlyBehaviours> = {},
  ) {
    this.current = defaultBehaviours();
    this.set(initial);
  }

  get(): FlyBehaviours {
    return structuredClone(this.current);
  }

  set(change: Partial<FlyBehaviours>): FlyBehaviours {
    const parsed = behavioursChangeSchema.safeParse(change);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`Invalid behaviour ${issue?.path.join(".") || "change"}: ${issue?.message ?? "invalid"}`);
    }
    this.current = { ...this.current, ...structuredClone(parsed.data) };
    if (parsed.data.refusalWindows !== undefined) this.windows.clear();
    return this.get();
  }

  /** The live value of one behaviour (no copy). */
  value<K extends keyof FlyBehaviours>(key: K): FlyBehaviours[K] {
    return this.current[key];
  }

  /** Takes one volume's place on a full host, if any are left; true when this volume lands on one. */
  takeFullHost(): boolean {
    if (this.current.fullVolumeHosts <= 0) return false;
    this.current.fullVolumeHosts -= 1;
    return true;
  }

  /** Whether `region` is out of capacity. */
  outOfCapacity(region: string): boolean {
    return this.current.regionsOutOfCapacity.includes(region);
  }

  /** Opens or consults the refusal window of (`operationId`, `identifier`). */
  refusal(operationId: string, identifier: string): RefusalDecision {
    const windowMs = this.current.refusalWindows[operationId];
    if (windowMs === undefined) return { refused: false };
    const key = `${operationId}\u0000${identifier}`;
    const now = this.clock.now();
    let closesAt = this.windows.get(key);
    if (closesAt === undefined) {
      closesAt = now + this.clock.scaled(windowMs);
      this.windows.set(key, closesAt);
    }
    if (now >= closesAt) return { refused: false };
    return { refused: true, retryAfterSeconds: Math.max(1, Math.ceil((closesAt - now) / 1000)) };
  }
}
