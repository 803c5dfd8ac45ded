/**
 * OpenClaw image versions, as the simulated Machines boot them, and the JSON that defines one over the admin API.
 *
 * Each image reference can be given a behaviour: the OpenClaw version it runs, the state format it writes, and
 * whether its gateway ever binds. At boot the image reads the state on the volume:
 * - state in an older format is migrated forward (and stamped with the image's version);
 * - state in a newer format than the image reads makes it refuse to start with OpenClaw's
 *   `state-migrated-no-rollback` (openclaw/openclaw#153191): only a snapshot taken before the upgrade undoes it;
 * - state last written by a newer version in the same format starts, with OpenClaw's warning
 *   "Config was last written by a newer OpenClaw" (the seed's version-drift note).
 *
 * `image_ref.digest` is derived from the reference (or set per image), so one reference always has one digest
 * and a test can tell which image a Machine runs from Fly's answer alone.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { AgentState } from "../world/model.js";

/** How one simulated OpenClaw image behaves. Every field is optional. */
export interface OpenClawImage {
  /** The OpenClaw version it runs; default: the reference's tag when it reads as a version, else "unknown". */
  version?: string;
  /** The state format it reads and writes; default 1. It migrates older state forward at boot. */
  stateFormat?: number;
  /** Its gateway never binds (a broken build): the Machine runs, its checks stay critical. Default false. */
  neverHealthy?: boolean;
  /** The manifest digest, 64 hex characters; default: the sha256 of the reference. */
  digest?: string;
}

/** An image with every default filled in. */
export interface ResolvedImage {
  ref: string;
  version: string;
  stateFormat: number;
  neverHealthy: boolean;
  digest: string;
}

/** What the image does after reading its state at boot. */
export type ImageBootVerdict = "serve" | "refuse" | "never_healthy";

const DIGEST = /^[0-9a-f]{64}$/;
const VERSION_TAG = /^v?(\d+(?:\.\d+)*)(?:[-+].*)?$/;

/** The image behaviours an emulator knows, by reference. Unknown references get the defaults. */
export class ImageCatalog {
  private readonly images = new Map<string, OpenClawImage>();

  /** Sets (or replaces) the behaviour of `ref`. Throws on a malformed field, saying which. */
  define(ref: string, image: OpenClawImage): void {
    if (ref.trim() === "" || /\s/.test(ref)) throw new Error(`Invalid image reference ${JSON.stringify(ref)}`);
    if (image.stateFormat !== undefined && !(Number.isInteger(image.stateFormat) && image.stateFormat >= 1)) {
      throw new Error(`Invalid stateFormat ${image.stateFormat} for ${ref}: pass a whole number, 1 or more`);
    }
    if (image.digest !== undefined && !DIGEST.test(image.digest)) {
      throw new Error(`Invalid digest for ${ref}: pass 64 lowercase hex characters (a sha256)`);
    }
    this.images.set(ref, { ...image });
  }

  /** The behaviour of `ref`, defaults filled in. */
  get(ref: string): ResolvedImage {
    const image = this.images.get(ref) ?? {};
    return {
      ref,
      version: image.version ?? versionFromTag(ref),
      stateFormat: image.stateFormat ?? 1,
      neverHealthy: image.neverHealthy ?? false,
      digest: image.digest ?? createHash("sha256").update(ref).digest("hex"),
    };
  }

  /** The digest `image_ref` shows for `ref`. */
  digestOf(ref: string): string {
    return this.get(ref).digest;
  }
}

/** The tag of an image reference when it reads as a version ("2026.2.1", "v1.4"), else "unknown". */
export function versionFromTag(ref: string): string {
  const [withoutDigest] = ref.split("@");
  const colon = withoutDigest.lastIndexOf(":");
  const tag = colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(colon + 1) : "";
  return VERSION_TAG.exec(tag)?.[1] ?? "unknown";
}

/** Compares dotted versions numerically; null when either is unknown. */
export function compareVersions(a: string, b: string): number | null {
  if (a === "unknown" || b === "unknown") return null;
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/**
 * The image's start-up reading the agent's state: migrates it forward, or refuses a newer format. Writes the
 * state's new format and version stamp, and logs what OpenClaw would.
 */
export function bootImage(image: ResolvedImage, agent: AgentState, log: (line: string) => void): ImageBootVerdict {
  log(`[openclaw] OpenClaw ${image.version} (${image.ref})`);
  if (agent.stateFormat > image.stateFormat) {
    log(
      `Error: state-migrated-no-rollback: the state was migrated to format ${agent.stateFormat} by OpenClaw ` +
        `${agent.writtenBy ?? "unknown"}; OpenClaw ${image.version} reads format ${image.stateFormat} and will not ` +
        "start on it. Restore a volume snapshot taken before the upgrade.",
    );
    return "refuse";
  }
  const newer = agent.writtenBy === null ? null : compareVersions(agent.writtenBy, image.version);
  if (newer !== null && newer > 0) {
    log(`Config was last written by a newer OpenClaw (${agent.writtenBy}); current version is ${image.version}.`);
  }
  if (agent.stateFormat > 0 && agent.stateFormat < image.stateFormat) {
    log(`[state] migrated state format ${agent.stateFormat} -> ${image.stateFormat}`);
  }
  agent.stateFormat = image.stateFormat;
  agent.writtenBy = image.version;
  if (image.neverHealthy) {
    log("[gateway] error: gateway failed to initialise; retrying");
    return "never_healthy";
  }
  return "serve";
}

/** The admin API's body for `PUT /__emulator/images`: an image reference and its behaviour (see `ImageCatalog`). */
export const openClawImageSchema = z.strictObject({
  ref: z.string().min(1),
  version: z.string().min(1).optional(),
  stateFormat: z.int().min(1).optional(),
  neverHealthy: z.boolean().optional(),
  digest: z.string().optional(),
});
