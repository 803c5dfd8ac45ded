/**
 * A local Fly.io Machines API emulator (Node only), held to Fly's OpenAPI contract and the behaviours in
 * FLY_API_NOTES.md, with a simulated OpenClaw image inside each Machine. This is its public entry (the package's
 * `./fly-emulator` export); README.md beside it maps its rooms.
 *
 * Where Fly is unkind the emulator is too, by default: checks trail the gateway (below), waits answer 408,
 * volumes stay attached after their Machine is destroyed, deleted volumes stay listed, exec answers 200 for a
 * failed command. The unkind behaviours of public reports are opt-in knobs (`FlyBehaviours`: settable in the
 * options, through `emulator.behaviours`, `PATCH /__emulator/behaviours` and the CLI): boots that settle in
 * `failed`, an image that resets the default model at boot, a read-after-create 404 window, full volume hosts
 * and regions out of capacity, and 429 refusal windows with `Retry-After`.
 *
 * Choices where Fly's behaviour is undocumented (⚠ in the notes):
 * - Checks: a check first runs `grace_period` after the Machine started, capped at 60 s, then every `interval`
 *   (15 s when unset, at least 1 s); its status is what the probe saw at its last run, until the next one.
 *   Before the first run it reads `warning` ("not run yet"), never `passing`. A Machine that is not running
 *   reads `critical`. Every probe targets the gateway: only port 3000 ever listens.
 * - A boot that fails (behaviour `failBoots`): after the boot time the Machine goes `starting` → `failed` with a
 *   last event `{type:"exit", status:"failed", request:{exit_event:{exit_code:1, …}, restart_count}}`; the
 *   restart policy's retries are folded into that one boot time.
 * - Capacity: a volume create in a region out of capacity answers 400 `{error:"insufficient_capacity: …",
 *   status:"insufficient_capacity"}`; a Machine create on a full host, or in such a region, answers 412 with
 *   status `volume_placement_capacity` (or `insufficient_capacity` without a volume). `region` is one region:
 *   the emulator does not resolve ordered lists (`iad,dfw`) itself.
 * - The read-after-create lag covers GET of one Machine or volume and the Machine's wait; lists show a new
 *   resource at once.
 * - `Retry-After` is sent with refusal windows (whole seconds left, at least 1) and, with
 *   `rateLimits.retryAfterHeader`, with rate-limit 429s.
 * - A change to a leased Machine without its nonce (or with a stale one): 409 `{error}` ("… lease currently
 *   held by …"). The lease endpoints' own errors use `{status:"error", message, code}` (409 held, 404
 *   "lease not found", 400 missing nonce on release). A nonce sent to an unleased Machine is accepted.
 * - Destroying a running Machine without `force=true`: 400 `failed_precondition: …`; `kill=` is ignored.
 * - Deleting an attached volume (also during the detach lag): 400 `failed_precondition: volume is currently
 *   bound to machine: <id>`; deleting it again: 404 `volume not found`.
 * - Mounting a `restoring` volume: 400 `failed_precondition: volume is not ready`.
 * - Starting a Machine in a transient state (stopping, replacing, …): 412 `failed_precondition: unable to
 *   start machine from current state: '<state>'`; starting a started Machine: 200, nothing changes.
 * - A duplicate Machine name: 409 `{error, status:"name_taken"}`.
 * - `exec` on a Machine that is not started: 400 `failed_precondition: machine is not started`; past the
 *   deadline: 408 `deadline_exceeded: …` (the command keeps running). Exec runs the OpenClaw CLI and one
 *   shell form besides: a node port probe that waits inside the Machine, trying every 100 ms (`image/shell.ts`).
 * - OpenClaw's `health`: fails at once (connection refused) while the gateway does not listen; `--timeout` is
 *   a connection timeout, so it never waits for a gateway that is still starting.
 * - Unknown Machine: 404 `{error:"machine not found"}`. `attached_machine_id` is left out (not null) when a
 *   volume is unattached, since the spec types it as a string.
 * - OpenClaw images (`image/catalog.ts`): an image refusing a newer state format (`state-migrated-no-rollback`) exits at
 *   boot and the Machine settles in `failed` after `gatewayStartupMs`, with the exit event `failBoots` gives
 *   (Fly's restart loop collapsed into one failure); a Machine whose config is updated while `failed` stays
 *   `failed` until it is started.
 */
// Starting one, and driving one in another process.
export { startFlyEmulator, type FlyEmulator } from "./emulator.js";
export {
  DEFAULT_APP,
  type FlyEmulatorOptions,
  type RandomFaultKind,
  type RandomFaultOptions,
  type RateLimitOptions,
  type RateLimitRule,
} from "./options.js";
export { connectFlyEmulator, type FlyEmulatorClient } from "./control/remote.js";
export { parseCliArgs, type CliOptions } from "./cli/args.js";

// What a test drives and reads (control/).
export type { AgentStateView, EmulatorStateDump, FlyEmulatorState, LiveResources } from "./control/state.js";
export type { FaultAction, FaultRule, FaultRuleJson, FaultsHandle, FiredFault } from "./control/faultRules.js";
export type { Hold, HeldRequest, HoldRule, HoldsHandle } from "./control/holds.js";
export type { BehavioursHandle, FlyBehaviours } from "./control/behaviours.js";
export type { RequestLogEntry } from "./control/requestLog.js";

// The simulated OpenClaw image (image/).
export {
  GATEWAY_LISTENING_LOG,
  GATEWAY_REFUSED_LOGS,
  IMAGE_GATEWAY_PORT,
  OPENCLAW_BUILTIN_MODEL,
  type GatewayStatus,
} from "./image/openClawRuntime.js";
export type { OpenClawImage } from "./image/catalog.js";
export type { ApprovedPairing } from "./world/model.js";

// Fly's side (fly/): the JSON the emulator sends, its error bodies, and the constants tests name.
export type {
  CheckStatusJson,
  ExecResponseJson,
  LeaseEnvelopeJson,
  MachineConfigJson,
  MachineEventJson,
  MachineJson,
  VolumeJson,
  VolumeSnapshotJson,
  WaitResponseJson,
} from "./fly/jsonTypes.js";
export type { FlyErrorBody, FlyErrorStatus, FlyLeaseErrorBody } from "./fly/errorReplies.js";
export { GRACE_PERIOD_CAP_MS } from "./fly/checks.js";
export { LEASE_NONCE_HEADER } from "./fly/leases.js";
