/**
 * Machine metadata endpoints: read, upsert and delete keys, replace or merge the map. It lives in
 * `config.metadata`, so a config update replaces it too.
 */
import { z } from "zod";
import type { Clock } from "../world/clock.js";
import type { MachineRecord } from "../world/model.js";
import { errorReply, notFound } from "./errorReplies.js";
import { parseInput, stringMap } from "./input.js";
import { requireLeaseHolder } from "./leases.js";

const upsertSchema = z.looseObject({ value: z.string({ error: "must be a string" }) });
const updateSchema = z.looseObject({ metadata: stringMap, machine_version: z.string().optional() });

/**
 * Machine metadata, which lives in `config.metadata` (so a config update replaces it too). Writes do not
 * create a new Machine version; they need the lease nonce while the Machine is leased.
 */
export class MetadataStore {
  constructor(private readonly clock: Clock) {}

  /** GET …/metadata. */
  all(machine: MachineRecord): Record<string, string> {
    return { ...machine.config.metadata };
  }

  /** GET …/metadata/{key}: `{value}`, or 404. */
  get(machine: MachineRecord, key: string): { value: string } {
    const value = machine.config.metadata?.[key];
    if (value === undefined) throw notFound("metadata key");
    return { value };
  }

  /** POST …/metadata/{key} with `{value}`. */
  upsert(machine: MachineRecord, key: string, body: unknown, nonce: string | undefined): void {
    this.authorize(machine, nonce);
    const { value } = parseInput(upsertSchema, body, "body");
    this.write(machine, { ...machine.config.metadata, [key]: value });
  }

  /** DELETE …/metadata/{key}; deleting an absent key succeeds. */
  delete(machine: MachineRecord, key: string, nonce: string | undefined): void {
    this.authorize(machine, nonce);
    const { [key]: _removed, ...rest } = machine.config.metadata ?? {};
    this.write(machine, rest);
  }

  /**
   * PUT (replace the map) or PATCH (merge into it) …/metadata with `{metadata, machine_version}`: 412 when
   * `machine_version` is not the Machine's current instance id.
   */
  update(machine: MachineRecord, body: unknown, mode: "replace" | "merge", nonce: string | undefined): void {
    this.authorize(machine, nonce);
    const request = parseInput(updateSchema, body, "body");
    if (request.machine_version !== undefined && request.machine_version !== machine.instanceId) {
      throw errorReply(
        412,
        `failed_precondition: machine_version ${request.machine_version} is not the current version ${machine.instanceId}`,
      );
    }
    this.write(machine, mode === "replace" ? request.metadata : { ...machine.config.metadata, ...request.metadata });
  }

  private authorize(machine: MachineRecord, nonce: string | undefined): void {
    requireLeaseHolder(machine, nonce, this.clock.now());
  }

  private write(machine: MachineRecord, metadata: Record<string, string>): void {
    machine.config = { ...machine.config, metadata };
    machine.updatedAt = this.clock.now();
  }
}
