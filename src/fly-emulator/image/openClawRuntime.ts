/**
 * The simulated OpenClaw image, one boot at a time: its entrypoint (state check, default model), the gateway that
 * listens on :3000 only with OPENCLAW_GATEWAY_TOKEN, and the CLI commands `exec` runs (health, models, pairing),
 * including the known instability of two pairing commands at once.
 */
import type { ExecResponseJson } from "../fly/jsonTypes.js";
import type { Cancel, Clock } from "../world/clock.js";
import type { AgentState } from "../world/model.js";
import { bootImage, type ResolvedImage } from "./catalog.js";

/** The model OpenClaw falls back to when neither a persisted default nor LLM_MODEL exists. */
export const OPENCLAW_BUILTIN_MODEL = "openai/gpt-5-mini";
export const GATEWAY_LISTENING_LOG = "[gateway] listening on ws://0.0.0.0:3000";
export const GATEWAY_REFUSED_LOGS = [
  "Refusing to bind gateway to lan without auth.",
  "Set gateway.auth.token/password (or OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD) ...",
] as const;

/** The simulated gateway's health, for checks and for tests. */
export interface GatewayStatus {
  /** The gateway listens on :3000. */
  ready: boolean;
  /** Broken by concurrent pairing commands; only a restart heals it. */
  unhealthy: boolean;
  /** Real time the Machine reached `started`. */
  bootedAt: number;
  /** Real time the gateway started listening in this boot, or null while it has not. */
  listeningAt: number | null;
}

/** The port OpenClaw's gateway listens on in this image. */
export const IMAGE_GATEWAY_PORT = 3000;

/** What one boot of the simulated image needs from its Machine. */
export interface OpenClawRuntimeDeps {
  clock: Clock;
  gatewayStartupMs: number;
  pairingTimeMs: number;
  env: Record<string, string>;
  agent: AgentState;
  /** The image's behaviour (version, state format, health); see `image/catalog.ts`. */
  image: ResolvedImage;
  /** The image resets the default model to its built-in one at boot (the `resetModelAtBoot` behaviour). */
  resetModelAtBoot: boolean;
  log: (line: string) => void;
  /** The image's process exits (it refused to start); the Machine then settles in `failed`. */
  exit: () => void;
}

/**
 * One boot of the simulated OpenClaw image: the gateway (which binds only with OPENCLAW_GATEWAY_TOKEN), the
 * persisted default model, and the CLI that `exec` runs. A restart builds a new runtime, which is how an
 * unhealthy gateway recovers.
 */
export class OpenClawRuntime {
  private ready = false;
  private unhealthy = false;
  private listeningAt: number | null = null;
  private brokenAt: number | null = null;
  private pairingInFlight: { collided: boolean } | null = null;
  private cancelStartup: Cancel | null = null;
  private readonly stopped = new AbortController();
  private readonly bootedAt: number;

  constructor(private readonly deps: OpenClawRuntimeDeps) {
    this.bootedAt = deps.clock.now();
  }

  /** Runs the image's entrypoint: persists the first default model, then starts (or refuses to start) the gateway. */
  start(): void {
    const { env, agent, log } = this.deps;
    log("[entrypoint] cleaning /tmp/openclaw and /tmp/openclaw-*");
    const verdict = bootImage(this.deps.image, agent, log);
    if (verdict === "refuse") {
      this.cancelStartup = this.deps.clock.after(this.deps.gatewayStartupMs, () => this.deps.exit());
      return;
    }
    const envModel = env.LLM_MODEL?.trim();
    if (agent.model === null && envModel) {
      agent.model = envModel;
      log(`[agent] persisted default model ${envModel} from LLM_MODEL`);
    } else if (agent.model !== null && envModel && envModel !== agent.model) {
      log(`[agent] keeping previously persisted default model ${agent.model} (LLM_MODEL=${envModel} not applied)`);
    }
    if (this.deps.resetModelAtBoot && agent.model !== OPENCLAW_BUILTIN_MODEL) {
      agent.model = OPENCLAW_BUILTIN_MODEL;
      log(`[doctor] config migrated: default model reset to ${OPENCLAW_BUILTIN_MODEL}`);
    }
    const devMode = env.OPENCLAW_GATEWAY_DEV_MODE === "true";
    log(
      devMode
        ? "[entrypoint] starting gateway with --dev (OPENCLAW_GATEWAY_DEV_MODE=true)"
        : "[entrypoint] starting gateway",
    );
    if (!env.OPENCLAW_GATEWAY_TOKEN?.trim()) {
      for (const line of GATEWAY_REFUSED_LOGS) log(line);
      return;
    }
    if (verdict === "never_healthy") return;
    this.cancelStartup = this.deps.clock.after(this.deps.gatewayStartupMs, () => {
      this.cancelStartup = null;
      if (this.unhealthy) return;
      this.ready = true;
      this.listeningAt = this.deps.clock.now();
      log(GATEWAY_LISTENING_LOG);
    });
  }

