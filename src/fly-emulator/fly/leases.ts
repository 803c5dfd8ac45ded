/**
 * Machine leases: acquire, refresh, release, and the check every change to a leased Machine goes through (the
 * lease's nonce in the `fly-machine-lease-nonce` header). Replies use Fly's `{status, data}` envelope.
 */
import type { Clock } from "../world/clock.js";
import type { Ids } from "../world/ids.js";
import type { LeaseRecord, MachineRecord } from "../world/model.js";
import { errorReply, leaseError } from "./errorReplies.js";
import type { LeaseEnvelopeJson } from "./jsonTypes.js";

export const LEASE_NONCE_HEADER = "fly-machine-lease-nonce";
export const DEFAULT_LEASE_TTL_S = 30; // used when neither the body nor ?ttl= gives one

/** The Machine's lease if it has not expired (an expired lease is dropped). */
export function activeLease(machine: MachineRecord, now: number): LeaseRecord | null {
  if (machine.lease && machine.lease.expiresAt <= now) machine.lease = null;
  return machine.lease;
}

/** What a lease request asks for. */
export interface LeaseRequest {
  ttlSeconds: number;
  description: string;
  nonce: string | undefined;
}

/**
 * Acquires a lease, or refreshes it when `nonce` matches the current one. While someone else holds it: 409 in
 * the lease endpoints' shape (`{status:"error", message:"… lease currently held by …", code:"invalid"}`).
 */
export function acquireLease(
  machine: MachineRecord,
  request: LeaseRequest,
  deps: { clock: Clock; ids: Ids; owner: string },
): LeaseRecord {
  const now = deps.clock.now();
  const expiresAt = now + deps.clock.scaled(request.ttlSeconds * 1000);
  const current = activeLease(machine, now);
  if (current) {
    if (request.nonce !== current.nonce) throw leaseError(409, heldMessage(machine, current), "invalid");
    current.expiresAt = expiresAt;
    current.version = machine.instanceId;
    return current;
  }
  machine.lease = {
    nonce: deps.ids.nonce(),
    owner: deps.owner,
    description: request.description,
    expiresAt,
    version: machine.instanceId,
  };
  return machine.lease;
}

/** Releases the lease; the nonce must match (lease-shaped 400/404/409 otherwise). */
export function releaseLease(machine: MachineRecord, nonce: string | undefined, now: number): void {
  if (!nonce) throw leaseError(400, `${LEASE_NONCE_HEADER} header is required to release a lease`, "invalid");
  const current = activeLease(machine, now);
  if (!current) throw leaseError(404, "lease not found", "not_found");
  if (current.nonce !== nonce)
    throw leaseError(409, `lease nonce mismatch: ${heldMessage(machine, current)}`, "invalid");
  machine.lease = null;
}

/**
 * Refuses a change to a leased Machine unless the request carries the lease's nonce: 409 with an ErrorResponse
 * body (the notes leave the status open; 409 matches the lease endpoints' own conflict). A nonce sent for a
 * Machine without a live lease is accepted.
 */
export function requireLeaseHolder(machine: MachineRecord, nonce: string | undefined, now: number): void {
  const current = activeLease(machine, now);
  if (!current || current.nonce === nonce) return;
  const prefix = nonce ? "lease nonce mismatch" : `machine ${machine.id} is leased`;
  throw errorReply(
    409,
    `${prefix}: ${heldMessage(machine, current)}; send its nonce in the ${LEASE_NONCE_HEADER} header`,
  );
}

/** The lease as Fly returns it, wrapped in `{status:"success", data}`. */
export function leaseEnvelope(lease: LeaseRecord): LeaseEnvelopeJson {
  return {
    status: "success",
    data: {
      nonce: lease.nonce,
      expires_at: Math.floor(lease.expiresAt / 1000),
      owner: lease.owner,
      version: lease.version,
      description: lease.description,
    },
  };
}

function heldMessage(machine: MachineRecord, lease: LeaseRecord): string {
  return `machine ${machine.id} lease currently held by ${lease.owner}, expires at ${new Date(lease.expiresAt).toISOString()}`;
}
