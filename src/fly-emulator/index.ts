/**
 * A local Fly.io Machines API emulator (Node only), held to Fly's OpenAPI contract and the behaviours in
 * FLY_API_NOTES.md, with a simulated OpenClaw image inside each Machine.
 *
 * Choices where Fly's behaviour is undocumented (⚠ in the notes):
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
 *   deadline: 408 `deadline_exceeded: …` (the command keeps running).
 * - Unknown Machine: 404 `{error:"machine not found"}`. `attached_machine_id` is left out (not null) when a
 *   volume is unattached, since the spec types it as a string.
 * - OpenClaw images (images.ts): an image refusing a newer state format (`state-migrated-no-rollback`) exits at
 *   boot and the Machine settles in `failed` after `gatewayStartupMs` (Fly's restart loop collapsed into one
 *   failure); a Machine whose config is updated while `failed` stays `failed` until it is started.
 * - Checks: `warning` within the check's `grace_period` while the gateway starts, then `passing` or `critical`.
 */
export { startFlyEmulator, type FlyEmulator } from "./emulator.js";
export { connectFlyEmulator, type FlyEmulatorClient } from "./client.js";
export type {
  FlyEmulatorOptions,
  RandomFaultKind,
  RandomFaultOptions,
  RateLimitOptions,
  RateLimitRule,
} from "./options.js";
export type { FaultAction, FaultRule, FaultsHandle, FiredFault } from "./faults.js";
export type { Hold, HeldRequest, HoldRule, HoldsHandle } from "./hold.js";
export type { FaultRuleJson } from "./faultJson.js";
export type { AgentStateView, EmulatorStateDump, FlyEmulatorState, LiveResources } from "./state.js";
export type { RequestLogEntry } from "./requestLog.js";
export { GATEWAY_LISTENING_LOG, GATEWAY_REFUSED_LOGS, OPENCLAW_BUILTIN_MODEL, type GatewayStatus } from "./openclaw.js";
export { LEASE_NONCE_HEADER } from "./leases.js";
export { DEFAULT_APP } from "./options.js";
export type { ApprovedPairing } from "./model.js";
export type { OpenClawImage } from "./images.js";
export type {
  FlyCheckStatus,
  FlyExecResponse,
  FlyLeaseEnvelope,
  FlyMachine,
  FlyMachineConfig,
  FlyMachineEvent,
  FlyVolume,
  FlyVolumeSnapshot,
  FlyWaitResponse,
} from "./flyTypes.js";
export type { FlyErrorBody, FlyErrorStatus, FlyLeaseErrorBody } from "./errors.js";
export { parseCliArgs, type CliOptions } from "./cliArgs.js";
