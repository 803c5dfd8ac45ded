/**
 * Zod schemas for the parts of Fly's responses the component reads. Fly's answers are parsed
 * here, at the edge, never trusted. Shapes follow fly-machines-openapi.json; fields we do not
 * read are dropped, except a machine's `config`, which is kept whole because an update
 * replaces the whole config.
 */
import { z } from "zod";

export const machineConfigSchema = z
  .object({
    image: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type MachineConfig = z.infer<typeof machineConfigSchema>;

export const machineCheckStatusSchema = z.object({
  name: z.string().optional(),
  status: z.string().optional(),
  output: z.string().optional(),
});

/** The image a machine runs as Fly resolved it: the digest tells two builds of one tag apart. */
export const imageRefSchema = z.object({
  registry: z.string().optional(),
  repository: z.string().optional(),
  tag: z.string().optional(),
  digest: z.string().optional(),
});

/** A machine event; an exit carries `request.exit_event.exit_code`. */
export const machineEventSchema = z.object({
  type: z.string().optional(),
  status: z.string().optional(),
  timestamp: z.number().optional(),
  request: z
    .object({
      exit_event: z.object({ exit_code: z.number().optional(), oom_killed: z.boolean().optional() }).loose().optional(),
    })
    .loose()
    .nullish(),
});
export type FlyMachineEvent = z.infer<typeof machineEventSchema>;

/** What Fly answers with for every machine and volume: its id, name, state and region. */
const resourceFields = {
  id: z.string(),
  name: z.string().optional(),
  state: z.string(),
  region: z.string().optional(),
};

export const machineSchema = z.object({
  ...resourceFields,
  instance_id: z.string().optional(),
  config: machineConfigSchema.optional(),
  checks: z.array(machineCheckStatusSchema).nullish(),
  /** The image the machine actually runs, resolved by Fly: `digest` is `sha256:…`. */
  image_ref: z.object({ digest: z.string().optional() }).loose().nullish(),
  /** Newest first. */
  events: z.array(machineEventSchema).nullish(),
});
export type FlyMachine = z.infer<typeof machineSchema>;

export const volumeSchema = z.object({
  ...resourceFields,
  size_gb: z.number().optional(),
  attached_machine_id: z.string().nullish(),
});
export type FlyVolume = z.infer<typeof volumeSchema>;

export const volumeSnapshotSchema = z.object({
  id: z.string(),
  created_at: z.string().optional(),
  status: z.string().optional(),
  size: z.number().optional(),
  volume_size: z.number().optional(),
});
export type FlyVolumeSnapshot = z.infer<typeof volumeSnapshotSchema>;

export const waitResponseSchema = z.object({
  ok: z.boolean().optional(),
  state: z.string().optional(),
});

export const execResponseSchema = z.object({
  // fly-go tags exit_code omitempty: a missing code means 0.
  exit_code: z.number().optional().default(0),
  exit_signal: z.number().optional(),
  stdout: z.string().optional().default(""),
  stderr: z.string().optional().default(""),
});
export type FlyExecResult = z.infer<typeof execResponseSchema>;

export const leaseResponseSchema = z.object({
  data: z.object({
    nonce: z.string(),
    expires_at: z.number().optional(),
  }),
});

/** Fly's error bodies: `{error, status}`, or `{status, message, code}` for leases. */
export const errorBodySchema = z
  .object({
    error: z.string().optional(),
    status: z.string().optional(),
    message: z.string().optional(),
    code: z.string().optional(),
  })
  .loose();
