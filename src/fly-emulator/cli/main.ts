#!/usr/bin/env node
/**
 * The `fly-emulator` executable (package.json `bin`): runs the command of `run.ts` with this process's output and
 * signals.
 */
import { runCli } from "./run.js";

const result = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onShutdownSignal: (handler) => {
    process.once("SIGINT", handler);
    process.once("SIGTERM", handler);
  },
});
if ("exitCode" in result) process.exitCode = result.exitCode;
