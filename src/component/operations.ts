/**
 * Operations: one run of a lifecycle action (provision, start, a rollout's step on one agent...),
 * and what every one shares: a Fly client that paces and records its calls, the ownership of the
 * agents it acts on, their redactor (redaction.ts), and one audit event at the end.
 *
 * Ownership ends in one place: `audited` runs every operation and, on every exit path, frees
 * each agent the operation still holds (`finish` frees one earlier). `openAgentOperation` opens
 * an operation on an existing agent from a public function's arguments.
 */
import type { Id } from "./_generated/dataModel.js";
import type { AgentRecord } from "./agentRecord.js";
import { internal } from "./_generated/api.js";
import type { ActionCtx } from "./_generated/server.js";
import { checkFlyAppName } from "./agentSpec.js";
import { agentNotFound, asCallerError, errorMessage, flyAgentsError } from "./errors.js";
import { FlyClient } from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import type { FlyCallRecord } from "./fly/http.js";
import { actionLifetimeMs, operationClock, waitDeadline, type OperationClock } from "./lifetime.js";
import { checkId } from "./limits.js";
import { flyPacer } from "./pacing.js";
import { agentRedactor, type Redactor } from "./redaction.js";
import { requireFlyToken, withStoredSecrets, type SecretsLookup } from "./secrets/resolve.js";
import { encryptionKeyRing, flyApiBaseUrl } from "./settings.js";
import type { OperationKind } from "./validators.js";
import type { AgentPatch } from "./agents.js";

export type FlyTarget = { flyApiToken: string; flyAppName: string; flyApiBaseUrl?: string };

export type OperationSubject = { tenantId: string; userId?: string; machineDocId?: Id<"agentMachines"> };

/** The subject of an operation on one agent, as its audit event names it. */
export function subjectOf(agent: AgentRecord): OperationSubject {
  return { tenantId: agent.tenantId, userId: agent.userId, machineDocId: agent._id };
}

export class Operation {
  readonly id: string;
  readonly startedAt = Date.now();
  readonly calls: FlyCallRecord[] = [];
  readonly fly: FlyClient;
  /** This operation's deadlines, from the lifetime of the action running it (lifetime.ts). */
  readonly clock: OperationClock;
  /** Agents this operation has taken and not yet released. */
  private readonly held = new Set<Id<"agentMachines">>();

  /**
   * @param actionStartedAt When the first operation of this action began (a fork's deadlines
   * are its parent's: they share one action); default now.
   */
  constructor(
    readonly ctx: ActionCtx,
    readonly kind: OperationKind,
    private readonly target: FlyTarget,
    /** Every secret the agent's Machine may hold; learns more from each Machine Fly returns. */
    readonly redactor: Redactor,
    actionStartedAt?: number,
    /** A stable id lets a retried step take back the agent its dead run owned (rollout/step.ts). */
    options: { id?: string } = {},
  ) {
    this.id = options.id ?? crypto.randomUUID();
    this.clock = operationClock(actionStartedAt ?? this.startedAt, actionLifetimeMs());
    redactor.add(target.flyApiToken);
    this.fly = new FlyClient({
      apiToken: target.flyApiToken,
      appName: target.flyAppName,
      baseUrl: flyApiBaseUrl(target.flyApiBaseUrl),
      pace: flyPacer(ctx, target.flyAppName),
      onCall: (call) => this.calls.push(call),
      onAnswer: (answer) => redactor.learnFromAnswer(answer),
      retryUntil: () => this.deadline,
    });
  }

  /** A further operation (its own id and audit event) on the same Fly app, by default on the same agent's secrets. */
  fork(kind: OperationKind, redactor: Redactor = this.redactor): Operation {
    return new Operation(this.ctx, kind, this.target, redactor, this.clock.startedAt);
  }

  /** When this operation is over, cleanup included: what a cleanup after a failure has until. */
  get deadline(): number {
    return this.clock.deadline;
  }

  /** When a wait of `budgetMs` starting now must end: its budget, clamped to `clock.waitsEndBy`. */
  waitUntil(budgetMs: number): number {
    return waitDeadline(this.clock, budgetMs);
  }

