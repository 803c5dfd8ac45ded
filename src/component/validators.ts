/**
 * Every validator of the component, and every type derived from one: the one import path for
 * the component's modules, its schema and the client (which re-exports what host apps need).
 * Each is defined once, in the part of `validators/` its concern names:
 * - `agents`: statuses, steps, operations, the agent record's fields, lifecycle results;
 * - `snapshots`, `audit`, `secrets`, `rollout`, `upgrade`: their records' fields and results;
 * - `arguments`: the public functions' arguments.
 *
 * Table fields are defined here and schema.ts builds the tables from them, so that return
 * validators derive from the same fields without importing the schema.
 */
export * from "./validators/agents.js";
export * from "./validators/arguments.js";
export * from "./validators/audit.js";
export * from "./validators/rollout.js";
export * from "./validators/secrets.js";
export * from "./validators/snapshots.js";
export * from "./validators/upgrade.js";
