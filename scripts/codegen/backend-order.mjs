// The order the backend gives things: it keeps keys in Rust BTreeMaps, so everything it sends back
// comes sorted byte-wise, and validators come back re-serialized with sorted object fields.

import { Buffer } from "node:buffer";

/**
 * Byte-wise (UTF-8) string order, as Rust's BTreeMap<String, _> orders keys.
 * @param {string} a
 * @param {string} b
 */
export function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * The backend parses each validator and serializes it again; object fields come back sorted
 * (they live in a BTreeMap). Union members, array elements etc. keep their order.
 * @param {string | null | undefined} json a validator's JSON, as `exportArgs()` returns it
 * @returns {string | null}
 */
export function normalizeValidatorJson(json) {
  if (json === null || json === undefined) return null;
  const parsed = JSON.parse(json);
  if (parsed === null) return null;
  return JSON.stringify(sortValidator(parsed));
}

/**
 * A copy of a parsed validator with the fields of every object (at any depth) sorted.
 * @param {any} validator
 * @returns {any}
 */
export function sortValidator(validator) {
  if (validator === null || typeof validator !== "object") return validator;
  switch (validator.type) {
    case "object": {
      const value = {};
      for (const field of Object.keys(validator.value).sort(compareBytes)) {
        const f = validator.value[field];
        value[field] = { ...f, fieldType: sortValidator(f.fieldType) };
      }
      return { ...validator, value };
    }
    case "array":
      return { ...validator, value: sortValidator(validator.value) };
    case "union":
      return { ...validator, value: validator.value.map(sortValidator) };
    case "record":
      return {
        ...validator,
        keys: sortValidator(validator.keys),
        values: { ...validator.values, fieldType: sortValidator(validator.values.fieldType) },
      };
    default:
      return validator;
  }
}
