/**
 * Building the dashboard and serving its files from 127.0.0.1: for its browser tests and for
 * `npm run demo -- --dashboard`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const DASHBOARD_DIR = fileURLToPath(new URL(".", import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * Builds the dashboard with Vite.
 * @param mode "test": the in-memory data layer a test drives; "bridge": the demo's bridge at the page's origin.
 * @param outDir Where the files go (emptied first).
 */
export async function buildDashboard(mode: "test" | "bridge", outDir: string): Promise<void> {
  await build({
    configFile: join(DASHBOARD_DIR, "vite.config.ts"),
    mode,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
}

/**
 * A request handler serving the files under `dir`; `/` is its index.html, anything else missing a 404.
 * @param dir A dashboard build.
 */
export function staticFiles(dir: string) {
  const root = resolve(dir);
  return (request: IncomingMessage, response: ServerResponse) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    const file = resolve(root, `.${pathname === "/" ? "/index.html" : pathname}`);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { "content-type": "text/plain" }).end(`No ${pathname} in the dashboard build.`);
      return;
    }
    response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  };
}
