/**
 * Finds a Chromium for the dashboard's browser test, without root and without a download step of its own.
 * In order, the first that exists:
 * 1. `CHROMIUM_PATH`, a Chromium or Chrome executable you name;
 * 2. Playwright's installed browsers (`npx playwright install chromium`);
 * 3. a system Chromium or Chrome (Debian's `chromium`, Google Chrome, on Linux, macOS or Windows);
 * 4. on Linux x64, the headless Chromium of the `@sparticuz/chromium` dev dependency, from the npm registry:
 *    unpacked once into a folder of the temp dir (measured on this project's CI machine: it renders with
 *    playwright-core and no apt package).
 * Only when none exists does {@link findChromium} fail, and its message says how to get one.
 */
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { chromium } from "playwright-core";

/** A browser to launch, and where it was found. */
export type FoundChromium = { executablePath: string; source: string };

const SYSTEM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];
const SYSTEM_PATHS: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: [
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
  ],
  win32: [
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
  ],
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, platform() === "win32" ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function playwrightChromium(): string | undefined {
  try {
    const path = chromium.executablePath();
    return isExecutable(path) ? path : undefined;
  } catch {
    return undefined; // no build of Playwright's Chromium for this platform
  }
}

function systemChromium(): string | undefined {
  const onPath = (process.env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => SYSTEM_NAMES.map((name) => join(dir, platform() === "win32" ? `${name}.exe` : name)));
  return [...onPath, ...(SYSTEM_PATHS[platform()] ?? [])].find(isExecutable);
}

/** The version of an installed package, or undefined when it is not installed (`npm ci --omit=dev`). */
function installedVersion(name: string): string | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    return undefined;
  }
  // Its exports hide package.json: walk up from the entry point to the package's folder.
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { name: found, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version: string };
    if (found === name) return version;
  }
  return undefined;
}

/**
 * The Chromium of `@sparticuz/chromium`, unpacked into `<tmpdir>/fly-agents-chromium-<version>-<uid>`. It
 * unpacks under `os.tmpdir()` (and reuses any `chromium` already there), so point TMPDIR at a fresh staging
 * folder while it unpacks, then move the folder into place: two test runs at once never see half a binary,
 * and another user's (or version's) unpacked copy is never picked up.
 */
async function sparticuzChromium(): Promise<string | undefined> {
  if (platform() !== "linux" || arch() !== "x64") return undefined;
  const version = installedVersion("@sparticuz/chromium");
  if (version === undefined) return undefined;
  const target = join(tmpdir(), `fly-agents-chromium-${version}-${userInfo().uid}`);
  if (isExecutable(join(target, "chromium"))) return join(target, "chromium");
  const staging = mkdtempSync(`${target}.staging-`);
  const savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    const { default: sparticuz } = await import("@sparticuz/chromium");
    const unpacked = await sparticuz.executablePath();
    if (unpacked !== join(staging, "chromium"))
      throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, not ${staging} -- invariant`);
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true }); // another run moved its copy in first
    if (!existsSync(join(target, "chromium"))) throw error;
  }
  return join(target, "chromium");
}

/**
 * The first Chromium of the order above.
 * @throws Error when `CHROMIUM_PATH` names no executable, or when no browser exists at all; the message lists
 * what was tried and how to get one.
 */
export async function findChromium(): Promise<FoundChromium> {
  const named = process.env.CHROMIUM_PATH;
  if (named) {
    if (!isExecutable(named))
      throw new Error(`CHROMIUM_PATH is ${named}, which is not an executable: fix or unset it.`);
    return { executablePath: named, source: "CHROMIUM_PATH" };
  }
  const playwright = playwrightChromium();
  if (playwright) return { executablePath: playwright, source: "Playwright's browsers" };
  const system = systemChromium();
  if (system) return { executablePath: system, source: "the system's Chromium or Chrome" };
  const sparticuz = await sparticuzChromium();
  if (sparticuz) return { executablePath: sparticuz, source: "@sparticuz/chromium" };
  throw new Error(
    "The dashboard test needs Chromium and found none. It looked at CHROMIUM_PATH, Playwright's browsers, " +
      `a system Chromium or Chrome (${SYSTEM_NAMES.join(", ")} on PATH)` +
      (platform() === "linux" && arch() === "x64"
        ? " and @sparticuz/chromium (a dev dependency, which `npm ci` installs)"
        : "; @sparticuz/chromium serves Linux x64 only") +
      ". Install one (`npx playwright install chromium` needs no root), or set CHROMIUM_PATH to a Chromium or Chrome.",
  );
}
