// The error kinds the API reference lists are found by following each function's code: check the
// finding against kinds the component's own tests see each function throw.
import { describe, expect, test } from "vitest";
import { ERROR_KINDS } from "../src/component/errors.js";
import * as lib from "../src/component/lib.js";
import { descriptionsByFunction, errorKindsByFunction } from "./api-errors.js";

describe("errorKindsByFunction", () => {
  const kinds = errorKindsByFunction(ERROR_KINDS);

  test("covers every public function of lib.ts", () => {
    const publicFunctions = Object.entries(lib)
      .filter(([, value]) => typeof value === "function" && "isPublic" in value)
      .map(([name]) => name);
    expect(publicFunctions.filter((name) => !kinds.has(name))).toEqual([]);
  });

  test("finds the kinds raised deep in a function's code, through helpers and other registered functions", () => {
    expect(kinds.get("approveTelegramPairing")).toEqual(
      expect.arrayContaining(["pairing_in_progress", "gateway_unhealthy", "pairing_rejected", "fly_api"]),
    );
    expect(kinds.get("provisionAgentMachine")).toEqual(
      expect.arrayContaining(["invalid_argument", "agent_exists", "fly_api", "model_not_applied"]),
    );
    expect(kinds.get("recreateAgentFromLatestSnapshot")).toContain("snapshot_unavailable");
    expect(kinds.get("rotateSecretsEncryptionKey")).toContain("wrong_encryption_key");
  }, 60_000);

  test("does not lend a function kinds only other functions raise", () => {
    expect(kinds.get("getAgentMachine")).not.toContain("fly_api");
    expect(kinds.get("stopAgentMachine")).not.toContain("pairing_in_progress");
    expect(kinds.get("clearAgentSecrets")).not.toEqual(expect.arrayContaining(["fly_api"]));
    expect(kinds.get("clearAgentSecrets")).not.toContain("not_found");
  });
});

test("descriptionsByFunction reads each function's docstring", () => {
  expect(descriptionsByFunction().get("provisionAgentMachine")).toMatch(/^Provisions a user's agent/);
});