  /** Removes every secret in play from `text`. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /**
   * Takes ownership of the agent for this operation; returns its record.
   * @param options.takeOverStartedBefore take over an owner that started before this time (ms since epoch), even within its deadline (sweep, sync).
   * @param options.takeOverFrom take the agent from this operation, which hands it over (a recreation to the deprovision that retires the agent it replaced).
   * @throws `operation_in_progress` when another operation owns it; `invalid_state` when its status does not allow this kind; `not_found`.
   */
  async own(
    machineDocId: string,
    options: { takeOverStartedBefore?: number; takeOverFrom?: Operation } = {},
  ): Promise<AgentRecord> {
    const agent = await this.ctx.runMutation(internal.agents.beginOperation, {
      machineDocId,
      kind: this.kind,
      operationId: this.id,
      deadline: this.clock.ownedUntil,
      ...(options.takeOverStartedBefore !== undefined ? { takeOverStartedBefore: options.takeOverStartedBefore } : {}),
      ...(options.takeOverFrom ? { takeOverFrom: options.takeOverFrom.id } : {}),
    });
    this.held.add(agent._id);
    return agent;
  }

  /** Counts agents taken for this operation elsewhere (by `insertProvisioning`) as held, so they are freed with the rest. */
  holding(...machineDocIds: Array<Id<"agentMachines">>): void {
    for (const id of machineDocIds) this.held.add(id);
  }

  /**
   * Frees every agent this operation still holds; `failure` (redacted here) becomes the
   * subject's `lastError`. An agent another caller has taken over is left as it is. Never
   * throws: an agent it could not free is freed by its deadline.
   */
  async releaseAll(failure?: { machineDocId?: string; message: string }): Promise<void> {
    for (const machineDocId of [...this.held]) {
      try {
        await this.ctx.runMutation(internal.agents.endOperation, {
          machineDocId,
          operationId: this.id,
          ...(failure && failure.machineDocId === machineDocId ? { lastError: this.redact(failure.message) } : {}),
        });
      } catch {
        // The agent stays taken until its deadline; nothing better is possible from here.
      }
      this.held.delete(machineDocId);
    }
  }

  /** Updates the agent if this operation still owns it; the operation keeps it. */
  async update(machineDocId: Id<"agentMachines">, patch: AgentPatch): Promise<void> {
    await this.write(machineDocId, patch, { release: false });
  }

  /** Updates the agent if this operation still owns it, and releases it: the operation is done with it. */
  async finish(machineDocId: Id<"agentMachines">, patch: AgentPatch): Promise<void> {
    await this.write(machineDocId, patch, { release: true });
    this.held.delete(machineDocId);
  }

  private async write(machineDocId: Id<"agentMachines">, patch: AgentPatch, options: { release: boolean }) {
    const clean = { ...patch };
    if (typeof clean.lastError === "string") {
      // A failure is being recorded: read the Machine's env first, so its secrets are known.
      await this.redactor.learnExpected(this.fly);
      clean.lastError = this.redact(clean.lastError);
    }
    if (typeof clean.statusReason === "string") clean.statusReason = this.redact(clean.statusReason);
    await this.ctx.runMutation(internal.agents.updateAgent, {
      machineDocId,
      operationId: this.id,
      patch: clean,
      release: options.release,
    });
  }

  /** Records the audit event for this operation. */
  async audit(subject: OperationSubject, outcome: "succeeded" | "failed", text?: string): Promise<void> {
    const field = outcome === "failed" ? "error" : "detail";
    if (outcome === "failed") await this.redactor.learnExpected(this.fly);
    await this.ctx.runMutation(internal.audit.recordAuditEvent, {
      tenantId: subject.tenantId,
      userId: subject.userId,
      machineDocId: subject.machineDocId,
      // The stored field `operation` holds the operation's kind.
      operation: this.kind,
      outcome,
      startedAt: this.startedAt,
      durationMs: Date.now() - this.startedAt,
      ...(text !== undefined ? { [field]: this.redact(text) } : {}),
      flyCalls: this.calls.length,
      flyRequestIds: this.calls.flatMap((call) => (call.requestId ? [call.requestId] : [])),
    });
  }

  /**
   * The error to throw to the caller, always a ConvexError with a kind: ours as is, Fly's as
   * `fly_api`, anything else as `internal` with this operation's kind and id; all redacted.
   */
  toCallerError(error: unknown, machineDocId?: string): Error {
    if (error instanceof FlyApiError) {
      return flyAgentsError("fly_api", this.redactor.flyErrorMessage(error), {
        machineDocId,
        flyStatus: error.status,
        flyRequestId: error.requestId,
      });
    }
    return asCallerError(error, { operation: this.kind, operationId: this.id, machineDocId }, (text) =>
      this.redact(text),
    );
  }

  /** As `toCallerError`, once the redactor has read the env of the Machines this operation acts on. */
  async callerError(error: unknown, machineDocId?: string): Promise<Error> {
    await this.redactor.learnExpected(this.fly);
    return this.toCallerError(error, machineDocId);
  }
}

