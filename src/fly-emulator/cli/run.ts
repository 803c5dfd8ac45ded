/**
 * The `fly-emulator` command, apart from the process it runs in (`main.ts` gives it stdout, stderr and the
 * signals), so that tests can run it: parse the flags, start the emulator, print the env lines that point an app
 * at it, and close it on SIGINT or SIGTERM.
 */
import { startFlyEmulator, type FlyEmulator } from "../emulator.js";
import { messageOf } from "../fly/errorReplies.js";
import { CLI_USAGE, type CliOptions, parseCliArgs } from "./args.js";
import { CliUsageError } from "./values.js";

/**
 * The env vars that point the component (and the example app's `FlyAgents` client) at `emulator`:
 * `FLY_API_BASE_URL` and `FLY_API_TOKEN` are what `app.use(flyAgents, { env })` binds, and `FLY_APP_NAME` the
 * client's fallback for `flyAppName` (the emulator's first app).
 * @param emulator a running emulator.
 * @returns `[name, value]` pairs, in the order printed.
 */
export function envLines(emulator: FlyEmulator): Array<[string, string]> {
  return [
    ["FLY_API_BASE_URL", emulator.url],
    ["FLY_API_TOKEN", emulator.token],
    ["FLY_APP_NAME", emulator.state.apps()[0] ?? ""],
  ];
}

/** Where the CLI writes and how it learns it should stop. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Registers `handler` for SIGINT and SIGTERM. */
  onShutdownSignal: (handler: () => void) => void;
}

/**
 * Runs the `fly-emulator` command: starts the emulator, prints its URL and token, and closes it on SIGINT or
 * SIGTERM. Returns the exit code for a usage error or --help, or the running emulator.
 * @param argv the arguments after the program name.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
): Promise<{ exitCode: number } | { emulator: FlyEmulator; stopped: Promise<void> }> {
  let parsed: CliOptions;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.stderr(`fly-emulator: ${error.message}\n\n${CLI_USAGE}`);
    return { exitCode: 2 };
  }
  if (parsed.help) {
    io.stdout(CLI_USAGE);
    return { exitCode: 0 };
  }
  let emulator: FlyEmulator;
  try {
    emulator = await startFlyEmulator(parsed.options);
  } catch (error) {
    io.stderr(`fly-emulator: could not start: ${messageOf(error)}\n`);
    return { exitCode: 1 };
  }
  io.stdout(
    [
      `Fly Machines emulator listening on ${emulator.url} (apps: ${emulator.state.apps().join(", ")})`,
      "",
      "# The env vars the component and the example app read: paste them into a .env file your tests load,",
      "# or set each on a local deployment (`npx convex env set NAME value`):",
      ...envLines(emulator).map(([name, value]) => `${name}=${value}`),
      "",
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
  const stopped = new Promise<void>((resolve) => {
    io.onShutdownSignal(() => {
      void emulator.close().then(() => {
        io.stdout("Fly Machines emulator stopped.\n");
        resolve();
      });
    });
  });
  return { emulator, stopped };
}
