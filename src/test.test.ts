/**
 * What the README tells a host app that tests with the `/test` export: the dev dependencies to install,
 * at the versions this package's own tests run on, and the Node.js range it runs on.
 */
import fs from "node:fs";
import { expect, test } from "vitest";

const README = fs.readFileSync("README.md", "utf8");
const PACKAGE = JSON.parse(fs.readFileSync("package.json", "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

test("the README's dev dependencies for a host app's tests are the versions this package is tested with", () => {
  const install = README.match(/`npm install -DE ([^`]+)`/);
  expect(install, "README: `npm install -DE …` for a host app's tests").not.toBeNull();
  const named = Object.fromEntries(
    (install?.[1] ?? "").split(" ").map((spec) => {
      const at = spec.lastIndexOf("@");
      return [spec.slice(0, at), spec.slice(at + 1)];
    }),
  );
  expect(Object.keys(named).sort()).toEqual(["@edge-runtime/vm", "@types/node", "convex-test", "vitest"]);
  for (const [name, version] of Object.entries(named)) expect(version, name).toBe(PACKAGE.devDependencies[name]);
});

test("the README states the Node.js range of package.json's engines", () => {
  expect(PACKAGE.engines.node).toBe(">=20");
  expect(README).toContain("It runs on Node.js 20 or newer (`engines` in its package.json)");
});