  /** The Machine stops: the gateway goes away and running commands are cut off. */
  stop(): void {
    this.cancelStartup?.();
    this.cancelStartup = null;
    this.ready = false;
    this.stopped.abort();
  }

  /** The gateway's current health. */
  status(): GatewayStatus {
    return { ready: this.ready, unhealthy: this.unhealthy, bootedAt: this.bootedAt, listeningAt: this.listeningAt };
  }

  /** Whether the gateway was listening at real time `at` during this boot (what a check run at `at` saw). */
  listeningAtTime(at: number): boolean {
    if (this.listeningAt === null || at < this.listeningAt) return false;
    return this.brokenAt === null || at < this.brokenAt;
  }

  /** Whether something inside the Machine accepts connections on `port` now. */
  accepts(port: number): boolean {
    return port === IMAGE_GATEWAY_PORT && this.ready;
  }

  /** Aborts when the Machine stops (commands still running are cut off). */
  get stoppedSignal(): AbortSignal {
    return this.stopped.signal;
  }

  /** Runs `node ./openclaw.mjs ...args`. */
  async run(args: readonly string[]): Promise<ExecResponseJson> {
    if (!this.ready) return this.gatewayUnreachable();
    const [group, action, ...rest] = args;
    if (group === "health") return this.health(args.slice(1));
    if (group === "models" && action === "set") return this.setModel(rest);
    if (group === "models" && action === "status") return this.modelStatus(rest);
    if (group === "pairing" && action === "approve") return this.approvePairing(rest);
    if (group === "pairing" && action === "list") return this.listPairings(rest);
    return failure(
      `error: unknown command '${args.join(" ")}'\nUsage: openclaw [health [--json] [--timeout <ms>] | models set <model> | ` +
        "models status [--plain] | pairing approve telegram <code> | pairing list telegram [--json]]\n",
    );
  }

