// @vitest-environment node
/** The order in which the dashboard's browser test looks for a Chromium, and its refusals. */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { findChromium } from "./browser.js";

let dir: string;
const saved = { CHROMIUM_PATH: process.env.CHROMIUM_PATH, PATH: process.env.PATH };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "find-chromium-"));
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Playwright's installed Chromium, if this machine has one. */
function playwrightChromium(): string | undefined {
  try {
    const path = chromium.executablePath();
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** An executable file named `name` in the test's folder. */
function executable(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, 0o755);
  return path;
}

describe("findChromium", () => {
  test("takes CHROMIUM_PATH first", async () => {
    process.env.CHROMIUM_PATH = executable("my-chrome");
    await expect(findChromium()).resolves.toEqual({ executablePath: join(dir, "my-chrome"), source: "CHROMIUM_PATH" });
  });

  test("refuses a CHROMIUM_PATH that is not an executable, rather than look elsewhere", async () => {
    process.env.CHROMIUM_PATH = join(dir, "missing");
    await expect(findChromium()).rejects.toThrow(
      /CHROMIUM_PATH is .*missing, which is not an executable: fix or unset it/,
    );
  });

  test("finds a system Chromium on PATH, after Playwright's own browsers", async () => {
    delete process.env.CHROMIUM_PATH;
    process.env.PATH = dir;
    executable("chromium");
    const playwright = playwrightChromium();
    await expect(findChromium()).resolves.toEqual(
      playwright
        ? { executablePath: playwright, source: "Playwright's browsers" }
        : { executablePath: join(dir, "chromium"), source: "the system's Chromium or Chrome" },
    );
  });
});
