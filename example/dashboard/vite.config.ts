/**
 * The fleet dashboard's build. `vite example/dashboard` serves it, `vite build example/dashboard`
 * writes `example/dashboard/dist`. Vite compiles the TSX itself (automatic JSX runtime).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  // `npx convex dev` writes VITE_CONVEX_URL to the repository's .env.local.
  envDir: fileURLToPath(new URL("../..", import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
  },
});
