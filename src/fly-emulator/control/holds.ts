/**
 * Holds for interleaving tests: a test names a request (as fault rules do) and the emulator keeps
 * it, or its answer, until the test releases it. Two operations can then be made to meet at a
 * chosen point: hold one at a Fly call, run the other, release the first.
 *
 * ```ts
 * const create = fly.holds.add({ operationId: "Machines_create" });
 * const provisioning = runProvisioning();
 * await create.reached();   // the request arrived and waits
 * await runSomethingElse();
 * create.release();         // now Fly processes it
 * ```
 */
import { ruleMatches, type FaultRule, type FaultTarget } from "./faultRules.js";

/** Which requests a hold stops, and where. */
export interface HoldRule extends Pick<FaultRule, "method" | "path" | "operationId"> {
  /** The nth matching request is held (1-based); default 1. Only that one: a hold fires once. */
  nth?: number;
  /** "before" (default): the request waits before Fly processes it. "after": it is processed, its answer waits. */
  when?: "before" | "after";
}

/** A request a hold stopped. */
export interface HeldRequest {
  seq: number;
  method: string;
  path: string;
  operationId: string | null;
  when: "before" | "after";
}

/** One hold, as the test drives it. */
export interface Hold {
  readonly id: string;
  /** Resolves once a matching request is held (at once if it already is). */
  reached(): Promise<HeldRequest>;
  /** True while a request is held here. */
  readonly holding: boolean;
  /** Lets the held request (or its answer) go on; a hold not yet reached will not hold any more. */
  release(): void;
}

/** The test-facing hold API (`emulator.holds`). */
export interface HoldsHandle {
  /** Adds a hold; it stops the first request that matches (or the `nth`). */
  add(rule: HoldRule): Hold;
  /** Releases every hold, reached or not (the emulator does this when it closes). */
  releaseAll(): void;
}

class HoldEntry implements Hold {
  holding = false;
  private seen = 0;
  private done = false;
  private held: HeldRequest | null = null;
  private readonly arrived: Promise<HeldRequest>;
  private signalArrival!: (request: HeldRequest) => void;
  private readonly freed: Promise<void>;
  private free!: () => void;

  constructor(
    readonly id: string,
    readonly rule: HoldRule,
  ) {
    this.arrived = new Promise((resolve) => (this.signalArrival = resolve));
    this.freed = new Promise((resolve) => (this.free = resolve));
  }

  reached(): Promise<HeldRequest> {
    return this.held ? Promise.resolve(this.held) : this.arrived;
  }

  release(): void {
    this.done = true;
    this.holding = false;
    this.free();
  }

  /** Counts a request toward `nth`; true when this hold takes it. */
  takes(target: FaultTarget): boolean {
    if (this.done || this.held || !ruleMatches(this.rule, target)) return false;
    this.seen += 1;
    return this.seen === (this.rule.nth ?? 1);
  }

  /** Keeps the request until `release`. */
  async hold(target: FaultTarget, when: "before" | "after"): Promise<void> {
    this.held = { seq: target.seq, method: target.method, path: target.path, operationId: target.operationId, when };
    this.holding = true;
    this.signalArrival(this.held);
    await this.freed;
  }
}

/** The holds in force; the server asks it, at both points of each API request, whether to wait. */
export class HoldRegistry implements HoldsHandle {
  private holds: HoldEntry[] = [];
  private nextId = 1;

  add(rule: HoldRule): Hold {
    if ((rule.nth ?? 1) < 1 || !Number.isInteger(rule.nth ?? 1))
      throw new Error(`Invalid hold nth ${rule.nth}: pass a whole number from 1`);
    const hold = new HoldEntry(`hold_${this.nextId++}`, rule);
    this.holds.push(hold);
    return hold;
  }

  releaseAll(): void {
    for (const hold of this.holds.splice(0)) hold.release();
  }

  /** The holds that take this request, each with the point where it waits. */
  select(target: FaultTarget): HoldEntry[] {
    return this.holds.filter((hold) => hold.takes(target));
  }

  /** Waits while any of `taken` holds this request at `when`. */
  async pass(taken: HoldEntry[], target: FaultTarget, when: "before" | "after"): Promise<void> {
    for (const hold of taken) {
      if ((hold.rule.when ?? "before") === when) await hold.hold(target, when);
    }
  }
}