  /** `health [--json] [--timeout <ms>]`: the gateway's health snapshot (run() already failed if it is unreachable). */
  private health(flags: string[]): ExecResponseJson {
    let json = false;
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] === "--json") json = true;
      else if (flags[i] === "--timeout" && /^\d+$/.test(flags[i + 1] ?? "")) i += 1;
      else return failure(`error: unknown option '${flags[i]}' for health\n`);
    }
    const listeningForMs = this.deps.clock.now() - (this.listeningAt ?? this.deps.clock.now());
    if (json)
      return success(`${JSON.stringify({ ok: true, gateway: { port: IMAGE_GATEWAY_PORT, listeningForMs } })}\n`);
    return success(`Gateway: ok (ws://127.0.0.1:${IMAGE_GATEWAY_PORT})\n`);
  }

  private gatewayUnreachable(): ExecResponseJson {
    const reason = this.unhealthy ? "gateway is unhealthy; restart the machine" : "connect ECONNREFUSED 127.0.0.1:3000";
    return failure(`Error: gateway not reachable at ws://127.0.0.1:3000 (${reason})\n`);
  }

  private setModel(rest: string[]): ExecResponseJson {
    const [model, ...extra] = rest;
    if (!model || extra.length > 0) return failure("error: usage: openclaw models set <model>\n");
    this.deps.agent.model = model;
    this.deps.log(`[agent] default model set to ${model}`);
    return success(`Default model set to ${model}\n`);
  }

  private modelStatus(flags: string[]): ExecResponseJson {
    const model = this.deps.agent.model ?? (this.deps.env.LLM_MODEL?.trim() || OPENCLAW_BUILTIN_MODEL);
    return success(flags.includes("--plain") ? `${model}\n` : `Default model: ${model}\n`);
  }

  /** `pairing list telegram [--json]`: JSON with `--json`, else the heading and box-drawn table meant for people. */
  private listPairings(rest: string[]): ExecResponseJson {
    const [channel, ...flags] = rest;
    if (channel !== "telegram") return failure(`error: unsupported pairing channel '${channel ?? ""}'\n`);
    if (flags.some((flag) => flag !== "--json"))
      return failure("error: usage: openclaw pairing list telegram [--json]\n");
    const pending = this.deps.agent.pendingPairings.filter((pairing) => pairing.channel === "telegram");
    if (flags.includes("--json")) {
      const requests = pending.map((pairing) => ({
        code: pairing.code,
        id: pairing.senderId,
        createdAt: pairing.requestedAt,
      }));
      return success(`${JSON.stringify({ channel, requests }, null, 2)}\n`);
    }
    if (pending.length === 0) return success(`No pending ${channel} pairing requests.\n`);
    return success(
      `Pending ${channel} pairing requests (${pending.length})\n` +
        boxTable(
          ["Code", "Sender", "Requested"],
          pending.map((pairing) => [pairing.code, pairing.senderId, pairing.requestedAt]),
        ),
    );
  }

  private async approvePairing(rest: string[]): Promise<ExecResponseJson> {
    const [channel, rawCode, ...extra] = rest;
    if (channel !== "telegram") return failure(`error: unsupported pairing channel '${channel ?? ""}'\n`);
    if (!rawCode || extra.length > 0) return failure("error: usage: openclaw pairing approve telegram <code>\n");
    const code = rawCode.toUpperCase();
    const current = this.pairingInFlight;
    if (current) {
      // The image's documented instability: two pairing commands at once wedge the gateway until a restart.
      current.collided = true;
      this.breakGateway();
      await this.deps.clock.sleep(this.deps.pairingTimeMs, this.stopped.signal);
      return failure("Error: gateway closed (1006): another pairing command is already running\n");
    }
    const operation = { collided: false };
    this.pairingInFlight = operation;
    const finished = await this.deps.clock.sleep(this.deps.pairingTimeMs, this.stopped.signal);
    if (this.pairingInFlight === operation) this.pairingInFlight = null;
    if (!finished) return failure("Error: gateway closed (1006): the machine is stopping\n");
    if (operation.collided || this.unhealthy) {
      return failure("Error: gateway closed (1006): pairing interrupted by a concurrent pairing command\n");
    }
    const agent = this.deps.agent;
    const index = agent.pendingPairings.findIndex((pairing) => pairing.channel === "telegram" && pairing.code === code);
    if (index < 0) return failure(`No pending pairing request found for code: ${code}\n`);
    const [pairing] = agent.pendingPairings.splice(index, 1);
    agent.approvedPairings.push({
      channel: "telegram",
      code,
      senderId: pairing.senderId,
      approvedAt: new Date(this.deps.clock.now()).toISOString(),
    });
    this.deps.log(`[telegram] pairing approved for code ${code}`);
    return success(`Approved telegram sender ${pairing.senderId}.\n`);
  }

  private breakGateway(): void {
    if (this.unhealthy) return;
    this.unhealthy = true;
    this.ready = false;
    this.brokenAt = this.deps.clock.now();
    this.cancelStartup?.();
    this.cancelStartup = null;
    this.deps.log("[gateway] error: concurrent pairing commands; gateway is unhealthy until the machine restarts");
  }
}

/** A table drawn with box characters, as OpenClaw's CLI prints for people. */
function boxTable(headings: string[], rows: string[][]): string {
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column].length)));
  const rule = (left: string, middle: string, right: string) =>
    `${left}${widths.map((width) => "─".repeat(width + 2)).join(middle)}${right}\n`;
  const line = (cells: string[]) => `│${cells.map((cell, column) => ` ${cell.padEnd(widths[column])} `).join("│")}│\n`;
  return rule("┌", "┬", "┐") + line(headings) + rule("├", "┼", "┤") + rows.map(line).join("") + rule("└", "┴", "┘");
}

function success(stdout: string): ExecResponseJson {
  return { exit_code: 0, stdout, stderr: "" };
}

function failure(stderr: string): ExecResponseJson {
  return { exit_code: 1, stdout: "", stderr };
}
