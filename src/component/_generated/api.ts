/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as agentRecord from "../agentRecord.js";
import type * as agentSpec from "../agentSpec.js";
import type * as agents from "../agents.js";
import type * as audit from "../audit.js";
import type * as deprovisioning from "../deprovisioning.js";
import type * as errors from "../errors.js";
import type * as fly_client from "../fly/client.js";
import type * as fly_errors from "../fly/errors.js";
import type * as fly_http from "../fly/http.js";
import type * as fly_schemas from "../fly/schemas.js";
import type * as flyState from "../flyState.js";
import type * as functions from "../functions.js";
import type * as lib from "../lib.js";
import type * as lifecycle from "../lifecycle.js";
import type * as lifetime from "../lifetime.js";
import type * as limits from "../limits.js";
import type * as listing from "../listing.js";
import type * as machineConfig from "../machineConfig.js";
import type * as openclaw from "../openclaw.js";
import type * as operations from "../operations.js";
import type * as pacing from "../pacing.js";
import type * as pairing from "../pairing.js";
import type * as placement from "../placement.js";
import type * as provisioning from "../provisioning.js";
import type * as reconcile from "../reconcile.js";
import type * as redaction from "../redaction.js";
import type * as resources from "../resources.js";
import type * as rollout_access from "../rollout/access.js";
import type * as rollout_driver from "../rollout/driver.js";
import type * as rollout_journal from "../rollout/journal.js";
import type * as rollout_queries from "../rollout/queries.js";
import type * as rollout_ready from "../rollout/ready.js";
import type * as rollout_restore from "../rollout/restore.js";
import type * as rollout_snapshot from "../rollout/snapshot.js";
import type * as rollout_start from "../rollout/start.js";
import type * as rollout_step from "../rollout/step.js";
import type * as rollout_tables from "../rollout/tables.js";
import type * as secrets_crypto from "../secrets/crypto.js";
import type * as secrets_legacy from "../secrets/legacy.js";
import type * as secrets_resolve from "../secrets/resolve.js";
import type * as secrets_rotation from "../secrets/rotation.js";
import type * as secrets_source from "../secrets/source.js";
import type * as secrets_store from "../secrets/store.js";
import type * as secrets_tenantDefaults from "../secrets/tenantDefaults.js";
import type * as settings from "../settings.js";
import type * as skills from "../skills.js";
import type * as snapshots from "../snapshots.js";
import type * as time from "../time.js";
import type * as upgrade_rows from "../upgrade/rows.js";
import type * as upgrade_v01 from "../upgrade/v01.js";
import type * as validators from "../validators.js";
import type * as validators_agents from "../validators/agents.js";
import type * as validators_arguments from "../validators/arguments.js";
import type * as validators_audit from "../validators/audit.js";
import type * as validators_rollout from "../validators/rollout.js";
import type * as validators_secrets from "../validators/secrets.js";
import type * as validators_snapshots from "../validators/snapshots.js";
import type * as validators_upgrade from "../validators/upgrade.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import { anyApi, componentsGeneric } from "convex/server";

const fullApi: ApiFromModules<{
  agentRecord: typeof agentRecord;
  agentSpec: typeof agentSpec;
  agents: typeof agents;
  audit: typeof audit;
  deprovisioning: typeof deprovisioning;
  errors: typeof errors;
  "fly/client": typeof fly_client;
  "fly/errors": typeof fly_errors;
  "fly/http": typeof fly_http;
  "fly/schemas": typeof fly_schemas;
  flyState: typeof flyState;
  functions: typeof functions;
  lib: typeof lib;
  lifecycle: typeof lifecycle;
  lifetime: typeof lifetime;
  limits: typeof limits;
  listing: typeof listing;
  machineConfig: typeof machineConfig;
  openclaw: typeof openclaw;
  operations: typeof operations;
  pacing: typeof pacing;
  pairing: typeof pairing;
  placement: typeof placement;
  provisioning: typeof provisioning;
  reconcile: typeof reconcile;
  redaction: typeof redaction;
  resources: typeof resources;
  "rollout/access": typeof rollout_access;
  "rollout/driver": typeof rollout_driver;
  "rollout/journal": typeof rollout_journal;
  "rollout/queries": typeof rollout_queries;
  "rollout/ready": typeof rollout_ready;
  "rollout/restore": typeof rollout_restore;
  "rollout/snapshot": typeof rollout_snapshot;
  "rollout/start": typeof rollout_start;
  "rollout/step": typeof rollout_step;
  "rollout/tables": typeof rollout_tables;
  "secrets/crypto": typeof secrets_crypto;
  "secrets/legacy": typeof secrets_legacy;
  "secrets/resolve": typeof secrets_resolve;
  "secrets/rotation": typeof secrets_rotation;
  "secrets/source": typeof secrets_source;
  "secrets/store": typeof secrets_store;
  "secrets/tenantDefaults": typeof secrets_tenantDefaults;
  settings: typeof settings;
  skills: typeof skills;
  snapshots: typeof snapshots;
  time: typeof time;
  "upgrade/rows": typeof upgrade_rows;
  "upgrade/v01": typeof upgrade_v01;
  validators: typeof validators;
  "validators/agents": typeof validators_agents;
  "validators/arguments": typeof validators_arguments;
  "validators/audit": typeof validators_audit;
  "validators/rollout": typeof validators_rollout;
  "validators/secrets": typeof validators_secrets;
  "validators/snapshots": typeof validators_snapshots;
  "validators/upgrade": typeof validators_upgrade;
}> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
> = anyApi as any;

export const components = componentsGeneric() as unknown as {
  rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
  rolloutPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"rolloutPool">;
};
