/**
 * The JSON shapes the emulator sends, as named in Fly's OpenAPI document. Only the fields the emulator fills
 * are listed; every field is optional in the spec.
 */

/** A Machine's configuration (fly.MachineConfig); kept as the caller sent it, apart from normalisation. */
export interface MachineConfigJson {
  image: string;
  env?: Record<string, string>;
  metadata?: Record<string, string>;
  mounts?: MachineMountJson[];
  checks?: Record<string, MachineCheckJson>;
  [field: string]: unknown;
}

/** fly.MachineMount. */
export interface MachineMountJson {
  volume: string;
  path: string;
  [field: string]: unknown;
}

/** fly.MachineCheck. */
export interface MachineCheckJson {
  type?: string;
  port?: number;
  interval?: string;
  timeout?: string;
  grace_period?: string;
  [field: string]: unknown;
}

/** CheckStatus. */
export interface CheckStatusJson {
  name: string;
  status: "passing" | "warning" | "critical";
  output: string;
  updated_at: string;
}

/** MachineEvent. */
export interface MachineEventJson {
  id: string;
  type: string;
  status: string;
  source: string;
  timestamp: number;
  request?: Record<string, unknown>;
}

/** ImageRef. */
export interface ImageRefJson {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
  labels: Record<string, string>;
}

/** StrippedLease, shown on a Machine with `include_leases`. */
export interface StrippedLeaseJson {
  owner: string;
  expires_at: number;
  description: string;
}

/** Machine. */
export interface MachineJson {
  id: string;
  name: string;
  state: string;
  region: string;
  instance_id: string;
  private_ip: string;
  created_at: string;
  updated_at: string;
  config?: MachineConfigJson;
  image_ref?: ImageRefJson;
  events?: MachineEventJson[];
  checks?: CheckStatusJson[];
  host_status?: "ok";
  nonce?: string;
  lease?: StrippedLeaseJson;
}

/** Volume. `attached_machine_id` is left out when unattached: the spec types it as a non-null string. */
export interface VolumeJson {
  id: string;
  name: string;
  state: string;
  size_gb: number;
  region: string;
  zone: string;
  encrypted: boolean;
  attached_machine_id?: string;
  created_at: string;
  fstype: string;
  snapshot_retention: number;
  auto_backup_enabled: boolean;
  host_status: "ok";
  type: "local";
  block_size?: number;
  blocks?: number;
  blocks_avail?: number;
  blocks_free?: number;
  bytes_total?: number;
  bytes_used?: number;
}

/** VolumeSnapshot. `size` is in bytes, `volume_size` in GB (the size a restored volume needs at least). */
export interface VolumeSnapshotJson {
  id: string;
  size: number;
  volume_size: number;
  digest: string;
  created_at: string;
  status: "waiting" | "running" | "created";
  retention_days: number;
}

/** The lease as Fly actually returns it: wrapped in `{status, data}` (pitfall 9 of the notes). */
export interface LeaseEnvelopeJson {
  status: "success";
  data: {
    nonce: string;
    expires_at: number;
    owner: string;
    version: string;
    description: string;
  };
}

/** WaitMachineResponse. */
export interface WaitResponseJson {
  ok: true;
  state: string;
  version: string;
  event_id: string;
}

/** flydv1.ExecResponse. */
export interface ExecResponseJson {
  exit_code: number;
  stdout: string;
  stderr: string;
}
