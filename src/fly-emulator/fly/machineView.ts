/**
 * The Machine JSON a Machine record is rendered as (full, or `summary`), with its recent events, its checks, its
 * lease when asked, and the ImageRef split from its image reference.
 */
import type { Clock } from "../world/clock.js";
import type { MachineRecord } from "../world/model.js";
import { checkStatuses } from "./checks.js";
import type { ImageRefJson, MachineJson } from "./jsonTypes.js";
import { activeLease } from "./leases.js";

const EVENTS_SHOWN = 10; // Fly returns the most recent events, newest first

/** How a Machine is rendered: `summary` drops config, events, checks and host_status (list `summary=true`). */
export interface MachineViewOptions {
  summary?: boolean;
  includeLease?: boolean;
  /** The lease nonce, shown only on the create reply when `lease_ttl` was given. */
  nonce?: string;
}

/** The Machine JSON of the OpenAPI document. */
export function machineJson(machine: MachineRecord, clock: Clock, options: MachineViewOptions = {}): MachineJson {
  const json: MachineJson = {
    id: machine.id,
    name: machine.name,
    state: machine.state,
    region: machine.region,
    instance_id: machine.instanceId,
    private_ip: machine.privateIp,
    created_at: new Date(machine.createdAt).toISOString(),
    updated_at: new Date(machine.updatedAt).toISOString(),
  };
  if (!options.summary) {
    json.config = structuredClone(machine.config);
    json.image_ref = imageRef(machine.config.image, machine.imageDigest);
    json.events = machine.events
      .slice(-EVENTS_SHOWN)
      .reverse()
      .map((event) => ({ ...event }));
    json.host_status = "ok";
    const checks = checkStatuses(machine, clock);
    if (checks.length > 0) json.checks = checks;
  }
  if (options.nonce) json.nonce = options.nonce;
  const lease = options.includeLease ? activeLease(machine, clock.now()) : null;
  if (lease)
    json.lease = { owner: lease.owner, expires_at: Math.floor(lease.expiresAt / 1000), description: lease.description };
  return json;
}

/** Splits an image reference the way Fly's ImageRef does. */
export function imageRef(image: string, digest: string): ImageRefJson {
  const [withoutDigest] = image.split("@");
  const slash = withoutDigest.indexOf("/");
  const first = slash >= 0 ? withoutDigest.slice(0, slash) : "";
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  const registry = hasRegistry ? first : "docker-hub-mirror.fly.io";
  const rest = hasRegistry ? withoutDigest.slice(slash + 1) : withoutDigest;
  const colon = rest.lastIndexOf(":");
  const hasTag = colon > rest.lastIndexOf("/"); // a colon before the last slash belongs to a registry port
  return {
    registry,
    repository: hasTag ? rest.slice(0, colon) : rest,
    tag: hasTag ? rest.slice(colon + 1) : "latest",
    digest: `sha256:${digest}`,
    labels: {},
  };
}
