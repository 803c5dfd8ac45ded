// What the codegen's tests share: running the CLI as npm does, and writing a project to disk.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The repo: the tests run from it, as `npm test` does. */
export const REPO = process.cwd();
const CLI = path.join(REPO, "scripts", "codegen", "cli.mjs");

/** What a run printed and how it exited. */
export type Run = { code: number | null; stdout: string; stderr: string; output: string };

/**
 * Runs `node scripts/codegen/cli.mjs <args>` from the repo and waits for it.
 * @param args the CLI's arguments, e.g. ["--root", dir, "--check"]
 * @param env variables added to this process's environment
 */
export function runCodegen(args: string[], env: Record<string, string> = {}): Run {
  return collect(spawnSync(process.execPath || "node", [CLI, ...args], options(env)));
}

/**
 * Runs `npm run <script>` in the repo (`codegen` or `codegen:check`) and waits for it.
 * @param env variables added to this process's environment
 */
export function runNpmScript(script: string, env: Record<string, string> = {}): Run {
  return collect(spawnSync("npm", ["run", "--silent", script], options(env)));
}

function options(env: Record<string, string>) {
  return { cwd: REPO, encoding: "utf8" as const, timeout: 60_000, env: { ...process.env, ...env } };
}

function collect(result: { status: number | null; stdout: string; stderr: string }): Run {
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, output: result.stdout + result.stderr };
}

/**
 * Writes files under `root`, creating folders; leading whitespace of each file is dropped.
 * @param files path relative to `root` -> contents
 */
export function writeFiles(root: string, files: Record<string, string>) {
  for (const [rel, contents] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents.trimStart());
  }
}
