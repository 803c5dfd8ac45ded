/**
 * `npm run demo`: the main job, offline. Starts a Fly emulator, runs the example app in
 * convex-test's embedded runtime through a realistic session, and ends with a timeline, the
 * Fly calls made and the Fly resources left (zero).
 *
 *   npm run demo                   # one user
 *   npm run demo -- --agents 3     # a small fleet, side by side
 *   npm run demo -- --faults       # Fly fails now and then (seeded); watch it recover
 *   npm run demo -- --dashboard    # the fleet dashboard on the real component, in a browser
 */
import { bold, dim, green, red, seconds, table, yellow } from "./demo/terminal.js";
import { setTenantDefaults, userSession, type Step } from "./demo/session.js";
import { startWorld, type World } from "./demo/world.js";
import { explainErrors } from "./demo/explain.js";
import { runDashboardDemo } from "./demo/dashboard.js";
import type { FlyEmulatorOptions } from "@okrlinkhub/fly-agents/fly-emulator";

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];

export type DemoOptions = {
  agents: number;
  faults: boolean;
  rateLimits: boolean;
  timings?: FlyEmulatorOptions;
  quiet?: boolean;
  /** Serve the fleet dashboard on the example app (through the bridge) instead of the terminal session. */
  dashboard?: boolean;
  /** The dashboard's port on 127.0.0.1; default any free one. */
  port?: number;
};

export function parseArgs(args: string[]): DemoOptions {
  const options: DemoOptions = { agents: 1, faults: false, rateLimits: true };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--faults") options.faults = true;
    else if (arg === "--no-rate-limits") options.rateLimits = false;
    else if (arg === "--agents") {
      const count = Number(args[++i]);
      if (!Number.isInteger(count) || count < 1 || count > USERS.length) {
        throw new Error(`--agents takes a whole number from 1 to ${USERS.length}`);
      }
      options.agents = count;
    } else if (arg === "--dashboard") options.dashboard = true;
    else if (arg === "--port") {
      const port = Number(args[++i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("--port takes a port from 1 to 65535");
      options.port = port;
    } else {
      throw new Error(`unknown option ${arg}: use --agents N, --faults, --no-rate-limits, --dashboard or --port N`);
    }
  }
  return options;
}

/** Runs the demo; returns what happened and whether it ended clean. */
export async function runDemo(options: DemoOptions) {
  const say = options.quiet ? () => undefined : (line: string) => console.log(line);
  const world: World = await startWorld(options);
  const steps: Step[] = [];
  const started = performance.now();
  let failure: unknown;
  try {
    say(
      bold(
        `fly-agents demo: ${options.agents} agent(s), Fly emulator at ${world.fly.url}${options.faults ? ", with injected Fly failures" : ""}`,
      ),
    );
    await setTenantDefaults(world, steps, say);
    const users = USERS.slice(0, options.agents).map((subject) => ({ subject, tenantId: "acme" }));
    const results = await Promise.allSettled(users.map((user) => userSession(world, user, steps, say)));
    failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected")?.reason;
  } catch (error) {
    failure = error;
  }
  const totalMs = performance.now() - started;
  const requests = world.fly.state.requests();
  const live = world.fly.state.liveResources(world.app);
  const fired = world.fly.faults.fired();
  await world.close();
  return { steps, totalMs, requests, live, fired, failure };
}

function report(result: Awaited<ReturnType<typeof runDemo>>) {
  console.log(`\n${bold("Timeline")}`);
  console.log(
    table(
      ["who", "step", "took", "", "detail"],
      result.steps.map((s) => [s.user, s.name, seconds(s.ms), s.ok ? green("ok") : red("failed"), dim(s.note)]),
    ),
  );

  const byCall = new Map<string, { calls: number; errors: number }>();
  for (const request of result.requests) {
    const key = request.operationId ?? `${request.method} ${request.path}`;
    const entry = byCall.get(key) ?? { calls: 0, errors: 0 };
    entry.calls++;
    if (request.status === null || request.status === 0 || request.status >= 400) entry.errors++;
    byCall.set(key, entry);
  }
  console.log(`\n${bold("Fly calls made")}`);
  console.log(
    table(
      ["call", "count", "answered with an error"],
      [...byCall].map(([call, e]) => [call, String(e.calls), e.errors ? yellow(String(e.errors)) : "0"]),
    ),
  );
  const explanations = explainErrors(result.requests);
  if (explanations.length > 0) {
    console.log(`\n${bold("Why some calls were answered with an error")}`);
    for (const line of explanations) console.log(`  ${dim("·")} ${line}`);
  }
  if (result.fired.length > 0) {
    const kinds = new Map<string, number>();
    for (const hit of result.fired) {
      const kind =
        "drop" in hit.action ? "dropped connection" : "status" in hit.action ? `HTTP ${hit.action.status}` : "latency";
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    console.log(
      `  ${yellow(`${result.fired.length} injected failures`)}: ${[...kinds].map(([k, n]) => `${k} ×${n}`).join(", ")}`,
    );
  }

  console.log(`\n${bold("Fly resources left")}`);
  console.log(
    table(
      ["resource", "left"],
      [
        ["machines", result.live.machines.length === 0 ? green("0") : red(String(result.live.machines.length))],
        ["volumes", result.live.volumes.length === 0 ? green("0") : red(String(result.live.volumes.length))],
      ],
    ),
  );
}

/** `--dashboard`: serves the dashboard on the example app, plays a fleet, and serves until Ctrl+C. */
async function dashboardDemo(options: DemoOptions): Promise<number> {
  const world = await startWorld(options);
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  try {
    console.log(bold(`fly-agents demo, dashboard: the example app on the Fly emulator at ${world.fly.url}`));
    return await runDashboardDemo(world, { port: options.port, stopped, say: (line) => console.log(line) });
  } finally {
    await world.close();
  }
}

export async function main(args: string[]): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseArgs(args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (options.port !== undefined && !options.dashboard) {
    console.error("--port is the dashboard's: use it with --dashboard");
    return 2;
  }
  if (options.dashboard) return await dashboardDemo(options);
  const result = await runDemo(options);
  report(result);
  const clean = result.live.machines.length === 0 && result.live.volumes.length === 0;
  if (result.failure !== undefined) {
    console.log(
      `\n${red("✗")} a step failed: ${result.failure instanceof Error ? result.failure.message : String(result.failure)}`,
    );
    return 1;
  }
  if (!clean) {
    console.log(`\n${red("✗")} Fly resources were left behind`);
    return 1;
  }
  console.log(`\n${green("✓")} done in ${seconds(result.totalMs)}: every step succeeded and nothing was left on Fly`);
  return 0;
}