/**
 * Runs `work` as an audited operation: records success or failure (with the redacted cause),
 * rethrows failures as caller errors, and on every exit path frees each agent the operation
 * still holds (a failure is noted as the subject's `lastError`). Every operation runs through
 * here, so no exit (a check that fails after the agent was taken, a Fly refusal, a bug) leaves
 * an agent taken by an operation that has ended.
 */
export async function audited<T>(
  op: Operation,
  subject: () => OperationSubject,
  work: () => Promise<T>,
  describe?: (result: T) => string,
): Promise<T> {
  let failure: { machineDocId?: string; message: string } | undefined;
  try {
    const result = await work();
    await op.audit(subject(), "succeeded", describe?.(result));
    return result;
  } catch (error) {
    const callerError = await op.callerError(error, subject().machineDocId);
    failure = { machineDocId: subject().machineDocId, message: errorMessage(callerError) };
    await op.audit(subject(), "failed", failure.message);
    throw callerError;
  } finally {
    await op.releaseAll(failure);
  }
}

/** The arguments of a public function that acts on an existing agent. */
export type MachineTargetArgs = {
  machineDocId: string;
  flyAppName: string;
  flyApiToken?: string;
  flyApiBaseUrl?: string;
  secretsEncryptionKey?: string;
};

/**
 * Opens an operation of `kind` on an existing agent: checks the app matches the agent's, and
 * takes the Fly token from where `options.secrets` says (for `"stored"`, and for `"auto"` without
 * a `flyApiToken` when a secrets key is bound: the agent's owner's stored secrets). The agent is
 * not owned yet (`op.own`).
 * @throws `invalid_argument` (a bad id or app name, or another app than the agent's), `not_found`,
 *   `missing_secret` (no Fly token), `wrong_encryption_key`.
 */
export async function openAgentOperation(
  ctx: ActionCtx,
  kind: OperationKind,
  args: MachineTargetArgs,
  options: { secrets: SecretsLookup },
): Promise<{ op: Operation; agent: AgentRecord }> {
  checkFlyAppName(args.flyAppName);
  checkId("machineDocId", args.machineDocId);
  const agent = await ctx.runQuery(internal.agents.getAgent, { machineDocId: args.machineDocId });
  if (!agent) throw agentNotFound(args.machineDocId);
  if (agent.flyAppName !== args.flyAppName) {
    throw flyAgentsError(
      "invalid_argument",
      `Agent ${agent._id} lives in Fly app ${agent.flyAppName}, not ${args.flyAppName}. Pass flyAppName: "${agent.flyAppName}".`,
      { machineDocId: agent._id },
    );
  }
  const fromStore =
    options.secrets === "stored" ||
    (options.secrets === "auto" &&
      args.flyApiToken === undefined &&
      encryptionKeyRing(args.secretsEncryptionKey) !== null);
  const resolved = fromStore
    ? await withStoredSecrets(ctx, { tenantId: agent.tenantId, userId: agent.userId }, args)
    : args;
  const flyApiToken = requireFlyToken(resolved.flyApiToken, options);
  const redactor = await agentRedactor(ctx, agent, {
    secretsEncryptionKey: args.secretsEncryptionKey,
    secrets: [args, resolved],
    machineId: agent.machineId,
  });
  const op = new Operation(
    ctx,
    kind,
    { flyApiToken, flyAppName: agent.flyAppName, flyApiBaseUrl: args.flyApiBaseUrl },
    redactor,
  );
  return { op, agent };
}

/** The handler of a public function acting on an existing agent, as `agentHandler` makes it. */
export type AgentHandler<T, A extends MachineTargetArgs = MachineTargetArgs> = (
  ctx: ActionCtx,
  args: A,
  options: { secrets: SecretsLookup },
) => Promise<T>;

/**
 * Makes the handler of a public function acting on an existing agent: it opens an operation
 * of `kind` (`openAgentOperation`) and runs `work` in it, audited (`audited`); `describe` gives
 * the audit event's detail. `work` owns the agent itself (`op.own`), so it may first take a
 * lock or join another operation.
 */
export function agentHandler<T, A extends MachineTargetArgs = MachineTargetArgs>(
  kind: OperationKind,
  work: (op: Operation, agent: AgentRecord, args: A) => Promise<T>,
  describe?: (result: T) => string,
): AgentHandler<T, A> {
  return async (ctx, args, options) => {
    const { op, agent } = await openAgentOperation(ctx, kind, args, options);
    return await audited(
      op,
      () => subjectOf(agent),
      () => work(op, agent, args),
      describe,
    );
  };
}
