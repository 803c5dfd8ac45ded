import { z } from "zod";

/** The admin API's body for `PUT /__emulator/images`: an image reference and its behaviour (images.ts). */
export const openClawImageSchema = z.strictObject({
  ref: z.string().min(1),
  version: z.string().min(1).optional(),
  stateFormat: z.int().min(1).optional(),
  neverHealthy: z.boolean().optional(),
  digest: z.string().optional(),
});
