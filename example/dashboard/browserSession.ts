/**
 * A headless Chromium on a dashboard page, for the dashboard's browser tests: the browser found by
 * `findChromium`, a fresh profile, errors the page logs collected, screenshots saved where a person looks.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { expect, test } from "vitest";
import { findChromium, type FoundChromium } from "./browser.js";

/** The first test run unpacks @sparticuz/chromium's browser (about 7 s here, longer on a loaded machine). */
export const FIND_CHROMIUM_MS = 120_000;
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOT_DIR = fileURLToPath(new URL("./screenshots", import.meta.url));

let found: Promise<FoundChromium> | undefined;
/** The browser to drive, looked for once per test file. */
export const browser = () => (found ??= findChromium());

/**
 * The test "a Chromium is found", in the file that calls this: a failure of its own, so that on a machine
 * without a browser the file fails (saying how to get one) rather than skip its tests.
 */
export function testChromiumIsFound() {
  test(
    "a Chromium is found",
    async () => {
      await expect(browser()).resolves.toMatchObject({ executablePath: expect.any(String) });
    },
    FIND_CHROMIUM_MS,
  );
}

/** A page in a fresh browser profile, and what it logged. */
export type BrowserSession = {
  page: Page;
  /** Uncaught errors, console errors and failed responses, as the page saw them. */
  errors: string[];
  /** Saves a full-page screenshot to example/dashboard/screenshots/<name>; returns its path. */
  screenshot: (name: string) => Promise<string>;
  close: () => Promise<void>;
};

/**
 * Opens `url` in a headless Chromium.
 * @param url The dashboard's URL on 127.0.0.1.
 * @param waitMs The longest a locator waits for the page to show something.
 */
export async function openBrowser(url: string, waitMs: number): Promise<BrowserSession> {
  const { executablePath } = await browser();
  const profile = mkdtempSync(join(tmpdir(), "fleet-dashboard-profile-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
    timezoneId: "UTC",
    locale: "en-US",
  });
  context.setDefaultTimeout(waitMs);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} for ${response.url()}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(url);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    page,
    errors,
    screenshot: async (name) => {
      const path = join(SCREENSHOT_DIR, name);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
