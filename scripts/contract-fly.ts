// `npm run contract:fly`: compares the project's schemas of the Fly endpoints it uses
// (src/fly-emulator/testing/contract.ts) with Fly's published OpenAPI document, read from FLY_OPENAPI_PATH
// (Fly publishes it at https://docs.fly.io/api/machines/openapi.json; CI keeps a copy beside the clone).
// Exits 1 on any difference, 2 when the document is missing.
import fs from "node:fs";
import { errorResponse, FLY_OPERATIONS } from "../src/fly-emulator/testing/contract.js";
import { compareContract, type OpenApiDocument } from "./openapi-compare.js";

export function main(): number {
  const path = process.env.FLY_OPENAPI_PATH;
  if (!path || !fs.existsSync(path)) {
    console.error(
      `contract:fly needs Fly's OpenAPI document: set FLY_OPENAPI_PATH to its file (${path ? `${path} does not exist` : "it is unset"}). ` +
        "Download it from https://docs.fly.io/api/machines/openapi.json.",
    );
    return 2;
  }
  const spec = JSON.parse(fs.readFileSync(path, "utf8")) as OpenApiDocument;
  const problems = compareContract(FLY_OPERATIONS, errorResponse, spec);
  const operations = Object.keys(FLY_OPERATIONS).length;
  if (problems.length > 0) {
    console.error(
      `contract:fly: ${problems.length} difference(s) from ${path}:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    return 1;
  }
  console.log(`contract:fly: the ${operations} endpoints of src/fly-emulator/testing/contract.ts agree with ${path}`);
  return 0;
}
